"""Flows as declared state machines.

A :class:`Flow` names its states, entry triggers, the roles allowed in, and per-state validation with a
bounded number of re-asks; cancel, menu and help work in every state (the dispatcher handles them) and
an idle timeout ends a forgotten conversation. Steps return values; they never send, sleep or schedule.

    State(prompt=ask_nationality, handle=on_nationality, to=("age", "flow:area"))

``prompt(ctx)`` returns the question (a :class:`Reply`, usually with choices). ``handle(ctx, answer)``
returns an :class:`Outcome` (``goto``, ``finish``, ``switch``, ``call``) or raises :class:`Invalid` to
re-ask. When the prompt offered choices and ``free_text`` is False, an answer matching none of them is
re-asked by the engine before ``handle`` is called.

Transitions are declared: ``to`` names the states a step may go to and, as ``flow:NAME``, the flows it
may switch to or call (staying in the state and finishing are always allowed); ``Flow.enter_to`` does
the same for the entry. State targets are checked when the Flow is built, flow targets when the registry
is (:func:`check_registry`); a step that goes elsewhere at run time is logged and the person gets an
apology. ``to`` is required (keyword-only): a state that does not say where it goes cannot be built, and an
entry that goes anywhere but ``start`` names it in ``enter_to``.

``call(flow, return_to=state, args={...})`` runs another flow as a sub-flow, its slots starting as ``args``:
when it finishes, this flow resumes at ``return_to`` with its own slots, as they were (PTB's nested
ConversationHandler, ``map_to_parent``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlmodel import Session

from handlers.errors import Invalid
from handlers.i18n import N_, Translate, translator
from handlers.settings import Settings
from handlers.types import Choice, Incoming, Reply
from storage.models import Person, role_set

__all__ = ["Answer", "Ctx", "Entry", "Flow", "Invalid", "MenuGroup", "Outcome", "State", "call", "check_registry", "finish",
           "goto", "reroute", "switch"]

S = TypeVar("S")
FLOW_TARGET = "flow:"  # a declared target that is another flow (switch or call), not a state
LANGUAGE_SET = N_("Language set to English.")  # said in the language just set


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
    # The registered flows and the roles each needs (a step offers only flows that exist and the person may use).
    flow_roles: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # The flows this message brought to their own end (finished, switched on, rerouted): not left half done, so
    # nothing of them is kept (:attr:`Flow.park`).
    ended: set[str] = field(default_factory=set, repr=False)
    # Said before the next question of a form, once: how an answer in one's own words was read (a provincial
    # contest at "have you won any of these?" is "none of these").
    notes: list[str] = field(default_factory=list, repr=False)
    _person: Person | None = field(default=None, repr=False)
    _slots: dict[type, Any] = field(default_factory=dict, repr=False)  # typed slots read from ``_slots_data``
    _slots_data: dict[str, Any] | None = field(default=None, repr=False)

    def slots(self, cls: type[S]) -> S:
        """The flow's slots as a typed dataclass, read from ``data`` once; changes to it are written back to
        ``data`` (the same JSON column) when the conversation is saved. Keys it does not name stay, so a
        flow and the form engine it uses can each have their own class (with distinct keys)."""
        if self._slots_data is not self.data:
            self._slots, self._slots_data = {}, self.data
        if cls not in self._slots:
            names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
            self._slots[cls] = cls(**{k: v for k, v in self.data.items() if k in names})
        return self._slots[cls]

    def flush_slots(self) -> None:
        """Write the typed slots back into ``data`` (the dispatcher does, before it saves)."""
        if self._slots_data is self.data:
            for typed in self._slots.values():
                self.data.update(dataclasses.asdict(typed))

    def set_locale(self, locale: str) -> None:
        """The person's language, kept, and this turn's replies in it."""
        self.person.locale = locale
        self.session.add(self.person)
        self.locale, self._ = locale, translator(locale)

    def has_flow(self, name: str) -> bool:
        """The flow exists and the person may use it (no roles needed, or one of them held)."""
        needs = self.flow_roles.get(name)
        return needs is not None and (not needs or bool(needs & self.roles))

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


@dataclass
class Entry:
    """The slots the router hands to a flow it opens: the argument of its word (``/lang en``: "en") or the
    deep-link payload that opened it."""

    arg: str = ""
    payload: str = ""


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
    return_to: str | None = None  # with next_flow: a call; this flow resumes in this state when it finishes
    args: Mapping[str, Any] = field(default_factory=dict)  # with return_to: the called flow's first slots
    reroute: bool = False  # end the flow and route the message as if no flow had been active

    def targets(self) -> tuple[str, ...]:
        """What this outcome goes to, as declared targets are written (state names, ``flow:NAME``)."""
        if self.next_flow is not None:
            return (FLOW_TARGET + self.next_flow, *((self.return_to,) if self.return_to else ()))
        return (self.next_state,) if self.next_state is not None and not self.end else ()


def goto(state: str, *replies: Reply) -> Outcome:
    """Send ``replies`` then the prompt of ``state``."""
    return Outcome(replies=replies, next_state=state)


def finish(*replies: Reply) -> Outcome:
    """End the flow after ``replies``."""
    return Outcome(replies=replies, end=True)


def switch(flow: str, *replies: Reply) -> Outcome:
    """End this flow and enter ``flow`` (its slots start from this flow's ``data``)."""
    return Outcome(replies=replies, end=True, next_flow=flow)


def reroute(*replies: Reply) -> Outcome:
    """End this flow and handle the message as if no flow were active (a flow's words open it, anything
    else goes to the FAQ): for a step that has nothing more to ask."""
    return Outcome(replies=replies, end=True, reroute=True)


def call(flow: str, *replies: Reply, return_to: str, args: Mapping[str, Any] | None = None) -> Outcome:
    """Run ``flow`` as a sub-flow; its slots start as ``args`` (empty by default), so a called flow gets
    what it works on (a class's code) and nothing else; when it finishes, come back to ``return_to``."""
    return Outcome(replies=replies, next_flow=flow, return_to=return_to, args=dict(args or {}))


Prompt = Callable[[Ctx], Reply]
Handle = Callable[[Ctx, Answer], Outcome]
Enter = Callable[[Ctx], Outcome | None]
# What a flow keeps when the conversation leaves it from a step (the step's name and its slots as stored): the
# note that says where it is kept, or None when there is nothing worth keeping.
Park = Callable[[Ctx, str, dict[str, Any]], Reply | None]


@dataclass(frozen=True)
class State:
    prompt: Prompt
    handle: Handle
    free_text: bool = False  # accept answers that match none of the offered choices
    max_retries: int = 3
    # Takes a message as written (a ticket's question or answer, a broadcast): a sentence typed here is that text,
    # whatever words it uses ("已经帮您转给工作人员了" answers a ticket); only a short word still acts as one.
    prose: bool = False
    # Words that work everywhere this step reads as its own answer ("重新开始" where it offers to start again).
    claims: Callable[[str], bool] | None = None
    to: tuple[str, ...] = field(kw_only=True)  # declared targets (states, "flow:NAME"); () when it only ends


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
    enter_to: tuple[str, ...] = ()  # declared targets of ``enter`` (besides ``start``)
    park: Park | None = None  # left from a step (a word that works everywhere, another flow, an idle chat)

    def __post_init__(self) -> None:
        if self.start is not None and self.start not in self.states:
            raise ValueError(f"flow {self.name}: start state {self.start!r} is not declared")
        for where, targets in self.declarations():
            unknown = [t for t in targets if not t.startswith(FLOW_TARGET) and t not in self.states]
            if unknown:
                raise ValueError(f"flow {self.name}: {where} declares unknown state(s) {', '.join(unknown)}")

    def declarations(self) -> list[tuple[str, tuple[str, ...]]]:
        """(where, declared targets) of the entry and of every state."""
        out = [("enter", self.entry_targets())] if self.enter is not None else []
        return out + [(f"state {n}", s.to) for n, s in self.states.items()]

    def entry_targets(self) -> tuple[str, ...]:
        return (*((self.start,) if self.start else ()), *self.enter_to)

    def allowed(self, state: str | None, outcome: Outcome) -> bool:
        """May ``outcome``, returned by ``state`` (None: the entry), go where it goes?"""
        targets = outcome.targets()
        if state is not None and state not in self.states:
            return False
        declared = self.entry_targets() if state is None else self.states[state].to
        return all(t in declared or t == state for t in targets)

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


def check_registry(flows: Sequence[Flow]) -> None:
    """Every flow name unique, every declared ``flow:NAME`` target registered; ValueError otherwise."""
    names = [f.name for f in flows]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"flows registered twice: {', '.join(twice)}")
    known = set(names)
    for f in flows:
        for where, targets in f.declarations():
            unknown = [t for t in targets if t.startswith(FLOW_TARGET) and t[len(FLOW_TARGET):] not in known]
            if unknown:
                raise ValueError(f"flow {f.name}: {where} declares unregistered flow(s) {', '.join(unknown)}")


def choices_reply(text: str, options: list[tuple[str, str]]) -> Reply:
    """Shorthand: a question with (value, label) options."""
    return Reply(text=text, choices=tuple(Choice(v, lab) for v, lab in options))
