"""The daily retention pass: what the measures do not require keeping goes after its period; the rest stays."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from bot.app import App
from bot.scheduler import Background
from handlers.registry import build_dispatcher
from handlers.settings import Settings
from storage.models import Conversation, Identity, OutboxMessage, Person, ProcessedMessage
from storage.models_applications import CheckDraft
from storage.models_questions import AskedQuestion, ConsoleRequest
from storage.models_tickets import Ticket, TicketMessage
from storage.models_training import ClassFormDraft
from storage.retention import EMPTY_BODY, REMOVED

NOW = datetime(2026, 11, 26, 3, 30, tzinfo=UTC)


def _seed(engine) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        p = Person(display_name="w")
        s.add(p)
        s.flush()
        other = Person(display_name="clerk")
        s.add(other)
        s.flush()
        for who, days in ((p, 31), (other, 29)):  # class forms left unsaved
            s.add(ClassFormDraft(person_id=who.id, unit="昆明市总工会", answers=f'{{"trade": "{days}"}}',
                                 updated_at=NOW - timedelta(days=days)))
            s.add(CheckDraft(person_id=who.id, flow="craftsman", answers=f'{{"profile": {{"age": {days}}}}}',
                             updated_at=NOW - timedelta(days=days)))  # checks left before their conclusion
        for n, days in (("old", 31), ("new", 29)):
            ident = Identity(person_id=p.id, channel="console", user_key=n)
            s.add(ident)
            s.flush()
            s.add(Conversation(identity_id=ident.id, flow="ask", recent='["我的电话 138****0000"]',
                               updated_at=NOW - timedelta(days=days)))
        for q, status, answered in (("old closed", "closed", 400), ("recent closed", "closed", 100),
                                    ("old open", "open", None)):
            t = Ticket(person_id=p.id, unit="昆明市总工会", question=q, context='["x"]', status=status,
                       created_at=NOW - timedelta(days=500), due_at=NOW - timedelta(days=498), rating=5,
                       answered_at=NOW - timedelta(days=answered) if answered else None,
                       closed_at=NOW - timedelta(days=answered) if answered else None)
            s.add(t)
            s.flush()
            s.add(TicketMessage(ticket_id=t.id, author="person", text=f"text of {q}"))
        for key, days in (("k-old", 8), ("k-new", 6)):
            s.add(ProcessedMessage(channel="wechat", message_key=key, processed_at=NOW - timedelta(days=days)))
        for key, status, days in (("o-old-sent", "sent", 91), ("o-new-sent", "sent", 89), ("o-old-pending", "pending", 91)):
            s.add(OutboxMessage(person_id=p.id, body='{"text": "您的申报已受理"}', dedupe_key=key, status=status,
                                created_at=NOW - timedelta(days=days)))
        for day_back, text in ((181, "old question"), (179, "recent question")):
            s.add(AskedQuestion(text=text, norm=text, channel="wechat", asked_on=(NOW - timedelta(days=day_back)).date(),
                                lang="zh", outcome="abstained"))
        for key, days in (("r-old", 8), ("r-new", 6)):
            s.add(ConsoleRequest(key=key, person_id=p.id, action="case.bulk_move", created_at=NOW - timedelta(days=days)))
        s.commit()


def test_defaults_forget_what_is_past_its_period_and_keep_the_rest(engine, settings) -> None:
    _seed(engine)
    app = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))
    done = Background(app, {}).retention(NOW)
    assert done == {"conversations": 1, "class form drafts": 1, "check drafts": 1, "ticket texts": 1, "delivery keys": 1, "outbox bodies": 1, "questions": 1,
                    "console request keys": 1}
    with Session(engine) as s:
        assert len(s.exec(select(Conversation)).all()) == 1
        assert [d.answers for d in s.exec(select(ClassFormDraft))] == ['{"trade": "29"}']
        assert [d.answers for d in s.exec(select(CheckDraft))] == ['{"profile": {"age": 29}}']
        tickets = {t.question: t for t in s.exec(select(Ticket))}
        assert set(tickets) == {REMOVED, "recent closed", "old open"}
        gone = tickets[REMOVED]
        assert gone.context == "[]" and gone.rating == 5 and gone.status == "closed"  # statistics stay
        texts = sorted(m.text for m in s.exec(select(TicketMessage)))
        assert texts == sorted([REMOVED, "text of recent closed", "text of old open"])
        assert [m.message_key for m in s.exec(select(ProcessedMessage))] == ["k-new"]
        bodies = {m.dedupe_key: m.body for m in s.exec(select(OutboxMessage))}
        assert bodies["o-old-sent"] == EMPTY_BODY and bodies["o-new-sent"] != EMPTY_BODY
        assert bodies["o-old-pending"] != EMPTY_BODY  # not yet delivered: kept
        assert [q.text for q in s.exec(select(AskedQuestion))] == ["recent question"]
        assert [r.key for r in s.exec(select(ConsoleRequest))] == ["r-new"]
    assert Background(app, {}).retention(NOW) == {"conversations": 0, "class form drafts": 0, "check drafts": 0, "ticket texts": 0, "delivery keys": 0,
                                                  "outbox bodies": 0, "questions": 0,
                                                  "console request keys": 0}  # idempotent


def test_periods_are_settings(engine, settings) -> None:
    _seed(engine)
    s2 = replace(settings, retention_conversation_days=10, retention_ticket_text_days=50,
                 retention_delivery_keys_days=1, retention_outbox_days=10, retention_questions_days=100)
    app = App(settings=s2, engine=engine, dispatcher=build_dispatcher(engine, s2))
    assert Background(app, {}).retention(NOW) == {"conversations": 2, "class form drafts": 2, "check drafts": 2, "ticket texts": 2, "delivery keys": 2,
                                                  "outbox bodies": 2, "questions": 2, "console request keys": 2}


def test_privacy_doc_states_the_defaults() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "privacy.md").read_text(encoding="utf-8")
    d = Settings()
    for name in ("conversation", "ticket_text", "delivery_keys", "outbox", "questions"):
        var = f"YUNLING_RETENTION_{name.upper()}_DAYS"
        m = re.search(rf"`{var}`\s*\|\s*(\d+)", doc)
        assert m, var
        assert int(m[1]) == getattr(d, f"retention_{name}_days"), var
