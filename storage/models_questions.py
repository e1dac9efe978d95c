"""What people asked that the FAQ could not answer (it abstained) or answered only with "did you mean": the
knowledge base's gaps, for the console's Questions page. No identity is kept: only the question (ID and phone
numbers masked), its normalised form, the channel, the day, the language, the outcome and the best guessed
article. Purged by the daily retention pass (``YUNLING_RETENTION_QUESTIONS_DAYS``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from storage.models import When


class AskedQuestion(SQLModel, table=True):
    __tablename__ = "asked_question"
    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(max_length=300)  # masked (knowledge.text.redact), cut
    norm: str = Field(max_length=300, index=True)  # the normalised text the page groups by
    channel: str = Field(max_length=16)
    asked_on: date = Field(index=True)  # the local day; no time
    lang: str = Field(max_length=8)
    outcome: str = Field(max_length=16)  # "abstained" | "unsure" (answered with "did you mean")
    best_measure: str = Field(default="", max_length=16)  # the best guessed article; "" when none
    best_article: int | None = None


class ConsoleRequest(SQLModel, table=True):
    """A console form's one-time key (an idempotency key): a second submission of the same form finds the
    first one's result instead of acting again. Forgotten after the delivery keys' period."""

    __tablename__ = "console_request"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    person_id: int  # the clerk (no foreign key: an erased person leaves it behind until purged)
    action: str = Field(max_length=40)
    result: str = Field(default="{}")
    created_at: datetime = When(default_now=True, index=True)
