"""A local HTTP stand-in of the Telegram Bot API for python-telegram-bot (run unmodified, pointed at it
through ``base_url``).

Serves getMe, getUpdates (long polling over a queue of injected updates), setWebhook, deleteWebhook,
sendMessage, sendDocument, sendPhoto (multipart), answerCallbackQuery, editMessageReplyMarkup and
setMyCommands; records every call (parameters and uploaded files); and can be told to answer a method
with 429 + retry_after, 403, 400 or 500, or to hang. PTB posts form data (urlencoded, or multipart when
files are attached; complex values JSON-encoded), parsed here with the standard library.

    standin = TelegramStandIn()
    with serve(standin.app()) as url:       # serve() from tests/standins.py: uvicorn on 127.0.0.1
        settings = Settings(telegram_token=standin.token, telegram_base_url=url)
        standin.push(text_update(42, "hello"))
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from standins import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.app import App
from handlers.flow import Answer, Ctx, Flow, Invalid, Outcome, State, finish
from handlers.registry import build_dispatcher
from handlers.settings import Settings
from handlers.types import Attachment, Choice, Reply
from knowledge.idcard import is_valid_mobile, mask_mobile

TOKEN = "123456:TEST-token_standin"
BOT_ID = 123456
BOT_USERNAME = "YunlingTestBot"


@dataclass
class Call:
    method: str
    params: dict[str, str]
    files: dict[str, tuple[str, bytes]]  # field name -> (filename, content)
    at: float
    status: int = 200  # the HTTP status answered (a fault's, or 200)

    def json(self, name: str) -> Any:
        return json.loads(self.params[name]) if name in self.params else None

    @property
    def chat(self) -> str:
        return self.params.get("chat_id", "")

    @property
    def text(self) -> str:
        return self.params.get("text", "")

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of the inline keyboard, row by row."""
        markup = self.json("reply_markup") or {}
        return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Fault:
    status: int = 0  # 0: hang instead
    retry_after: int | None = None
    description: str = ""
    hang_s: float = 0.0


def _error(status: int, description: str, retry_after: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return JSONResponse(body, status_code=status)


DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {s}",
    500: "Internal Server Error",
}


def running() -> Iterator[TelegramStandIn]:
    """A stand-in served on a free local port (its root in ``.url``): the test modules' ``standin`` fixture
    (``standin = pytest.fixture(running, name="standin")``)."""
    s = TelegramStandIn()
    with serve(s.app()) as url:
        s.url = url  # type: ignore[attr-defined]
        yield s


@dataclass
class TelegramStandIn:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    listener: Callable[[Call], None] | None = None  # called (in the stand-in's thread) on each success
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> content, for getFile and downloads
    downloads: list[str] = field(default_factory=list)  # file paths fetched

    def app(self) -> Starlette:
        return Starlette(routes=[Route(f"/bot{self.token}/{{method}}", self._api, methods=["GET", "POST"]),
                                 Route(f"/file/bot{self.token}/{{path:path}}", self._file, methods=["GET"])])

    def host(self, content: bytes) -> str:
        """Keep a file as if a person had sent it; returns its file_id."""
        file_id = f"file{len(self.files) + 1}"
        self.files[file_id] = content
        return file_id

    # -- control from tests ------------------------------------------------------------------------
    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (an update_id is assigned when missing); returns its id."""
        with self._lock:
            if "update_id" not in update:
                update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
        return int(update["update_id"])

    def fail(self, method: str, status: int, *, retry_after: int | None = None, description: str = "",
             times: int = 1) -> None:
        text = description or DEFAULT_DESCRIPTIONS.get(status, "Error").format(s=retry_after)
        self.faults.setdefault(method, []).extend(Fault(status, retry_after, text) for _ in range(times))

    def hang(self, method: str, seconds: float = 30.0, times: int = 1) -> None:
        self.faults.setdefault(method, []).extend(Fault(0, hang_s=seconds) for _ in range(times))

    def of(self, *methods: str) -> list[Call]:
        """Calls of these methods that succeeded."""
        return [c for c in list(self.calls) if c.method in methods and c.status == 200]

    def sent(self) -> list[Call]:
        """Messages and files delivered (calls that did not fail)."""
        return self.of("sendMessage", "sendDocument", "sendPhoto")

    def wait_for(self, check: Callable[[TelegramStandIn], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while not (result := self._met(check, deadline, timeout)):
            time.sleep(0.01)
        return result

    async def wait_for_async(self, check: Callable[[TelegramStandIn], Any], timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while not (result := self._met(check, deadline, timeout)):
            await asyncio.sleep(0.01)
        return result

    def _met(self, check: Callable[[TelegramStandIn], Any], deadline: float, timeout: float) -> Any:
        """``check``'s result; past the deadline, an AssertionError listing the calls seen."""
        result = check(self)
        if not result and time.monotonic() > deadline:
            raise AssertionError(f"stand-in: condition not met in {timeout}s; calls: "
                                 f"{[(c.method, c.params.get('text', '')[:40]) for c in self.calls]}")
        return result

    # -- the API -----------------------------------------------------------------------------------
    async def _api(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        params, files = await _parse(request)
        faults = self.faults.get(method)
        if faults:
            fault = faults.pop(0)
            self.calls.append(Call(method, params, files, time.monotonic(), fault.status or 504))
            if fault.status == 0:
                await asyncio.sleep(fault.hang_s)
                return _error(504, "hung")
            return _error(fault.status, fault.description, fault.retry_after)
        if method == "getUpdates":  # not recorded: polling would flood the record
            return JSONResponse({"ok": True, "result": await self._get_updates(params)})
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        call = Call(method, params, files, time.monotonic())
        self.calls.append(call)
        result = handler(params)
        if self.listener is not None:
            self.listener(call)
        return JSONResponse({"ok": True, "result": result})

    def _message(self, params: dict[str, str], **extra: Any) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", "0"))
        return {"message_id": next(self._ids), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"}, **extra}

    def _m_getMe(self, _p: dict[str, str]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Yunling", "username": BOT_USERNAME,
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _m_sendMessage(self, p: dict[str, str]) -> dict[str, Any]:
        return self._message(p, text=p.get("text", ""))

    def _m_sendDocument(self, p: dict[str, str]) -> dict[str, Any]:
        return self._message(p, document={"file_id": "doc1", "file_unique_id": "doc1u"})

    def _m_sendPhoto(self, p: dict[str, str]) -> dict[str, Any]:
        return self._message(p, photo=[{"file_id": "ph1", "file_unique_id": "ph1u", "width": 10, "height": 10}])

    def _m_getFile(self, p: dict[str, str]) -> dict[str, Any]:
        file_id = p.get("file_id", "")
        content = self.files.get(file_id, b"")
        return {"file_id": file_id, "file_unique_id": f"{file_id}u", "file_size": len(content),
                "file_path": f"documents/{file_id}.xlsx"}

    async def _file(self, request: Request) -> Response:
        path = request.path_params["path"]
        self.downloads.append(path)
        file_id = path.removeprefix("documents/").removesuffix(".xlsx")
        if file_id not in self.files:
            return Response(status_code=404)
        return Response(self.files[file_id], media_type="application/octet-stream")

    def _m_answerCallbackQuery(self, _p: dict[str, str]) -> bool:
        return True

    def _m_editMessageReplyMarkup(self, _p: dict[str, str]) -> bool:
        return True

    def _m_setMyCommands(self, _p: dict[str, str]) -> bool:
        return True

    def _m_setWebhook(self, _p: dict[str, str]) -> bool:
        return True

    def _m_deleteWebhook(self, _p: dict[str, str]) -> bool:
        return True

    async def _get_updates(self, p: dict[str, str]) -> list[dict[str, Any]]:
        offset = int(p.get("offset", "0") or 0)
        timeout = min(float(p.get("timeout", "0") or 0), 5.0)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates)
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.01)


async def _parse(request: Request) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    body = await request.body()
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/"):
        msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
        params: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        for part in msg.iter_parts():  # type: ignore[attr-defined]
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if part.get_filename():
                files[name] = (part.get_filename(), data)
            else:
                params[name] = data.decode()
        return params, files
    if ctype.startswith("application/json"):
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body or b"{}").items()}, {}
    return dict(parse_qsl(body.decode())), {}


# -- update builders -------------------------------------------------------------------------------
def _user(user_id: int, lang: str | None = "zh-hans", first_name: str = "阿明") -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if lang:
        user["language_code"] = lang
    return user


def text_update(user_id: int, text: str, *, lang: str | None = "zh-hans", update_id: int | None = None,
                message_id: int = 1) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "text": text,
                               "chat": {"id": user_id, "type": "private"}, "from": _user(user_id, lang)}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    update: dict[str, Any] = {"message": message}
    if update_id is not None:
        update["update_id"] = update_id
    return update


def callback_update(user_id: int, data: str, *, message_id: int, buttons: list[tuple[str, str]] | None = None,
                    lang: str | None = "zh-hans", update_id: int | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "text": "…",
                               "chat": {"id": user_id, "type": "private"}}
    if buttons:
        message["reply_markup"] = {"inline_keyboard": [[{"text": t, "callback_data": d}] for t, d in buttons]}
    update: dict[str, Any] = {"callback_query": {"id": f"cq{message_id}{data[:8]}", "from": _user(user_id, lang),
                                                 "chat_instance": "ci", "data": data, "message": message}}
    if update_id is not None:
        update["update_id"] = update_id
    return update


def document_update(user_id: int, file_id: str, *, name: str = "roster.xlsx", size: int = 1000,
                    caption: str = "", lang: str | None = "zh-hans") -> dict[str, Any]:
    document = {"file_id": file_id, "file_unique_id": f"{file_id}u", "file_name": name, "file_size": size,
                "mime_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    message: dict[str, Any] = {"message_id": 9, "date": int(time.time()), "document": document,
                               "chat": {"id": user_id, "type": "private"}, "from": _user(user_id, lang)}
    if caption:
        message["caption"] = caption
    return {"message": message}


def contact_update(user_id: int, phone: str, *, own: bool = True, lang: str | None = "zh-hans") -> dict[str, Any]:
    contact = {"phone_number": phone, "first_name": "阿明", "user_id": user_id if own else user_id + 1}
    return {"message": {"message_id": 7, "date": int(time.time()), "contact": contact,
                        "chat": {"id": user_id, "type": "private"}, "from": _user(user_id, lang)}}


# -- a small test bot: flows that exercise the adapter ------------------------------------------------
LONG_LINES = [f"第{i}行：" + "云岭工匠选树管理办法" * 20 for i in range(40)]  # ~ 8 400 characters
LONG_VALUE = "ask:" + "怎样申报云岭工匠称号" * 8  # longer than a button's 64 bytes
DOCX = Attachment("document", "申报表.docx", b"PK\x03\x04 fake docx", "application/vnd.openxmlformats")
QR = Attachment("image", "qr.png", b"\x89PNG\r\n fake png", "image/png")
slow_started = threading.Event()


def _phone(ctx: Ctx, answer: Answer) -> Outcome:
    if ctx.incoming.event != "contact" or not is_valid_mobile(answer.text):
        raise Invalid("please share your contact")
    return finish(Reply(f"phone {mask_mobile(answer.text)}"))


def _slow(ctx: Ctx) -> Outcome:
    slow_started.set()
    time.sleep(0.5)  # a slow database or rule: the shutdown must wait for it
    return finish(Reply("slow done"))


TEST_FLOWS = (
    Flow("probe", "probe", {}, payload_prefixes=("probe_",), in_menu=False,
         enter=lambda ctx: finish(Reply(f"payload={ctx.data['payload']}"))),
    Flow("long", "long", {}, commands=("/long",), in_menu=False,
         enter=lambda ctx: finish(Reply("\n".join(LONG_LINES), choices=(Choice("flow:pick", "Pick"),)))),
    Flow("files", "files", {}, commands=("/files",), in_menu=False,
         enter=lambda ctx: finish(Reply("files <b>", attachments=(DOCX, QR)))),
    Flow("phone", "phone", {"ask": State(prompt=lambda ctx: Reply("share your phone"), handle=_phone, to=())},
         start="ask", commands=("/phone",), in_menu=False),
    Flow("pick", "Pick", {"choose": State(
        prompt=lambda ctx: Reply("pick one", choices=(Choice("red", "Red"), Choice(LONG_VALUE, "Long one"))),
        handle=lambda ctx, a: finish(Reply(f"picked {a.value}")), to=())}, start="choose", commands=("/pick",)),
    Flow("slow", "slow", {}, commands=("/slow",), in_menu=False, enter=_slow),
)


def echo_faq(ctx: Ctx, text: str) -> list[Reply]:
    return [Reply(f"echo: {text}")]


def make_app(engine: Any, settings: Settings, base_url: str, **overrides: Any) -> App:
    """An :class:`App` whose Telegram settings point at the stand-in, with the test flows."""
    s = replace(settings, telegram_token=TOKEN, telegram_base_url=base_url, **overrides)
    return App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s, flows=TEST_FLOWS, faq=echo_faq))
