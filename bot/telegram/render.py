"""Telegram replies out: a :class:`Reply` becomes Bot API calls (:class:`Outgoing`) and is sent.

Replies are sent as HTML: only ``& < >`` need escaping (MarkdownV2 has 18 reserved characters, most of
them common in Chinese regulation text: ``. ( ) - ! [ ]``...), and escaping line by line means a long
text can be split on line boundaries without ever cutting an entity or a tag. Choices become an inline
keyboard; a value too long for the 64-byte ``callback_data`` is stored under a short token
(:func:`long_values`).
"""

from __future__ import annotations

import contextlib
import html
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.telegram.inbound import CHOSEN, callback_data, token_of
from handlers.i18n import N_, Translate
from handlers.types import Attachment, Choice, Reply, clean_field

MAX_MESSAGE = 4096  # Bot API: text of one message, in UTF-16 code units after entity parsing
MAX_BUTTONS = 100  # Bot API: buttons of one inline keyboard
MAX_LABEL = 120
MAX_QUOTE = 600  # a citation's quoted sentence(s) in the footer
_BREAK_AFTER = " \t。；，、,.;!?！？)）"

PLEASE_CHOOSE = N_("Please choose:")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call of a rendered reply; ``choices`` become its inline keyboard."""

    kind: Literal["text", "document", "photo"]
    html: str = ""
    attachment: Attachment | None = None
    choices: tuple[Choice, ...] = ()


def _hard_split(line: str, limit: int) -> list[str]:
    """Escape one over-long line into pieces of at most ``limit``, cutting after a space or punctuation
    when one is in the second half of the piece."""
    pieces: list[str] = []
    while line:
        size, cut, last_break = 0, 0, -1
        for i, ch in enumerate(line):
            cost = utf16_len(html.escape(ch, quote=False))
            if size + cost > limit:
                break
            size += cost
            cut = i + 1
            if ch in _BREAK_AFTER:
                last_break = i + 1
        if cut < len(line) and last_break > cut // 2:
            cut = last_break
        pieces.append(html.escape(line[:cut], quote=False))
        line = line[cut:]
    return pieces


def split_units(units: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Pack escaped lines into messages of at most ``limit``, breaking only between lines."""
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for unit in units:
        if not current and not unit.strip():
            continue  # a message never starts with blank lines
        n = utf16_len(unit)
        if current and size + 1 + n > limit:
            chunks.append(current)
            current, size = [], 0
        size += n + (1 if current else 0)
        current.append(unit)
    if current:
        chunks.append(current)
    out = []
    for chunk in chunks:
        text = "\n".join(chunk).strip("\n")
        if text.strip():
            out.append(text)
    return out


def _citation_unit(label: str, quote: str, gist: str) -> str:
    unit = f"📖 <b>{html.escape(label, quote=False)}</b>"
    body = quote if len(quote) <= MAX_QUOTE else quote[:MAX_QUOTE - 1] + "…"
    if gist:
        body = f"{body}\n{gist[:MAX_QUOTE]}" if body else gist[:MAX_QUOTE]
    if body:
        unit += f"\n<blockquote expandable>{html.escape(body, quote=False)}</blockquote>"
    return unit


def render(reply: Reply, _: Translate, limit: int = MAX_MESSAGE) -> list[Outgoing]:
    """The Bot API calls of one reply: its text split under the limit (citations as a footer of
    expandable quotes), then its files; the keyboard goes on the last call."""
    units: list[str] = []
    for line in reply.text.splitlines():
        units.extend(_hard_split(line, limit) if utf16_len(html.escape(line, quote=False)) > limit
                     else [html.escape(line, quote=False)])
    if reply.citations:
        units.append("")
        units.extend(_citation_unit(c.label, c.quote, c.gist) for c in reply.citations)
    if reply.prompt:
        units.append(html.escape(reply.prompt, quote=False))
    texts = split_units(units, limit)
    if not texts and reply.choices and not reply.attachments:
        texts = [html.escape(_(PLEASE_CHOOSE), quote=False)]
    items: list[Outgoing] = [Outgoing("text", html=t) for t in texts]
    for a in reply.attachments:
        items.append(Outgoing("photo" if a.kind == "image" else "document", attachment=a))
    if items and reply.choices:
        items[-1] = replace(items[-1], choices=reply.choices[:MAX_BUTTONS])
    return items


def long_values(items: Sequence[Outgoing]) -> dict[str, str]:
    """``{token: value}`` for every choice value that needs a server-side token."""
    return {token_of(c.value): c.value for it in items for c in it.choices
            if callback_data(c.value).startswith("t:")}


def keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    if not choices:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(c.label[:MAX_LABEL] or c.value[:MAX_LABEL],
                                                       callback_data=callback_data(c.value))] for c in choices])


async def send_items(bot: Bot, chat_id: int | str, items: Sequence[Outgoing]) -> None:
    """Send rendered items in order. Telegram errors propagate (the caller maps or reports them)."""
    for it in items:
        markup = keyboard(it.choices)
        if it.kind == "text":
            await bot.send_message(chat_id, it.html, parse_mode=ParseMode.HTML, reply_markup=markup,
                                   link_preview_options=LinkPreviewOptions(is_disabled=True))
        elif it.attachment is not None:
            file = InputFile(it.attachment.data, filename=it.attachment.filename)
            if it.kind == "photo":
                await bot.send_photo(chat_id, file, reply_markup=markup)
            else:
                await bot.send_document(chat_id, file, reply_markup=markup)


async def acknowledge(query: CallbackQuery, tapped: OrderedDict[tuple[int, int], None]) -> bool:
    """Answer the tap and replace the keyboard by a "✓ label" marker. False when the tap is to be
    ignored: the marker itself, a second tap on the same keyboard, an unknown button."""
    data = clean_field(query.data)
    msg = query.message
    key = (msg.chat.id, msg.message_id) if msg is not None else None
    if not data.startswith(("v:", "t:")) or (key is not None and key in tapped):
        with contextlib.suppress(TelegramError):
            await query.answer()
        return False
    if key is not None:
        tapped[key] = None
        while len(tapped) > 10_000:
            tapped.popitem(last=False)
    with contextlib.suppress(TelegramError):
        await query.answer()
    markup = getattr(msg, "reply_markup", None)
    label = next((b.text for row in (markup.inline_keyboard if markup else ()) for b in row
                  if b.callback_data == data), "")
    with contextlib.suppress(BadRequest):  # too old to edit, or already edited
        await query.edit_message_reply_markup(InlineKeyboardMarkup(
            [[InlineKeyboardButton(f"✓ {label}"[:MAX_LABEL], callback_data=CHOSEN)]]))
    return True
