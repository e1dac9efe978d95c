"""Documents waiting to be fetched by a download link, for channels that cannot send files (WeChat).

The link's token is never stored: only its SHA-256, so a copy of the database does not open live links.
The file name and content are encrypted with the data key (application forms carry full ID numbers).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from storage.models import When


class DownloadFile(SQLModel, table=True):
    """One document behind one time-limited link."""

    __tablename__ = "download_file"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)  # hex SHA-256 of the link's token
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)  # the recipient
    filename: str = Field(sa_column=Column(Text, nullable=False))  # encrypted (names the applicant)
    mime: str = Field(default="application/octet-stream", max_length=120)
    content: str = Field(sa_column=Column(Text, nullable=False))  # encrypted base64 of the bytes
    created_at: datetime = When(default_now=True)
    expires_at: datetime = Field(index=True)
    download_count: int = Field(default=0)
