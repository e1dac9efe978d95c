"""Built-in flows: language choice, "my information", the person's area, and the person's own data
(what is kept, an export, deletion)."""

from __future__ import annotations

from handlers.flow import (
    LANGUAGE_SET,
    Answer,
    Ctx,
    Entry,
    Flow,
    Invalid,
    Outcome,
    State,
    choices_reply,
    finish,
    goto,
)
from handlers.i18n import N_
from handlers.notifications import programme_names
from handlers.services import exports
from handlers.services import privacy as privacy_service
from handlers.types import Attachment, Choice, Reply
from knowledge.facts.places import read_place
from knowledge.places import DIVISIONS, Place
from knowledge.text import PRIVACY_NOTICE
from storage import repo_privacy as privacy
from storage import repositories as repo


def _ask_lang(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Choose your language / 请选择语言"), [("zh", "中文"), ("en", "English")])


def _on_lang(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.set_locale(answer.value or "zh")
    return finish(Reply(text=ctx._(LANGUAGE_SET)))


_LANG_ARGS = {"en": "en", "english": "en", "英文": "en", "英语": "en", "zh": "zh", "cn": "zh", "中文": "zh",
              "chinese": "zh", "汉语": "zh"}


def _lang_enter(ctx: Ctx) -> Outcome | None:
    """``/lang en`` sets the language at once; ``/lang`` alone asks."""
    chosen = _LANG_ARGS.get(ctx.slots(Entry).arg.strip().lower())
    if chosen is None:
        return None
    return _on_lang(ctx, Answer(text=chosen, choice=Choice(chosen, chosen)))


LANG = Flow(
    name="lang", title=N_("Language / 语言"), start="choose", enter=_lang_enter, enter_to=(),
    states={"choose": State(prompt=_ask_lang, handle=_on_lang, to=())},
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
    lines.append(_("Linked platforms: {channels}", channels=", ".join(_(CHANNEL_NAMES.get(c, c)) for c in channels)))
    subs = repo.subscriptions_of(session=ctx.session, person_id=p.id or 0)
    if subs:
        lines.append(_("Reminder subscriptions: {subs}", subs=programme_names(_, ctx.locale, subs)))
    lines.append(_("We keep only what the measures' forms need; ID numbers are stored encrypted and shown "
                   "masked."))
    return finish(Reply(text="\n".join(lines)))


CHANNEL_NAMES = {"wechat": N_("WeChat"), "telegram": N_("Telegram"), "console": N_("Local console")}
ROLE_LABELS = {"worker": N_("worker"), "trainee": N_("trainee"), "applicant": N_("applicant"),
               "clerk": N_("union clerk")}

ME = Flow(name="me", title=N_("My information"), states={}, enter=_me, enter_to=(),
          commands=("/me", "我的信息", "my info", "me", "我订阅了哪些", "我订阅了什么", "我的订阅", "my subscriptions"),
          menu_order=800)


# -- the person's area: the prefecture whose union's broadcasts reach them (Person.prefecture) ------------
def keep_area(ctx: Ctx, text: str) -> Place:
    """The Yunnan place the person typed, kept as their prefecture (Person.prefecture, which broadcast
    segments use); Invalid when it is not recognisably one."""
    place = read_place(text)  # "大理州", or "我在大理上班"
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
            states={"area": State(prompt=_ask_area, handle=_on_area, free_text=True, to=())},
            commands=("/area", "我的地区", "所在地区", "修改地区", "my area"), in_menu=False)


# -- the person's own data: what is kept, an export, deletion ---------------------------------------------

def _kept_lines(ctx: Ctx, kept: privacy.Kept) -> list[str]:
    _ = ctx._
    rows = [
        (kept.accounts, _("chat accounts linked")),
        (kept.subscriptions, _("reminder subscriptions")),
        (kept.drafts, _("application forms being filled in")),
        (kept.filed_forms, _("application forms filed with a union")),
        (kept.cases, _("award cases")),
        (kept.tickets, _("tickets to union clerks")),
        (kept.enrolments, _("training classes you are on the roster of")),
        (kept.signins, _("class sign-ins")),
        (kept.pending_messages, _("messages waiting to be sent to you")),
    ]
    return [f"- {what}: {n}" for n, what in rows if n]


def _ask_privacy(ctx: Ctx) -> Reply:
    _ = ctx._
    kept = privacy.kept_about(session=ctx.session, person_id=ctx.person_id)
    lines = [_("What I keep about you:"), *_kept_lines(ctx, kept), _(PRIVACY_NOTICE)]
    return choices_reply("\n".join(lines), [("export", _("Export my data")), ("delete", _("Delete my data")),
                                            ("back", _("Back"))])


def _on_privacy(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.value == "export":
        return _export(ctx)
    if answer.value == "delete":
        return goto("confirm")
    return finish(Reply(text=ctx._("OK.")))


def _export(ctx: Ctx) -> Outcome:
    _ = ctx._
    out = exports.person_data(ctx.session, person_id=ctx.person_id)
    return finish(Reply(
        text=_("Here is everything I keep about you, as a JSON file. ID and mobile numbers are shown as "
               "'(stored encrypted)': the union office shows them to you in full on request."),
        attachments=(Attachment(kind="document", filename=out.filename, data=out.data, mime=out.mime),)))


def _export_enter(ctx: Ctx) -> Outcome:
    return _export(ctx)


def _ask_confirm(ctx: Ctx) -> Reply:
    _ = ctx._
    kept = privacy.kept_about(session=ctx.session, person_id=ctx.person_id)
    lines = [_("Delete your data? This deletes your chat accounts with me, conversations, reminder "
               "subscriptions, unfinished forms and tickets. It cannot be undone."), *_kept_lines(ctx, kept)]
    lines += _must_keep(ctx, kept)
    return choices_reply("\n".join(lines), [("yes", _("Yes, delete")), ("no", _("No, keep it"))])


def _must_keep(ctx: Ctx, kept: privacy.Kept) -> list[str]:
    _ = ctx._
    lines = []
    if kept.cases or kept.filed_forms:
        lines.append(_("Kept: your award cases and the forms filed with a union ({n}), without your name in "
                       "this chat and without your chat accounts: a title can be reviewed or revoked later "
                       "(Yunling Craftsman measures, Art. 33; three-year reviews), so the union must keep "
                       "its record.", n=kept.cases + kept.filed_forms))
    if kept.enrolments:
        lines.append(_("Kept: your training roster entries and sign-ins ({n} sign-ins), no longer linked to "
                       "this chat: the training fund's ledger must keep the roster and the sign-in sheets "
                       "(Skills Training Fund Measures, Art. 20).", n=kept.signins))
    return lines


def _on_confirm(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    if answer.value != "yes":
        return finish(Reply(text=_("Nothing was deleted.")))
    kept = privacy_service.delete_person_data(ctx.session, person_id=ctx.person_id)
    lines = [_("Your data has been deleted. If you write again, I will treat you as a new person.")]
    lines += _must_keep(ctx, kept)
    return finish(Reply(text="\n".join(lines)))


PRIVACY = Flow(
    name="privacy", title=N_("My data: what is kept, export, delete"), start="act",
    states={"act": State(prompt=_ask_privacy, handle=_on_privacy, to=("confirm",)),
            "confirm": State(_ask_confirm, _on_confirm, to=())},
    commands=("/privacy", "隐私", "我的数据", "my data", "privacy"), menu_order=810,
)
EXPORT_DATA = Flow(
    name="export_data", title=N_("Export my data"), states={}, enter=_export_enter, enter_to=(), in_menu=False,
    commands=("导出我的信息", "导出我的数据", "export my data", "/export_my_data"),
)
DELETE_DATA = Flow(
    name="delete_data", title=N_("Delete my data"), start="confirm", in_menu=False,
    states={"confirm": State(_ask_confirm, _on_confirm, to=())},
    commands=("删除我的信息", "删除我的数据", "delete my data", "/delete_my_data"),
)
