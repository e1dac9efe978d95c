"""Composition root: settings -> engine -> dispatcher (and, for servers, adapters and the scheduler)."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.config import ConfigurationError
from bot.logs import setup_logging
from handlers.dispatch import Dispatcher
from handlers.settings import Settings
from storage.db import init_db, make_engine


@dataclass
class App:
    settings: Settings
    engine: Engine
    dispatcher: Dispatcher


def build_app(settings: Settings, *, upgrade: bool = True) -> App:
    setup_logging(settings.log_level)
    if not settings.data_key:
        raise ConfigurationError("YUNLING_DATA_KEY is not set: it encrypts ID and phone numbers at rest and is "
                                 "required with a server database")
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    if upgrade:
        init_db(engine)
    logging.getLogger(__name__).debug("app built on %s", engine.dialect.name)
    return App(settings=settings, engine=engine, dispatcher=Dispatcher(engine, settings))


def settle() -> None:
    """For long-running servers, once before serving: load the knowledge index (else the first question
    pays for it), then move every object alive to the collector's permanent generation. Full collections
    then skip the index and the imported libraries; unfrozen, one took up to 115 ms of a loaded webhook
    (bench/wechat.py) and made its p99 latency."""
    from knowledge.search import index

    index()
    gc.collect()
    gc.freeze()
