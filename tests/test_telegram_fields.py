"""Property: whatever the fields inside a Telegram update hold (text, caption, first name, language, button
data, ids), the adapter and the dispatcher give an answer that can be sent, or drop the update; never the
apology. The update is parsed by the real python-telegram-bot and handled on the test database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from telegram import Bot, Update
from telegram_standin import TEST_FLOWS, TOKEN, echo_faq

from bot.telegram.inbound import to_incoming
from bot.telegram.render import render
from handlers.dispatch import Dispatcher
from handlers.i18n import translator
from handlers.registry import build_dispatcher
from tests.conftest import TZ

WEIRD = st.text(st.characters(categories=["Cs", "Cc", "Lo", "Nd", "No", "Zs", "So", "Ll"]), max_size=60)
TEXTISH = st.one_of(st.none(), st.text(max_size=200), WEIRD, st.integers(), st.floats(allow_nan=False),
                    st.sampled_from(["/start probe_1", "/start " + "9" * 300, "/menu@YunlingBot", "菜单\x00"]))
APOLOGIES = {translator(loc)(m) for loc in ("zh", "en") for m in (
    "Sorry, something went wrong on our side. Nothing you entered was lost; please try again, or type 'menu' "
    "to start over.", "The service is busy right now. Please send your message again in a moment.")}


@pytest.fixture
def fuzz_dispatcher(engine, settings) -> Dispatcher:  # type: ignore[no-untyped-def]
    return build_dispatcher(engine, settings, flows=TEST_FLOWS, faq=echo_faq)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTISH, caption=TEXTISH, first_name=TEXTISH, lang=TEXTISH, data=TEXTISH,
       update_id=st.integers(min_value=0, max_value=10**200), user_id=st.integers(min_value=1, max_value=2**52),
       kind=st.sampled_from(["text", "caption", "callback"]))
def test_fields_inside_an_update_never_get_the_apology(fuzz_dispatcher, text, caption, first_name, lang, data,
                                                        update_id, user_id, kind) -> None:  # type: ignore[no-untyped-def]
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": lang}
    chat = {"id": user_id, "type": "private"}
    message: dict[str, Any] = {"message_id": 1, "date": 1767225600, "chat": chat, "from": user}
    if kind == "text":
        message["text"] = text
    elif kind == "caption":
        message["caption"] = caption
    raw: dict[str, Any] = {"update_id": update_id}
    if kind == "callback":
        raw["callback_query"] = {"id": "cq", "from": user, "chat_instance": "ci", "data": data, "message": message}
    else:
        raw["message"] = message
    # As the webhook gets it: JSON on the wire (surrogates travel as \ud800 escapes).
    update = Update.de_json(json.loads(json.dumps(raw)), Bot(TOKEN))
    incoming = to_incoming(update, now=__import__("datetime").datetime(2026, 3, 2, 9, tzinfo=TZ),
                           payload_prefixes=("probe_",))
    if incoming is None:
        return
    result = fuzz_dispatcher.handle(incoming)
    _ = translator(result.locale)
    assert not {r.text for r in result.replies} & APOLOGIES
    for reply in result.replies:
        for item in render(reply, _):
            json.dumps(item.__dict__, default=str).encode("utf-8")  # what goes back to Telegram must encode
            (item.html or "").encode("utf-8")
