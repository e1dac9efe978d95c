"""The Questions page: what people asked that the assistant abstained on or answered only with "did you
mean", grouped (the same normalised text, or the same best-guessed article), counted per week (a chart
drawn here, as inline SVG), exported as CSV (audited). Provincial clerks only: the questions are kept
without identity, so not per unit."""

from __future__ import annotations

from dataclasses import dataclass

from bot.backoffice.core import Download, Missing, Page, View
from handlers.services import questions as qs
from storage import repo_questions as rq

CHART_W, CHART_H, BAR_GAP, TOP = 480, 140, 8, 20  # the chart's view box; bars leave TOP for the count above


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    count: int
    label: str  # the week's Monday, MM-DD


def bars(weeks: list[qs.Week]) -> list[Bar]:
    """The chart's bars: one per week, heights scaled to the busiest week."""
    top = max((w.count for w in weeks), default=0) or 1
    step = CHART_W // max(len(weeks), 1)
    out = []
    for i, w in enumerate(weeks):
        h = round((CHART_H - TOP) * w.count / top)
        out.append(Bar(i * step + BAR_GAP // 2, CHART_H - h, step - BAR_GAP, h, w.count, w.monday.strftime("%m-%d")))
    return out


def _provincial(v: View) -> None:
    if not v.clerk.provincial:
        raise Missing("questions")


def questions(v: View) -> Page:
    _provincial(v)
    by = "article" if v.query.get("by") == "article" else "text"
    today = v.local.date()
    first = qs.first_day(today)
    weeks = qs.weekly(v.session, today=today)
    groups = (rq.by_article if by == "article" else rq.by_text)(session=v.session, first=first)
    lang = v.clerk.locale
    return Page("questions.html", {"by": by, "first": first, "weeks": weeks, "bars": bars(weeks),
                                   "chart": (CHART_W, CHART_H + 20), "total": sum(w.count for w in weeks),
                                   "groups": groups, "label": lambda m, a: qs.article_label(m, a, lang),
                                   "tab": "questions"})


def export(v: View) -> Download:
    _provincial(v)
    today = v.local.date()
    v.audit = ("console.questions.export", f"questions:{qs.first_day(today).isoformat()}")
    data = qs.export_csv(v.session, today=today, _=v._, lang=v.clerk.locale)
    return Download(f"questions-{today.isoformat()}.csv", data, "text/csv; charset=utf-8")
