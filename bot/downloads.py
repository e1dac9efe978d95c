"""Time-limited download links for channels that cannot send files (WeChat official accounts).

A document is stored encrypted under an unguessable token (:mod:`storage.repo_files`); the person gets
``<YUNLING_PUBLIC_URL>/files/<token>``, valid ``YUNLING_DOWNLOAD_TTL_HOURS``. ``GET``/``HEAD /files/{token}``
serves it; an unknown, expired or malformed token gets the same polite 404 page. Logs name a link by the
first characters of its token's hash only. The scheduler's daily job purges expired rows (:func:`purge`).

    urls = store_documents(settings, engine, channel="wechat", user_key=openid, documents=docs, now=now)
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from html import escape
from urllib.parse import quote

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from handlers.i18n import N_, translator
from handlers.settings import Settings
from handlers.types import Attachment
from storage import repo_files
from storage import repositories as repo
from storage.db import run_in_transaction
from storage.errors import StorageError
from storage.repo_files import StoredFile, token_hash

log = logging.getLogger(__name__)

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
PRIVATE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
NOT_FOUND = N_("This download link is unknown or has expired. Please ask the assistant for the file again.")


def _tag(token: str) -> str:
    """How logs name a link: never the token, only the start of its hash."""
    return token_hash(token)[:12]


def link_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/files/{token}"


def store_documents(settings: Settings, engine: Engine, *, channel: str, user_key: str,
                    documents: Sequence[Attachment], now: datetime, person_id: int | None = None) -> list[str]:
    """Store each document for its recipient and return their download URLs, in order.

    Raises :class:`storage.errors.StorageError` (e.g. no data key) or a database error."""
    if not settings.data_key:
        raise StorageError("no data key configured (YUNLING_DATA_KEY)")
    ttl = timedelta(hours=settings.download_ttl_hours)

    def work(session: Session) -> list[str]:
        owner = person_id
        if not owner:
            identity = repo.find_identity(session=session, channel=channel, user_key=user_key)
            owner = identity.person_id if identity else None
        return [repo_files.create_file(session=session, data_key=settings.data_key, person_id=owner,
                                       filename=d.filename, mime=d.mime, data=d.data, now=now, ttl=ttl)
                for d in documents]

    tokens = run_in_transaction(engine, work)
    for token, document in zip(tokens, documents, strict=True):
        log.info("download link %s created: %d bytes, %s, valid %d h", _tag(token), len(document.data),
                 document.mime, settings.download_ttl_hours)
    return [link_url(settings, t) for t in tokens]


def purge(engine: Engine, now: datetime) -> int:
    """Delete expired documents (the scheduler's daily job); never raises."""
    try:
        gone = run_in_transaction(engine, lambda s: repo_files.purge_expired(session=s, now=now))
    except Exception:
        log.exception("purging expired download files failed")
        return 0
    log.info("downloads: %d expired files purged", gone)
    return gone


def content_disposition(filename: str) -> str:
    """RFC 6266 / 5987: the UTF-8 name percent-encoded, so Chinese file names arrive intact."""
    return "attachment; filename*=UTF-8''" + quote(filename, safe="")


def not_found_page() -> HTMLResponse:
    zh, en = translator("zh")(NOT_FOUND), translator("en")(NOT_FOUND)
    body = (f'<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>404</title>'
            f'<meta name="viewport" content="width=device-width"></head><body>'
            f'<p>{escape(zh)}</p><p lang="en">{escape(en)}</p></body></html>')
    return HTMLResponse(body, status_code=404, headers=PRIVATE)


class Downloads:
    def __init__(self, app: App, *, clock: Callable[[], float] = time.time) -> None:
        self.app, self.clock = app, clock

    def routes(self) -> list[BaseRoute]:
        return [Route("/files/{token}", self.endpoint, methods=["GET", "HEAD"])]

    async def endpoint(self, request: Request) -> Response:
        token = request.path_params["token"]
        if not TOKEN_SHAPE.fullmatch(token):  # refused before touching the database
            log.info("download refused: malformed token")
            return not_found_page()
        found = await run_in_threadpool(self._open, token, request.method == "GET")
        if found is None:
            log.info("download %s: unknown or expired", _tag(token))
            return not_found_page()
        log.info("download %s: %s, %d bytes", _tag(token), request.method, len(found.data))
        headers = {**PRIVATE, "Content-Disposition": content_disposition(found.filename)}
        if request.method == "HEAD":
            return Response(b"", headers={**headers, "Content-Length": str(len(found.data)),
                                          "Content-Type": found.mime})
        return Response(found.data, media_type=found.mime, headers=headers)

    def _open(self, token: str, count: bool) -> StoredFile | None:
        now = datetime.fromtimestamp(self.clock(), UTC)
        key = self.app.settings.data_key

        def work(session: Session) -> StoredFile | None:
            found = repo_files.open_file(session=session, data_key=key, token=token, now=now)
            if found is not None and count:
                repo_files.count_download(session=session, file_id=found.id)
            return found

        try:
            return run_in_transaction(self.app.engine, work)
        except StorageError as exc:  # e.g. the data key changed since the file was stored
            log.error("download %s cannot be opened: %s", _tag(token), type(exc).__name__)
            return None


def routes(app: App) -> list[BaseRoute]:
    """``/files/{token}`` for :func:`bot.web.build_web_app`; none when YUNLING_PUBLIC_URL is not set."""
    if not app.settings.public_url:
        log.info("download links off: YUNLING_PUBLIC_URL is not set")
        return []
    return Downloads(app).routes()


__all__ = ["Downloads", "content_disposition", "link_url", "purge", "routes", "store_documents"]
