"""Platform-neutral message values: what adapters hand to the dispatcher and what they get back."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

MAX_UPLOAD = 1024 * 1024  # files people send (a roster sheet is tens of KB); adapters refuse larger ones
KEY_LIMIT = 120  # keys longer than this are stored as a prefix and a hash (columns hold 128-160)
NAME_LIMIT = 100  # display names (Person.display_name)
# Lone surrogates cannot be encoded (UTF-8, PostgreSQL, JSON for a platform) and NUL is refused by
# PostgreSQL's text types; both are dropped from everything a platform hands us.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message or event from a person, already verified and parsed by an adapter.

    ``message_key`` is unique per delivery on its channel (Telegram update id, WeChat MsgId, ...);
    a second delivery with the same key is dropped by the dispatcher.
    """

    channel: str  # "console" | "telegram" | "wechat"
    user_key: str  # the person's id on that channel (Telegram user id, WeChat OpenID, console name)
    message_key: str
    received_at: datetime  # timezone-aware
    text: str = ""
    chat_key: str = ""  # where to answer; defaults to user_key
    choice: str | None = None  # value of a tapped button, when the platform has buttons
    payload: str | None = None  # deep-link / QR-scene payload such as "signin_ABC123"
    event: str | None = None  # "subscribe", "unsubscribe", "contact", "menu"...
    locale: str | None = None  # the platform's language hint ("zh-hans", "en"...)
    display_name: str = ""
    upload: Attachment | None = None  # a file the person sent (Telegram documents, the console's /file)

    @property
    def chat(self) -> str:
        return self.chat_key or self.user_key


def clean_field(value: object) -> str:
    """A platform's text field as text that can be stored and sent back: numbers become their digits (a
    JSON ``text`` may be a number), anything else that is not text becomes "", and lone surrogates and NUL
    are dropped."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return ""
    return _UNSTORABLE.sub("", value)


def bounded_key(key: str, limit: int = KEY_LIMIT) -> str:
    """``key`` itself when short enough, else its first 40 characters and its SHA-256: one delivery still
    gives one key, and no key overflows its column (a 200-digit WeChat CreateTime did)."""
    key = clean_field(key)
    if len(key) <= limit:
        return key
    return f"{key[:40]}#{hashlib.sha256(key.encode()).hexdigest()}"


def sanitized(incoming: Incoming) -> Incoming:
    """The message with every field storable: what the dispatcher works on, whatever an adapter passed."""
    text, choice, payload = clean_field(incoming.text), incoming.choice, incoming.payload
    name = clean_field(incoming.display_name)[:NAME_LIMIT]
    keys = (bounded_key(incoming.user_key), bounded_key(incoming.chat_key), bounded_key(incoming.message_key))
    if (text == incoming.text and name == incoming.display_name
            and keys == (incoming.user_key, incoming.chat_key, incoming.message_key)
            and not (choice and _UNSTORABLE.search(choice)) and not (payload and _UNSTORABLE.search(payload))
            and (incoming.locale is None or isinstance(incoming.locale, str))):
        return incoming  # the common case: nothing to copy
    return replace(incoming, text=text, display_name=name, user_key=keys[0], chat_key=keys[1],
                   message_key=keys[2], choice=clean_field(choice) if choice is not None else None,
                   payload=clean_field(payload) if payload is not None else None,
                   locale=clean_field(incoming.locale) or None)


@dataclass(frozen=True, slots=True)
class Choice:
    """A button / numbered option. ``value`` is stable and language-independent; ``label`` is shown."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Citation:
    """The source of a statement: measure key, article number, a localized label and the quoted sentence."""

    measure: str  # "craftsman" | "studio" | "station" | "training"
    article: int
    label: str  # e.g. 《云岭工匠选树管理办法》第九条
    quote: str = ""  # the sentence(s) of the article relied on (Chinese original)
    gist: str = ""  # English gist when answering in English


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: Literal["document", "image"]
    filename: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    citations: tuple[Citation, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    # The line that introduces the choices ("Or did you mean:"), shown after the citations, right above
    # the choices it introduces; in ``text`` it would be separated from them by the citations.
    prompt: str = ""


@dataclass(slots=True)
class DispatchResult:
    replies: list[Reply] = field(default_factory=list)
    duplicate: bool = False  # the message key had been processed before; nothing was done
    locale: str = "zh"
    held: object = None  # what the channel's guard returned when it stopped the message (see Dispatcher.handle)


def reply_to_dict(reply: Reply) -> dict:
    """JSON-safe form of a reply, for the outbox."""
    import base64

    return {
        "text": reply.text,
        "choices": [[c.value, c.label] for c in reply.choices],
        "citations": [[c.measure, c.article, c.label, c.quote, c.gist] for c in reply.citations],
        "attachments": [[a.kind, a.filename, base64.b64encode(a.data).decode(), a.mime] for a in reply.attachments],
        "prompt": reply.prompt,
    }


def reply_from_dict(data: dict) -> Reply:
    import base64

    return Reply(
        text=data.get("text", ""),
        choices=tuple(Choice(v, lab) for v, lab in data.get("choices", ())),
        citations=tuple(Citation(m, int(a), lab, q, g) for m, a, lab, q, g in data.get("citations", ())),
        attachments=tuple(Attachment(k, f, base64.b64decode(d), m) for k, f, d, m in data.get("attachments", ())),
        prompt=data.get("prompt", ""),
    )
