"""The registry: every flow of the assistant, in one explicit tuple, and the FAQ entry point."""

from __future__ import annotations

from handlers.flow import Flow
from handlers.flows.ask import faq_answer
from handlers.flows.core import LANG, ME

FLOWS: tuple[Flow, ...] = (
    LANG,
    ME,
)

__all__ = ["FLOWS", "faq_answer"]
