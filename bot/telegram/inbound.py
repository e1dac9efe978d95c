"""Telegram updates in: an :class:`Update` becomes a neutral :class:`Incoming` (or None for updates we do not
answer), and the keys an update is kept under (the inbox, its replies in the outbox).

Choices travel in ``callback_data``: ``v:<value>`` when it fits in 64 bytes, else ``t:<token>`` with the value
stored server-side (:mod:`storage.models_telegram`).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from handlers.i18n import N_
from handlers.types import MAX_UPLOAD, Attachment, Incoming, bounded_key, clean_field

MAX_CALLBACK = 64  # Bot API: callback_data, in bytes
CHOSEN = "x"  # callback data of the "✓ label" marker left on a tapped keyboard
_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
log = logging.getLogger(__name__)

FILE_TOO_LARGE = N_("That file is too large (the limit is 1 MB). A class roster is much smaller; please check "
                    "you sent the right file.")
FILE_NOT_FETCHED = N_("I could not fetch your file from Telegram. Please send it again in a moment.")


def deep_link(bot_username: str, payload: str) -> str:
    """``https://t.me/<bot>?start=<payload>``: opening it sends ``/start <payload>`` to the bot."""
    if not _PAYLOAD.match(payload):
        raise ValueError("a deep-link payload is 1-64 characters of A-Z, a-z, 0-9, _ and -")
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"



def token_of(value: str) -> str:
    """A short, stable token for a choice value (22 characters of base64url of its SHA-256)."""
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()[:16]).decode().rstrip("=")


def callback_data(value: str) -> str:
    """``v:<value>`` when it fits in 64 bytes, else ``t:<token>`` (the value is stored server-side)."""
    data = "v:" + value
    return data if len(data.encode()) <= MAX_CALLBACK else "t:" + token_of(value)


def normalize_phone(raw: str) -> str:
    """A shared contact's number as the flows expect it: mainland numbers without +86."""
    digits = re.sub(r"[^\d]", "", raw or "")
    if len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    return digits


def to_incoming(update: Update, *, now: datetime, payload_prefixes: Sequence[str] = (),
                lookup: Callable[[str], str | None] = lambda _token: None,
                upload: Attachment | None = None) -> Incoming | None:
    """The neutral message of an update, or None for updates we do not answer (edits, channel posts,
    bots, the ✓ marker). ``lookup`` resolves a ``t:<token>`` button to its stored value; ``upload`` is
    the message's document, already fetched."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    # Every field is cleaned here (clean_field): a JSON number where text belongs, lone surrogates, NUL.
    base: dict[str, Any] = {
        "channel": "telegram", "user_key": str(user.id), "chat_key": str(chat.id),
        "message_key": bounded_key(f"tg:{update.update_id}"), "received_at": now,
        "locale": clean_field(user.language_code) or None, "display_name": clean_field(user.first_name)[:100],
    }
    query = update.callback_query
    if query is not None:
        data = clean_field(query.data)
        if data.startswith("v:"):
            return Incoming(**base, choice=data[2:])
        if data.startswith("t:"):
            value = lookup(data[2:])
            return Incoming(**base, choice=value) if value is not None else None
        return None
    msg = update.message
    if msg is None:
        return None
    if msg.contact is not None:
        # Only the person's own number counts; it goes to the flow, never to a log.
        own = msg.contact.user_id == user.id
        return Incoming(**base, event="contact",
                        text=normalize_phone(clean_field(msg.contact.phone_number)) if own else "")
    if msg.document is not None:
        return Incoming(**base, text=clean_field(msg.caption), upload=upload)
    text = clean_field(msg.text)
    if text.startswith("/"):
        head, _, rest = text.partition(" ")
        text = head.split("@", 1)[0] + (" " + rest if rest else "")  # "/menu@YunlingBot" -> "/menu"
        if head.split("@", 1)[0] == "/start":
            payload = rest.strip()
            if payload and _PAYLOAD.match(payload) and payload.startswith(tuple(payload_prefixes)):
                return Incoming(**base, payload=payload)
            return Incoming(**base, text="/start")
    return Incoming(**base, text=text)


def inbox_key(update: Update) -> str:
    return bounded_key(f"tg:{update.update_id}")


def reply_key(update: Update, n: int) -> str:
    return f"{inbox_key(update)}:reply:{n}"


async def fetch_document(update: Update) -> tuple[Attachment | None, str]:
    """The document a person sent, fetched from Telegram; or the problem to tell them (size, network)."""
    assert update.message is not None and update.message.document is not None
    doc = update.message.document
    if doc.file_size and doc.file_size > MAX_UPLOAD:
        log.info("telegram: document of %d bytes in update %s refused", doc.file_size, update.update_id)
        return None, FILE_TOO_LARGE
    try:
        data = bytes(await (await doc.get_file()).download_as_bytearray())
    except TelegramError as exc:
        log.warning("telegram: document of update %s not fetched (%s)", update.update_id, type(exc).__name__)
        return None, FILE_NOT_FETCHED
    if len(data) > MAX_UPLOAD:
        return None, FILE_TOO_LARGE
    name = (doc.file_name or "upload").replace("/", "_")[:120]
    return Attachment(kind="document", filename=name, data=data,
                      mime=doc.mime_type or "application/octet-stream"), ""
