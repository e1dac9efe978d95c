"""Platform-neutral message values: what adapters hand to the dispatcher and what they get back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

MAX_UPLOAD = 1024 * 1024  # files people send (a roster sheet is tens of KB); adapters refuse larger ones


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
    }


def reply_from_dict(data: dict) -> Reply:
    import base64

    return Reply(
        text=data.get("text", ""),
        choices=tuple(Choice(v, lab) for v, lab in data.get("choices", ())),
        citations=tuple(Citation(m, int(a), lab, q, g) for m, a, lab, q, g in data.get("citations", ())),
        attachments=tuple(Attachment(k, f, base64.b64decode(d), m) for k, f, d, m in data.get("attachments", ())),
    )
