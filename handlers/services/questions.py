"""The knowledge base's gaps: questions the FAQ abstained on (not in the measures) or answered only with
"did you mean", kept without identity -- the question with ID and phone numbers masked, the channel, the
day, the language, the outcome and the best guessed article -- for the console's Questions page
(provincial clerks). Purged after ``YUNLING_RETENTION_QUESTIONS_DAYS`` by the retention pass."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from handlers.answering import Asked
from handlers.i18n import N_, Translate
from knowledge import loader
from knowledge.search import normalize
from knowledge.text import redact
from storage import repo_questions as rq
from storage.models_questions import AskedQuestion

KEPT = {"abstained", "unsure"}  # the outcomes kept; answers, "which programme" and empty messages are not
MAX_TEXT = 300
WEEKS = 12  # the page's window: the chart's weeks and the groups' period
_PUNCT = re.compile(r"[\W_]+")


def norm(text: str) -> str:
    """The form questions are grouped by: folded as the search folds, punctuation and spaces dropped (so
    "加班费 怎么算？" and "加班费怎么算" are one question)."""
    return _PUNCT.sub("", normalize(text))[:MAX_TEXT]


def record(session: Session, *, text: str, asked: Asked, channel: str, day: date) -> bool:
    """Keep a question whose reply was an abstention or a "did you mean"; True when kept. A tapped choice
    ("§measure:article") is not a question."""
    text = text.strip()
    if asked.outcome not in KEPT or not text or text.startswith("§"):
        return False
    kept = redact(text)[:MAX_TEXT]
    best = asked.result.hits[0] if asked.result.hits else None
    rq.add(session=session, row=AskedQuestion(
        text=kept, norm=norm(kept) or kept, channel=channel[:16], asked_on=day, lang=asked.composed.lang[:8],
        outcome=asked.outcome, best_measure=best.measure if best else "", best_article=best.article if best else None))
    return True


def first_day(today: date, weeks: int = WEEKS) -> date:
    """The Monday ``weeks`` weeks back (this week included)."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)


@dataclass(frozen=True)
class Week:
    monday: date
    count: int


def weekly(session: Session, *, today: date, weeks: int = WEEKS) -> list[Week]:
    first = first_day(today, weeks)
    days = rq.per_day(session=session, first=first)
    out = []
    for i in range(weeks):
        monday = first + timedelta(weeks=i)
        out.append(Week(monday, sum(n for d, n in days.items() if monday <= d < monday + timedelta(days=7))))
    return out


def article_label(measure: str, article: int | None, lang: str) -> str:
    if not measure or article is None:
        return ""
    try:
        return loader.label(measure, article, lang)
    except KeyError:
        return f"{measure}:{article}"


def _cell(value: str) -> str:
    """A spreadsheet does not run a cell that starts like a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


OUTCOME_TITLES = {"abstained": N_("not in the measures"), "unsure": N_("did you mean")}


def export_csv(session: Session, *, today: date, _: Translate, lang: str, weeks: int = WEEKS) -> bytes:
    """The questions of the window, newest first, as CSV (UTF-8 with a BOM, for Excel)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([_("Date"), _("Channel"), _("Language"), _("Outcome"), _("Best guess"), _("Question")])
    outcomes = {k: _(v) for k, v in OUTCOME_TITLES.items()}
    labels: dict[tuple[str, int | None], str] = {}
    for day, channel, lang_, outcome, measure, article, text in rq.since(session=session, first=first_day(today, weeks)):
        if (measure, article) not in labels:
            labels[(measure, article)] = article_label(measure, article, lang)
        w.writerow([day.isoformat(), channel, lang_, outcomes.get(outcome, outcome), labels[(measure, article)],
                    _cell(text)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
