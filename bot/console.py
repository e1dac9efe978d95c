"""The local console chat: interactive with a prompt, or scripted from standard input.

``/file PATH`` sends a local file, as a Telegram user sends a document (a class roster, for instance)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.delivery import DeliveryWorker
from bot.render import render_text
from bot.senders import Recipient
from handlers.i18n import normalize_locale, translator
from handlers.services.broadcasts import release_due_broadcasts
from handlers.types import MAX_UPLOAD, Attachment, Incoming, Reply
from storage.db import run_in_transaction


class ConsoleChat:
    """Feeds lines to the dispatcher as the console channel and prints the replies."""

    def __init__(self, app: App, user: str = "local", locale: str | None = None,
                 save_dir: Path | None = None) -> None:
        self.app, self.user, self.locale = app, user, locale
        self.save_dir = save_dir or Path.cwd()
        self._seq = 0
        self._last_choices: tuple = ()

    def say(self, text: str, *, payload: str | None = None) -> list[Reply]:
        self._seq += 1
        choice = None
        stripped = text.strip()
        if stripped.isdigit() and self._last_choices and 1 <= int(stripped) <= len(self._last_choices):
            choice = self._last_choices[int(stripped) - 1].value
        upload = None
        if stripped.startswith("/file "):
            upload, problem = self._read(Path(stripped[6:].strip()).expanduser())
            if upload is None:
                return [Reply(text=problem)]
            text = ""
        incoming = Incoming(
            channel="console", user_key=self.user,
            message_key=f"{self.user}:{datetime.now(UTC).timestamp():.6f}:{self._seq}",
            received_at=datetime.now(UTC), text=text, choice=choice, payload=payload, locale=self.locale,
            upload=upload,
        )
        result = self.app.dispatcher.handle(incoming)
        if result.replies:
            self._last_choices = result.replies[-1].choices
        return result.replies

    def _read(self, path: Path) -> tuple[Attachment | None, str]:
        """The file for ``/file PATH``; or what is wrong with it."""
        _ = translator(normalize_locale(self.locale or self.app.settings.default_locale))
        try:
            if path.stat().st_size > MAX_UPLOAD:
                return None, _("Not sent: {path} is over 1 MB.", path=str(path))
            return Attachment(kind="document", filename=path.name, data=path.read_bytes()), ""
        except OSError:
            return None, _("Not sent: {path} cannot be read.", path=str(path))

    def print_replies(self, replies: Iterable[Reply], out: TextIO) -> None:
        for reply in replies:
            out.write(render_text(reply) + "\n")
            for a in reply.attachments:
                target = self.save_dir / a.filename
                target.write_bytes(a.data)
                out.write(f"(saved {target})\n")
        out.write("\n")
        out.flush()

    def run(self, inp: TextIO = sys.stdin, out: TextIO = sys.stdout, interactive: bool | None = None) -> int:
        interactive = inp.isatty() if interactive is None else interactive
        if interactive:
            out.write("云岭职工助手 · Yunling Workers' Assistant — Ctrl-D to quit\n\n")
            self.print_replies(self.say("/start"), out)
            self.print_deliveries(out)
        while True:
            if interactive:
                out.write("> ")
                out.flush()
            line = inp.readline()
            if not line:
                break
            line = line.rstrip("\n")
            if not interactive:
                out.write(f"> {line}\n")
            self.print_replies(self.say(line), out)
            self.print_deliveries(out)
        return 0

    def deliver(self) -> list[tuple[str, Reply]]:
        """Messages the assistant starts itself (ticket answers, broadcasts, notifications) to console users,
        delivered now as the server's delivery worker would: (console user, message), in order."""
        inbox: list[tuple[str, Reply]] = []

        class _Inbox:
            channel = "console"

            async def send(self, recipient: Recipient, reply: Reply, *, kind: str, dedupe_key: str) -> None:
                inbox.append((recipient.user_key, reply))

        # A broadcast sent now (or due) is released into the outbox by the server's scheduler tick, which the console
        # does not run: without this, "立即发送" stayed "scheduled" and reached nobody here.
        release = lambda s: release_due_broadcasts(session=s, now=datetime.now(UTC))  # noqa: E731
        run_in_transaction(self.app.engine, release)
        worker = DeliveryWorker(self.app.engine, {"console": _Inbox()}, own_channels_only=True)
        asyncio.run(worker.drain(max_rounds=5))
        run_in_transaction(self.app.engine, release)  # and a broadcast whose messages all went out is closed
        return inbox

    def print_deliveries(self, out: TextIO) -> None:
        for user, reply in self.deliver():
            _ = translator(normalize_locale(self.locale))
            head = (_("(message for you)") if user == self.user else
                    _("(message for console user {user})", user=user))
            out.write(f"{head}\n{render_text(reply)}\n\n")
        out.flush()
