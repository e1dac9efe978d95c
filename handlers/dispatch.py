"""The dispatcher: one neutral message in, replies out, state saved in the same transaction.

Order of work for one message: drop a delivery key seen before; serialise messages of the same user;
load identity, person and conversation; route to a global command, a deep-link payload, the active
flow's step, a flow's entry trigger or the FAQ; save state; commit; return the replies. An exception in
a step rolls everything back, is logged once, and the person gets a polite apology.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import re
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from handlers.choices import normalize, number_of, resolve
from handlers.errors import Invalid
from handlers.flow import Answer, Ctx, Flow, MenuGroup, Outcome
from handlers.i18n import normalize_locale, translator
from handlers.services.clerks import follow_allow_list
from handlers.settings import Settings
from handlers.types import Choice, DispatchResult, Incoming, Reply, sanitized
from knowledge.text import PRIVACY_NOTICE, pseudonym, redact
from storage import repositories as repo
from storage.db import run_in_transaction
from storage.errors import Busy
from storage.repositories import ConversationState

log = logging.getLogger(__name__)

SEEN_PRECISION = timedelta(minutes=1)
RECENT_KEPT = 6  # messages remembered (masked) for a hand-off's context
MAX_TEXT = 2000  # longer messages are cut before routing; the person is told
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

GLOBAL_COMMANDS: dict[str, tuple[str, ...]] = {
    "cancel": ("/cancel", "取消", "cancel", "退出", "quit", "exit", "算了"),
    "menu": ("/menu", "菜单", "menu", "主菜单", "main menu"),
    "help": ("/help", "帮助", "help", "?", "？", "怎么用"),
    "start": ("/start", "开始", "start", "你好", "hello", "hi", "您好"),
}
_COMMAND_OF = {normalize(word): name for name, words in GLOBAL_COMMANDS.items() for word in words}

# Shown once, before the first answer a person ever gets.
FaqFn = Callable[[Ctx, str], list[Reply]]
ListenFn = Callable[[Ctx, str], "str | None"]  # free text -> the flow to open for it, or None
Guard = Callable[[Session], object]
After = Callable[[Session, DispatchResult], None]
PrefetchFn = Callable[[str], object]  # free text -> warm what the FAQ will need (runs outside the transaction)
IN_FLOW_KEPT = 200_000  # people remembered as being in a flow (their free text is not prefetched)


@dataclass(frozen=True)
class KeyedGuard:
    """A guard whose check is a key seen only once, such as WeChat's (timestamp, nonce): the dispatcher
    records it in ``processed_message`` under ``channel`` with the message's own key, in one statement.
    When the key was seen before, ``replayed`` comes back as ``held`` (and the message's key is not kept);
    otherwise ``then`` runs (its own bookkeeping; a value other than None is ``held`` too). Called on its
    own, it does the same in the session given."""

    channel: str
    key: str
    replayed: object
    then: Guard | None = None
    first: Guard | None = None  # runs before the key is checked, replayed or not (e.g. settling an inbox row)

    def __call__(self, session: Session) -> object:
        if self.first is not None:
            self.first(session)
        if not repo.mark_processed(session=session, channel=self.channel, message_key=self.key):
            return self.replayed
        return self.then(session) if self.then is not None else None


_NUMBERED_LINE = re.compile(r"^(\s*)\d{1,2}[.、](?!\d)\s*(?=\S)", re.M)


def one_numbering(replies: list[Reply]) -> list[Reply]:
    """One numbering per message: when the turn offers numbered choices, lists in the texts (explanations,
    steps) get bullets, so that "1" can only mean the first choice. (Platforms that merge a turn's replies
    into one message, like WeChat's passive reply, would otherwise show 1–3 and then 1–6.)"""
    if not any(r.choices for r in replies):
        return replies
    return [dataclasses.replace(r, text=_NUMBERED_LINE.sub(r"\1• ", r.text)) if _NUMBERED_LINE.search(r.text)
            else r for r in replies]


class _PersonLock:
    """A lock that can be weakly referenced (``threading.Lock`` cannot)."""

    __slots__ = ("__weakref__", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> _PersonLock:
        self._lock.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._lock.release()


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text or "").strip()


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        flows: Sequence[Flow] | None = None,
        faq: FaqFn | None = None,
        menu: Sequence[MenuGroup | str] | None = None,
        listen: ListenFn | None = None,
        privacy_notice: bool | None = None,
        prefetch: PrefetchFn | None = None,
    ) -> None:
        if flows is None or faq is None or menu is None:
            from handlers.flows import FLOWS, MENU, faq_answer, faq_prefetch
            from handlers.flows import listen as default_listen

            listen = default_listen if listen is None and flows is None else listen
            flows = FLOWS if flows is None else flows
            prefetch = faq_prefetch if prefetch is None and faq is None else prefetch
            faq = faq_answer if faq is None else faq
            menu = MENU if menu is None else menu
        self.prefetch = prefetch
        self._in_flow: set[tuple[str, str]] = set()  # who was left in a flow by their last message here
        self.listen = listen
        self.engine = engine
        self.settings = settings
        self.flows: dict[str, Flow] = {f.name: f for f in flows}
        self.faq = faq
        self.tz = ZoneInfo(settings.timezone)
        # One lock per person while someone holds it: entries vanish with their last user, so a server
        # that has seen a million people does not keep a million locks.
        self._locks: weakref.WeakValueDictionary[tuple[str, str], _PersonLock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()
        self._triggers: dict[str, str] = {}
        for f in flows:
            for word in f.commands:
                self._triggers[normalize(word)] = f.name
        self.menu = tuple(menu)
        # The first-contact notice names the words that export and delete one's data: only where they work.
        self.privacy_notice = ("delete_data" in self.flows and "export_data" in self.flows
                               if privacy_notice is None else privacy_notice)
        self.groups = {g.key: g for g in self.menu if isinstance(g, MenuGroup)}
        self._group_words = {normalize(w): g.key for g in self.groups.values() for w in g.commands}
        self._slash = {w.split()[0] for w in self._triggers if w.startswith("/")} | {
            w for w in _COMMAND_OF if w.startswith("/")}

    def trigger(self, text: str) -> tuple[str, str] | None:
        """What a typed word opens wherever the person is: ``("flow", name)`` or ``("menu", key)`` with an
        argument (``/lang en``: "en"), ``("unknown", "")`` for an unknown ``/command``; None for anything else.
        """
        word = normalize(text)
        if not word:
            return None
        if (name := self._triggers.get(word)) is not None:
            return "flow:" + name, ""
        if (key := self._group_words.get(word)) is not None:
            return "menu:" + key, ""
        if word.startswith("/"):
            head, _sep, arg = word.partition(" ")
            if (name := self._triggers.get(head)) is not None:
                return "flow:" + name, arg.strip()
            if head not in self._slash and re.fullmatch(r"/[a-z_]{1,32}", head):
                return "unknown", ""
        return None

    def command_words(self) -> frozenset[str]:
        """Every word that does something by itself (global words, flow and submenu words), normalised."""
        return frozenset(_COMMAND_OF) | frozenset(self._triggers) | frozenset(self._group_words)

    # -- public -------------------------------------------------------------------------------
    def handle(self, incoming: Incoming, *, guard: Guard | None = None, after: After | None = None) -> DispatchResult:
        """Handle one message; never raises (a failure becomes an apology).

        ``guard`` is a channel's own bookkeeping run first in the same transaction, such as WeChat's replay
        guard: one transaction per message instead of two. When it returns something other than None, the
        message is not dispatched and that value comes back as ``held``. When the step fails and its
        transaction rolls back, the guard runs again on its own, so what it records is kept. ``after`` runs
        last in the transaction of a message that was handled (not a duplicate, not held), with its result:
        an adapter keeps what must survive a crash (late replies) in the same commit.
        """
        incoming = sanitized(incoming)
        with self._lock_for(incoming):
            self._prefetch(incoming)
            try:
                return run_in_transaction(self.engine, lambda s: self._handle_in(s, incoming, guard, after))
            except Busy:
                log.error("database busy; message %s of %s not processed",
                          incoming.message_key, pseudonym(incoming.channel, incoming.user_key))
                return self._apology(incoming, busy=True)
            except Exception:
                log.exception("step failed for message %s of %s",
                              incoming.message_key, pseudonym(incoming.channel, incoming.user_key))
                if guard is not None:
                    try:
                        held = run_in_transaction(self.engine, guard)
                    except Exception:
                        log.exception("guard of message %s failed too", incoming.message_key)
                    else:
                        if held is not None:
                            return DispatchResult(held=held)
                return self._apology(incoming, busy=False)

    def handle_many(self, batch: Sequence[tuple[Incoming, Guard | None]]
                    | Sequence[tuple[Incoming, Guard | None, After | None]]) -> list[DispatchResult]:
        """Several messages, in order, in one transaction: a group commit for the one thread that writes
        to SQLite, which pays for a transaction's set-up and commit once per batch instead of per message.
        If a step fails, the batch is rolled back and every message is handled again on its own, so a
        failing step costs only its own message an apology; if the database stays busy, every message of
        the batch gets the busy apology at once."""
        items = [(sanitized(i[0]), i[1], i[2] if len(i) > 2 else None) for i in batch]  # type: ignore[misc]
        if len(items) == 1:
            incoming, guard, after = items[0]
            return [self.handle(incoming, guard=guard, after=after)]
        # Each person's lock, in one order (no two batches can wait on each other), held to the commit.
        locks = sorted({(i.channel, i.user_key): self._lock_for(i) for i, _g, _a in items}.items())
        with contextlib.ExitStack() as held:
            for _key, lock in locks:
                held.enter_context(lock)
            for incoming, _g, _a in items:
                self._prefetch(incoming)
            try:
                return run_in_transaction(self.engine, lambda s: [self._handle_in(s, i, g, a) for i, g, a in items])
            except Busy:  # each on its own would wait as long again, message after message
                log.error("database busy; batch of %d messages not processed", len(batch))
                return [self._apology(incoming, busy=True) for incoming, _g, _a in items]
            except Exception as exc:
                log.warning("batch of %d messages rolled back (%s); handling them one by one",
                            len(batch), type(exc).__name__)
        return [self.handle(incoming, guard=guard, after=after) for incoming, guard, after in items]

    def _visible(self, ctx: Ctx, name: str) -> Flow | None:
        f = self.flows.get(name)
        return f if f is not None and f.in_menu and f.allows(ctx.roles) else None

    def main_menu(self, ctx: Ctx, text: str | None = None) -> Reply:
        """Submenus and top-level flows the person may use (see ``handlers.flows.MENU``)."""
        _ = ctx._
        choices: list[Choice] = []
        placed: set[str] = set()
        for entry in self.menu:
            if isinstance(entry, MenuGroup):
                placed.update(entry.flows)
                if entry.allows(ctx.roles) and any(self._visible(ctx, n) for n in entry.flows):
                    choices.append(Choice(f"menu:{entry.key}", _(entry.title)))
            else:
                placed.add(entry)
                if (f := self._visible(ctx, entry)) is not None:
                    choices.append(Choice(f"flow:{f.name}", _(f.title)))
        loose = sorted((f for f in self.flows.values() if f.name not in placed and self._visible(ctx, f.name)),
                       key=lambda f: (f.menu_order, f.name))
        choices[-1:-1] = [Choice(f"flow:{f.name}", _(f.title)) for f in loose]  # before the last entry
        return Reply(
            text=text or _("What would you like to do? Choose a number, or just type your question."),
            choices=tuple(choices),
        )

    def submenu(self, ctx: Ctx, key: str) -> Reply:
        _ = ctx._
        group = self.groups[key]
        flows = [f for n in group.flows if (f := self._visible(ctx, n)) is not None]
        return Reply(text=_(group.title), choices=(*(Choice(f"flow:{f.name}", _(f.title)) for f in flows),
                                                   Choice("cmd:menu", _("Main menu"))))

    # -- internals ----------------------------------------------------------------------------
    def _lock_for(self, incoming: Incoming) -> _PersonLock:
        key = (incoming.channel, incoming.user_key)
        with self._locks_guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = _PersonLock()
            return lock

    def _apology(self, incoming: Incoming, *, busy: bool) -> DispatchResult:
        locale = normalize_locale(incoming.locale)
        _ = translator(locale)
        text = (_("The service is busy right now. Please send your message again in a moment.") if busy else
                _("Sorry, something went wrong on our side. Nothing you entered was lost; please try again, "
                  "or type 'menu' to start over."))
        return DispatchResult(replies=[Reply(text=text)], locale=locale)

    def _prefetch(self, incoming: Incoming) -> None:
        """Before the transaction: free text from someone not in a flow will likely go to the FAQ, whose
        search is the costliest step; run it now, so the write transaction (and SQLite's lock) is not held
        through it. A guess: a message routed elsewhere only wasted the search, an FAQ not prefetched
        searches inside. Never raises."""
        if self.prefetch is None or incoming.choice or incoming.payload or incoming.event or incoming.upload:
            return
        if (incoming.channel, incoming.user_key) in self._in_flow:
            return
        text = clean_text(incoming.text)[:MAX_TEXT]
        key = normalize(text)
        if (len(text) < 2 or text.isdigit() or key in _COMMAND_OF or key in self._triggers
                or key in self._group_words):
            return
        try:
            self.prefetch(text)
        except Exception:
            log.exception("prefetch failed for message %s", incoming.message_key)

    def _handle_in(self, session: Session, incoming: Incoming, guard: Guard | None,
                   after: After | None = None) -> DispatchResult:
        if isinstance(guard, KeyedGuard):  # the guard's key and the message's in one statement
            if guard.first is not None:
                guard.first(session)
            fresh, new_message = repo.mark_processed_pair(session=session, first=(guard.channel, guard.key),
                                                          second=(incoming.channel, incoming.message_key))
            if not fresh:
                if new_message:  # a replayed request must not mark its message as handled
                    repo.forget_processed(session=session, channel=incoming.channel,
                                          message_key=incoming.message_key)
                return DispatchResult(held=guard.replayed)
            if guard.then is not None and (held := guard.then(session)) is not None:
                if new_message:
                    repo.forget_processed(session=session, channel=incoming.channel,
                                          message_key=incoming.message_key)
                return DispatchResult(held=held)
            if not new_message:
                return DispatchResult(duplicate=True)
        else:
            if guard is not None and (held := guard(session)) is not None:
                return DispatchResult(held=held)
            if not repo.mark_processed(session=session, channel=incoming.channel,
                                       message_key=incoming.message_key):
                return DispatchResult(duplicate=True)
        who = repo.identify(
            session=session, channel=incoming.channel, user_key=incoming.user_key, chat_key=incoming.chat,
            locale=normalize_locale(incoming.locale or self.settings.default_locale),
            display_name=incoming.display_name,
        )
        now = incoming.received_at.astimezone(self.tz)
        seen = incoming.received_at.astimezone(UTC)
        # Minute precision is enough for "last seen" and WeChat's 48-hour window; skipping the two
        # UPDATEs within a burst of messages keeps the hot path short.
        if who.last_inbound_at is None or seen - who.last_inbound_at > SEEN_PRECISION:
            repo.mark_seen(session=session, who=who, at=seen)
        conv = repo.load_conversation(session=session, identity_id=who.identity_id, for_update=True)
        ctx = Ctx(session=session, settings=self.settings, incoming=incoming, person_id=who.person_id,
                  locale=who.locale, _=translator(who.locale), now=now, known_roles=who.roles, known_unit=who.unit,
                  data=json.loads(conv.data or "{}"), recent=tuple(json.loads(conv.recent or "[]")))
        self._apply_allow_list(ctx, incoming)
        replies = one_numbering(self._route(ctx, conv))
        if who.last_inbound_at is None and replies and self.privacy_notice:  # the person's first message: the notice leads the answer
            notice = translator(ctx.person_locale)(PRIVACY_NOTICE)
            replies[0] = dataclasses.replace(replies[0], text=f"{notice}\n\n{replies[0].text}")
        self._remember(conv, incoming)
        repo.store_conversation(session=session, conv=conv)
        who_key = (incoming.channel, incoming.user_key)
        if conv.flow:
            if len(self._in_flow) >= IN_FLOW_KEPT:
                self._in_flow.clear()  # forgetting only costs a prefetch or two
            self._in_flow.add(who_key)
        else:
            self._in_flow.discard(who_key)
        # The locale may have changed during the step (/lang).
        result = DispatchResult(replies=replies, locale=ctx.person_locale)
        if after is not None:
            after(session, result)
        return result

    @staticmethod
    def _remember(conv: ConversationState, incoming: Incoming) -> None:
        text = clean_text(incoming.text)
        if not text:
            return
        recent = json.loads(conv.recent or "[]")[-(RECENT_KEPT - 1):]
        recent.append(redact(text[:300]))
        conv.recent = json.dumps(recent, ensure_ascii=False)

    def _apply_allow_list(self, ctx: Ctx, incoming: Incoming) -> None:
        """The allow-list (YUNLING_CLERKS) is the truth at every message: on it, the person is a clerk of
        the unit it names; off it (for all of their identities), no clerk at all. Changes are audited."""
        clerks = self.settings.clerks
        unit = clerks.get(f"{incoming.channel}:{incoming.user_key}", "")
        is_clerk = "clerk" in ctx.roles
        if not unit and not is_clerk:
            return  # nearly every message: nothing to read
        if unit and is_clerk and ctx.clerk_unit == unit:
            return
        if not unit:  # a clerk writing from an identity that is not listed: another of theirs may be
            unit = repo.allowed_clerk_unit(session=ctx.session, person_id=ctx.person_id, clerks=clerks)
        action = follow_allow_list(ctx.session, person=ctx.person, unit=unit)
        if action:
            log.info("%s for %s (allow-list)", action, pseudonym(incoming.channel, incoming.user_key))

    def _save(self, ctx: Ctx, conv: ConversationState, flow: str, state: str, offered: Sequence[Choice],
              retries: int = 0) -> None:
        conv.move_to(flow=flow, state=state, data=ctx.data if flow else {},
                     offered=[[c.value, c.label] for c in offered], retries=retries, now=ctx.now)

    def _route(self, ctx: Ctx, conv: ConversationState) -> list[Reply]:
        _ = ctx._
        inc = ctx.incoming
        text = clean_text(inc.text)
        notes: list[Reply] = []
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT]
            notes.append(Reply(text=_("Your message was very long; I read only its first {n} characters.",
                                      n=MAX_TEXT)))
        offered = [Choice(v, lab) for v, lab in json.loads(conv.offered or "[]")]

        # An idle conversation ends quietly; the next message starts afresh.
        flow = self.flows.get(conv.flow) if conv.flow else None
        if flow is not None:
            timeout = flow.timeout or timedelta(minutes=self.settings.session_timeout_minutes)
            if ctx.now - conv.updated_at > timeout:
                notes.append(Reply(text=_("Our previous conversation was idle for a while and has been closed. "
                                          "Let's start again.")))
                flow, ctx.data, offered = None, {}, []
                self._save(ctx, conv, "", "", ())
        elif conv.flow:  # a flow that no longer exists (after an upgrade)
            ctx.data = {}
        if flow is not None and not flow.allows(ctx.roles):  # a role taken away (allow-list) mid-flow
            flow, ctx.data, offered = None, {}, []
            self._save(ctx, conv, "", "", ())

        command = _COMMAND_OF.get(normalize(text)) if text else None
        tapped = inc.choice
        if tapped is None and flow is None and offered:  # "1" typed for an offered "cmd:menu" option
            picked_cmd = resolve(text, offered, fuzzy=False)
            tapped = picked_cmd.value if picked_cmd else None
        if tapped and tapped.startswith("cmd:"):
            command = tapped[4:]
        if command == "cancel":
            menu = self.main_menu(ctx, _("Cancelled. What would you like to do next?") if flow else None)
            self._save(ctx, conv, "", "", menu.choices)
            return [*notes, menu]
        if command in ("menu", "start", "help"):
            intro = {
                "menu": None,
                "start": _("Hello! I am the Yunling Workers' Assistant of the Yunnan Federation of Trade Unions. "
                           "I answer questions on the Yunling Craftsman, innovation studio, technician workstation "
                           "and skills-training measures, always citing the article, and guide you through "
                           "applications and class sign-in."),
                "help": _("Type a question in your own words (for example 'who can apply for Yunling Craftsman'), "
                          "or choose from the menu by number. Words that work everywhere: 'menu', 'cancel', "
                          "'help', 'language', 'human' (talk to a person)."),
            }[command]
            replies = [*notes]
            if intro:
                replies.append(Reply(text=intro))
            menu = self.main_menu(ctx)
            replies.append(menu)
            self._save(ctx, conv, "", "", menu.choices)
            return replies

        if inc.payload:
            for f in self.flows.values():
                if any(inc.payload.startswith(p) for p in f.payload_prefixes):
                    ctx.data = {"payload": inc.payload}
                    return [*notes, *self._enter(ctx, conv, f)]

        # A platform's own menu (WeChat's custom menu, event "menu") works in every state, like a command.
        if inc.event == "menu" and inc.choice and inc.choice.startswith("flow:") and inc.choice[5:] in self.flows:
            ctx.data = {}
            return [*notes, *self._enter(ctx, conv, self.flows[inc.choice[5:]])]

        # A word that opens a flow or a submenu works in every state, like the global words, unless it is
        # exactly one of the options the step offered (the programme "云岭工匠" in a list of programmes).
        trig = self.trigger(text) if text and not inc.choice else None
        if trig is not None and flow is not None and conv.state \
                and resolve(text, offered, fuzzy=False) is not None and number_of(text) is None:
            trig = None
        if trig is not None:
            return [*notes, *self._open(ctx, conv, *trig)]

        if flow is not None and conv.state:
            return [*notes, *self._step(ctx, conv, flow, conv.state, text, offered)]

        # No active flow: a menu pick, a flow trigger, or a question for the FAQ.
        picked = resolve(text, offered, inc.choice, fuzzy=False) if offered else None
        value = picked.value if picked else inc.choice
        if value and value.startswith("flow:") and value[5:] in self.flows:
            ctx.data = {}
            return [*notes, *self._enter(ctx, conv, self.flows[value[5:]])]
        group_key = value[5:] if value and value.startswith("menu:") else self._group_words.get(normalize(text))
        if group_key in self.groups and self.groups[group_key].allows(ctx.roles):
            sub = self.submenu(ctx, group_key)
            self._save(ctx, conv, "", "", sub.choices)
            return [*notes, sub]
        if value and value.startswith("ask:"):
            text = value[4:]
            target = self._triggers.get(normalize(text)) if text else None
            if target:
                ctx.data = {}
                return [*notes, *self._enter(ctx, conv, self.flows[target])]
        if not text and inc.upload is not None:
            menu = self.main_menu(ctx, _("I received your file, but I read files only where a step asks for one "
                                         "(a class roster, under Training classes)."))
            self._save(ctx, conv, "", "", menu.choices)
            return [*notes, menu]
        if not text:
            menu = self.main_menu(ctx, _("I did not receive any text. Please type your question, or choose "
                                         "from the menu."))
            self._save(ctx, conv, "", "", menu.choices)
            return [*notes, menu]
        # A message that describes the person and asks about a programme opens the check that fits.
        listener = self.listen(ctx, text) if self.listen is not None else None
        if listener in self.flows:
            return [*notes, *self._enter(ctx, conv, self.flows[listener])]
        ctx.data = {}
        replies = self.faq(ctx, text)
        # Choices the FAQ offers ("flow:handoff", "ask:…") are picked up by the next message.
        self._save(ctx, conv, "", "", replies[-1].choices if replies else ())
        return [*notes, *replies]

    def _open(self, ctx: Ctx, conv: ConversationState, target: str, arg: str) -> list[Reply]:
        """Leave whatever step the person is in for what a command word opens."""
        _ = ctx._
        if target.startswith("flow:"):
            ctx.data = {"arg": arg} if arg else {}
            return self._enter(ctx, conv, self.flows[target[5:]])
        if target.startswith("menu:") and self.groups[target[5:]].allows(ctx.roles):
            sub = self.submenu(ctx, target[5:])
            self._save(ctx, conv, "", "", sub.choices)
            return [sub]
        log.info("unknown command from %s", pseudonym(ctx.incoming.channel, ctx.incoming.user_key))
        menu = self.main_menu(ctx, _("I do not know that command. Here is what I can do; you can also just "
                                     "type your question."))
        self._save(ctx, conv, "", "", menu.choices)
        return [menu]

    def _enter(self, ctx: Ctx, conv: ConversationState, flow: Flow) -> list[Reply]:
        _ = ctx._
        if not flow.allows(ctx.roles):
            log.warning("refused flow %s for %s (roles %s)", flow.name,
                        pseudonym(ctx.incoming.channel, ctx.incoming.user_key), sorted(ctx.roles) or "-")
            menu = self.main_menu(ctx, _("Sorry, this function is only for authorised union clerks. "
                                         "If you are one, ask your union to add you."))
            self._save(ctx, conv, "", "", menu.choices)
            return [menu]
        outcome = flow.enter(ctx) if flow.enter else None
        if outcome is None:
            if flow.start is None:
                raise RuntimeError(f"flow {flow.name} has neither a start state nor an entry outcome")
            outcome = Outcome(next_state=flow.start)
        return self._apply(ctx, conv, flow, flow.start or "", outcome, retries=0)

    def _step(self, ctx: Ctx, conv: ConversationState, flow: Flow, state_name: str, text: str,
              offered: list[Choice]) -> list[Reply]:
        _ = ctx._
        state = flow.states.get(state_name)
        if state is None:
            self._save(ctx, conv, "", "", ())
            return [self.main_menu(ctx)]
        # Where the step takes free text, only a tap, a number or an exact label picks an option: a typed
        # sentence close to an option's label is still the person's own words.
        choice = resolve(text, offered, ctx.incoming.choice, fuzzy=not state.free_text) if offered else None
        try:
            if offered and choice is None and not state.free_text:
                raise Invalid(_("Please answer with one of the options (a number is enough)."))
            outcome = state.handle(ctx, Answer(text=text, choice=choice))
        except Invalid as bad:
            retries = conv.retries + 1
            if retries > state.max_retries:
                menu = self.main_menu(ctx, _("{why} We seem to be stuck, so I have stopped this step. You can "
                                             "start it again from the menu, or type 'human' to reach a person.",
                                             why=bad.message))
                self._save(ctx, conv, "", "", menu.choices)
                return [menu]
            prompt = state.prompt(ctx)
            self._save(ctx, conv, flow.name, state_name, prompt.choices, retries)
            return [Reply(text=bad.message), prompt]
        return self._apply(ctx, conv, flow, state_name, outcome, retries=0)

    def _apply(self, ctx: Ctx, conv: ConversationState, flow: Flow, current: str, outcome: Outcome,
               retries: int) -> list[Reply]:
        replies = list(outcome.replies)
        if outcome.end:
            if outcome.next_flow and outcome.next_flow in self.flows:
                return [*replies, *self._enter(ctx, conv, self.flows[outcome.next_flow])]
            last = replies[-1].choices if replies else ()
            self._save(ctx, conv, "", "", last)
            return replies
        state_name = outcome.next_state or current
        prompt = flow.states[state_name].prompt(ctx)
        self._save(ctx, conv, flow.name, state_name, prompt.choices, retries)
        return [*replies, prompt]
