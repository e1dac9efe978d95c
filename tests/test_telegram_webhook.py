"""The Telegram webhook (``POST /telegram``) of the project's Starlette app, driven with httpx, with the
real python-telegram-bot sending the answers to a local Bot API stand-in."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram_standin import TOKEN, TelegramStandIn, make_app, running, slow_started, text_update

from bot.telegram.app import MAX_BODY, SECRET_HEADER, WEBHOOK_PATH, TelegramBot, routes, telegram_for
from bot.web import build_web_app

SECRET = "s3cret-Token_for_tests"
USER = 555000111


standin = pytest.fixture(running, name="standin")


@pytest.fixture
async def hook(engine, settings, standin) -> AsyncIterator[tuple[httpx.AsyncClient, TelegramBot]]:  # type: ignore[no-untyped-def]
    app = make_app(engine, settings, standin.url, telegram_webhook_secret=SECRET)
    web = build_web_app(app, providers=("bot.telegram",))
    bot = telegram_for(app)
    await bot.start()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://test") as client:
        yield client, bot
    await bot.stop()


def texts(standin: TelegramStandIn) -> list[str]:
    return [c.text for c in standin.of("sendMessage")]


async def post(client: httpx.AsyncClient, body: object, secret: str | None = SECRET) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(WEBHOOK_PATH, content=content, headers=headers)


async def test_update_with_the_right_secret_is_answered(hook, standin) -> None:
    client, _bot = hook
    r = await post(client, text_update(USER, "测试消息", update_id=1))
    assert r.status_code == 200
    await standin.wait_for_async(lambda s: texts(s))
    assert texts(standin) == ["echo: 测试消息"] and standin.of("sendMessage")[0].chat == str(USER)


@pytest.mark.parametrize("secret", ["wrong", "", None, SECRET + "x", SECRET.upper()])
async def test_wrong_or_missing_secret_is_refused_and_logged(hook, standin, caplog, secret) -> None:
    client, _bot = hook
    r = await post(client, text_update(USER, "hi", update_id=2), secret=secret)
    assert r.status_code == 403
    assert any("refused (403)" in rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING)
    # Nothing was processed: a later good update is the only one answered.
    await post(client, text_update(USER, "later", update_id=3))
    await standin.wait_for_async(lambda s: texts(s))
    assert texts(standin) == ["echo: later"]


async def test_duplicate_update_id_is_processed_once(hook, standin) -> None:
    client, _bot = hook
    first = text_update(USER, "once", update_id=10)
    assert (await post(client, first)).status_code == 200
    assert (await post(client, first)).status_code == 200  # Telegram re-delivers after a timeout
    await post(client, text_update(USER, "next", update_id=11))
    await standin.wait_for_async(lambda s: "echo: next" in texts(s))
    assert texts(standin) == ["echo: once", "echo: next"]


@pytest.mark.parametrize("body", [b"{not json", b"", b"[]", b'"text"', b'{"update_id": "12"}', b'{"message": {}}',
                                  b'{"update_id": 12, "message": {"chat": 5}}', b"\xff\xfe"])
async def test_malformed_body_is_400(hook, standin, body) -> None:
    client, _bot = hook
    r = await post(client, body)
    assert r.status_code == 400


async def test_oversized_body_is_413(hook, standin) -> None:
    client, _bot = hook
    big = text_update(USER, "x" * MAX_BODY, update_id=13)
    assert (await post(client, big)).status_code == 413

    async def chunks():  # no content-length: the limit is enforced while reading
        for _ in range(MAX_BODY // 1024 + 2):
            yield b" " * 1024

    r = await client.post(WEBHOOK_PATH, content=chunks(), headers={SECRET_HEADER: SECRET})
    assert r.status_code == 413


async def test_stop_finishes_updates_in_flight(engine, settings, standin) -> None:
    app = make_app(engine, settings, standin.url, telegram_webhook_secret=SECRET)
    web = build_web_app(app, providers=("bot.telegram",))
    bot = telegram_for(app)
    slow_started.clear()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://test") as client:
        r = await post(client, text_update(USER, "/slow", update_id=20))
        assert r.status_code == 503  # not started yet: Telegram will retry
        await bot.start()
        assert (await post(client, text_update(USER, "/slow", update_id=20))).status_code == 200
        await standin.wait_for_async(lambda s: slow_started.is_set())
        await bot.stop()
        assert texts(standin) == ["slow done"]  # delivered before stop() returned
        assert (await post(client, text_update(USER, "late", update_id=21))).status_code == 503


async def test_webhook_url_is_registered_with_the_secret(engine, settings, standin) -> None:
    bot = TelegramBot(make_app(engine, settings, standin.url, telegram_webhook_secret=SECRET))
    await bot.start(webhook_url="https://bot.example.org/telegram")
    await bot.stop()
    (call,) = standin.of("setWebhook")
    assert call.params["url"] == "https://bot.example.org/telegram" and call.params["secret_token"] == SECRET
    assert call.json("allowed_updates") == ["message", "callback_query"]


def test_no_route_without_a_secret(engine, settings, standin) -> None:
    assert routes(make_app(engine, settings, standin.url)) == []
    bad = make_app(engine, settings, standin.url, telegram_webhook_secret="has spaces")
    assert routes(bad) == []
    good = make_app(engine, settings, standin.url, telegram_webhook_secret=SECRET)
    assert [r.path for r in routes(good)] == [WEBHOOK_PATH]  # type: ignore[attr-defined]


async def test_command_menu_uses_the_real_flows_titles_in_both_languages(engine, settings, standin) -> None:
    from dataclasses import replace

    from bot.app import App
    from handlers.registry import build_dispatcher

    s = replace(settings, telegram_token=TOKEN, telegram_base_url=standin.url)
    bot = TelegramBot(App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s)))
    await bot.start()
    await bot.stop()
    menus = {c.params.get("language_code", ""): {d["command"]: d["description"] for d in c.json("commands")}
             for c in standin.of("setMyCommands")}
    assert menus["zh"]["status"] == "我的申报进度" and menus[""]["status"] == "My application progress"
    assert menus["zh"]["start"] == "使用介绍和主菜单" and menus[""]["cancel"] == "Cancel the current step"
    assert {"start", "menu", "help", "cancel", "status", "craftsman", "subsidy", "human", "lang"} <= set(menus["zh"])
    assert list(menus["zh"]) == list(menus[""])


# -- inputs inside the update: each gets its answer, never the apology ---------------------------------------
APOLOGY_EN = "Sorry, something went wrong on our side"


async def test_odd_fields_inside_an_update_get_an_answer(hook, standin) -> None:
    """A lone surrogate in the text (UnicodeEncodeError on every retry), NUL in a first name (PostgreSQL
    refuses it), a number as the text (AttributeError), an update id too long for the key column."""
    client, _bot = hook
    surrogate = text_update(USER, "测试\ud800消息", update_id=30)
    nul_name = text_update(USER + 1, "名字", update_id=31)
    nul_name["message"]["from"]["first_name"] = "阿\x00明"
    number = text_update(USER + 2, "x", update_id=32)
    number["message"]["text"] = 12345
    huge = text_update(USER + 3, "长号", update_id=10**200)
    for update in (surrogate, nul_name, number, huge):
        assert (await post(client, update)).status_code == 200
    await standin.wait_for_async(lambda s: len(texts(s)) >= 4)
    assert sorted(texts(standin)) == sorted(["echo: 测试消息", "echo: 名字", "echo: 12345", "echo: 长号"])
