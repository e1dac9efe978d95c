"""Download links for files on WeChat: stored encrypted under a hashed token, served by ``/files/{token}``
through the real ASGI app with the right headers, refused when unknown, expired or malformed, and given to
a WeChat user in the passive reply (and by the outbox's sender) in place of the file."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import text
from test_wechat_webhook import OPENID, pusher, send, wx_settings
from wechat_standin import APP_ID, APP_SECRET, TestClient, push_xml, running

from bot.app import App
from bot.downloads import NOT_FOUND, Downloads, purge, store_documents
from bot.senders import Recipient
from bot.web import build_web_app
from bot.wechat.sender import TEXT_LIMIT_BYTES, WeChatSender
from handlers.flow import Flow, finish
from handlers.flows import FLOWS
from handlers.i18n import translator
from handlers.registry import build_dispatcher
from handlers.types import Attachment, Reply

PUBLIC = "https://assistant.example.org"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ID_NUMBER = "53010219900307001X"  # what a form carries in full
FORM_NAME = "云岭工匠申报表-张三-7.docx"
FORM = b"PK\x03\x04 docx of " + "张三 身份证号".encode() + ID_NUMBER.encode() + bytes(range(256))
LINK = re.compile(r"https://assistant\.example\.org/files/([A-Za-z0-9_-]+)")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _form(ctx):  # type: ignore[no-untyped-def]
    return finish(Reply(text="您的申报表已生成。", attachments=(Attachment("document", FORM_NAME, FORM, DOCX_MIME),)))


def _long_form(ctx):  # type: ignore[no-untyped-def]
    body = "\n".join(f"第{i:03d}行：云岭工匠选树管理办法的条文引用测试" for i in range(200))
    return finish(Reply(text=body, attachments=(Attachment("document", FORM_NAME, FORM, DOCX_MIME),)))


TEST_FLOWS = (
    Flow(name="formtest", title="form", states={}, enter=_form, commands=("formtest",), in_menu=False),
    Flow(name="longformtest", title="long form", states={}, enter=_long_form, commands=("longformtest",),
         in_menu=False),
)


@pytest.fixture
def on(settings):  # type: ignore[no-untyped-def]
    return replace(settings, public_url=PUBLIC + "/", download_ttl_hours=24)


standin = pytest.fixture(running, name="standin")


def make_app(engine, s) -> App:  # type: ignore[no-untyped-def]
    return App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s, flows=(*TEST_FLOWS, *FLOWS), privacy_notice=False))


def store(engine, s, now: datetime = T0, name: str = FORM_NAME) -> str:  # type: ignore[no-untyped-def]
    [url] = store_documents(s, engine, channel="wechat", user_key=OPENID, now=now,
                            documents=[Attachment("document", name, FORM, DOCX_MIME)])
    return url


def path_of(url: str) -> str:
    return urlsplit(url).path


def raw_rows(engine) -> list[dict]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM download_file"))]


# -- the route ------------------------------------------------------------------------------------------
def test_a_stored_document_downloads_with_its_headers(engine, on) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(build_web_app(make_app(engine, on)))  # the default providers include bot.downloads
    url = store(engine, on, now=datetime.now(UTC))
    assert url.startswith(PUBLIC + "/files/") and "//files" not in url
    res = client.get(path_of(url))
    assert res.status_code == 200 and res.content == FORM
    assert res.headers["content-type"] == DOCX_MIME
    assert res.headers["content-disposition"] == "attachment; filename*=UTF-8''" + quote(FORM_NAME, safe="")
    assert "%E5%BC%A0%E4%B8%89" in res.headers["content-disposition"]  # 张三, percent-encoded UTF-8
    assert res.headers["cache-control"] == "no-store" and res.headers["x-content-type-options"] == "nosniff"
    head = client.head(path_of(url))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(FORM)) and head.headers["content-type"] == DOCX_MIME
    assert client.get(path_of(url)).content == FORM  # a link works more than once while it lives
    assert raw_rows(engine)[0]["download_count"] == 2  # GETs counted, the HEAD not


def test_unknown_expired_and_malformed_tokens_get_the_polite_404(engine, on) -> None:  # type: ignore[no-untyped-def]
    url = store(engine, on, now=T0)  # valid until T0 + 24 h
    app = make_app(engine, on)

    def client_at(moment: datetime) -> TestClient:
        from starlette.applications import Starlette

        return TestClient(Starlette(routes=Downloads(app, clock=moment.timestamp).routes()))

    assert client_at(T0 + timedelta(hours=23, minutes=59)).get(path_of(url)).content == FORM
    expired = client_at(T0 + timedelta(hours=24)).get(path_of(url))
    assert expired.status_code == 404 and FORM not in expired.content
    page = expired.text
    assert translator("zh")(NOT_FOUND) in page and NOT_FOUND in page  # both languages
    assert expired.headers["cache-control"] == "no-store"
    live = client_at(T0 + timedelta(hours=1))
    token = urlsplit(url).path.rsplit("/", 1)[1]
    for bad in ("A" * 43, token[:-1], token + "A", token[:-1] + ".", "%E5%BC%A0" * 43, "%00" * 43, "a b" * 14 + "c"):
        res = live.get(f"/files/{bad}")
        assert res.status_code == 404 and NOT_FOUND in res.text, bad
    assert live.head("/files/" + "B" * 43).status_code == 404


def test_the_database_holds_neither_token_nor_document(engine, on) -> None:  # type: ignore[no-untyped-def]
    url = store(engine, on)
    token = url.rsplit("/", 1)[1]
    [row] = raw_rows(engine)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    dump = " ".join(str(v) for v in row.values())
    for secret in (token, ID_NUMBER, "张三", FORM_NAME, base64.b64encode(FORM).decode()[:40]):
        assert secret not in dump, secret
    assert row["mime"] == DOCX_MIME and row["person_id"] is None  # this OpenID never wrote to us


def test_purge_removes_only_expired_files(engine, on) -> None:  # type: ignore[no-untyped-def]
    store(engine, on, now=T0)
    store(engine, on, now=T0 + timedelta(hours=12))
    assert purge(engine, T0 + timedelta(hours=25)) == 1
    [left] = raw_rows(engine)
    assert left["expires_at"] is not None
    assert purge(engine, T0 + timedelta(hours=25)) == 0


def test_no_route_without_a_public_url(engine, settings) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(build_web_app(make_app(engine, settings)))
    assert client.get("/files/" + "A" * 43).status_code == 404
    assert "download" not in client.get("/files/" + "A" * 43).text.lower()  # Starlette's own 404: no route


# -- WeChat ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_a_finished_form_arrives_on_wechat_as_a_working_link(engine, on, standin, safe) -> None:  # type: ignore[no-untyped-def]
    s = replace(wx_settings(on, standin, safe=safe), public_url=PUBLIC)
    client = TestClient(build_web_app(make_app(engine, s), providers=("bot.wechat", "bot.downloads")))
    p = pusher(safe)
    res = send(client, p, push_xml(OPENID, "text", Content="formtest", MsgId=7001), safe=safe)
    content = p.open(res.text)["Content"]
    assert content.startswith("您的申报表已生成。")
    assert f"下载《{FORM_NAME}》：" in content and "（24小时内有效，仅限本人使用）" in content
    assert "[document:" not in content and "无法发送文件" not in content
    [token] = LINK.findall(content)
    download = client.get(f"/files/{token}")
    assert download.status_code == 200 and download.content == FORM
    assert standin.sent("message/custom/send") == []  # all in the one passive reply
    # WeChat retries the message: the same reply, the same link, no second file stored.
    again = send(client, p, push_xml(OPENID, "text", Content="formtest", MsgId=7001), safe=safe)
    assert p.open(again.text)["Content"] == content
    assert len(raw_rows(engine)) == 1 and raw_rows(engine)[0]["person_id"] is not None


def test_a_long_reply_keeps_its_link_whole_in_the_passive_reply(engine, on, standin) -> None:  # type: ignore[no-untyped-def]
    s = replace(wx_settings(on, standin, safe=False), public_url=PUBLIC)
    client = TestClient(build_web_app(make_app(engine, s), providers=("bot.wechat", "bot.downloads")))
    p = pusher(False)
    res = send(client, p, push_xml(OPENID, "text", Content="longformtest", MsgId=7002), safe=False)
    content = p.open(res.text)["Content"]
    assert len(content.encode()) <= TEXT_LIMIT_BYTES
    [token] = LINK.findall(content)
    assert content.rstrip().endswith("仅限本人使用）")
    assert client.get(f"/files/{token}").content == FORM
    rest = [m["text"]["content"] for m in standin.sent("message/custom/send")]
    assert rest and "第199行" in rest[-1] and not any(LINK.search(m) for m in rest)


def test_without_a_public_url_wechat_keeps_todays_behaviour(engine, settings, standin) -> None:  # type: ignore[no-untyped-def]
    s = wx_settings(settings, standin, safe=False)
    client = TestClient(build_web_app(make_app(engine, s), providers=("bot.wechat", "bot.downloads")))
    p = pusher(False)
    content = p.open(send(client, p, push_xml(OPENID, "text", Content="formtest", MsgId=7003), safe=False).text)
    assert "/files/" not in content["Content"] and raw_rows(engine) == []


async def test_outbox_messages_with_files_get_links_from_the_sender(engine, on, standin) -> None:  # type: ignore[no-untyped-def]
    s = replace(on, wechat_app_id=APP_ID, wechat_app_secret=APP_SECRET, wechat_api_base_url=standin.base_url)
    who = Recipient(person_id=0, channel="wechat", user_key=OPENID, chat_key=OPENID,
                    last_inbound_at=datetime.now(UTC) - timedelta(hours=1))
    sheet = Attachment("document", "附件6-培训签到表.xlsx", b"PK xlsx bytes", "application/vnd.ms-excel")
    reply = Reply(text="第2期培训班的签到表已导出。", attachments=(sheet,))
    await WeChatSender(s, engine).send(who, reply, kind="reply", dedupe_key="export:1")
    first, second = [m["text"]["content"] for m in standin.sent("message/custom/send")]
    assert first == "第2期培训班的签到表已导出。"
    assert second.startswith("下载《附件6-培训签到表.xlsx》：")
    [token] = LINK.findall(second)
    client = TestClient(build_web_app(make_app(engine, s), providers=("bot.downloads",)))
    got = client.get(f"/files/{token}")
    assert got.content == b"PK xlsx bytes"
    assert "%E9%99%84%E4%BB%B66" in got.headers["content-disposition"]  # 附件6
