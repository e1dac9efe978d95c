"""Clerk broadcasts ("群发通知", /broadcast): compose a message for a segment of the clerk's unit, preview it
with the recipient count, send now or schedule it, approve the reminders proposed by the calendar job,
cancel before it goes, and read the delivery report. Clerks only (the dispatcher refuses others politely
and logs it). Sending happens in ``bot.delivery``; this flow only writes rows."""

from __future__ import annotations

import json
import re
from datetime import datetime

from handlers.choices import is_sentence, resolve
from handlers.dates import parse_moment
from handlers.fields import word_of
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, choices_reply, finish, goto
from handlers.i18n import N_
from handlers.notifications import PROGRAMME_CHOICES, fmt_date, unit_scope
from handlers.services import broadcasts
from handlers.services.errors import InvalidInput
from handlers.types import Choice, Reply
from knowledge.rules import case_stages as cs
from storage import repo_cases as rc
from storage import repo_outbox as ro
from storage.models_cases import Broadcast

MAX_TEXT = broadcasts.MAX_TEXT
STATUS_TITLES = {"draft": N_("draft"), "scheduled": N_("scheduled"), "sending": N_("sending"), "done": N_("done"),
                 "cancelled": N_("cancelled")}


def _broadcast(ctx: Ctx) -> Broadcast | None:
    return rc.broadcast_for_unit(session=ctx.session, broadcast_id=int(ctx.data.get("broadcast_id", 0)),
                                 unit=ctx.clerk_unit)


def _local(ctx: Ctx, when: datetime | None) -> str:
    if when is None:
        return "-"
    return rc.as_utc(when).astimezone(ctx.now.tzinfo).strftime("%Y-%m-%d %H:%M")


def _line(ctx: Ctx, b: Broadcast) -> str:
    _ = ctx._
    text = b.text.replace("\n", " ")
    return f"#{b.id} [{_(STATUS_TITLES.get(b.status, b.status))}] {_local(ctx, b.scheduled_at)} · " \
           f"{text[:40]}{'…' if len(text) > 40 else ''}"


def _pick(ctx: Ctx, answer: Answer, statuses: tuple[str, ...]) -> Broadcast:
    digits = re.sub(r"\D", "", answer.text)
    b = rc.broadcast_for_unit(session=ctx.session, broadcast_id=int(digits[:9]), unit=ctx.clerk_unit) \
        if digits else None
    if b is None or b.status not in statuses:
        raise Invalid(ctx._("Please type the number of one of the broadcasts listed."))
    ctx.data["broadcast_id"] = b.id
    return b


# -- menu ------------------------------------------------------------------------------------------
def _ask_menu(ctx: Ctx) -> Reply:
    _ = ctx._
    return choices_reply(_("Broadcasts of {unit}:", unit=ctx.clerk_unit), [
        ("new", _("Write a new message")), ("drafts", _("Drafts and proposed reminders")),
        ("cancel", _("Cancel a scheduled message")), ("report", _("Delivery reports")),
    ])


def _option_or_text(ctx: Ctx, answer: Answer, offered: tuple[Choice, ...]) -> str | None:
    """The option the answer picks (tapped, numbered, or a label typed near enough); None when it is the message
    itself, typed before its step ("提醒：12月10日前报培训总结", longer than any option), which is kept as the
    message's text (the preview shows it before anything is sent)."""
    if answer.value is not None:
        return answer.value
    if (picked := resolve(answer.text, offered)) is not None:
        return picked.value
    if is_sentence(answer.text, offered):
        try:
            ctx.data["pending_text"] = broadcasts.check_text(answer.text)
        except InvalidInput as exc:
            raise Invalid(exc.text(ctx._)) from exc
        return None
    raise Invalid(ctx._("Please answer with one of the options (a number is enough)."))


TEXT_KEPT = N_("I will use what you typed as the message; you will see it before it goes.")


def _menu_pick(ctx: Ctx, answer: Answer) -> str:
    """The menu's option the answer picks; the message itself typed here is a new message with that text."""
    return _option_or_text(ctx, answer, _ask_menu(ctx).choices) or "new"


def _listing(ctx: Ctx, statuses: tuple[str, ...], question: str) -> Reply:
    rows = rc.broadcasts_of_unit(session=ctx.session, unit=ctx.clerk_unit, statuses=statuses)
    return Reply(text="\n".join([question, *(_line(ctx, b) for b in rows)]))


def _on_menu(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    value = _menu_pick(ctx, answer)
    if value == "new":
        if "pending_text" in ctx.data:
            return goto("segment", Reply(text=_(TEXT_KEPT)))
        return goto("segment")
    statuses = {"drafts": ("draft",), "cancel": ("scheduled", "sending"),
                "report": ("sending", "done", "cancelled")}[value]
    if not rc.broadcasts_of_unit(session=ctx.session, unit=ctx.clerk_unit, statuses=statuses):
        note = _nobody_note(ctx) if value == "drafts" else ""
        return finish(Reply(text="\n".join(t for t in (_("There is nothing here yet."), note) if t)))
    return goto({"drafts": "pick_draft", "cancel": "pick_cancel", "report": "pick_report"}[value])


# -- compose ---------------------------------------------------------------------------------------
def _ask_segment(ctx: Ctx) -> Reply:
    _ = ctx._
    options = [("applicants", _("Applicants of our cases (by programme or stage)")),
               ("subscribers", _("Subscribers of a programme in our area"))]
    if rc.training_available():
        options.insert(1, ("class", _("Trainees of one of our classes")))
    return choices_reply(_("Who should receive it?"), options)


def _on_segment(ctx: Ctx, answer: Answer) -> Outcome:
    kind = _option_or_text(ctx, answer, _ask_segment(ctx).choices)
    if kind is None:  # the message typed here: kept, and whom to send it to asked again
        return goto("segment", Reply(text=ctx._(TEXT_KEPT)))
    ctx.data["segment"] = {"kind": kind}
    return goto("class_code" if kind == "class" else "programme")


def _ask_programme(ctx: Ctx) -> Reply:
    _ = ctx._
    kind = ctx.data["segment"]["kind"]
    options = cs.PROGRAMME_TITLES if kind == "applicants" else PROGRAMME_CHOICES
    extra = [("any", _("All programmes"))] if kind == "applicants" else []
    return choices_reply(_("Which programme?"), [*extra, *((k, _(v)) for k, v in options.items())])


def _on_programme(ctx: Ctx, answer: Answer) -> Outcome:
    seg = ctx.data["segment"]
    seg["programme"] = None if answer.value == "any" else answer.value
    if seg["kind"] == "subscribers":
        ctx.data["segment"] = broadcasts.build_segment(session=ctx.session, unit=ctx.clerk_unit,
                                                       kind="subscribers", programme=answer.value or "")
        return _to_text(ctx)
    return goto("stage") if seg["programme"] else _to_text(ctx)


def _ask_stage(ctx: Ctx) -> Reply:
    _ = ctx._
    stages = cs.stages(ctx.data["segment"]["programme"])
    return choices_reply(_("At which stage?"), [("any", _("Any stage")), *((s.key, _(s.title)) for s in stages)])


def _on_stage(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.data["segment"]["stage"] = None if answer.value == "any" else answer.value
    return _to_text(ctx)


def _ask_class(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("The class code (e.g. KM2603):"))


def _on_class(ctx: Ctx, answer: Answer) -> Outcome:
    if word_of(answer.text) == "back":  # "返回" is no class code: whom to send it to, asked again
        return goto("segment")
    try:
        ctx.data["segment"] = broadcasts.build_segment(session=ctx.session, unit=ctx.clerk_unit, kind="class",
                                                       class_code=answer.text)
    except InvalidInput as exc:
        raise Invalid(exc.text(ctx._)) from exc
    return _to_text(ctx)


def _to_text(ctx: Ctx) -> Outcome:
    """On to the message's text: asked, or the one typed at the menu, made into the draft to preview."""
    if (text := ctx.data.pop("pending_text", None)) is not None:
        return _draft(ctx, text)
    return goto("text")


def _ask_text(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("Type the message (up to {n} characters). It is sent as written, headed with the "
                            "name of your unit.", n=MAX_TEXT))


def _on_text(ctx: Ctx, answer: Answer) -> Outcome:
    try:
        text = broadcasts.check_text(answer.text)
    except InvalidInput as exc:
        raise Invalid(exc.text(ctx._)) from exc
    return _draft(ctx, text)


def _draft(ctx: Ctx, text: str) -> Outcome:
    b = broadcasts.create_draft(session=ctx.session, author_person_id=ctx.person_id, unit=ctx.clerk_unit,
                            segment=ctx.data["segment"], text=text, now=ctx.now)
    assert b is not None
    ctx.data["broadcast_id"] = b.id
    return goto("preview")


# -- preview, schedule -----------------------------------------------------------------------------
def _ask_preview(ctx: Ctx) -> Reply:
    _ = ctx._
    b = _broadcast(ctx)
    assert b is not None
    count = broadcasts.recipient_count(session=ctx.session, unit=b.unit, segment=json.loads(b.segment))
    lines = [_("Preview of broadcast #{id} — {count} recipients:", id=b.id, count=count), "", b.text, ""]
    roster = broadcasts.roster_size(session=ctx.session, segment=json.loads(b.segment))
    if count == 0:
        lines.append(_("Nobody matches these recipients yet: sent now, it would reach no one."))
    if roster is not None and count < roster:
        # A roster line reaches a trainee's chat once a sign-in (in this class or another) proved the ID number.
        lines.append(_("{count} of the {roster} trainees on the roster can be reached here: a trainee's chat is "
                       "known from their first sign-in, in this class or an earlier one. Send the others the "
                       "notice through the training unit.", count=count, roster=roster))
    if b.relevant_until:
        lines.append(_("Relevant until {when}; after that it will not be sent.", when=_local(ctx, b.relevant_until)))
    return choices_reply("\n".join(lines), [
        ("now", _("Send now")), ("later", _("Schedule for a time")), ("edit", _("Change the text")),
        ("keep", _("Keep as draft")), ("discard", _("Discard")),
    ])


def _on_preview(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    b = _broadcast(ctx)
    if b is None:
        return finish(Reply(text=_("This broadcast is no longer available.")))
    if answer.value == "later":
        return goto("when")
    if answer.value == "keep":
        return finish(Reply(text=_("Saved as draft #{id}.", id=b.id)))
    if answer.value == "edit":  # the text typed again makes a new draft for the same recipients; this one is dropped
        broadcasts.set_status(session=ctx.session, broadcast=b, status="cancelled", from_statuses=("draft",),
                              actor=ctx.person_id, now=ctx.now)
        ctx.data["segment"] = json.loads(b.segment)
        return goto("text")
    if answer.value == "discard":
        broadcasts.set_status(session=ctx.session, broadcast=b, status="cancelled", from_statuses=("draft",),
                                actor=ctx.person_id, now=ctx.now)
        return finish(Reply(text=_("Broadcast #{id} discarded.", id=b.id)))
    return _schedule(ctx, b, ctx.now)


def _schedule(ctx: Ctx, b: Broadcast, when: datetime) -> Outcome:
    _ = ctx._
    if not broadcasts.schedule(session=ctx.session, broadcast=b, when=when, actor=ctx.person_id, now=ctx.now):
        return finish(Reply(text=_("This broadcast has already been handled.")))
    if when <= ctx.now:
        return finish(Reply(text=_("Broadcast #{id} is on its way. Ask for its delivery report under 'Delivery "
                                   "reports'.", id=b.id)))
    return finish(Reply(text=_("Broadcast #{id} is scheduled for {when}. You can cancel it until then.", id=b.id,
                               when=_local(ctx, when))))


def _ask_when(ctx: Ctx) -> Reply:
    return Reply(text=ctx._("When should it go? Type a date and time, e.g. 2026-04-01 09:00."))


def _on_when(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    if word_of(answer.text) == "back":  # the preview's choices again (send now, change the text…)
        return goto("preview")
    moment = parse_moment(answer.text, ctx.now.date())  # "2026-04-01 09:00", "明天上午9点", "Dec 10 9am"
    if moment is None:
        raise Invalid(_("Please type a date and time such as 2026-04-01 09:00."))
    day, at = moment
    when = datetime(day.year, day.month, day.day, at.hour, at.minute, tzinfo=ctx.now.tzinfo)
    if when <= ctx.now:
        raise Invalid(_("That time has passed; please choose a later one."))
    b = _broadcast(ctx)
    if b is None:
        return finish(Reply(text=_("This broadcast is no longer available.")))
    return _schedule(ctx, b, when)


# -- drafts, cancel, report ------------------------------------------------------------------------
def _ask_pick_draft(ctx: Ctx) -> Reply:
    listing = _listing(ctx, ("draft",), ctx._("Which draft? Type its number."))
    note = _nobody_note(ctx)
    return Reply(text=f"{listing.text}\n{note}" if note else listing.text)


def _nobody_note(ctx: Ctx) -> str:
    """Why no deadline reminder is proposed, when nobody the unit may address has subscribed to them."""
    spec = {"kind": "subscribers", "programme": "training", **unit_scope(ctx.clerk_unit)}
    if rc.segment_recipients(session=ctx.session, unit=ctx.clerk_unit, spec=spec):
        return ""
    return ctx._("No training deadline reminders are proposed for {unit}: nobody it may address has subscribed "
                 "to training reminders yet (they subscribe with 'subscribe').", unit=ctx.clerk_unit)


def _on_pick_draft(ctx: Ctx, answer: Answer) -> Outcome:
    if word_of(answer.text) == "back":  # no broadcast's number: the broadcasts' menu again, not this list
        return goto("menu")
    _pick(ctx, answer, ("draft",))
    return goto("preview")


def _ask_pick_cancel(ctx: Ctx) -> Reply:
    return _listing(ctx, ("scheduled", "sending"), ctx._("Cancel which broadcast? Type its number."))


def _on_pick_cancel(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    if word_of(answer.text) == "back":
        return goto("menu")
    b = _pick(ctx, answer, ("scheduled", "sending"))
    held = broadcasts.cancel(session=ctx.session, broadcast=b, actor=ctx.person_id, now=ctx.now)
    if held is None:
        return finish(Reply(text=_("This broadcast has already been handled.")))
    if held:
        return finish(Reply(text=_("Broadcast #{id} cancelled; {n} messages not yet sent were held back.", id=b.id,
                                   n=held)))
    return finish(Reply(text=_("Broadcast #{id} cancelled before it went.", id=b.id)))


def _ask_pick_report(ctx: Ctx) -> Reply:
    return _listing(ctx, ("sending", "done", "cancelled"), ctx._("Report of which broadcast? Type its number."))


def _on_pick_report(ctx: Ctx, answer: Answer) -> Outcome:
    _ = ctx._
    if word_of(answer.text) == "back":
        return goto("menu")
    b = _pick(ctx, answer, ("sending", "done", "cancelled"))
    rep = ro.report(session=ctx.session, broadcast_id=b.id or 0)
    lines = [_("Delivery report of broadcast #{id} ({status}):", id=b.id, status=_(STATUS_TITLES[b.status])),
             _("Sent: {n}", n=rep.sent), _("Pending: {n}", n=rep.pending), _("Failed: {n}", n=rep.failed)]
    lines += [f"  · {reason}: {n}" for reason, n in sorted((rep.reasons or {}).items())]
    if rep.cancelled:
        lines.append(_("Held back by cancellation: {n}", n=rep.cancelled))
    if b.finished_at:
        lines.append(_("Finished: {when}", when=fmt_date(ctx.locale, rc.as_utc(b.finished_at)
                                                           .astimezone(ctx.now.tzinfo).date())))
    return finish(Reply(text="\n".join(lines)))


BROADCAST = Flow(
    name="broadcast", title=N_("Broadcasts (clerks)"), start="menu", roles=frozenset({"clerk"}),
    states={
        # Free text: the message itself may be typed at the menu (_menu_pick).
        "menu": State(prompt=_ask_menu, handle=_on_menu, free_text=True, prose=True,
                      to=("segment", "pick_draft", "pick_cancel", "pick_report")),
        "segment": State(prompt=_ask_segment, handle=_on_segment, free_text=True, prose=True,
                         to=("segment", "class_code", "programme")),
        "programme": State(prompt=_ask_programme, handle=_on_programme, to=("stage", "text", "preview")),
        "stage": State(prompt=_ask_stage, handle=_on_stage, to=("text", "preview")),
        "class_code": State(prompt=_ask_class, handle=_on_class, free_text=True, to=("segment", "text", "preview")),
        "text": State(prompt=_ask_text, handle=_on_text, free_text=True, prose=True, to=("preview",)),
        "preview": State(prompt=_ask_preview, handle=_on_preview, to=("when", "text")),
        "when": State(prompt=_ask_when, handle=_on_when, free_text=True, to=("preview",)),
        "pick_draft": State(prompt=_ask_pick_draft, handle=_on_pick_draft, free_text=True, to=("preview", "menu")),
        "pick_cancel": State(prompt=_ask_pick_cancel, handle=_on_pick_cancel, free_text=True, to=("menu",)),
        "pick_report": State(prompt=_ask_pick_report, handle=_on_pick_report, free_text=True, to=("menu",)),
    },
    commands=("/broadcast", "群发通知", "群发", "broadcast"), menu_order=510,
)
