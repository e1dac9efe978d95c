"""The clerk allow-list (YUNLING_CLERKS) is the truth at every message and at start: a person taken off it
is no clerk from their next message on, one moved to another unit sees only the new unit's cases, and each
change is audited."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import select
from test_cases import KM, _open_case

from bot.app import sync_clerk_roles
from handlers.i18n import translator
from storage.db import session_scope
from storage.models import AuditEvent, Identity, Person

QJ = "曲靖市总工会"
ZH = translator("zh")
REFUSED = ZH("Sorry, this function is only for authorised union clerks. If you are one, ask your union to add you.")


def _person_of(engine, user: str) -> Person:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        identity = s.exec(select(Identity).where(Identity.channel == "console", Identity.user_key == user)).one()
        return s.get(Person, identity.person_id)


def _audit(engine) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return [(a.action, a.subject, a.detail) for a in s.exec(select(AuditEvent).order_by(AuditEvent.id))
                if a.action.startswith("clerk.")]


def test_a_clerk_taken_off_the_list_loses_the_role_at_the_next_message(person, engine) -> None:
    bob = person("bob", clerk=QJ)
    bob.say("/cases")
    assert "flow:cases" not in bob.text and REFUSED not in bob.text
    assert "clerk" in _person_of(engine, "bob").role_set()
    bob.d.settings = replace(bob.d.settings, clerks={})  # removed from YUNLING_CLERKS
    bob.say("/cases")
    assert REFUSED in bob.text
    bob.say("菜单")
    assert "menu:clerk" not in bob.choice_values()
    stored = _person_of(engine, "bob")
    assert "clerk" not in stored.role_set() and stored.unit == ""
    pid = stored.id
    assert _audit(engine) == [("clerk.granted", f"person:{pid}", f"unit: {QJ}"),
                              ("clerk.revoked", f"person:{pid}", f"unit: {QJ}")]


def test_a_clerk_moved_to_another_unit_loses_the_old_units_view_at_once(person, engine) -> None:
    wang = person("wang")
    bob = person("bob", clerk=KM)
    case_id = _open_case(bob, wang)
    bob.say("/cases")
    bob.say(choice="list")
    assert "张三" in bob.text
    bob.d.settings = replace(bob.d.settings, clerks={"console:bob": QJ})
    bob.say("/cases")
    bob.say(choice="list")
    assert "张三" not in bob.text and f"#{case_id}" not in bob.text
    assert _person_of(engine, "bob").unit == QJ
    pid = _person_of(engine, "bob").id
    assert ("clerk.unit_changed", f"person:{pid}", f"unit: {KM} -> {QJ}") in _audit(engine)


def test_at_start_the_stored_roles_follow_the_list(person, engine, settings) -> None:
    bob, carol = person("bob", clerk=KM), person("carol", clerk=QJ)
    bob.say("菜单")
    carol.say("菜单")
    changed = sync_clerk_roles(engine, replace(settings, clerks={"console:carol": QJ}))
    assert changed == 1
    assert "clerk" not in _person_of(engine, "bob").role_set() and _person_of(engine, "bob").unit == ""
    assert _person_of(engine, "carol").unit == QJ and "clerk" in _person_of(engine, "carol").role_set()
    pid = _person_of(engine, "bob").id
    assert ("clerk.revoked", f"person:{pid}", f"unit: {KM}; not on the allow-list at start") in _audit(engine)
