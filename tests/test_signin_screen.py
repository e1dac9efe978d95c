"""The sign-in screen a trainer projects: its link comes from the chat, it shows the code of the moment
and QR codes (Telegram made here, WeChat made through the API stand-in once per code), renews itself, and
opens for nobody without the session's token."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session
from test_signin import setup_class
from test_training_classes import UNIT
from wechat_standin import APP_ID, APP_SECRET, TestClient, running

from bot.app import App
from bot.signin_screen import REFRESH_S
from bot.web import build_web_app
from handlers.i18n import translator
from handlers.registry import build_dispatcher
from handlers.services.signin_codes import current_code, payload_for, qr_png, screen_token
from storage.models_training import ClassSession, TrainingClass
from tests.conftest import TZ

PUBLIC = "https://assistant.example.org"
IN_CLASS = datetime(2026, 3, 2, 9, 10, tzinfo=TZ)  # the session runs 09:00-12:00


wechat_api = pytest.fixture(running, name="wechat_api")


def _client(engine, settings, when: datetime) -> TestClient:  # type: ignore[no-untyped-def]
    from bot.signin_screen import SigninScreen

    app = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))
    web = build_web_app(app, providers=())
    web.router.routes.extend(SigninScreen(app, clock=lambda: when.timestamp()).routes())
    return TestClient(web)


def _session(engine, session_id: int) -> tuple[ClassSession, TrainingClass]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        sess = s.get(ClassSession, session_id)
        return sess, s.get(TrainingClass, sess.class_id)


def test_the_chat_gives_the_clerk_the_screen_link(person, engine, settings, clock) -> None:
    code, session_id = setup_class(engine)
    clock.now = IN_CLASS
    clerk = person("bob", clerk=UNIT, locale="en")
    clerk.d.settings = replace(clerk.d.settings, public_url=PUBLIC)
    clerk.say("/classes")
    clerk.say(choice=f"c:{code}")
    clerk.say(choice="code")
    clerk.say(choice=f"s:{session_id}")
    sess, _cls = _session(engine, session_id)
    assert current_code(sess, IN_CLASS) in clerk.text
    assert f"{PUBLIC}/signin/{screen_token(sess)}" in clerk.text


def test_the_screen_shows_the_current_code_and_a_telegram_qr(engine, settings) -> None:
    _code, session_id = setup_class(engine)
    sess, cls = _session(engine, session_id)
    s = replace(settings, public_url=PUBLIC, telegram_bot_username="YunlingBot")
    client = _client(engine, s, IN_CLASS)
    page = client.get(f"/signin/{screen_token(sess)}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    code = current_code(sess, IN_CLASS)
    assert f"<p class=code>{code}</p>" in page.text
    assert f'http-equiv="refresh" content="{REFRESH_S}"' in page.text
    assert translator("zh")("Send 签到 to the assistant, then the class code and this code, or scan a QR code "
                            "below.") in page.text
    [src] = re.findall(r'<img src="([^"]+qr\.png[^"]*)"', page.text)
    image = client.get(f"/signin/{src.replace('&amp;', '&')}")
    assert image.headers["content-type"] == "image/png"
    assert image.content == qr_png(f"https://t.me/YunlingBot?start={payload_for(cls, code)}")
    # The username as Telegram shows it (with its "@") makes the same link.
    at = _client(engine, replace(s, telegram_bot_username="@YunlingBot"), IN_CLASS)
    assert at.get(f"/signin/{src.replace('&amp;', '&')}").content == image.content
    # Five minutes later the page carries the next code.
    later = _client(engine, s, IN_CLASS + timedelta(minutes=5))
    assert f"<p class=code>{current_code(sess, IN_CLASS + timedelta(minutes=5))}</p>" in later.get(
        f"/signin/{screen_token(sess)}?lang=en").text


def test_the_screen_shows_no_code_outside_the_sign_in_window(engine, settings) -> None:
    _code, session_id = setup_class(engine)
    sess, _cls = _session(engine, session_id)
    s = replace(settings, public_url=PUBLIC)
    early = _client(engine, s, datetime(2026, 3, 2, 7, 0, tzinfo=TZ)).get(f"/signin/{screen_token(sess)}?lang=en")
    assert "Sign-in opens at 2026-03-02 08:45" in early.text and "class=code" not in early.text
    assert early.text.startswith('<!doctype html><html lang="en">')
    late = _client(engine, s, datetime(2026, 3, 2, 12, 30, tzinfo=TZ)).get(f"/signin/{screen_token(sess)}?lang=en")
    assert "sign-in has closed" in late.text and "class=code" not in late.text
    assert _client(engine, s, datetime(2026, 3, 2, 7, 0, tzinfo=TZ)).get(
        f"/signin/{screen_token(sess)}/qr.png").status_code == 404


def test_nobody_opens_a_screen_without_its_token(engine, settings) -> None:
    _code, session_id = setup_class(engine)
    sess, _cls = _session(engine, session_id)
    client = _client(engine, replace(settings, public_url=PUBLIC), IN_CLASS)
    token = screen_token(sess)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    for bad in (forged, f"{session_id + 1}-{token.split('-')[1]}", "1", "abc-def", "9" * 40):
        res = client.get(f"/signin/{bad}")
        assert res.status_code == 404 and "class=code" not in res.text, bad
        assert client.get(f"/signin/{bad}/qr.png").status_code == 404


def test_the_wechat_qr_is_made_once_per_code_through_the_api(engine, settings, wechat_api) -> None:
    _code, session_id = setup_class(engine)
    sess, cls = _session(engine, session_id)
    s = replace(settings, public_url=PUBLIC, wechat_app_id=APP_ID, wechat_app_secret=APP_SECRET,
                wechat_api_base_url=wechat_api.base_url)
    client = _client(engine, s, IN_CLASS)
    first = client.get(f"/signin/{screen_token(sess)}").text
    again = client.get(f"/signin/{screen_token(sess)}").text
    [made] = wechat_api.sent("qrcode/create")  # the second view reused it
    scene = payload_for(cls, current_code(sess, IN_CLASS))
    assert made["action_info"]["scene"]["scene_str"] == scene and made["action_name"] == "QR_STR_SCENE"
    assert "showqrcode?ticket=" in first and first.count("showqrcode") == again.count("showqrcode") == 1
    # WeChat refuses the next code's QR: the page says so and still shows the code.
    wechat_api.fail("qrcode/create", 45009)
    later = IN_CLASS + timedelta(minutes=5)
    page = _client(engine, s, later).get(f"/signin/{screen_token(sess)}?lang=en").text
    assert f"<p class=code>{current_code(sess, later)}</p>" in page
    assert "could not be made just now" in page


def test_no_route_without_a_public_address(engine, settings) -> None:
    _code, session_id = setup_class(engine)
    sess, _cls = _session(engine, session_id)
    app = App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))
    assert TestClient(build_web_app(app, providers=("bot.signin_screen",))).get(
        f"/signin/{screen_token(sess)}").status_code == 404


def test_wechat_first_and_telegram_only_with_a_username(engine, settings, wechat_api) -> None:  # type: ignore[no-untyped-def]
    _code, session_id = setup_class(engine)
    sess, _cls = _session(engine, session_id)
    s = replace(settings, public_url=PUBLIC, wechat_app_id=APP_ID, wechat_app_secret=APP_SECRET,
                wechat_api_base_url=wechat_api.base_url)
    assert s.telegram_bot_username == ""  # no code default: a placeholder bot name would be a wrong QR code
    page = _client(engine, s, IN_CLASS).get(f"/signin/{screen_token(sess)}?lang=en").text
    assert page.count("<figure>") == 1 and "Telegram" not in page
    assert "Signed in: 0 of 3" in page and "301教室" in page
    both = _client(engine, replace(s, telegram_bot_username="YunlingTestBot"), IN_CLASS).get(
        f"/signin/{screen_token(sess)}?lang=en").text
    assert both.count("<figure>") == 2 and both.index("WeChat: scan") < both.index("Telegram: scan")
    alone = _client(engine, replace(settings, public_url=PUBLIC), IN_CLASS).get(
        f"/signin/{screen_token(sess)}?lang=en").text
    assert "<figure>" not in alone and "scan" not in alone  # nothing to scan: the codes are typed


def test_unicode_digits_and_non_ascii_macs_get_404_not_500(engine, settings) -> None:
    _code, session_id = setup_class(engine)
    sess, _cls = _session(engine, session_id)
    client = TestClient(_client(engine, replace(settings, public_url=PUBLIC), IN_CLASS).app,
                        raise_server_exceptions=False)
    mac = screen_token(sess).split("-")[1]
    arabic = str(session_id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    fullwidth = str(session_id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for bad in (f"²-{mac}", f"{arabic}-{mac}", f"{fullwidth}-{mac}", f"{session_id}-{'é' * 24}",
                f"{session_id}-{'中' * 24}", f"{session_id}-{mac[:-1]}é"):
        res = client.get(f"/signin/{bad}")
        assert res.status_code == 404 and "class=code" not in res.text, bad
        assert client.get(f"/signin/{bad}/qr.png").status_code == 404, bad
