"""Repository functions for download links (:class:`storage.models_files.DownloadFile`).

Each takes a keyword-only ``session``. The token is returned once by :func:`create_file` and afterwards
only its hash is known; content and file name are encrypted with ``data_key`` (see :mod:`storage.crypto`).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.crypto import decrypt, encrypt
from storage.models_files import DownloadFile

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 URL-safe characters, 256 bits


@dataclass(frozen=True)
class StoredFile:
    id: int
    filename: str
    mime: str
    data: bytes


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_file(*, session: Session, data_key: str, person_id: int | None, filename: str, mime: str, data: bytes,
                now: datetime, ttl: timedelta) -> str:
    """Store a document and return the (only) copy of its link token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(DownloadFile(
        token_hash=token_hash(token), person_id=person_id, filename=encrypt(data_key, filename), mime=mime,
        content=encrypt(data_key, base64.b64encode(data).decode()), created_at=_utc(now), expires_at=_utc(now + ttl)))
    session.flush()
    return token


def open_file(*, session: Session, data_key: str, token: str, now: datetime) -> StoredFile | None:
    """The live document behind ``token``, decrypted; None when unknown or expired."""
    row = session.exec(select(DownloadFile).where(
        DownloadFile.token_hash == token_hash(token), DownloadFile.expires_at > _utc(now))).first()
    if row is None or row.id is None:
        return None
    return StoredFile(id=row.id, filename=decrypt(data_key, row.filename), mime=row.mime,
                      data=base64.b64decode(decrypt(data_key, row.content)))


def count_download(*, session: Session, file_id: int) -> None:
    # One UPDATE, so concurrent downloads do not lose counts.
    session.exec(update(DownloadFile).where(col(DownloadFile.id) == file_id)
                 .values(download_count=DownloadFile.download_count + 1))


def purge_expired(*, session: Session, now: datetime) -> int:
    """Delete expired documents; the number deleted."""
    result = session.exec(delete(DownloadFile).where(col(DownloadFile.expires_at) <= _utc(now)))
    return int(result.rowcount or 0)
