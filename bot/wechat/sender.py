"""Outbound WeChat: the API client (wechatpy's, with an overridable base URL and the access token shared
across processes through our database) and :class:`WeChatSender`, the "wechat" sender of the outbox.

Customer-service (客服) messages reach a person only within 48 hours of their last message; outside it
a status notification goes out as a template message. Error codes of the API map to the sender
contract of :mod:`bot.senders`.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from bot.downloads import store_documents
from bot.render import render_text
from bot.senders import Permanent, Recipient, RetryAfter, Transient, Unreachable
from handlers.i18n import translator
from handlers.settings import Settings
from handlers.types import Attachment, Reply
from knowledge.text import pseudonym
from storage import repo_wechat
from storage.db import run_in_transaction
from storage.errors import StorageError

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
SERVICE_WINDOW = timedelta(hours=48)  # customer-service messages only within 48 h of the person's last message
TEXT_LIMIT_BYTES = 2048  # WeChat's limit for a text message's content (UTF-8 bytes)
TOKEN_EARLY_REFRESH_S = 300  # treat a token as expired 5 minutes early: processes share it
HTTP_TIMEOUT_S = 10.0

# Error codes of the official-account API (公众号全局返回码).
WINDOW_EXPIRED = 45015  # reply time limit exceeded (outside the 48-hour window)
NOT_SUBSCRIBED = (43004, 43101)  # the person does not follow the account / refused notifications
QUOTA = (45047, 45009)  # customer-service message quota / daily API quota
SYSTEM_BUSY = -1


class MissingCredentials(RuntimeError):
    """YUNLING_WECHAT_APP_ID / YUNLING_WECHAT_APP_SECRET are not configured."""


class DbSessionStorage(SessionStorage):
    """wechatpy session storage in our database: every process shares one access token."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine, self.clock = engine, clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def get(self, key: str, default: Any = None) -> Any:
        value = run_in_transaction(self.engine, lambda s: repo_wechat.kv_get(session=s, key=key, now=self._now()))
        return default if value is None else value

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        if value is None:
            return
        expires = self._now() + timedelta(seconds=max(int(ttl) - TOKEN_EARLY_REFRESH_S, 1)) if ttl else None
        try:
            run_in_transaction(self.engine, lambda s: repo_wechat.kv_set(
                session=s, key=key, value=str(value), expires_at=expires))
        except IntegrityError:  # another process stored its fresh token at the same moment: keep theirs
            log.info("wechat token stored concurrently by another process")

    def delete(self, key: str) -> None:
        run_in_transaction(self.engine, lambda s: repo_wechat.kv_delete(session=s, key=key))


class ApiClient(WeChatClient):
    """wechatpy's client pointed at ``base_url`` (the real API, or a local stand-in in tests)."""

    def __init__(self, appid: str, secret: str, *, base_url: str = "", session: SessionStorage | None = None,
                 timeout: float = HTTP_TIMEOUT_S) -> None:
        super().__init__(appid, secret, session=session, timeout=timeout)
        root = (base_url or DEFAULT_API_BASE).rstrip("/")
        if not root.endswith("/cgi-bin"):
            root += "/cgi-bin"
        self.API_BASE_URL = root + "/"

    def fetch_access_token(self) -> dict[str, Any]:
        """One fetch at a time per account in this process, and none within ``TOKEN_REUSE_S`` of the last:
        a fresh token invalidates the one before it, so threads whose calls failed with the old one and all
        fetched would invalidate each other's (wechatpy retries a call after a fetch, recursively)."""
        key = (self.appid, self.API_BASE_URL)
        with _FETCH_LOCKS.setdefault(key, threading.Lock()):
            last = _LAST_FETCH.get(key)
            # Reuse another thread's fresh token once; when this thread's call failed with it too, fetch.
            if last is not None and time.monotonic() - last[0] < TOKEN_REUSE_S and _REUSED.marks.get(key) != last[0]:
                _REUSED.marks[key] = last[0]
                result = last[1]
                self.session.set(self.access_token_key, result["access_token"], int(result.get("expires_in", 7200)))
                return result
            result = self._fetch_access_token()
            _LAST_FETCH[key] = (time.monotonic(), result)
            return result

    def _fetch_access_token(self) -> dict[str, Any]:
        # wechatpy's own fetch ignores the base URL and has no timeout.
        res = self._http.get(self.API_BASE_URL + "token", timeout=self.timeout, params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
        try:
            res.raise_for_status()
            result = res.json()
        except (requests.RequestException, ValueError) as exc:
            raise WeChatClientException(None, f"token request failed: {exc}", client=self,
                                        request=res.request, response=res) from exc
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg", ""), client=self,
                                        request=res.request, response=res)
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        return result


TOKEN_REUSE_S = 2.0
_FETCH_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_LAST_FETCH: dict[tuple[str, str], tuple[float, dict]] = {}
class _Reused(threading.local):
    """Per thread and account: the time of the fetch whose token this thread reused last."""

    def __init__(self) -> None:
        self.marks: dict[tuple[str, str], float] = {}


_REUSED = _Reused()


def make_client(settings: Settings, engine: Engine | None) -> ApiClient:
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        raise MissingCredentials("set YUNLING_WECHAT_APP_ID and YUNLING_WECHAT_APP_SECRET")
    session = DbSessionStorage(engine) if engine is not None else None
    return ApiClient(settings.wechat_app_id, settings.wechat_app_secret, base_url=settings.wechat_api_base_url,
                     session=session)


def split_utf8(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` UTF-8 bytes, at line ends where possible."""
    parts: list[str] = []
    rest = text
    while len(rest.encode()) > limit:
        cut = rest.encode()[:limit].decode("utf-8", "ignore")  # never splits a character
        newline = cut.rfind("\n")
        if newline > len(cut) // 2:
            cut = cut[:newline]
        parts.append(cut.rstrip())
        rest = rest[len(cut):].lstrip("\n")
    if rest.strip() or not parts:
        parts.append(rest)
    return parts


def pack_lines(lines: list[str], limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Whole lines grouped into as few texts of at most ``limit`` bytes as possible (a line is never cut
    unless it alone is over the limit)."""
    texts: list[str] = []
    for line in lines:
        if texts and len(f"{texts[-1]}\n{line}".encode()) <= limit:
            texts[-1] += "\n" + line
        else:
            texts.append(line)
    return texts


def files_note(documents: list[Attachment], locale: str) -> str:
    """Today's note when a file cannot be linked: where to get it instead."""
    return translator(locale)("(Files cannot be sent on WeChat: {names}. Ask the union office for them.)",
                              names="、".join(a.filename for a in documents))


def download_links(settings: Settings, engine: Engine | None, *, openid: str, documents: list[Attachment],
                   locale: str, now: datetime, person_id: int | None = None) -> list[str] | None:
    """One line per document with its download link (see :mod:`bot.downloads`); None when links are off
    (no YUNLING_PUBLIC_URL) or could not be made -- then :func:`files_note` says where to get the files."""
    if not documents or not settings.public_url or engine is None:
        return None
    try:
        urls = store_documents(settings, engine, channel="wechat", user_key=openid, documents=documents,
                               now=now, person_id=person_id)
    except (StorageError, SQLAlchemyError) as exc:
        log.error("wechat: download links for %s not made (%s)", pseudonym("wechat", openid), type(exc).__name__)
        return None
    _ = translator(locale)
    return [_("Download “{filename}”: {url} (valid for {hours} hours, for your own use only)",
              filename=d.filename, url=url, hours=settings.download_ttl_hours)
            for d, url in zip(documents, urls, strict=True)]


def client_msg_id(dedupe_key: str) -> str:
    """WeChat's ``client_msg_id`` (template dedupe) is at most 64 characters."""
    return dedupe_key if len(dedupe_key) <= 64 else hashlib.sha256(dedupe_key.encode()).hexdigest()


def _map_error(exc: Exception) -> Exception:
    """A wechatpy / network failure as a sender error (see :mod:`bot.senders`)."""
    if isinstance(exc, requests.RequestException):
        return Transient(f"network: {type(exc).__name__}")
    if isinstance(exc, WeChatClientException):
        code = exc.errcode
        if code is None:  # HTTP status error
            status = getattr(getattr(exc, "response", None), "status_code", 0) or 0
            return Transient(f"http {status}") if status >= 500 or status == 0 else Permanent(f"http {status}")
        if code == SYSTEM_BUSY:
            return Transient("wechat system busy (-1)")
        if code in NOT_SUBSCRIBED:
            return Unreachable(f"not subscribed ({code})")
        if code in QUOTA:
            return RetryAfter(3600.0, f"quota exceeded ({code})")
        return Permanent(f"wechat error {code}")
    return Permanent(f"unexpected: {type(exc).__name__}")


class _WindowExpired(Exception):
    pass


class WeChatSender:
    """Delivers replies to WeChat users. Implements :class:`bot.senders.Sender` (channel "wechat")."""

    channel = "wechat"
    TEMPLATE_KINDS = frozenset({"notification", "reminder", "ticket", "status"})  # never broadcasts

    def __init__(self, settings: Settings, engine: Engine | None = None, client: ApiClient | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings, self.engine, self.clock = settings, engine, clock
        self._client = client

    @property
    def client(self) -> ApiClient:
        if self._client is None:
            self._client = make_client(self.settings, self.engine)
        return self._client

    # -- the sender contract -------------------------------------------------------------------
    async def send(self, recipient: Recipient, reply: Reply, *, kind: str, dedupe_key: str) -> None:
        try:
            await asyncio.to_thread(self.send_sync, recipient, reply, kind=kind, dedupe_key=dedupe_key)
        except MissingCredentials as exc:
            raise Permanent(str(exc)) from exc

    def send_sync(self, recipient: Recipient, reply: Reply, *, kind: str, dedupe_key: str) -> None:
        openid = recipient.user_key
        if self.in_window(recipient.last_inbound_at):
            try:
                self._custom(openid, reply, recipient.person_id or None)
                return
            except _WindowExpired:
                log.info("wechat service window closed for %s; trying a template", pseudonym(self.channel, openid))
        self._template(openid, reply, kind=kind, dedupe_key=dedupe_key)

    def in_window(self, last_inbound_at: datetime | None) -> bool:
        if last_inbound_at is None:
            return False
        last = last_inbound_at if last_inbound_at.tzinfo else last_inbound_at.replace(tzinfo=UTC)
        return datetime.fromtimestamp(self.clock(), UTC) - last < SERVICE_WINDOW

    # -- customer-service messages ----------------------------------------------------------------
    def send_texts(self, openid: str, texts: list[str]) -> None:
        """Customer-service text messages, each within the length limit. Raises sender errors."""
        for text in texts:
            for part in split_utf8(text):
                if not part.strip():
                    continue
                self._call(functools.partial(self.client.message.send_text, openid, part))

    def _custom(self, openid: str, reply: Reply, person_id: int | None = None) -> None:
        images = [a for a in reply.attachments if a.kind == "image"]
        others = [a for a in reply.attachments if a.kind != "image"]
        text = render_text(Reply(text=reply.text, choices=reply.choices, citations=reply.citations,
                                 prompt=reply.prompt))
        links = download_links(self.settings, self.engine, openid=openid, documents=others, person_id=person_id,
                               locale=self.settings.default_locale, now=datetime.fromtimestamp(self.clock(), UTC))
        if others and links is None:  # customer-service messages cannot carry files: say where to get them
            text += "\n" + files_note(others, self.settings.default_locale)
        self.send_texts(openid, [text])
        self.send_texts(openid, pack_lines(links or []))  # their own messages: a link is never cut
        for image in images:
            media_id = self._upload(image)
            self._call(functools.partial(self.client.message.send_image, openid, media_id))

    def _upload(self, attachment: Attachment) -> str:
        result = self._call(lambda: self.client.media.upload(
            "image", (attachment.filename, attachment.data, attachment.mime)))
        return str(result["media_id"])

    # -- template messages ----------------------------------------------------------------------
    def _template(self, openid: str, reply: Reply, *, kind: str, dedupe_key: str) -> None:
        template_id = self.settings.wechat_template_status
        if not template_id:
            raise Permanent("outside the 48-hour window and no template configured (YUNLING_WECHAT_TEMPLATE_STATUS)")
        if kind not in self.TEMPLATE_KINDS:
            raise Permanent(f"outside the 48-hour window; template messages are not for '{kind}'")
        _ = translator(self.settings.default_locale)
        lines = [line for line in reply.text.splitlines() if line.strip()] or [""]
        now = datetime.fromtimestamp(self.clock(), UTC).astimezone()
        data = {
            "first": {"value": lines[0][:100]},
            "keyword1": {"value": " ".join(lines[1:])[:200] or lines[0][:200]},
            "keyword2": {"value": now.strftime("%Y-%m-%d %H:%M")},
            "remark": {"value": _("Send any message to this account to see the details.")},
        }
        body = {"touser": openid, "template_id": template_id, "data": data,
                "client_msg_id": client_msg_id(dedupe_key)}
        try:
            self._call(lambda: self.client.post("message/template/send", data=body))
        except _WindowExpired as exc:  # not expected for templates
            raise Permanent("template refused (45015)") from exc

    # -- plumbing ---------------------------------------------------------------------------------
    def _call(self, work: Callable[[], dict]) -> dict:
        try:
            return work()
        except (WeChatClientException, requests.RequestException) as exc:
            if isinstance(exc, WeChatClientException) and exc.errcode == WINDOW_EXPIRED:
                raise _WindowExpired() from exc
            raise _map_error(exc) from exc
