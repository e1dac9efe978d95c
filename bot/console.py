"""The local console chat: interactive with a prompt, or scripted from standard input.

``/file PATH`` sends a local file, as a Telegram user sends a document (a class roster, for instance)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.render import render_text
from handlers.i18n import normalize_locale, translator
from handlers.types import MAX_UPLOAD, Attachment, Incoming, Reply


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
        return 0
