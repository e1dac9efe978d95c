"""Flows as declared state machines.

A :class:`Flow` names its states, entry triggers, the roles allowed in, and per-state validation with a
bounded number of re-asks; cancel, menu and help work in every state (the dispatcher handles them) and
an idle timeout ends a forgotten conversation. Steps return values; they never send, sleep or schedule.

    State(prompt=ask_nationality, handle=on_nationality)

``prompt(ctx)`` returns the question (a :class:`Reply`, usually with choices). ``handle(ctx, answer)``
returns an :class:`Outcome` (``goto``, ``finish``, ``switch``) or raises :class:`Invalid` to re-ask.
When the prompt offered choices and ``free_text`` is False, an answer matching none of them is
re-asked by the engine before ``handle`` is called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from handlers.errors import Invalid
from handlers.i18n import Translate
from handlers.settings import Settings
from handlers.types import Choice, Incoming, Reply
from storage.models import Person, role_set

__all__ = ["Answer", "Ctx", "Flow", "Invalid", "MenuGroup", "Outcome", "State", "finish", "goto", "switch"]


@dataclass
class Ctx:
    """Everything a step may use. ``data`` holds the flow's slots and is persisted between messages."""

    session: Session
    settings: Settings
    incoming: Incoming
    person_id: int
    locale: str
    _: Translate
    now: datetime  # aware, in the configured time zone
    data: dict[str, Any] = field(default_factory=dict)
    recent: tuple[str, ...] = ()  # the person's last few messages before this one, masked (for a hand-off)
    # Roles and unit as read with the message; ``person`` is the row itself, loaded on first use (a menu
    # or a question never needs it, and loading it was the dearest part of a message).
    known_roles: str = ""
    known_unit: str = ""
    _person: Person | None = field(default=None, repr=False)

    @property
    def person(self) -> Person:
        if self._person is None:
            person = self.session.get(Person, self.person_id)
            if person is None:
                raise LookupError(f"person {self.person_id} is gone")
            self._person = person
        return self._person

    @property
    def roles(self) -> frozenset[str]:
        if self._person is not None:
            return self._person.role_set()
        return role_set(self.known_roles)

    @property
    def is_clerk(self) -> bool:
        return "clerk" in self.roles

    @property
    def clerk_unit(self) -> str:
        if not self.is_clerk:
            return ""
        return self._person.unit if self._person is not None else self.known_unit

    @property
    def person_locale(self) -> str:
        """The person's locale now (a step may have changed it)."""
        return self._person.locale if self._person is not None else self.locale


@dataclass(frozen=True)
class Answer:
    text: str  # the normalised text the person sent ("" for a bare button tap without label)
    choice: Choice | None = None  # the offered option it resolved to, if any

    @property
    def value(self) -> str | None:
        return self.choice.value if self.choice else None


@dataclass(frozen=True)
class Outcome:
    replies: tuple[Reply, ...] = ()
    next_state: str | None = None  # None with end=False: stay (re-prompt current state)
    end: bool = False
    next_flow: str | None = None  # switch to another flow (its entry runs)


def goto(state: str, *replies: Reply) -> Outcome:
    """Send ``replies`` then the prompt of ``state``."""
    return Outcome(replies=replies, next_state=state)


def finish(*replies: Reply) -> Outcome:
    """End the flow after ``replies``."""
    return Outcome(replies=replies, end=True)


def switch(flow: str, *replies: Reply) -> Outcome:
    """End this flow and enter ``flow`` (its slots start from this flow's ``data``)."""
    return Outcome(replies=replies, end=True, next_flow=flow)


Prompt = Callable[[Ctx], Reply]
Handle = Callable[[Ctx, Answer], Outcome]
Enter = Callable[[Ctx], Outcome | None]


@dataclass(frozen=True)
class State:
    prompt: Prompt
    handle: Handle
    free_text: bool = False  # accept answers that match none of the offered choices
    max_retries: int = 3


@dataclass(frozen=True)
class Flow:
    """One conversation. ``title`` is an ``N_``-marked label for the main menu."""

    name: str
    title: str
    states: Mapping[str, State]
    start: str | None = None  # first state; None for one-shot flows whose ``enter`` always finishes
    commands: tuple[str, ...] = ()  # exact texts that start it: "/status", "我的申报进度"
    payload_prefixes: tuple[str, ...] = ()  # deep-link / QR payloads: "signin_"
    roles: frozenset[str] = frozenset()  # empty: everyone
    enter: Enter | None = None  # runs on entry; may finish at once or goto a state
    in_menu: bool = True
    menu_order: int = 100
    timeout: timedelta | None = None  # None: the settings' session timeout

    def __post_init__(self) -> None:
        if self.start is not None and self.start not in self.states:
            raise ValueError(f"flow {self.name}: start state {self.start!r} is not declared")

    def allows(self, roles: frozenset[str]) -> bool:
        return not self.roles or bool(self.roles & roles)


@dataclass(frozen=True)
class MenuGroup:
    """A submenu of the main menu: an ``N_``-marked title, its flows in order, who sees it, and words that
    open it directly (e.g. "技能培训")."""

    key: str
    title: str
    flows: tuple[str, ...]
    roles: frozenset[str] = frozenset()
    commands: tuple[str, ...] = ()

    def allows(self, roles: frozenset[str]) -> bool:
        return not self.roles or bool(self.roles & roles)


def choices_reply(text: str, options: list[tuple[str, str]]) -> Reply:
    """Shorthand: a question with (value, label) options."""
    return Reply(text=text, choices=tuple(Choice(v, lab) for v, lab in options))
