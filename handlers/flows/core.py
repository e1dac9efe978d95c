"""Built-in flows: language choice and "my information"."""

from __future__ import annotations

from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, choices_reply, finish
from handlers.i18n import N_, translator
from handlers.types import Choice, Reply
from knowledge.places import DIVISIONS, Place, parse_place
from storage import repositories as repo


def _ask_lang(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Choose your language / 请选择语言"), [("zh", "中文"), ("en", "English")])


def _on_lang(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.person.locale = answer.value or "zh"
    ctx.session.add(ctx.person)
    ctx.locale, ctx._ = ctx.person.locale, translator(ctx.person.locale)
    return finish(Reply(text=ctx._("Language set to English.")))


_LANG_ARGS = {"en": "en", "english": "en", "英文": "en", "英语": "en", "zh": "zh", "cn": "zh", "中文": "zh",
              "chinese": "zh", "汉语": "zh"}


def _lang_enter(ctx: Ctx) -> Outcome | None:
    """``/lang en`` sets the language at once; ``/lang`` alone asks."""
    chosen = _LANG_ARGS.get(str(ctx.data.pop("arg", "")).strip().lower())
    if chosen is None:
        return None
    return _on_lang(ctx, Answer(text=chosen, choice=Choice(chosen, chosen)))


LANG = Flow(
    name="lang", title=N_("Language / 语言"), start="choose", enter=_lang_enter,
    states={"choose": State(prompt=_ask_lang, handle=_on_lang)},
    commands=("/lang", "语言", "language", "lang", "切换语言"), menu_order=900,
)


def _me(ctx: Ctx) -> Outcome:
    _ = ctx._
    p = ctx.person
    roles = ", ".join(_(ROLE_LABELS.get(r, r)) for r in sorted(p.role_set())) or _(ROLE_LABELS["worker"])
    lines = [
        _("Your information"),
        _("Language: {lang}", lang="中文" if p.locale == "zh" else "English"),
        _("Roles: {roles}", roles=roles),
    ]
    if p.unit:
        lines.append(_("Union unit you act for: {unit}", unit=p.unit))
    lines.append(_("Area: {area} (type 'my area' to change it)", area=p.prefecture) if p.prefecture else
                 _("Area: not set (type 'my area' to set it, so your local union's reminders reach you)"))
    channels = sorted({i.channel for i in repo.identities_of(session=ctx.session, person_id=p.id or 0)})
    lines.append(_("Linked platforms: {channels}", channels=", ".join(channels)))
    subs = repo.subscriptions_of(session=ctx.session, person_id=p.id or 0)
    if subs:
        lines.append(_("Reminder subscriptions: {subs}", subs=", ".join(subs)))
    lines.append(_("We keep only what the measures' forms need; ID numbers are stored encrypted and shown "
                   "masked."))
    return finish(Reply(text="\n".join(lines)))


ROLE_LABELS = {"worker": N_("worker"), "trainee": N_("trainee"), "applicant": N_("applicant"),
               "clerk": N_("union clerk")}

ME = Flow(name="me", title=N_("My information"), states={}, enter=_me,
          commands=("/me", "我的信息", "my info", "me"), menu_order=800)


# -- the person's area: the prefecture whose union's broadcasts reach them (Person.prefecture) ------------
def keep_area(ctx: Ctx, text: str) -> Place:
    """The Yunnan place the person typed, kept as their prefecture (Person.prefecture, which broadcast
    segments use); Invalid when it is not recognisably one."""
    place = parse_place(text)
    if place is None:
        raise Invalid(ctx._("I do not recognise that as a prefecture of Yunnan. Examples: {examples}.",
                            examples="、".join(list(DIVISIONS)[:6])))
    ctx.person.prefecture = place.prefecture
    ctx.session.add(ctx.person)
    return place


def _ask_area(ctx: Ctx) -> Reply:
    _ = ctx._
    return choices_reply(_("Which prefecture or city of Yunnan do you work in (e.g. 昆明市, 大理州)? Your union "
                           "there can then send you its own reminders."), [("skip", _("Skip"))])


def _on_area(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    if answer.value == "skip":
        return finish(Reply(text=_("All right. You can set it any time by typing 'my area'.")))
    place = keep_area(ctx, answer.text)
    return finish(Reply(text=_("Saved: you work in {area}. Reminders from {union} will reach you.",
                               area=place.prefecture, union=place.prefecture_union)))


AREA = Flow(name="area", title=N_("My area"), start="area",
            states={"area": State(prompt=_ask_area, handle=_on_area, free_text=True)},
            commands=("/area", "我的地区", "所在地区", "修改地区", "my area"), in_menu=False)
