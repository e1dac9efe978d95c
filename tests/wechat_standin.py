"""A local stand-in of the WeChat official-account API on 127.0.0.1 (Starlette under uvicorn in a thread).

It issues access tokens, checks them on every call, records what it receives, and can be told to answer
the next calls of an endpoint with error codes (``fail("message/custom/send", 45015)``) or to expire the
current token.
"""

from __future__ import annotations

import json
import re
import threading
import time
import warnings
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

with warnings.catch_warnings():  # Starlette's TestClient warns that it prefers httpx2; httpx is what we have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

APP_ID, APP_SECRET = "wx0123456789abcdef", "standin-secret"
__all__ = ["APP_ID", "APP_SECRET", "Pusher", "TestClient", "WeChatStandIn", "push_xml", "running"]


@dataclass
class Call:
    endpoint: str  # "message/custom/send"
    body: dict
    query: dict


class WeChatStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.token_fetches = 0
        self._token = ""
        self._failures: dict[str, list[int]] = defaultdict(list)
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/cgi-bin/{endpoint:path}", self._handle, methods=["GET", "POST"])])
        self._server: uvicorn.Server | None = None
        self.base_url = ""

    # -- control -----------------------------------------------------------------------------------
    def fail(self, endpoint: str, *codes: int) -> None:
        with self._lock:
            self._failures[endpoint].extend(codes)

    def expire_token(self) -> None:
        with self._lock:
            self._token = "expired-" + self._token

    def sent(self, endpoint: str) -> list[dict]:
        with self._lock:
            return [c.body for c in self.calls if c.endpoint == endpoint]

    # -- the API -----------------------------------------------------------------------------------
    async def _handle(self, request: Request) -> JSONResponse:
        endpoint = request.path_params["endpoint"]
        query = dict(request.query_params)
        if endpoint == "token":
            if query.get("appid") != APP_ID or query.get("secret") != APP_SECRET:
                return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
            with self._lock:
                self.token_fetches += 1
                self._token = f"TOKEN{self.token_fetches}"
                return JSONResponse({"access_token": self._token, "expires_in": 7200})
        with self._lock:
            token_ok = bool(self._token) and query.get("access_token") == self._token
        if not token_ok:
            return JSONResponse({"errcode": 42001, "errmsg": "access_token expired"})
        raw = await request.body()
        if endpoint == "media/upload":  # multipart: just the part's name and file name
            found = re.search(rb'name="media"; filename="([^"]*)"', raw)
            body = {"type": query.get("type"), "filename": found.group(1).decode() if found else ""}
        else:
            body = json.loads(raw or b"{}")
        with self._lock:
            self.calls.append(Call(endpoint, body, query))
            codes = self._failures.get(endpoint)
            code = codes.pop(0) if codes else 0
        if code:
            return JSONResponse({"errcode": code, "errmsg": f"stand-in error {code}"})
        extra: dict = {}
        if endpoint == "message/template/send":
            extra = {"msgid": len(self.calls)}
        elif endpoint == "qrcode/create":
            scene = body.get("action_info", {}).get("scene", {}).get("scene_str", "")
            extra = {"ticket": f"TICKET+{scene}==", "url": f"http://weixin.qq.com/q/{scene}",
                     **({"expire_seconds": body["expire_seconds"]} if "expire_seconds" in body else {})}
        elif endpoint == "media/upload":
            extra = {"type": body["type"], "media_id": f"MEDIA{len(self.calls)}", "created_at": int(time.time())}
        return JSONResponse({"errcode": 0, "errmsg": "ok", **extra})

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> WeChatStandIn:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        thread = threading.Thread(target=self._server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("stand-in did not start")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._thread = thread
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


# -- WeChat's side of the webhook -------------------------------------------------------------------------
def push_xml(openid: str, msg_type: str, *, create_time: int | None = None, account: str = "gh_yunling",
             **fields: str | int) -> str:
    """A push as WeChat's servers send it (``fields`` in order: Content="hi", MsgId=1, Event="subscribe"...)."""
    parts = [f"<ToUserName><![CDATA[{account}]]></ToUserName>",
             f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
             f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
             f"<MsgType><![CDATA[{msg_type}]]></MsgType>"]
    for name, value in fields.items():
        parts.append(f"<{name}>{value}</{name}>" if isinstance(value, int) else
                     f"<{name}><![CDATA[{value.replace(']]>', ']]]]><![CDATA[>')}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


class Pusher:
    """Signs (and in safe mode encrypts) pushes for ``/wechat`` with the real wechatpy crypto."""

    def __init__(self, token: str, aes_key: str = "", app_id: str = "") -> None:
        from wechatpy.crypto import WeChatCrypto

        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self._seq = 0

    def nonce(self) -> str:
        self._seq += 1
        return f"{int(time.time() * 1000)}{self._seq}"

    def sign(self, ts: str, nonce: str, *extra: str) -> str:
        import hashlib

        return hashlib.sha1(b"".join(sorted(p.encode() for p in (self.token, ts, nonce, *extra)))).hexdigest()

    def plain(self, body: str | bytes, *, ts: int | None = None, nonce: str | None = None) -> tuple[dict, bytes]:
        t, n = str(ts or int(time.time())), nonce or self.nonce()
        params = {"signature": self.sign(t, n), "timestamp": t, "nonce": n, "openid": "x"}
        return params, body.encode() if isinstance(body, str) else body

    def safe(self, xml: str, *, ts: int | None = None, nonce: str | None = None) -> tuple[dict, bytes]:
        """Safe mode: the Encrypt envelope, msg_signature over the ciphertext (as WeChat does)."""
        import xmltodict

        assert self.crypto is not None
        t, n = str(ts or int(time.time())), nonce or self.nonce()
        # encrypt_message builds the very envelope WeChat sends (Encrypt + MsgSignature).
        envelope = xmltodict.parse(self.crypto.encrypt_message(xml, n, t))["xml"]
        body = f"<xml><ToUserName><![CDATA[gh_yunling]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
        params = {"signature": self.sign(t, n), "timestamp": t, "nonce": n, "openid": "x",
                  "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
        return params, body.encode()

    def open(self, text: str) -> dict:
        """The reply as a dict (decrypted and verified in safe mode); {} for 'success'."""
        import xmltodict

        if text in ("success", ""):
            return {}
        if self.crypto is not None and "<Encrypt>" in text:
            outer = xmltodict.parse(text)["xml"]
            text = self.crypto.decrypt_message(text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
        return dict(xmltodict.parse(text)["xml"])


def running() -> Iterator[WeChatStandIn]:
    """A started stand-in, stopped afterwards: the test modules' ``standin`` fixture
    (``standin = pytest.fixture(running, name="standin")``)."""
    server = WeChatStandIn().start()
    yield server
    server.stop()
