"""The composition root of the conversation layer: the dispatcher with the registered flows, the main
menu, the FAQ and the listener (:mod:`handlers.flows`). Adapters, the CLI and the benches build their
dispatcher here; the dispatcher itself imports no flow."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Engine

from handlers.answering import configure_search_cache
from handlers.dispatch import Dispatcher
from handlers.flow import Flow, MenuGroup
from handlers.flows import FLOWS, MENU, faq_answer, faq_prefetch, listen
from handlers.flows.listen import configure_facts_cache
from handlers.routing import FaqFn
from handlers.settings import Settings

__all__ = ["FLOWS", "MENU", "build_dispatcher"]


def build_dispatcher(engine: Engine, settings: Settings, *, flows: Sequence[Flow] | None = None,
                     faq: FaqFn | None = None, menu: Sequence[MenuGroup | str] | None = None,
                     **options: Any) -> Dispatcher:
    """The dispatcher of the assistant. ``flows``, ``faq`` and ``menu`` replace the registered ones (tests);
    the listener and the FAQ's prefetch come with the registered flows and FAQ only."""
    if "listen" not in options and flows is None:
        options["listen"] = listen
    if "prefetch" not in options and faq is None:
        options["prefetch"] = faq_prefetch
    configure_search_cache(settings.search_cache_entries)
    configure_facts_cache(settings.search_cache_entries)
    return Dispatcher(engine, settings, flows=FLOWS if flows is None else flows,
                      faq=faq_answer if faq is None else faq, menu=MENU if menu is None else menu, **options)
