"""WeChat's protocol for the webhook: signatures, safe-mode crypto, the XML of a push and of a passive reply.

GET verifies the URL (signature -> echostr). POST accepts plain mode (``signature`` over token, timestamp
and nonce) and safe/compatible mode (``encrypt_type=aes``, ``msg_signature`` also over the ciphertext);
once an AES key is configured, plain POSTs are refused. Signatures are compared in constant time; a
timestamp outside the window is refused (a (timestamp, nonce) seen before is refused by the replay guard,
:mod:`bot.wechat.webhook`) -- in plain mode the signature does not cover the body. Anything wrong raises
:class:`Refused` with the status to answer: wrong signature -> 403, malformed -> 400, oversized -> 413.
"""

from __future__ import annotations

import binascii
import dataclasses
import hashlib
import hmac
import re
import secrets
import struct
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from xml.parsers.expat import ExpatError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from starlette.background import BackgroundTask
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.replies import TransferCustomerServiceReply

from bot.render import render_text
from bot.wechat.sender import TEXT_LIMIT_BYTES, pack_lines, split_utf8
from handlers.settings import Settings
from handlers.types import Attachment, Reply, bounded_key, clean_field
from knowledge.text import pseudonym

MAX_BODY = 64 * 1024
_OPENID_OK = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

class Refused(Exception):
    def __init__(self, status: int, reason: str, who: str = "-") -> None:
        super().__init__(reason)
        self.status, self.reason, self.who = status, reason, who


@dataclass(frozen=True)
class Inbound:
    """A verified, parsed WeChat push."""

    msg_type: str  # "text", "voice", "image", ..., "event", "unknown"
    event: str  # "subscribe", "subscribe_scan", "scan", "click", ... ("" for messages)
    openid: str  # FromUserName
    account: str  # ToUserName (our account)
    create_time: int
    msg_id: str
    content: str  # text, or the voice recognition
    key: str  # EventKey (the QR scene without "qrscene_")

    @property
    def dedupe_key(self) -> str:
        # WeChat's advice: MsgId for messages, FromUserName + CreateTime for events; bounded, since a
        # signed push may carry a CreateTime of any length. With the event and its key: two menu taps in
        # one second are two events (a retry repeats both), not the second answered with the first's reply.
        if self.msg_type != "event":
            return f"wx:{self.msg_id}"
        return bounded_key(f"wx:{self.openid}:{self.create_time}:{self.event}:{self.key}")


def _field(data: dict, name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        if required:
            raise ValueError(f"missing {name}")
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} is not text")
    return value


def ascii_digits(text: str) -> bool:
    """"0"-"9" only: ``str.isdigit()`` is also true for "²" (which ``int()`` refuses) and for full-width or
    Arabic-Indic digits (which ``int()`` reads), so one moment could be written several ways."""
    return bool(text) and text.isascii() and text.isdigit()


def _ascii_int(text: str) -> int:
    if not ascii_digits(text):
        raise ValueError("not ASCII digits")
    return int(text)


def parse_inbound(xml_text: str) -> Inbound:
    """Parse a (decrypted) push. Raises :class:`Refused` (400) on anything malformed."""
    if not xml_text.strip():
        raise Refused(400, "empty body")
    try:
        # xmltodict >= 1.0.2 (a declared requirement) refuses any entity declaration, so no entity --
        # external or expanding -- gets through; expat never fetches an external DTD. tests/test_wechat_*
        # send XXE and billion-laughs payloads in both modes.
        msg = parse_message(xml_text)
        if msg is None:
            raise ValueError("nothing parsed")
        data = msg._data
        msg_type = msg.type if msg.type != "unknown" else _field(data, "MsgType", required=True).lower()
        openid = _field(data, "FromUserName", required=True)
        if not 0 < len(openid) <= 64 or not set(openid) <= _OPENID_OK:
            raise ValueError("bad FromUserName")
        create_time = _ascii_int(_field(data, "CreateTime", required=True))
        msg_id = _field(data, "MsgId")
        if msg_type != "event" and (not ascii_digits(msg_id) or len(msg_id) > 32):
            raise ValueError("bad MsgId")
        event = getattr(msg, "event", "") if msg_type == "event" else ""
        if msg_type == "event" and not event:
            event = _field(data, "Event", required=True).lower()
        content = clean_field(_field(data, "Content")) if msg_type == "text" else ""
        if msg_type == "voice":
            content = clean_field(_field(data, "Recognition"))
        key = clean_field(_field(data, "EventKey")) if msg_type == "event" else ""
        return Inbound(msg_type=msg_type, event=event, openid=openid, account=_field(data, "ToUserName"),
                       create_time=create_time, msg_id=msg_id, content=content, key=key)
    except (ExpatError, KeyError, TypeError, AttributeError, ValueError,
            OverflowError, IndexError) as exc:
        raise Refused(400, f"malformed message ({type(exc).__name__})") from None


# The envelope as WeChat sends it (Encrypt, after ToUserName): read without building an XML parser. Anything
# else -- other elements, whitespace inside, an entity, a DTD -- goes through defusedxml below.
_PLAIN_ENVELOPE = re.compile(rb"\s*<xml>\s*(?:<ToUserName><!\[CDATA\[[\w-]*\]\]></ToUserName>\s*)?"
                             rb"<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]+)\]\]></Encrypt>\s*</xml>\s*")


def envelope_encrypt(body: bytes) -> str:
    """The ``Encrypt`` element of a safe-mode envelope. Raises :class:`Refused` (400)."""
    if (plain := _PLAIN_ENVELOPE.fullmatch(body)) is not None:
        return plain.group(1).decode("ascii")
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except (DefusedXmlException, ET.ParseError, ExpatError, ValueError) as exc:
        raise Refused(400, f"malformed envelope ({type(exc).__name__})") from None
    element = root.find("Encrypt")
    if element is None or len(element) or not (element.text or "").strip():
        raise Refused(400, "envelope without Encrypt")
    return element.text.strip()


def signature_of(token: str, *parts: str) -> str:
    """WeChat's SHA-1 over the sorted strings (as wechatpy's WeChatSigner does)."""
    return hashlib.sha1(b"".join(sorted([token.encode(), *(p.encode() for p in parts)]))).hexdigest()


def _cdata_safe(text: str) -> str:
    # wechatpy writes text into CDATA verbatim; a "]]>" inside would end it early.
    return text.replace("]]>", "]]]]><![CDATA[>")



@dataclass(frozen=True)
class Nonce:
    """A request's (timestamp, nonce): the replay guard's key."""

    key: str  # "timestamp:nonce"
    ts: int
    openid: str = ""


@dataclass(frozen=True)
class Push:
    """A POST that passed every check: the push, whether it came encrypted, its nonce."""

    inbound: Inbound
    encrypted: bool
    nonce: Nonce


class Protocol:
    """Checks and opens requests, renders passive replies. ``clock`` gives Unix seconds."""

    def __init__(self, settings: Settings, clock: Callable[[], float]) -> None:
        self.settings, self.clock = settings, clock
        self.crypto: WeChatCrypto | None = None
        if settings.wechat_aes_key:
            try:
                self.crypto = WeChatCrypto(settings.wechat_token, settings.wechat_aes_key, settings.wechat_app_id)
            except (AssertionError, binascii.Error, ValueError) as exc:
                raise ValueError("YUNLING_WECHAT_AES_KEY must be the 43-character EncodingAESKey") from exc
            # wechatpy's own pieces, built once: the key and IV never change, and wechatpy's encrypt_message
            # and decrypt_message build a cipher on every call. Each use makes its own encryptor or decryptor.
            self._prp = PrpCrypto(self.crypto.key)

    # -- requests ----------------------------------------------------------------------------------
    def verify_url(self, q: QueryParams) -> Response:
        self._check_signature(q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", ""))
        self._check_timestamp(q.get("timestamp", ""))
        return PlainTextResponse(q.get("echostr", ""))

    async def open(self, request: Request) -> Push:
        """Read, verify and parse a POST. Raises :class:`Refused` naming who sent it (a pseudonym)."""
        q = request.query_params
        who = pseudonym("wechat", q.get("openid", "")) if q.get("openid") else "-"
        body = await read_body(request, who)
        ts, nonce = q.get("timestamp", ""), q.get("nonce", "")
        encrypted = q.get("encrypt_type", "").lower() == "aes"
        if encrypted:
            if self.crypto is None:
                raise Refused(400, "encrypted message but no AES key configured", who)
            encrypt = envelope_encrypt(body)
            self._check_signature(q.get("msg_signature", ""), ts, nonce, encrypt, who=who)
        else:
            if self.crypto is not None:
                raise Refused(403, "plain message refused: safe mode is configured", who)
            self._check_signature(q.get("signature", ""), ts, nonce, who=who)
        self._check_timestamp(ts, who)
        try:
            inbound = parse_inbound(self._decrypt(encrypt) if encrypted else _text(body))
        except Refused as r:
            r.who = who
            raise
        return Push(inbound, encrypted, Nonce(f"{ts}:{nonce}", int(ts), inbound.openid))

    def _check_signature(self, given: str, ts: str, nonce: str, *extra: str, who: str = "-") -> None:
        if not (given and ts and nonce) or len(nonce) > 64:
            raise Refused(403, "missing signature parameters", who)
        expected = signature_of(self.settings.wechat_token, ts, nonce, *extra)
        if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
            raise Refused(403, "wrong signature", who)

    def _check_timestamp(self, ts: str, who: str = "-") -> None:
        if not ascii_digits(ts) or len(ts) > 12:
            raise Refused(403, "bad timestamp", who)
        if abs(self.clock() - int(ts)) > self.settings.wechat_timestamp_window_s:
            raise Refused(403, "timestamp outside the window", who)

    def _decrypt(self, encrypt: str) -> str:
        assert self.crypto is not None
        try:
            return self._prp.decrypt(encrypt, self.settings.wechat_app_id)
        except InvalidAppIdException:  # garbage decrypts to a wrong AppID too
            raise Refused(400, "not encrypted for our AppID") from None
        except (binascii.Error, ValueError, struct.error, UnicodeDecodeError, IndexError, TypeError) as exc:
            raise Refused(400, f"undecryptable ({type(exc).__name__})") from None

    # -- responses ---------------------------------------------------------------------------------
    @staticmethod
    def success() -> Response:
        """WeChat's "nothing to say (now)": it will not try again."""
        return PlainTextResponse("success")

    def passive(self, push: Push, text: str, background: BackgroundTask | None = None) -> Response:
        # wechatpy's TextReply.render(), as a format string (its field objects cost more than the crypto).
        xml = _TEXT_REPLY.format(content=_cdata_safe(text), source=push.inbound.account, target=push.inbound.openid,
                                 time=int(self.clock()))
        return self._reply(push, xml, background)

    def transfer(self, push: Push) -> Response:
        """Hand the conversation over to the account's customer-service seats."""
        return self._reply(push, TransferCustomerServiceReply(source=push.inbound.account,
                                                              target=push.inbound.openid, time=int(self.clock()))
                           .render())

    def _reply(self, push: Push, xml: str, background: BackgroundTask | None = None) -> Response:
        if push.encrypted:
            # wechatpy's WeChatCrypto.encrypt_message with the cipher built once (tests/test_wechat_protocol.py
            # compares the two byte for byte).
            assert self.crypto is not None
            nonce, ts = secrets.token_hex(8), str(int(self.clock()))
            encrypt = self._prp.encrypt(xml, self.settings.wechat_app_id).decode("ascii")
            xml = _ENVELOPE.format(encrypt=encrypt, signature=signature_of(self.settings.wechat_token, ts, nonce, encrypt),
                                   timestamp=ts, nonce=nonce)
        return Response(xml, media_type="application/xml", background=background)


_TEXT_REPLY = ("<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[{content}]]></Content>\n"
               "<FromUserName><![CDATA[{source}]]></FromUserName>\n<ToUserName><![CDATA[{target}]]></ToUserName>\n"
               "<CreateTime>{time}</CreateTime>\n</xml>")
_ENVELOPE = ("<xml>\n<Encrypt><![CDATA[{encrypt}]]></Encrypt>\n<MsgSignature><![CDATA[{signature}]]></MsgSignature>\n"
             "<TimeStamp>{timestamp}</TimeStamp>\n<Nonce><![CDATA[{nonce}]]></Nonce>\n</xml>")


async def read_body(request: Request, who: str) -> bytes:
    length = request.headers.get("content-length", "")
    if ascii_digits(length) and int(length) > MAX_BODY:
        raise Refused(413, f"body of {length} bytes", who)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise Refused(413, "body over the limit", who)
        chunks.append(chunk)
    return b"".join(chunks)


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None


def documents(replies: list[Reply]) -> list[Attachment]:
    return [a for r in replies for a in r.attachments if a.kind == "document"]


def passive_parts(replies: list[Reply], links: list[str] | None) -> list[str]:
    """The passive reply first, then what follows by customer-service message. Download links go at the
    end of the passive reply, before any cut, or -- when there are too many -- in messages of their own."""
    if links is None:
        return split_utf8("\n\n".join(render_text(r) for r in replies))
    shown = [dataclasses.replace(r, attachments=tuple(a for a in r.attachments if a.kind != "document"))
             for r in replies]
    body, block = "\n\n".join(render_text(r) for r in shown), "\n".join(links)
    room = TEXT_LIMIT_BYTES - len(block.encode()) - 2
    if room < TEXT_LIMIT_BYTES // 2:
        return [*split_utf8(body), *pack_lines(links)]
    parts = split_utf8(body, room)
    parts[0] = f"{parts[0]}\n\n{block}" if parts[0].strip() else block
    return parts
