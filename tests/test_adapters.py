"""The adapters' shared parts and their boundaries: one set of hand-off words, one codec for choice values,
platform events handled by the dispatcher, and adapters that reach storage only through the store the
composition root gives them."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from handlers import events
from handlers.choices import HANDOFF_WORDS, OpenFlow, Option, decode, is_handoff, is_menu_value
from handlers.dispatch import Dispatcher
from handlers.flows import FLOWS
from handlers.flows.handoff import HANDOFF
from handlers.i18n import translator
from handlers.types import Incoming
from storage.models import Identity

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = (ROOT / "bot" / "wechat", ROOT / "bot" / "telegram")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


# -- the hand-off words ----------------------------------------------------------------------------------
def test_the_handoff_words_are_defined_once_and_open_the_handoff_flow(dispatcher: Dispatcher) -> None:
    assert HANDOFF.commands == HANDOFF_WORDS
    for word in HANDOFF_WORDS:
        assert dispatcher.trigger(word) == ("flow:handoff", ""), word
        assert is_handoff(word) and is_handoff(f"  {word.upper()} "), word
    assert not is_handoff("人工智能") and not is_handoff("菜单")
    # No second copy anywhere in the code: the least common of the words appears in one module only.
    holders = [p.relative_to(ROOT).as_posix() for d in ("bot", "handlers", "knowledge") for p in (ROOT / d).rglob("*.py")
               if "找人工" in p.read_text(encoding="utf-8")]
    assert holders == ["handlers/choices.py"]


# -- choice values ---------------------------------------------------------------------------------------
def test_routed_values_and_step_values() -> None:
    for value in ("yes", "2", "", "flowx", "other:thing", "Flow:x", "flow:"):
        assert isinstance(decode(value), Option), value
    assert is_menu_value("flow:handoff") and is_menu_value("cmd:menu") and is_menu_value("ask:谁可以申报")
    assert not is_menu_value("menu:training") and not is_menu_value("yes")  # submenus are not custom-menu keys
    assert not is_menu_value(None) and not is_menu_value("")


def test_every_custom_menu_key_and_every_menu_choice_is_a_routed_value(dispatcher: Dispatcher, engine) -> None:  # type: ignore[no-untyped-def]
    menu = json.loads((ROOT / "bot" / "wechat_menu.json").read_text(encoding="utf-8"))
    keys = [b["key"] for top in menu["button"] for b in [top, *top.get("sub_button", [])] if b.get("type") == "click"]
    assert keys and all(is_menu_value(k) for k in keys)
    flows = {f.name for f in FLOWS}
    assert all(p.name in flows for p in map(decode, keys) if isinstance(p, OpenFlow))
    result = dispatcher.handle(Incoming(channel="console", user_key="m", message_key="m1", text="菜单", received_at=NOW))
    offered = [c.value for r in result.replies for c in r.choices]
    assert offered and not any(isinstance(decode(v), Option) for v in offered), offered


# -- platform events -------------------------------------------------------------------------------------
def test_unfollow_and_unreadable_messages_are_handled_by_the_dispatcher(dispatcher: Dispatcher, engine) -> None:  # type: ignore[no-untyped-def]
    def handle(key: str, **kw: object):  # type: ignore[no-untyped-def]
        return dispatcher.handle(Incoming(channel="wechat", user_key="o1", message_key=key, received_at=NOW, **kw))  # type: ignore[arg-type]

    assert handle("k1", text="/lang en").replies  # the person exists, in English
    [reply] = handle("k2", event=events.NOT_TEXT).replies
    assert reply.text == translator("en")(events.ONLY_TEXT)
    [reply] = handle("k3", event=events.VOICE_UNCLEAR_EVENT).replies
    assert reply.text == translator("en")(events.VOICE_UNCLEAR)
    assert handle("k4", event=events.other("VIEW")).replies == []
    assert handle("k5", event=events.UNFOLLOW).replies == []
    with Session(engine) as s:
        assert s.exec(select(Identity)).one().reachable is False
    assert handle("k6", text="/start", event="subscribe").replies  # a follow: welcome, reachable again
    with Session(engine) as s:
        assert s.exec(select(Identity)).one().reachable is True
    assert handle("k5", event=events.UNFOLLOW).duplicate  # WeChat's retry of the same event


# -- boundaries ------------------------------------------------------------------------------------------
def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return names | {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}


@pytest.mark.parametrize("package", ADAPTERS, ids=lambda p: p.name)
def test_adapters_reach_storage_only_through_their_store(package: Path) -> None:
    for path in sorted(package.glob("*.py")):
        storage = {m for m in _imports(path) if m == "storage" or m.startswith(("storage.", "sqlalchemy"))}
        if path.name == "sender.py" and package.name == "wechat":
            continue  # the outbound API client keeps WeChat's access token (storage.repo_wechat's key-value rows)
        assert storage <= {"storage.channel_store", "storage.errors"}, (path.name, storage)  # (errors: Busy)
        text = path.read_text(encoding="utf-8")
        assert "run_in_transaction" not in text and "id(app)" not in text, path.name


@pytest.mark.parametrize("package", ADAPTERS, ids=lambda p: p.name)
def test_adapter_modules_stay_small(package: Path) -> None:
    for path in sorted(package.glob("*.py")):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
