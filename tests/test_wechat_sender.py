"""WeChatSender against the local stand-in of the WeChat API: the 48-hour window, template fallback,
the shared access token, and the mapping of error codes to the sender contract."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wechat_standin import APP_ID, APP_SECRET, running

from bot.senders import Permanent, Recipient, RetryAfter, Transient, Unreachable
from bot.wechat.sender import TEXT_LIMIT_BYTES, MissingCredentials, WeChatSender, client_msg_id, split_utf8
from handlers.types import Attachment, Choice, Citation, Reply

OPENID = "oRECIPIENTaaaaaaaaaaaaaaaaaa"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


standin = pytest.fixture(running, name="standin")


@pytest.fixture
def wx(settings, standin):  # type: ignore[no-untyped-def]
    return replace(settings, wechat_app_id=APP_ID, wechat_app_secret=APP_SECRET, wechat_api_base_url=standin.base_url,
                   wechat_template_status="TPL-STATUS")


def recipient(hours_ago: float | None) -> Recipient:
    last = None if hours_ago is None else datetime.now(UTC) - timedelta(hours=hours_ago)
    return Recipient(person_id=1, channel="wechat", user_key=OPENID, chat_key=OPENID, last_inbound_at=last)


REPLY = Reply(text="您的申报已进入复审阶段。\n下一步：专家评审。", choices=(Choice("cmd:menu", "主菜单"),),
              citations=(Citation("craftsman", 11, "《云岭工匠选树管理办法》第十一条", quote="……"),))


async def test_within_the_window_a_customer_service_text(wx, engine, standin) -> None:  # type: ignore[no-untyped-def]
    await WeChatSender(wx, engine).send(recipient(1), REPLY, kind="notification", dedupe_key="case:1:stage:3")
    [msg] = standin.sent("message/custom/send")
    assert msg["touser"] == OPENID and msg["msgtype"] == "text"
    content = msg["text"]["content"]
    assert "复审" in content and "1. 主菜单" in content and "第十一条" in content
    assert standin.sent("message/template/send") == []


async def test_outside_the_window_a_template_with_client_msg_id(wx, engine, standin) -> None:  # type: ignore[no-untyped-def]
    for hours in (49, None):
        await WeChatSender(wx, engine).send(recipient(hours), REPLY, kind="notification", dedupe_key=f"case:1:{hours}")
    first, second = standin.sent("message/template/send")
    assert first["touser"] == OPENID and first["template_id"] == "TPL-STATUS"
    assert first["client_msg_id"] == "case:1:49" and second["client_msg_id"] == "case:1:None"
    assert first["data"]["first"]["value"] == "您的申报已进入复审阶段。"
    assert "专家评审" in first["data"]["keyword1"]["value"]
    assert standin.sent("message/custom/send") == []
    long_key = "broadcast:" + "9" * 80
    assert len(client_msg_id(long_key)) <= 64 and client_msg_id(long_key) == client_msg_id(long_key)


async def test_window_expired_falls_back_to_template(wx, engine, standin) -> None:  # type: ignore[no-untyped-def]
    standin.fail("message/custom/send", 45015)
    await WeChatSender(wx, engine).send(recipient(47), REPLY, kind="reminder", dedupe_key="reminder:7")
    assert len(standin.sent("message/custom/send")) == 1  # tried, refused with 45015
    [tpl] = standin.sent("message/template/send")
    assert tpl["client_msg_id"] == "reminder:7"


async def test_no_template_outside_the_window_is_permanent(wx, engine, standin) -> None:  # type: ignore[no-untyped-def]
    sender = WeChatSender(replace(wx, wechat_template_status=""), engine)
    with pytest.raises(Permanent, match="template"):
        await sender.send(recipient(100), REPLY, kind="notification", dedupe_key="n:1")
    with pytest.raises(Permanent, match="broadcast"):  # broadcasts never go out as template messages
        await WeChatSender(wx, engine).send(recipient(100), REPLY, kind="broadcast", dedupe_key="b:1")


@pytest.mark.parametrize(("code", "error"), [
    (43004, Unreachable), (43101, Unreachable), (45047, RetryAfter), (45009, RetryAfter), (-1, Transient),
    (40003, Permanent), (45002, Permanent),
])
async def test_error_codes(wx, engine, standin, code: int, error: type) -> None:  # type: ignore[no-untyped-def]
    standin.fail("message/custom/send", code)
    with pytest.raises(error) as caught:
        await WeChatSender(wx, engine).send(recipient(1), REPLY, kind="notification", dedupe_key=f"e:{code}")
    if error is RetryAfter:
        assert caught.value.seconds > 0


async def test_template_errors_are_mapped_too(wx, engine, standin) -> None:  # type: ignore[no-untyped-def]
    standin.fail("message/template/send", 43101)
    with pytest.raises(Unreachable):
        await WeChatSender(wx, engine).send(recipient(None), REPLY, kind="notification", dedupe_key="t:1")


async def test_network_failure_is_transient(wx, engine) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sender = WeChatSender(replace(wx, wechat_api_base_url=f"http://127.0.0.1:{port}"), engine)
    with pytest.raises(Transient):
        await sender.send(recipient(1), REPLY, kind="notification", dedupe_key="net:1")


async def test_missing_credentials_are_permanent(settings, engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Permanent, match="APP_ID"):
        await WeChatSender(settings, engine).send(recipient(1), REPLY, kind="notification", dedupe_key="c:1")
    assert issubclass(MissingCredentials, RuntimeError)


async def test_access_token_is_shared_through_the_database(wx, engine, standin) -> None:  # type: ignore[no-untyped-def]
    # Two senders with their own clients stand for two processes: one token fetch between them.
    for n in range(3):
        await WeChatSender(wx, engine).send(recipient(1), Reply(text=f"hi {n}"), kind="reply", dedupe_key=f"s:{n}")
    assert standin.token_fetches == 1
    standin.expire_token()  # WeChat invalidates it: wechatpy fetches a new one and retries the call
    await WeChatSender(wx, engine).send(recipient(1), Reply(text="after expiry"), kind="reply", dedupe_key="s:x")
    assert standin.token_fetches == 2
    assert [m["text"]["content"] for m in standin.sent("message/custom/send")][-1] == "after expiry"
    await WeChatSender(wx, engine).send(recipient(1), Reply(text="again"), kind="reply", dedupe_key="s:y")
    assert standin.token_fetches == 2


async def test_images_are_uploaded_files_are_named(wx, engine, standin) -> None:  # type: ignore[no-untyped-def]
    reply = Reply(text="签到二维码和花名册", attachments=(
        Attachment("image", "signin.png", PNG, "image/png"),
        Attachment("document", "roster.xlsx", b"PK..", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ))
    await WeChatSender(wx, engine).send(recipient(1), reply, kind="reply", dedupe_key="img:1")
    [upload] = standin.sent("media/upload")
    assert upload == {"type": "image", "filename": "signin.png"}
    texts = [m for m in standin.sent("message/custom/send") if m["msgtype"] == "text"]
    images = [m for m in standin.sent("message/custom/send") if m["msgtype"] == "image"]
    assert "roster.xlsx" in texts[0]["text"]["content"]
    assert images[0]["image"]["media_id"].startswith("MEDIA")


async def test_long_text_is_split_under_the_limit(wx, engine, standin) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(f"第{i}条：职工创新工作室的命名与管理" for i in range(300))
    await WeChatSender(wx, engine).send(recipient(1), Reply(text=text), kind="reply", dedupe_key="long:1")
    parts = [m["text"]["content"] for m in standin.sent("message/custom/send")]
    assert len(parts) > 1 and all(len(p.encode()) <= TEXT_LIMIT_BYTES for p in parts)
    assert "\n".join(parts) == text


@given(st.text(alphabet=st.sampled_from(["a", "长", "😀", "\n", " ", "é"]), max_size=3000),
       st.integers(min_value=8, max_value=300))
def test_split_utf8_keeps_every_character_under_the_limit(text: str, limit: int) -> None:
    parts = split_utf8(text, limit)
    assert all(len(p.encode()) <= limit for p in parts)
    squash = lambda s: "".join(s.split())  # noqa: E731 -- cuts may drop whitespace at the seams only
    assert squash("".join(parts)) == squash(text)


def test_token_storage_expires_early(engine) -> None:  # type: ignore[no-untyped-def]
    from bot.wechat.sender import TOKEN_EARLY_REFRESH_S, DbSessionStorage

    now = [1_800_000_000.0]
    store = DbSessionStorage(engine, clock=lambda: now[0])
    store.set("wx_access_token", "T1", 7200)
    assert DbSessionStorage(engine, clock=lambda: now[0]).get("wx_access_token") == "T1"  # another process
    now[0] += 7200 - TOKEN_EARLY_REFRESH_S - 1
    assert store.get("wx_access_token") == "T1"
    now[0] += 2
    assert store.get("wx_access_token") is None and store.get("wx_access_token", "d") == "d"
    store.set("wx_access_token", "T2", 7200)
    assert store.get("wx_access_token") == "T2"
    store.delete("wx_access_token")
    assert store.get("wx_access_token") is None


def test_the_scheduler_finds_the_wechat_sender(wx, engine, settings) -> None:  # type: ignore[no-untyped-def]
    from bot.app import App
    from bot.scheduler import default_senders
    from bot.wechat import make_sender
    from handlers.registry import build_dispatcher

    app = App(settings=wx, engine=engine, dispatcher=build_dispatcher(engine, wx))
    assert isinstance(make_sender(app), WeChatSender) and isinstance(default_senders(app)["wechat"], WeChatSender)
    bare = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))
    assert make_sender(bare) is None and "wechat" not in default_senders(bare)


def test_threads_whose_token_expired_together_fetch_one_new_token(wx, engine, standin) -> None:  # type: ignore[no-untyped-def]
    """A fresh token invalidates the one before it: threads that each fetched one after the old one expired
    invalidated each other's, and wechatpy's retry-after-fetch recursed until RecursionError (issue 19's
    crash bench, late replies after a restart)."""
    import threading

    sender = WeChatSender(wx, engine)
    sender.send_texts("oTOKENTEST", ["warm-up"])
    standin.expire_token()
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def send(n: int) -> None:
        start.wait()
        try:
            sender.send_texts("oTOKENTEST", [f"message {n}"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(standin.sent("message/custom/send")) >= 9 and standin.token_fetches <= 3
