"""Built-in flows: language choice and "my information"."""

from __future__ import annotations

from handlers.flow import Answer, Ctx, Flow, Outcome, State, choices_reply, finish
from handlers.i18n import N_, translator
from handlers.types import Reply
from storage import repositories as repo


def _ask_lang(ctx: Ctx) -> Reply:
    return choices_reply(ctx._("Choose your language / 请选择语言"), [("zh", "中文"), ("en", "English")])


def _on_lang(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.person.locale = answer.value or "zh"
    ctx.session.add(ctx.person)
    ctx.locale, ctx._ = ctx.person.locale, translator(ctx.person.locale)
    return finish(Reply(text=ctx._("Language set to English.")))


LANG = Flow(
    name="lang", title=N_("Language / 语言"), start="choose",
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
