"""The daily housekeeping forgets what has outlived its use, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from bot.app import App
from bot.scheduler import PROCESSED_KEPT, TOKENS_KEPT, Background
from handlers.registry import build_dispatcher
from storage.models import OutboxMessage, Person, ProcessedMessage
from storage.models_telegram import TelegramChoiceToken


def test_old_delivery_keys_and_button_tokens_are_forgotten(engine, settings) -> None:
    now = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    with Session(engine) as s:
        s.add(ProcessedMessage(channel="wechat", message_key="old", processed_at=now - PROCESSED_KEPT - timedelta(1)))
        s.add(ProcessedMessage(channel="wechat", message_key="new", processed_at=now - timedelta(hours=1)))
        s.add(TelegramChoiceToken(token="a" * 32, value="x", created_at=now - TOKENS_KEPT - timedelta(1)))
        s.add(TelegramChoiceToken(token="b" * 32, value="y", created_at=now - timedelta(days=1)))
        person = Person()
        s.add(person)
        s.flush()
        old = now - PROCESSED_KEPT - timedelta(1)
        for key, kind, status, sent in (("reply-old", "reply", "sent", old), ("reply-new", "reply", "sent", now),
                                        ("reply-open", "reply", "pending", None),
                                        ("notice-old", "notification", "sent", old)):
            s.add(OutboxMessage(person_id=person.id, kind=kind, body="{}", dedupe_key=key, status=status, sent_at=sent))
        s.commit()
    app = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))
    Background(app, {}).housekeeping(now)
    with Session(engine) as s:
        assert [m.message_key for m in s.exec(select(ProcessedMessage))] == ["new"]
        assert [t.token for t in s.exec(select(TelegramChoiceToken))] == ["b" * 32]
        assert sorted(o.dedupe_key for o in s.exec(select(OutboxMessage))) == ["notice-old", "reply-new", "reply-open"]
