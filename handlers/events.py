"""Platform events the dispatcher handles itself: what an adapter hands over as an :class:`Incoming` with an
``event`` and no conversation behind it.

- ``subscribe`` / ``subscribe_scan`` (a follow): the person can be written to again; the message then goes on
  to the conversation (``/start`` or a QR scene's payload);
- ``unsubscribe``: the person can no longer be written to; no reply;
- ``not_text`` / ``voice_unclear``: a message the assistant cannot read (an image, a voice message without a
  recognition): a polite sentence in the person's language;
- ``other:<name>``: any other platform event (a link opened from the menu, a location report, a template's
  delivery report): nothing to answer, logged unless it is one of the routine ones.

Events that are conversation input (``menu`` for a platform's own menu, ``contact``, ``scan``) are routed like
messages and are not handled here.
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from handlers.i18n import N_, normalize_locale, translator
from handlers.types import DispatchResult, Incoming, Reply
from storage import repositories as repo
from storage.models import Person

log = logging.getLogger(__name__)

FOLLOWS = frozenset({"subscribe", "subscribe_scan"})
UNFOLLOW = "unsubscribe"
NOT_TEXT = "not_text"
VOICE_UNCLEAR_EVENT = "voice_unclear"
OTHER = "other:"  # prefix of the platform's own name of an event nobody answers
ROUTINE = frozenset({"view", "location", "templatesendjobfinish", "masssendjobfinish"})

ONLY_TEXT = N_("Sorry, I can only read text messages for now. Please type your question, or choose from "
               "the menu.")
VOICE_UNCLEAR = N_("Sorry, I could not make out your voice message. Please type your question instead.")


def other(name: str) -> str:
    """The ``event`` of a platform event nobody answers (``other("view")``)."""
    return OTHER + name


def is_handled_here(incoming: Incoming) -> bool:
    event = incoming.event or ""
    return event in (UNFOLLOW, NOT_TEXT, VOICE_UNCLEAR_EVENT) or event.startswith(OTHER)


def before_conversation(session: Session, incoming: Incoming) -> None:
    """Bookkeeping of an event that then goes on to the conversation (a follow)."""
    if incoming.event in FOLLOWS:
        repo.set_reachable(session=session, channel=incoming.channel, user_key=incoming.user_key, reachable=True)


def handle(session: Session, incoming: Incoming, *, default_locale: str, who: str) -> DispatchResult:
    """The answer to an event :func:`is_handled_here` says is ours (``who``: the sender's pseudonym, for logs)."""
    event = incoming.event or ""
    if event == UNFOLLOW:
        repo.set_reachable(session=session, channel=incoming.channel, user_key=incoming.user_key, reachable=False)
        return DispatchResult()
    if event.startswith(OTHER):
        if event[len(OTHER):] not in ROUTINE:
            log.info("%s event %s ignored [%s]", incoming.channel, event[len(OTHER):][:40], who)
        return DispatchResult()
    locale = _locale_of(session, incoming, default_locale)
    text = translator(locale)(VOICE_UNCLEAR if event == VOICE_UNCLEAR_EVENT else ONLY_TEXT)
    return DispatchResult(replies=[Reply(text=text)], locale=locale)


def _locale_of(session: Session, incoming: Incoming, default: str) -> str:
    """The person's language when they wrote before; else the platform's hint, else the default."""
    identity = repo.find_identity(session=session, channel=incoming.channel, user_key=incoming.user_key)
    person = session.get(Person, identity.person_id) if identity else None
    if person is not None:
        return person.locale
    return normalize_locale(incoming.locale or default)
