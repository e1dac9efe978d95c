"""The Broadcasts page of the console: compose a message to a segment of the clerk's unit (the segments the
chat's ``/broadcast`` offers) with a live count of recipients and a preview per platform and language, send it
now or schedule it (Asia/Shanghai), cancel it, and read its delivery report with a chart drawn here as SVG.

Everything goes through :mod:`handlers.services.broadcasts`; another unit's broadcast is 404."""

from __future__ import annotations

import html
import json
import secrets
from datetime import datetime
from typing import Any

from bot.backoffice.core import Missing, Page, Redirect, View, url
from bot.render import render_text
from handlers.i18n import N_, translator
from handlers.notifications import PROGRAMME_CHOICES
from handlers.services import broadcasts as svc
from handlers.services.errors import InvalidInput
from knowledge.rules import case_stages as cs
from storage import repo_cases as rc
from storage.models_cases import Broadcast

STATUS = {"draft": N_("draft"), "scheduled": N_("scheduled"), "sending": N_("sending"), "done": N_("done"),
          "cancelled": N_("cancelled")}
KINDS = {"applicants": N_("Applicants of our cases (by programme or stage)"),
         "class": N_("Trainees of one of our classes"),
         "subscribers": N_("Subscribers of a programme in our area")}
DONE = {"scheduled": N_("The broadcast is scheduled. You can cancel it until it goes."),
        "sent": N_("The broadcast is on its way; this report fills as messages are delivered."),
        "cancelled": N_("The broadcast is cancelled.")}
CHART_W, CHART_H = 360, 120


def _segment(v: View, values: dict[str, str]) -> dict[str, Any]:
    return svc.build_segment(session=v.session, unit=v.clerk.unit, kind=values.get("kind", ""),
                             programme=values.get("programme", ""), stage=values.get("stage", ""),
                             class_code=values.get("class_code", "")[:20])


def _values(source: Any) -> dict[str, str]:
    return {k: str(source.get(k, ""))[:svc.MAX_TEXT + 10] for k in
            ("kind", "programme", "stage", "class_code", "text", "when", "request")}


def _fmt(v: View) -> Any:
    return lambda when: rc.as_utc(when).astimezone(v.tz).strftime("%Y-%m-%d %H:%M") if when else "-"


def _compose_page(v: View, *, values: dict[str, str], error: str = "", params: dict[str, Any] | None = None,
                  status: int = 200) -> Page:
    rows = rc.broadcasts_of_unit(session=v.session, unit=v.clerk.scope, limit=30)
    return Page("broadcasts.html", {
        "rows": rows, "labels": STATUS, "values": values, "kinds": KINDS, "programmes": PROGRAMME_CHOICES,
        "stages": [(p, t, cs.stages(p)) for p, t in cs.PROGRAMME_TITLES.items()],
        "training": rc.training_available(), "error": error, "error_params": params or {}, "tz": v.tz,
        "preview": _preview(v, values), "fmt": _fmt(v), "max_text": svc.MAX_TEXT, "tab": "broadcasts"}, status=status)


def broadcast_list(v: View) -> Page:
    if not v.clerk.unit:
        raise Missing("unit")
    return _compose_page(v, values={"kind": "applicants", "request": secrets.token_urlsafe(24)})


def _preview(v: View, values: dict[str, str]) -> dict[str, Any]:
    """The recipient count (or why there is none) and the message per platform and language."""
    try:
        segment = _segment(v, values)
        count: int | None = svc.recipient_count(session=v.session, unit=v.clerk.unit, segment=segment)
        problem = ""
    except InvalidInput as exc:
        count, problem = None, exc.text(v._)
    from bot.telegram.render import (
        render as telegram_render,  # here: bot.telegram imports the web app's routes
    )

    text = values.get("text", "").strip()[:svc.MAX_TEXT] or v._("(your message)")
    shown = []
    for locale, language in (("zh", N_("Chinese")), ("en", N_("English"))):
        reply = svc.preview(locale, v.clerk.unit, text)
        shown.append((language, "wechat", render_text(reply)))
        shown.append((language, "telegram", "\n".join(html.unescape(o.html) for o in
                                                      telegram_render(reply, translator(locale)) if o.html)))
    return {"count": count, "problem": problem, "shown": shown}


def recipients(v: View) -> Page:
    """The htmx fragment under the form: the count and the previews, as the segment or the text change."""
    return Page("broadcast_preview.html", {"preview": _preview(v, _values(v.query))})


def _when(v: View, text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=v.tz)
    except ValueError as exc:
        raise InvalidInput(N_("Please type a date and time such as 2026-04-01 09:00.")) from exc


def broadcast_create(v: View) -> Page | Redirect:
    if not v.clerk.unit:
        raise Missing("unit")
    values = _values(v.form)
    try:
        when = _when(v, values["when"])
        b = svc.compose(session=v.session, author_person_id=v.clerk.person_id, unit=v.clerk.unit,
                        segment=_segment(v, values), text=values["text"], now=v.now, when=when,
                        request_key=values["request"][:64])
    except InvalidInput as exc:
        return _compose_page(v, values=values, error=exc.message, params=exc.params, status=400)
    v.audit = ("console.broadcast.create", f"broadcast:{b.id}")
    later = b.scheduled_at is not None and rc.as_utc(b.scheduled_at) > v.now
    return Redirect(url(f"/broadcasts/{b.id}", done="scheduled" if later else "sent"))


def _broadcast(v: View) -> Broadcast:
    b = v.session.get(Broadcast, v.int_param("broadcast_id"))
    if b is None or not v.clerk.sees(b.unit):
        raise Missing("broadcast")
    return b


def chart(timeline: list[tuple[datetime, int, int]], tz: Any) -> dict[str, Any]:
    """Bars of sent (and failed, stacked above) per span, scaled to the highest; coordinates for the SVG."""
    top = max((s + f for _t, s, f in timeline), default=0) or 1
    width = CHART_W / max(len(timeline), 1)
    bars = []
    for i, (start, sent, failed) in enumerate(timeline):
        hs, hf = (CHART_H - 20) * sent / top, (CHART_H - 20) * failed / top
        bars.append({"x": round(i * width + 1, 1), "w": round(width - 2, 1), "sent": sent, "failed": failed,
                     "ys": round(CHART_H - 14 - hs, 1), "hs": round(hs, 1), "yf": round(CHART_H - 14 - hs - hf, 1),
                     "hf": round(hf, 1), "label": start.astimezone(tz).strftime("%H:%M")})
    return {"bars": bars, "w": CHART_W, "h": CHART_H, "top": top}


def broadcast_page(v: View) -> Page:
    b = _broadcast(v)
    rep = svc.delivery_report(session=v.session, broadcast_id=b.id or 0)
    v.audit = ("console.view", f"broadcast:{b.id}")
    segment = json.loads(b.segment)
    return Page("broadcast.html", {
        "b": b, "labels": STATUS, "rep": rep, "chart": chart(rep.timeline or [], v.tz), "tz": v.tz,
        "kind": KINDS.get(segment.get("kind", ""), ""), "segment": segment, "programmes": PROGRAMME_CHOICES,
        "count": svc.recipient_count(session=v.session, unit=b.unit, segment=segment),
        "done": DONE.get(v.query.get("done", ""), ""), "fmt": _fmt(v), "tab": "broadcasts"})


def broadcast_cancel(v: View) -> Redirect:
    b = _broadcast(v)
    svc.cancel(session=v.session, broadcast=b, actor=v.clerk.person_id, now=v.now)
    v.audit = ("console.broadcast.cancel", f"broadcast:{b.id}")
    return Redirect(url(f"/broadcasts/{b.id}", done="cancelled"))
