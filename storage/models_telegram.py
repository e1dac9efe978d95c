"""The Telegram adapter's one table: choice values too long for a button's 64-byte ``callback_data``.

A button carries ``t:<token>`` instead; the token is derived from the value (a hash), so rendering the
same choice twice reuses one row and the table grows only with distinct long values. The two repository
functions live here beside the table (the table has no other user).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Text, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from storage.db import rowcount
from storage.models import When


class TelegramChoiceToken(SQLModel, table=True):
    __tablename__ = "telegram_choice_token"
    token: str = Field(primary_key=True, max_length=32)
    value: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = When(default_now=True)


def remember_values(*, session: Session, tokens: dict[str, str]) -> None:
    """Store ``{token: value}`` pairs not stored yet (tokens are hashes of their values)."""
    if not tokens:
        return
    known = set(session.exec(select(TelegramChoiceToken.token).where(
        col(TelegramChoiceToken.token).in_(list(tokens)))))
    for token, value in tokens.items():
        if token in known:
            continue
        try:
            with session.begin_nested():  # another process may store the same value meanwhile
                session.execute(insert(TelegramChoiceToken).values(token=token, value=value,
                                                                   created_at=datetime.now(UTC)))
        except IntegrityError:
            pass


def value_of(*, session: Session, token: str) -> str | None:
    return session.exec(select(TelegramChoiceToken.value).where(TelegramChoiceToken.token == token)).first()



def purge_tokens(*, session: Session, before: datetime) -> int:
    """Forget button tokens created before ``before``; a tap on such an old button is answered politely."""
    result = session.execute(delete(TelegramChoiceToken).where(col(TelegramChoiceToken.created_at) < before))
    return rowcount(result)
