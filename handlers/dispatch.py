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

from handlers import events
from handlers.flow import Ctx, Flow, MenuGroup
from handlers.i18n import normalize_locale, translator
from handlers.own_words import meaning
from handlers.routing import (
    GLOBAL_COMMANDS,
    MAX_TEXT,
    FaqFn,
    ListenFn,
    Router,
    Rule,
    clean_text,
)
from handlers.services.clerks import follow_allow_list
from handlers.settings import Settings
from handlers.types import DispatchResult, Incoming, Reply, sanitized
from knowledge.text import PRIVACY_NOTICE, pseudonym, redact
from storage import repositories as repo
from storage.db import run_in_transaction
from storage.errors import Busy
from storage.repositories import ConversationState

__all__ = ["GLOBAL_COMMANDS", "PRIVACY_NOTICE", "After", "Dispatcher", "Guard", "KeyedGuard", "clean_text", "one_numbering",
           "pseudonym"]

log = logging.getLogger(__name__)

SEEN_PRECISION = timedelta(minutes=1)
RECENT_KEPT = 6  # messages remembered (masked) for a hand-off's context

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
    own, it does the same in the session given. ``key`` None: the key was checked already, before this
    transaction (WeChat's, with the message's inbox row: :class:`storage.channel_store.InboxRow`); only the
    message's own key is recorded, its inbox row settled in the same statement on PostgreSQL."""

    channel: str
    key: str | None
    replayed: object
    then: Guard | None = None
    first: Guard | None = None  # runs before the key is checked, replayed or not
    # An inbox row (channel, message_key) settled before the key is checked, replayed or not: with the keys'
    # INSERT in one statement on PostgreSQL, one DELETE for a whole batch in handle_many.
    settle: tuple[str, str] | None = None

    def __call__(self, session: Session) -> object:
        if self.first is not None:
            self.first(session)
        if self.settle is not None:
            repo.settle_inbox(session=session, channel=self.settle[0], message_keys=(self.settle[1],))
        if self.key is not None and not repo.mark_processed(session=session, channel=self.channel,
                                                            message_key=self.key):
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


class Dispatcher(Router):
    """The transactional shell around :class:`Router`: one message, one transaction, one apology at most."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        flows: Sequence[Flow],
        faq: FaqFn,
        menu: Sequence[MenuGroup | str],
        listen: ListenFn | None = None,
        privacy_notice: bool | None = None,
        prefetch: PrefetchFn | None = None,
        rules: Sequence[Rule] | None = None,
    ) -> None:
        super().__init__(flows, faq, menu, listen, rules)
        self.prefetch = prefetch
        self._in_flow: set[tuple[str, str]] = set()  # who was left in a flow by their last message here
        self.engine = engine
        self.settings = settings
        self.tz = ZoneInfo(settings.timezone)
        # One lock per person while someone holds it: entries vanish with their last user, so a server
        # that has seen a million people does not keep a million locks.
        self._locks: weakref.WeakValueDictionary[tuple[str, str], _PersonLock] = weakref.WeakValueDictionary()
        self._locks_guard = threading.Lock()
        # The first-contact notice names the words that export and delete one's data: only where they work.
        self.flow_roles = {name: f.roles for name, f in self.flows.items()}
        self.privacy_notice = ("delete_data" in self.flows and "export_data" in self.flows
                               if privacy_notice is None else privacy_notice)

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
        items = [(sanitized(i[0]), i[1], i[2] if len(i) > 2 else None) for i in batch]
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
            def work(session: Session) -> list[DispatchResult]:
                settled = self._settle_batch(session, [g for _i, g, _a in items])
                return [self._handle_in(session, i, g, a, settled=settled) for i, g, a in items]

            try:
                return run_in_transaction(self.engine, work)
            except Busy:  # each on its own would wait as long again, message after message
                log.error("database busy; batch of %d messages not processed", len(batch))
                return [self._apology(incoming, busy=True) for incoming, _g, _a in items]
            except Exception as exc:
                log.warning("batch of %d messages rolled back (%s); handling them one by one",
                            len(batch), type(exc).__name__)
        return [self.handle(incoming, guard=guard, after=after) for incoming, guard, after in items]

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
        if len(text) < 2 or text.isdigit() or self.is_word(text) or meaning(text) is not None:
            return
        try:
            self.prefetch(text)
        except Exception:
            log.exception("prefetch failed for message %s", incoming.message_key)

    @staticmethod
    def _settle_batch(session: Session, guards: Sequence[Guard | None]) -> bool:
        """The inbox rows of a batch's keyed guards, settled in one DELETE per channel (each guard would
        otherwise settle its own); True when it ran."""
        by_channel: dict[str, list[str]] = {}
        for g in guards:
            if isinstance(g, KeyedGuard) and g.settle is not None:
                by_channel.setdefault(g.settle[0], []).append(g.settle[1])
        for channel, keys in by_channel.items():
            repo.settle_inbox(session=session, channel=channel, message_keys=keys)
        return bool(by_channel)

    @staticmethod
    def _screen(session: Session, incoming: Incoming, guard: Guard | None, *,
                settled: bool = False) -> DispatchResult | None:
        """The guard and the duplicate check: a result when the message must not be dispatched.
        ``settled``: the guard's inbox row was settled already (with the rest of its batch)."""
        if not isinstance(guard, KeyedGuard):
            if guard is not None and (held := guard(session)) is not None:
                return DispatchResult(held=held)
            if not repo.mark_processed(session=session, channel=incoming.channel, message_key=incoming.message_key):
                return DispatchResult(duplicate=True)
            return None
        if guard.first is not None:
            guard.first(session)
        if guard.key is None:  # checked before this transaction: the message's key only
            new_message = repo.mark_processed_settling(session=session, channel=incoming.channel,
                                                       message_key=incoming.message_key,
                                                       settle=None if settled else guard.settle)
            held = guard.then(session) if guard.then is not None else None
            if held is not None:
                if new_message:
                    repo.forget_processed(session=session, channel=incoming.channel, message_key=incoming.message_key)
                return DispatchResult(held=held)
            return None if new_message else DispatchResult(duplicate=True)
        # The guard's key and the message's in one statement.
        fresh, new_message = repo.mark_processed_pair(session=session, first=(guard.channel, guard.key),
                                                      second=(incoming.channel, incoming.message_key),
                                                      settle=None if settled else guard.settle)
        held = guard.then(session) if fresh and guard.then is not None else None
        if not fresh or held is not None:
            if new_message:  # a replayed or held request must not mark its message as handled
                repo.forget_processed(session=session, channel=incoming.channel, message_key=incoming.message_key)
            return DispatchResult(held=held if fresh else guard.replayed)
        return None if new_message else DispatchResult(duplicate=True)

    def _handle_in(self, session: Session, incoming: Incoming, guard: Guard | None,
                   after: After | None = None, *, settled: bool = False) -> DispatchResult:
        if (screened := self._screen(session, incoming, guard, settled=settled)) is not None:
            return screened
        if events.is_handled_here(incoming):  # a platform event with no conversation behind it
            result = events.handle(session, incoming, default_locale=self.settings.default_locale,
                                   who=pseudonym(incoming.channel, incoming.user_key))
            if after is not None:
                after(session, result)
            return result
        events.before_conversation(session, incoming)
        # Who wrote and their conversation (row locked on PostgreSQL) in one statement once they are known.
        seen = incoming.received_at.astimezone(UTC)
        # A person created here is created "seen" at this message (no UPDATEs of it below).
        who, conv = repo.identify_and_load(
            session=session, channel=incoming.channel, user_key=incoming.user_key, chat_key=incoming.chat,
            locale=normalize_locale(incoming.locale or written_in(incoming) or self.settings.default_locale),
            display_name=incoming.display_name, seen=seen,
        )
        now = incoming.received_at.astimezone(self.tz)
        # Minute precision is enough for "last seen" and WeChat's 48-hour window; skipping the two
        # UPDATEs within a burst of messages keeps the hot path short.
        if not who.created and (who.last_inbound_at is None or seen - who.last_inbound_at > SEEN_PRECISION):
            repo.mark_seen(session=session, who=who, at=seen)
        ctx = Ctx(session=session, settings=self.settings, incoming=incoming, person_id=who.person_id,
                  locale=who.locale, _=translator(who.locale), now=now, known_roles=who.roles, known_unit=who.unit,
                  flow_roles=self.flow_roles,
                  data=json.loads(conv.data or "{}"), recent=tuple(json.loads(conv.recent or "[]")))
        self._apply_allow_list(ctx, incoming)
        if not incoming.locale and ctx.recent and _only_greetings(ctx.recent) and written_in(incoming) == "en":
            # "hi", then a question in English: the first message that says something decides, as a first
            # message in English does (the platform gave no language; greetings say nothing of it).
            ctx.person.locale = ctx.locale = "en"
            ctx._ = translator("en")
        replies = one_numbering(self.route(ctx, conv))
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


# The global "start" words written in Latin letters (hi, hello, /start…), and a few more that say as little.
# ("what can you do" is English: a sentence, not a greeting.)
_GREETINGS = frozenset({w for w in GLOBAL_COMMANDS["start"] if w.isascii() and " " not in w} | {"hey", "ok", "okay", "hi there",
                                                                               "hello there"})


def _only_greetings(recent: tuple[str, ...]) -> bool:
    return len(recent) <= 3 and all(" ".join(m.lower().strip(" !.?~").split()) in _GREETINGS for m in recent)


def written_in(incoming: Incoming) -> str:
    """"en" when a typed message is written in English (not toneless pinyin, not a code), else "": the
    language a person new to the assistant is answered in when their platform does not say (WeChat, the
    console)."""
    text = incoming.text or ""
    if incoming.choice or incoming.payload or text.startswith("/") or any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return ""
    from handlers.answering import reads_as_english  # the FAQ's own test; loaded with the index

    return "en" if reads_as_english(text) else ""
