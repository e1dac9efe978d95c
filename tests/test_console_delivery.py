"""Issue 18, item 8: in ``yunling chat`` the messages the assistant starts itself (ticket answers,
broadcasts) reach console users — the console runs the delivery worker for them — while messages for
people on other platforms are left in the outbox for the server."""

from __future__ import annotations

import io
from dataclasses import replace

from sqlmodel import Session, select

from bot.app import App
from bot.console import ConsoleChat
from handlers.registry import build_dispatcher
from storage import repositories as repo
from storage.models import OutboxMessage, Person
from storage.models_cases import Broadcast

UNIT = "大理白族自治州总工会"


def _chat(engine, settings, user: str, lines: list[str], locale: str = "zh") -> str:  # type: ignore[no-untyped-def]
    s = replace(settings, clerks={"console:clerk": UNIT})
    chat = ConsoleChat(App(settings=s, engine=engine, dispatcher=build_dispatcher(engine, s)), user=user, locale=locale)
    out = io.StringIO()
    chat.run(io.StringIO("".join(line + "\n" for line in lines)), out, interactive=False)
    return out.getvalue()


def test_ticket_answer_reaches_the_console_user(engine, settings) -> None:
    _chat(engine, settings, "wang", ["我单位没有工会，能自荐云岭工匠吗？", "人工", "1", "1", "大理州"])
    # A WeChat user with a pending message too: the console must leave it to the server.
    with Session(engine) as s, s.begin():
        who = repo.identify(session=s, channel="wechat", user_key="oWX1")
        repo.enqueue(session=s, person_id=who.person_id, body={"text": "for wechat", "choices": []},
                     dedupe_key="x:1", kind="notification")
    out = _chat(engine, settings, "clerk", ["工单", "1", "1", "可以，向县级总工会申报。"])
    assert "给本地控制台用户 wang 的消息" in out and "可以，向县级总工会申报。" in out.split("给本地控制台用户 wang")[1]
    with Session(engine) as s:
        rows = {r.dedupe_key: r.status for r in s.exec(select(OutboxMessage))}
    assert rows["x:1"] == "pending"
    assert [st for k, st in rows.items() if k.startswith("ticket:")] == ["sent"]


def test_a_broadcast_sent_now_in_the_console_reaches_console_subscribers_and_is_closed(engine, settings) -> None:
    # The server's scheduler releases due broadcasts into the outbox; the console runs none, and "立即发送"
    # once stayed "scheduled" there, reaching nobody and leaving the delivery report empty.
    with Session(engine) as s, s.begin():
        who = repo.identify(session=s, channel="console", user_key="li")
        person = s.get(Person, who.person_id)
        assert person is not None
        person.prefecture = "大理白族自治州"
        repo.subscribe(session=s, person_id=who.person_id, programme="craftsman")
    out = _chat(engine, settings, "clerk", ["群发通知", "1", "3", "1", "申报材料请于4月1日前报送。", "1"])
    assert "给本地控制台用户 li 的消息" in out and "4月1日前报送" in out.split("给本地控制台用户 li")[1], out
    with Session(engine) as s:
        (b,) = s.exec(select(Broadcast)).all()
    assert b.status == "done", b.status
