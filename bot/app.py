"""Composition root: settings -> engine -> dispatcher (and, for servers, adapters and the scheduler)."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.config import ConfigurationError
from bot.logs import setup_logging
from handlers.dispatch import Dispatcher
from handlers.registry import build_dispatcher
from handlers.services import clerks
from handlers.settings import Settings
from storage import repositories as repo
from storage.channel_store import TelegramStore, WeChatStore
from storage.db import init_db, make_engine, run_in_transaction
from storage.maintenance import undecryptable


@dataclass(eq=False)
class App:
    settings: Settings
    engine: Engine
    dispatcher: Dispatcher
    # The adapters' long-lived objects of this app (the Telegram bot shared by ``serve`` and the webhook).
    adapters: dict[str, object] = field(default_factory=dict)

    def wechat_store(self) -> WeChatStore:
        """What the WeChat webhook keeps in the database (its inbox, reply cache, late replies)."""
        return WeChatStore(self.engine, self.settings.data_key)

    def telegram_store(self) -> TelegramStore:
        """What the Telegram adapter keeps in the database (its inbox, replies, long button values)."""
        return TelegramStore(self.engine, self.settings.data_key)


def build_app(settings: Settings, *, upgrade: bool = True) -> App:
    setup_logging(settings.log_level, settings, fmt=settings.log_format)
    if not settings.data_key:
        raise ConfigurationError("YUNLING_DATA_KEY is not set: it encrypts ID and phone numbers at rest and is "
                                 "required with a server database")
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    open_database(engine, settings, upgrade=upgrade)
    sync_clerk_roles(engine, settings)
    logging.getLogger(__name__).debug("app built on %s", engine.dialect.name)
    return App(settings=settings, engine=engine, dispatcher=build_dispatcher(engine, settings))


def sync_clerk_roles(engine: Engine, settings: Settings) -> int:
    """At start, make every stored clerk role follow the allow-list (YUNLING_CLERKS), so a person taken
    off it gets no clerk notifications or digests even before writing again. Returns the people changed."""

    def work(session: Session) -> int:
        changed = 0
        for person in repo.clerk_people(session=session):
            unit = repo.allowed_clerk_unit(session=session, person_id=person.id or 0, clerks=settings.clerks)
            if clerks.follow_allow_list(session, person=person, unit=unit,
                                        note="not on the allow-list at start" if not unit else "allow-list at start"):
                changed += 1
        return changed

    changed = run_in_transaction(engine, work)
    if changed:
        logging.getLogger(__name__).info("clerk roles: %d changed to follow YUNLING_CLERKS", changed)
    return changed


def open_database(engine: Engine, settings: Settings, *, upgrade: bool = True) -> None:
    """Reach the database (within the connect timeout), upgrade its schema, and check that the data key
    decrypts what is stored; a :class:`ConfigurationError` naming the setting otherwise."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        if upgrade:
            init_db(engine)
        else:
            with engine.connect():
                pass
    except OperationalError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:300]
        raise ConfigurationError(f"YUNLING_DATABASE_URL {where}: the database cannot be reached ({reason})") from exc
    bad = undecryptable(engine, settings.data_key, limit=1)
    if bad:
        raise ConfigurationError(f"YUNLING_DATA_KEY does not decrypt the personal data stored in {where} "
                                 f"({', '.join(bad)}): set the key this database was created with")


# Questions that make the answer load what plain questions do not need, so that the first person to type
# a pinyin typo, traditional characters, English or toneless pinyin does not wait for it
# (bench/answer_latency.py: about 1.4 s; the pinyin reader's vocabulary alone took a second of the
# webhook's database thread in bench/wechat.py).
WARM_QUESTIONS = ("云岭工匠申包要什么材料", "雲嶺工匠評選條件是什麼", "How many Yunling Craftsmen are named each year?",
                  "yunling gongjiang zenme shenbao")


def settle() -> None:
    """For long-running servers, once before serving: load the knowledge index (else the first question
    pays for it), then move every object alive to the collector's permanent generation. Full collections
    then skip the index and the imported libraries; unfrozen, one took up to 115 ms of a loaded webhook
    (bench/wechat.py) and made its p99 latency."""
    from handlers.answering import answer
    from knowledge.search import index

    index()
    for question in WARM_QUESTIONS:  # the person's path: read as pinyin or not, searched, the reply composed
        answer(question, contact="-")
    gc.collect()
    gc.freeze()
