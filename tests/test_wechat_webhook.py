"""The WeChat webhook through the real ASGI app and the real wechatpy crypto: official test vectors,
every message type in plain and safe mode, and every way a request is refused."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import replace

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlmodel import Session, select
from starlette.applications import Starlette
from wechat_standin import APP_ID, APP_SECRET, Pusher, TestClient, push_xml, running
from wechatpy.crypto import PrpCrypto, WeChatCrypto

from bot.app import App
from bot.web import build_web_app
from bot.wechat.protocol import MAX_BODY, signature_of
from bot.wechat.webhook import WeChatWebhook
from handlers.events import ONLY_TEXT, VOICE_UNCLEAR
from handlers.flow import Flow, finish
from handlers.flows import FLOWS
from handlers.i18n import translator
from handlers.registry import build_dispatcher
from handlers.types import Reply
from knowledge.search import index
from storage.models import Identity, ProcessedMessage

TOKEN = "yunling-test-token"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")  # an EncodingAESKey: 43 characters
OPENID = "oUSERaaaaaaaaaaaaaaaaaaaaaaa"
zh = translator("zh")

# Official vectors of WeChat's message encryption sample code (WXBizMsgCrypt), as published by Tencent:
# the Python sample's compatible-mode message (plain fields + Encrypt) and the Java sample's fixed-random
# encryption test. Both are checked here with wechatpy's own crypto.
VECTOR_TOKEN, VECTOR_KEY, VECTOR_APPID = "spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2"
VECTOR_TS, VECTOR_NONCE = "1409735669", "1320562132"
VECTOR_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
VECTOR_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9Fr"
    "XpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+"
    "WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0E"
    "IBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
VECTOR_BODY = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]>"
    "</FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]>"
    f"</Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[{VECTOR_ENCRYPT}]]></Encrypt></xml>"
)
VECTOR_PLAIN = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]>"
    "</FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA["
    "abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>"
)
JAVA_KEY, JAVA_APPID, JAVA_RANDOM = VECTOR_KEY, "wxb11529c136998cb6", "aaaabbbbccccdddd"
JAVA_CIPHER = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="

QR_CALLS: list[str] = []


def _echo_scene(ctx):  # type: ignore[no-untyped-def]
    QR_CALLS.append(ctx.data["payload"])
    return finish(Reply(text=f"scene={ctx.data['payload']}"))


def _counted(ctx):  # type: ignore[no-untyped-def]
    QR_CALLS.append("counted")
    return finish(Reply(text="counted"))


def _long(ctx):  # type: ignore[no-untyped-def]
    return finish(Reply(text="\n".join(f"第{i}行：云岭工匠选树管理办法的条文引用测试" for i in range(200))))


TEST_FLOWS = (
    Flow(name="qrecho", title="qr echo", states={}, enter=_echo_scene, payload_prefixes=("testqr_",), in_menu=False),
    Flow(name="counttest", title="count", states={}, enter=_counted, commands=("counttest",), in_menu=False),
    Flow(name="longtest", title="long", states={}, enter=_long, commands=("longtest",), in_menu=False),
)


standin = pytest.fixture(running, name="standin")


def wx_settings(settings, standin, *, safe: bool, **over):  # type: ignore[no-untyped-def]
    return replace(settings, wechat_token=TOKEN, wechat_app_id=APP_ID, wechat_app_secret=APP_SECRET,
                   wechat_aes_key=AES_KEY if safe else "", wechat_api_base_url=standin.base_url, **over)


def web_app(engine, s) -> Starlette:  # type: ignore[no-untyped-def]
    app = App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s, flows=(*TEST_FLOWS, *FLOWS)))
    return build_web_app(app, providers=("bot.wechat",))


def pusher(safe: bool) -> Pusher:
    return Pusher(TOKEN, AES_KEY if safe else "", APP_ID)


def send(client: TestClient, p: Pusher, xml: str, *, safe: bool, **kw) -> httpx.Response:  # type: ignore[no-untyped-def]
    params, body = (p.safe(xml, **kw) if safe else p.plain(xml, **kw))
    return client.post("/wechat", params=params, content=body)


def rows(engine, model) -> list:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return list(s.exec(select(model)))


# -- official vectors -----------------------------------------------------------------------------------
def test_official_vector_verifies_and_decrypts() -> None:
    assert signature_of(VECTOR_TOKEN, VECTOR_TS, VECTOR_NONCE, VECTOR_ENCRYPT) == VECTOR_MSG_SIGNATURE
    crypto = WeChatCrypto(VECTOR_TOKEN, VECTOR_KEY, VECTOR_APPID)
    plain = crypto.decrypt_message(VECTOR_BODY, VECTOR_MSG_SIGNATURE, VECTOR_TS, VECTOR_NONCE)
    assert plain == VECTOR_PLAIN


def test_official_encryption_vector() -> None:
    class FixedRandom(PrpCrypto):
        def get_random_string(self) -> str:
            return JAVA_RANDOM

    key = base64.b64decode(JAVA_KEY + "=")
    assert FixedRandom(key).encrypt("我是中文abcd123", JAVA_APPID).decode() == JAVA_CIPHER


def test_official_vector_through_the_webhook(engine, settings) -> None:  # type: ignore[no-untyped-def]
    # The search index loaded first, as `yunling serve` does before serving: the first question of a process
    # would load it (seconds, with its cache rebuilt), and past the 4-second deadline the answer is "success".
    index()
    s = replace(settings, wechat_token=VECTOR_TOKEN, wechat_aes_key=VECTOR_KEY, wechat_app_id=VECTOR_APPID)
    app = App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s))
    hook = WeChatWebhook(app, clock=lambda: int(VECTOR_TS) + 1)  # the vector is from 2014
    client = TestClient(Starlette(routes=hook.routes()))
    params = {"timestamp": VECTOR_TS, "nonce": VECTOR_NONCE, "encrypt_type": "aes",
              "msg_signature": VECTOR_MSG_SIGNATURE, "signature": "ignored-in-safe-mode"}
    res = client.post("/wechat", params=params, content=VECTOR_BODY.encode())
    assert res.status_code == 200
    outer = WeChatCrypto(VECTOR_TOKEN, VECTOR_KEY, VECTOR_APPID)
    import xmltodict

    env = xmltodict.parse(res.text)["xml"]
    reply = xmltodict.parse(outer.decrypt_message(res.text, env["MsgSignature"], env["TimeStamp"], env["Nonce"]))["xml"]
    assert reply["ToUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs" and reply["FromUserName"] == "gh_10f6c3c3ac5a"
    assert reply["MsgType"] == "text" and reply["Content"]
    # The same vector again is a replay of (timestamp, nonce).
    assert client.post("/wechat", params=params, content=VECTOR_BODY.encode()).status_code == 403


# -- URL verification -----------------------------------------------------------------------------------
def test_url_verification(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=True)))
    p = pusher(False)
    ts, nonce = str(int(time.time())), "12345"
    ok = client.get("/wechat", params={"signature": p.sign(ts, nonce), "timestamp": ts, "nonce": nonce,
                                       "echostr": "echo-9876"})
    assert ok.status_code == 200 and ok.text == "echo-9876"
    bad = client.get("/wechat", params={"signature": "0" * 40, "timestamp": ts, "nonce": nonce, "echostr": "x"})
    assert bad.status_code == 403 and "x" not in bad.text


# -- every message type, plain and safe -------------------------------------------------------------------
MENU_MARK = "1. "


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_message_types_round_trip(engine, settings, standin, safe: bool) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=safe)))
    p = pusher(safe)
    QR_CALLS.clear()

    def say(msg_type: str, **fields) -> dict:  # type: ignore[no-untyped-def]
        res = send(client, p, push_xml(OPENID, msg_type, **fields), safe=safe)
        assert res.status_code == 200, res.text
        if safe and res.text != "success":
            assert "<Encrypt>" in res.text and "<Content>" not in res.text
        return p.open(res.text)

    text = say("text", Content="菜单", MsgId=1001)
    assert text["ToUserName"] == OPENID and text["FromUserName"] == "gh_yunling" and MENU_MARK in text["Content"]
    assert MENU_MARK in say("voice", MediaId="m", Format="amr", Recognition="菜单", MsgId=1002)["Content"]
    assert say("voice", MediaId="m", Format="amr", MsgId=1003)["Content"] == zh(VOICE_UNCLEAR)
    for kind, fields in [("image", {"PicUrl": "http://x/p.jpg", "MediaId": "m"}),
                         ("location", {"Location_X": "25.04", "Location_Y": "102.71", "Scale": "15", "Label": "昆明"}),
                         ("link", {"Title": "t", "Description": "d", "Url": "http://x"}),
                         ("video", {"MediaId": "m", "ThumbMediaId": "t"}),
                         ("shortvideo", {"MediaId": "m", "ThumbMediaId": "t"}),
                         ("miniprogrampage", {"Title": "t"})]:
        assert say(kind, MsgId=2000 + len(kind), **fields)["Content"] == zh(ONLY_TEXT), kind
    welcome = say("event", Event="subscribe", create_time=1_700_000_001)["Content"]
    assert MENU_MARK in welcome and len(welcome) > 40
    assert say("event", Event="subscribe", EventKey="qrscene_testqr_ABC", create_time=1_700_000_002)["Content"] \
        == "scene=testqr_ABC"
    assert say("event", Event="SCAN", EventKey="testqr_DEF", Ticket="t", create_time=1_700_000_003)["Content"] \
        == "scene=testqr_DEF"
    assert say("event", Event="CLICK", EventKey="flow:counttest", create_time=1_700_000_004)["Content"] == "counted"
    assert MENU_MARK in say("event", Event="CLICK", EventKey="cmd:menu", create_time=1_700_000_005)["Content"]
    assert say("event", Event="VIEW", EventKey="http://example.org", create_time=1_700_000_006) == {}
    assert say("event", Event="unsubscribe", create_time=1_700_000_007) == {}
    [identity] = rows(engine, Identity)
    assert identity.channel == "wechat" and identity.user_key == OPENID and identity.reachable is False
    assert say("event", Event="subscribe", create_time=1_700_000_008)["Content"]
    assert rows(engine, Identity)[0].reachable is True
    assert QR_CALLS == ["testqr_ABC", "testqr_DEF", "counted"]


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_emoji_empty_content_and_cdata_end(engine, settings, standin, safe: bool) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=safe)))
    p = pusher(safe)
    res = send(client, p, push_xml(OPENID, "text", Content="你好😀👍🏽", MsgId=1), safe=safe)
    assert res.status_code == 200 and MENU_MARK in p.open(res.text)["Content"]
    empty = send(client, p, push_xml(OPENID, "text", Content="", MsgId=2), safe=safe)
    assert empty.status_code == 200 and p.open(empty.text)["Content"]
    tricky = send(client, p, push_xml(OPENID, "text", Content="a]]>b", MsgId=3), safe=safe)
    assert tricky.status_code == 200 and p.open(tricky.text)["Content"]


# -- refusals -----------------------------------------------------------------------------------------------
def _nothing_stored(engine) -> None:  # type: ignore[no-untyped-def]
    assert rows(engine, Identity) == [] and rows(engine, ProcessedMessage) == []


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_wrong_signature_stale_and_replay(engine, settings, standin, safe: bool, caplog) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=safe)))
    p = pusher(safe)
    xml = push_xml(OPENID, "text", Content="菜单", MsgId=77)
    params, body = p.safe(xml) if safe else p.plain(xml)
    forged = dict(params, **({"msg_signature": "f" * 40} if safe else {"signature": "f" * 40}))
    assert client.post("/wechat", params=forged, content=body).status_code == 403
    old = int(time.time()) - settings.wechat_timestamp_window_s - 5
    assert send(client, p, xml, safe=safe, ts=old).status_code == 403
    future = int(time.time()) + settings.wechat_timestamp_window_s + 5
    assert send(client, p, xml, safe=safe, ts=future).status_code == 403
    missing = {k: v for k, v in params.items() if k not in ("signature", "msg_signature")}
    assert client.post("/wechat", params=missing, content=body).status_code == 403
    _nothing_stored(engine)
    assert "wrong signature" in caplog.text and "timestamp outside the window" in caplog.text
    assert OPENID not in caplog.text

    assert client.post("/wechat", params=params, content=body).status_code == 200
    # The same (timestamp, nonce) again: refused, even with another body (plain mode's only guard).
    assert client.post("/wechat", params=params, content=body).status_code == 403
    other = push_xml(OPENID, "text", Content="转账给我", MsgId=78)
    again = p.plain(other, ts=int(params["timestamp"]), nonce=params["nonce"])[1] if not safe else \
        p.safe(other, ts=int(params["timestamp"]), nonce=params["nonce"])[1]
    replay_params = params if not safe else p.safe(other, ts=int(params["timestamp"]), nonce=params["nonce"])[0]
    assert client.post("/wechat", params=replay_params, content=again).status_code == 403
    assert "replayed" in caplog.text
    # One message handled (the replay's MsgId 78 is not kept as handled); its (timestamp, nonce) beside it.
    kept = rows(engine, ProcessedMessage)
    (handled,) = [r.message_key for r in kept if r.channel == "wechat"]
    assert "78" not in handled
    assert [r.message_key for r in kept if r.channel == "wechat-nonce"] == [f"{params['timestamp']}:{params['nonce']}"]


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_a_replayed_nonce_is_refused_even_when_the_deadline_passes_first(engine, settings, standin,
                                                                        safe: bool) -> None:  # type: ignore[no-untyped-def]
    """The replay guard decides before ``success`` can be promised: with a deadline of 1 ms a message is late
    (``success`` once it is on disk), and a new message under a (timestamp, nonce) seen before still gets
    403, is not kept in the inbox and is not handled. (Under load, a slow search before the guard let the
    deadline pass first and the replay was answered 200.)"""
    from storage.models import InboxUpdate

    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=safe, wechat_reply_deadline_s=0.001)))
    p = pusher(safe)
    params, body = (p.safe if safe else p.plain)(push_xml(OPENID, "text", Content="菜单", MsgId=81))
    first = client.post("/wechat", params=params, content=body)
    # "success", or the reply itself when its commit was already under way at the deadline (a loaded machine
    # can stall the event loop past it): within_deadline waits that moment rather than drop kept replies.
    assert first.status_code == 200 and (first.text == "success" or "<xml>" in first.text)
    other = push_xml(OPENID, "text", Content="云岭工匠有什么奖励", MsgId=82)
    replay_params, again = (p.safe if safe else p.plain)(other, ts=int(params["timestamp"]), nonce=params["nonce"])
    assert client.post("/wechat", params=replay_params, content=again).status_code == 403
    deadline = time.monotonic() + 10
    while rows(engine, InboxUpdate):  # the first message's row goes when it is handled
        assert time.monotonic() < deadline, "inbox not drained"
        time.sleep(0.05)
    handled = [r.message_key for r in rows(engine, ProcessedMessage) if r.channel == "wechat"]
    assert handled == ["wx:81"]


def test_plain_refused_in_safe_mode_and_other_app_id(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=True)))
    xml = push_xml(OPENID, "text", Content="hi", MsgId=5)
    assert send(client, pusher(False), xml, safe=False).status_code == 403
    stranger = Pusher(TOKEN, AES_KEY, "wxSOMEONEELSE00000")  # same key, encrypted for another account
    assert send(client, stranger, xml, safe=True).status_code == 400
    _nothing_stored(engine)


def test_encrypted_message_without_aes_key_is_refused(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=False)))
    assert send(client, pusher(True), push_xml(OPENID, "text", Content="hi", MsgId=5), safe=True).status_code == 400


XXE = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       f"<xml><ToUserName>gh</ToUserName><FromUserName>{OPENID}</FromUserName><CreateTime>1</CreateTime>"
       "<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>9</MsgId></xml>")
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
          '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
          '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>'
          f"<xml><ToUserName>gh</ToUserName><FromUserName>{OPENID}</FromUserName><CreateTime>1</CreateTime>"
          "<MsgType>text</MsgType><Content>&h;</Content><MsgId>10</MsgId></xml>")
MALFORMED = {
    "not xml": "hello",
    "unclosed": "<xml><MsgType>text</MsgType>",
    "no MsgType": f"<xml><FromUserName>{OPENID}</FromUserName><CreateTime>1</CreateTime></xml>",
    "no sender": "<xml><MsgType>text</MsgType><CreateTime>1</CreateTime><MsgId>1</MsgId></xml>",
    "bad time": f"<xml><FromUserName>{OPENID}</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType>"
                "<MsgId>1</MsgId></xml>",
    "no MsgId": f"<xml><FromUserName>{OPENID}</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></xml>",
    "nested content": f"<xml><FromUserName>{OPENID}</FromUserName><CreateTime>1</CreateTime><MsgType>text"
                      "</MsgType><Content><a>1</a></Content><MsgId>1</MsgId></xml>",
    "nested type": f"<xml><FromUserName>{OPENID}</FromUserName><MsgType><a/></MsgType></xml>",
    "other root": "<root><MsgType>text</MsgType></root>",
    "empty": "",
    "xxe": XXE,
    "billion laughs": LAUGHS,
}


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_bodies_are_400(engine, settings, standin, safe: bool, name: str, caplog) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=safe)))
    p = pusher(safe)
    if safe and name == "empty":
        params, body = p.safe("")
    else:
        params, body = p.safe(MALFORMED[name]) if safe else p.plain(MALFORMED[name])
    res = client.post("/wechat", params=params, content=body)
    assert res.status_code == 400, res.text
    assert "root:" not in res.text and "passwd" not in res.text
    assert "refused (400)" in caplog.text
    _nothing_stored(engine)


def test_malformed_envelopes_are_400(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=True)))
    p = pusher(True)
    for body in ("<xml><Encrypt>not base64!!</Encrypt></xml>", "<xml/>", XXE, LAUGHS, "<xml><Encrypt><a/></Encrypt></xml>",
                 "<xml><Encrypt>" + base64.b64encode(b"x" * 48).decode() + "</Encrypt></xml>"):
        t, n = str(int(time.time())), p.nonce()
        encrypt = body.split("<Encrypt>")[1].split("</Encrypt>")[0] if "<Encrypt>" in body else ""
        params = {"timestamp": t, "nonce": n, "encrypt_type": "aes", "msg_signature": p.sign(t, n, encrypt)}
        assert client.post("/wechat", params=params, content=body.encode()).status_code == 400, body
    _nothing_stored(engine)


def test_oversized_body_is_413(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=False)))
    big = push_xml(OPENID, "text", Content="长" * MAX_BODY, MsgId=1)
    assert send(client, pusher(False), big, safe=False).status_code == 413
    _nothing_stored(engine)


# -- property: random bodies are refused, never a server error ----------------------------------------------
XML_PIECES = st.sampled_from(["<xml>", "</xml>", "<MsgType>", "</MsgType>", "text", "event", "<Event>", "</Event>",
                              "<FromUserName>", "</FromUserName>", OPENID, "<CreateTime>", "</CreateTime>", "1",
                              "<MsgId>", "</MsgId>", "<Content>", "</Content>", "<![CDATA[", "]]>", "&amp;", "&x;",
                              "<!DOCTYPE x>", "<?xml version='1.0'?>", "<a/>", "subscribe", "<EventKey>",
                              "</EventKey>", "qrscene_", "\x00", "😀", "<", ">"])


@pytest.fixture
def fuzz_client(engine, settings, standin):  # type: ignore[no-untyped-def]
    return TestClient(web_app(engine, wx_settings(settings, standin, safe=False)), raise_server_exceptions=False)


@pytest.fixture
def fuzz_client_safe(engine, settings, standin):  # type: ignore[no-untyped-def]
    return TestClient(web_app(engine, wx_settings(settings, standin, safe=True)), raise_server_exceptions=False)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=400), st.text(max_size=400)))
def test_random_bodies_are_refused(fuzz_client, body) -> None:  # type: ignore[no-untyped-def]
    params, raw = pusher(False).plain(body)
    assert fuzz_client.post("/wechat", params=params, content=raw).status_code in (400, 403)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(XML_PIECES, max_size=30))
def test_random_xmlish_bodies_never_fail(fuzz_client, pieces) -> None:  # type: ignore[no-untyped-def]
    params, raw = pusher(False).plain("".join(pieces))
    assert fuzz_client.post("/wechat", params=params, content=raw).status_code in (200, 400, 403)


@hsettings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=200), inner=st.text(max_size=200))
def test_random_ciphertexts_are_refused(fuzz_client_safe, blob, inner) -> None:  # type: ignore[no-untyped-def]
    p = pusher(True)
    for encrypt in (base64.b64encode(blob).decode(), inner.replace("<", "").replace("&", "").replace("]]>", "")):
        t, n = str(int(time.time())), p.nonce()
        body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        params = {"timestamp": t, "nonce": n, "encrypt_type": "aes", "msg_signature": p.sign(t, n, encrypt.strip())}
        assert fuzz_client_safe.post("/wechat", params=params, content=body.encode()).status_code in (400, 403)
    # And an encrypted random plaintext, which decrypts fine but is no message.
    params, raw = p.safe(inner)
    assert fuzz_client_safe.post("/wechat", params=params, content=raw).status_code in (400, 403)


def test_signature_is_wechats(engine) -> None:  # type: ignore[no-untyped-def]
    expected = hashlib.sha1("".join(sorted(["tok", "123", "abc"])).encode()).hexdigest()
    assert signature_of("tok", "123", "abc") == expected


def test_xmltodict_refuses_entities_itself() -> None:
    # Before 1.0.2 xmltodict returned empty content for entity payloads instead of failing; we require more.
    from importlib.metadata import version

    import xmltodict

    assert tuple(int(x) for x in version("xmltodict").split(".")[:3]) >= (1, 0, 2)
    for payload in (XXE, LAUGHS):
        with pytest.raises(ValueError, match="entities"):
            xmltodict.parse(payload)


def test_no_token_no_route(engine, settings) -> None:  # type: ignore[no-untyped-def]
    from bot.wechat import routes

    app = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))
    assert routes(app) == []
    assert TestClient(build_web_app(app, providers=("bot.wechat",))).post("/wechat").status_code == 404


def test_url_verification_refuses_a_stale_timestamp(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=False)))
    p = pusher(False)
    ts, nonce = str(int(time.time()) - 3600), "12345"
    res = client.get("/wechat", params={"signature": p.sign(ts, nonce), "timestamp": ts, "nonce": nonce,
                                        "echostr": "echo"})
    assert res.status_code == 403


@pytest.mark.parametrize("safe", [False, True])
def test_timestamps_in_other_digits_are_refused_not_a_500(engine, settings, standin, safe: bool) -> None:  # type: ignore[no-untyped-def]
    """A validly signed timestamp must be ASCII digits: "17²²…" made int() fail (500), and a full-width or
    Arabic-Indic copy of the current second was accepted, which gave one moment several replay keys."""
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=safe)), raise_server_exceptions=False)
    p = pusher(safe)
    now = str(int(time.time()))
    xml = push_xml(OPENID, "text", Content="菜单", MsgId=79)
    for ts in ("17" + "²" * 8, now.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
               now.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")), " " + now, now + "\n"):
        n = p.nonce()
        if safe:
            params, body = p.safe(xml, nonce=n)
            encrypt = body.decode().split("<Encrypt><![CDATA[")[1].split("]]>")[0]
            params = dict(params, timestamp=ts, msg_signature=p.sign(ts, n, encrypt), signature=p.sign(ts, n))
        else:
            params = {"signature": p.sign(ts, n), "timestamp": ts, "nonce": n, "openid": "x"}
            body = xml.encode()
        assert client.post("/wechat", params=params, content=body).status_code == 403, ts
        echo = {"signature": p.sign(ts, n), "timestamp": ts, "nonce": n, "echostr": "e"}
        assert client.get("/wechat", params=echo).status_code == 403, ts
    _nothing_stored(engine)
    assert not [r for r in rows(engine, ProcessedMessage) if r.channel == "wechat-nonce"]


@pytest.mark.parametrize("create_time", ["17" + "²" * 8, "１７００００００００", "1" * 200])
def test_create_time_is_ascii_digits_and_keys_stay_bounded(engine, settings, standin, create_time: str) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=False)), raise_server_exceptions=False)
    p = pusher(False)
    xml = push_xml(OPENID, "event", Event="subscribe").replace(
        f"<CreateTime>{int(time.time())}</CreateTime>", f"<CreateTime>{create_time}</CreateTime>")
    assert create_time in xml
    res = send(client, p, xml, safe=False)
    if create_time.isascii():  # a long but ASCII number: answered, its key bounded by hashing
        assert res.status_code == 200 and "云岭职工助手" in p.open(res.text).get("Content", ""), res.text
        [row] = [r for r in rows(engine, ProcessedMessage) if r.channel == "wechat"]  # (beside its nonce's)
        assert len(row.message_key) <= 160
        retry = send(client, p, xml, safe=False)  # WeChat's retry: the same key, the same answer, not run again
        # the same reply; only its CreateTime is the moment it is sent again (may be a second later)
        first, again = p.open(res.text), p.open(retry.text)
        assert retry.status_code == 200 and int(first.pop("CreateTime")) <= int(again.pop("CreateTime")) and again == first
        assert len([r for r in rows(engine, ProcessedMessage) if r.channel == "wechat"]) == 1
    else:
        assert res.status_code == 400


# -- property: the fields inside a signed push, whatever they hold, get an answer or a refusal -----------------
APOLOGY = zh("Sorry, something went wrong on our side. Nothing you entered was lost; please try again, "
             "or type 'menu' to start over.")
UNICODE_DIGITS = st.text(st.sampled_from("0123456789²³٠١٢٣٤٥٦٧٨٩０１２３４５６７８９߀"), min_size=1, max_size=220)
FIELD_TEXT = st.one_of(st.text(max_size=300), st.text(st.characters(codec="utf-8"), max_size=50),
                       st.sampled_from(["菜单", "1", "\ufeff菜单", "人工", "/start", "x" * 3000, "]]>", "&amp;"]))


@hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["text", "event", "voice", "image"]), content=FIELD_TEXT,
       create_time=st.one_of(st.integers(min_value=0, max_value=10**200).map(str), UNICODE_DIGITS),
       msg_id=st.one_of(st.integers(min_value=0, max_value=10**40).map(str), UNICODE_DIGITS),
       event=st.sampled_from(["subscribe", "SCAN", "CLICK", "unsubscribe", "VIEW", "", "x" * 200]),
       key=st.one_of(FIELD_TEXT, st.sampled_from(["qrscene_testqr_1", "testqr_" + "9" * 300, "flow:ask"])))
def test_random_fields_in_a_signed_push_never_fail(fuzz_client, kind, content, create_time, msg_id, event,
                                                    key) -> None:  # type: ignore[no-untyped-def]
    fields: dict[str, str | int] = {"MsgId": msg_id}
    if kind == "text":
        fields["Content"] = content
    elif kind == "voice":
        fields["Recognition"] = content
    elif kind == "event":
        fields = {"Event": event, "EventKey": key}
    xml = push_xml(OPENID, kind, create_time=create_time, **fields)  # type: ignore[arg-type]
    p = pusher(False)
    res = send(fuzz_client, p, xml, safe=False)
    assert res.status_code in (200, 400), res.status_code
    if res.status_code == 200 and res.text != "success":
        assert p.open(res.text).get("Content") != APOLOGY


def test_two_menu_taps_in_one_second_are_two_events_and_a_retry_is_one(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    """Events have no MsgId: WeChat's advice is FromUserName + CreateTime. Two taps of different menu items
    within one second are still two events (each its own answer); a retry repeats the event and its key."""
    client = TestClient(web_app(engine, wx_settings(settings, standin, safe=True)), raise_server_exceptions=False)
    p = pusher(True)
    QR_CALLS.clear()

    def tap(key: str) -> dict:
        res = send(client, p, push_xml(OPENID, "event", Event="CLICK", EventKey=key, create_time=1_700_000_100),
                   safe=True)
        assert res.status_code == 200, res.text
        return p.open(res.text)

    counted = tap("flow:counttest")  # (a first contact: after the privacy notice)
    menu = tap("cmd:menu")  # the same second, another item
    assert counted["Content"].endswith("counted") and MENU_MARK in menu["Content"]
    again = tap("flow:counttest")  # WeChat's retry of the first tap
    assert again["Content"] == counted["Content"] and QR_CALLS == ["counted"]  # answered again, not run again
