"""The FAQ: a free question that no flow claims is answered from the measures, citing the articles, or
the assistant abstains and offers a person (see :mod:`handlers.answering`)."""

from __future__ import annotations

from handlers.answering import answer, prefetch
from handlers.flow import Ctx
from handlers.types import Reply
from knowledge.pinyin import to_hanzi
from knowledge.search import detect_language, normalize


def faq_answer(ctx: Ctx, text: str) -> list[Reply]:
    # A question written in English gets an English answer whatever the person's language setting.
    # (Pinyin is not English: it is answered in the person's language.)
    # (Nor is a tapped "did you mean" choice, "§studio:10": it is answered in the person's language.)
    locale = ("en" if detect_language(normalize(text)) == "en" and to_hanzi(text) is None
              and not text.startswith("§") else ctx.locale)
    return [answer(text, locale=locale, contact=ctx.settings.human_contact).reply]


def faq_prefetch(text: str) -> None:
    """The FAQ's search for ``text``, run by the dispatcher before its transaction (see
    :func:`handlers.answering.prefetch`)."""
    prefetch(text)
