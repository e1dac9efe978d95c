"""Answers to free questions: search the measures, then a direct answer with its citations, or an honest
abstention that points to a person. Needs neither a database nor the flow registry, so ``yunling ask``
starts fast; the FAQ flow (``handlers.flows.ask``) wraps it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from handlers.cite import citation
from handlers.i18n import Translate, normalize_locale, translator
from handlers.types import Choice, Citation, Reply
from knowledge.answer import Composed, compose
from knowledge.search import SearchResult, search

__all__ = ["Asked", "answer"]

MAX_REPLY = 1500  # characters of a rendered reply (WeChat shows about this much comfortably)
MAX_QUOTE = 300  # characters of a quoted article; longer quotes are cut at a sentence end


@dataclass(frozen=True)
class Asked:
    reply: Reply
    result: SearchResult
    composed: Composed


def answer(text: str, *, locale: str | None = None, contact: str, top: int = 3) -> Asked:
    """Search ``text`` and build the reply. The answer is in ``locale`` when given, else in the language
    the question is written in."""
    result = search(text, top=max(top, 5))  # a few more hits than shown, for related questions
    lang = normalize_locale(locale) if locale else result.lang
    composed = compose(result, lang)
    _ = translator(lang)
    reply = _abstain(_, composed, contact) if composed.abstained else _answer(_, composed)
    return Asked(reply, replace(result, hits=result.hits[:top]), composed)


def _abstain(_: Translate, composed: Composed, contact: str) -> Reply:
    if composed.reason == "empty":
        return Reply(text=_("Please type your question in words, for example: “How many Yunling Craftsmen are "
                            "named each year?”"),
                     choices=(Choice("cmd:menu", _("Main menu")),))
    return Reply(
        text=_("I could not find this in the four measures I know (Yunling Craftsman, workers' innovation "
               "studios, technician workstations, union skills-training funds), so I would rather not guess. "
               "Please ask {contact}, or talk to a person here.", contact=contact),
        choices=(Choice("flow:handoff", _("Talk to a person")), Choice("cmd:menu", _("Main menu"))),
    )


def _answer(_: Translate, composed: Composed) -> Reply:
    lang = composed.lang
    cites = [_trim(citation(lang, r)) for r in composed.refs]
    if composed.direct:
        lead = composed.direct.text(lang)
    else:
        lead = _("The provision closest to your question is quoted below.")
    choices = [Choice(f"ask:{q}", q) for q in composed.related]
    choices.append(Choice("cmd:menu", _("Main menu")))
    reply = Reply(text=lead, choices=tuple(choices), citations=tuple(cites))
    while _length(reply) > MAX_REPLY and len(reply.citations) > 1:
        reply = replace(reply, citations=reply.citations[:-1])
    if _length(reply) > MAX_REPLY:
        c = reply.citations[0]
        reply = replace(reply, citations=(replace(c, quote=c.quote[: MAX_QUOTE // 2] + "…"),))
    return reply


def _trim(c: Citation) -> Citation:
    """Keep a quote short: whole sentences up to MAX_QUOTE characters."""
    if len(c.quote) <= MAX_QUOTE:
        return c
    cut = max(c.quote.rfind(mark, 0, MAX_QUOTE) for mark in "。；;")
    return replace(c, quote=c.quote[: cut + 1 if cut > 0 else MAX_QUOTE] + "…")


def _length(reply: Reply) -> int:
    return (len(reply.text) + sum(len(c.label) + 2 for c in reply.choices)
            + sum(len(c.label) + len(c.quote) + len(c.gist) + 6 for c in reply.citations))
