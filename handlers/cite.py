"""Citations of the measures for replies: a localized label, the Chinese quote and, in English, the gist.

The one way to build a citation: :func:`citation` (the whole article or paragraph), :func:`citations` (one
short line per article, what flows show), :func:`cite` (one short citation) and :func:`inline_ref` (the
"（见第十九条）" inside a sentence)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import takewhile

from handlers.i18n import Translate, normalize_locale
from handlers.types import Citation
from knowledge import loader
from knowledge.models import ArticleRef, Paragraph, ref

__all__ = ["citation", "citations", "cite", "inline_ref"]


def citation(locale: str | None, ref_or_measure: ArticleRef | str, article: int | None = None,
             paragraph: int | None = None) -> Citation:
    """``citation("en", ref("training", 10, 3))`` or ``citation("zh", "craftsman", 9)``.

    The quote is always the Chinese original (the paragraph when one is given, else the whole article);
    the English gist of the article is added when the locale is English.
    """
    if isinstance(ref_or_measure, ArticleRef):
        key, number, paragraph = ref_or_measure.measure, ref_or_measure.article, ref_or_measure.paragraph
    else:
        if article is None:
            raise TypeError("citation() needs an article number with a measure key")
        key, number = ref_or_measure, article
    lang = normalize_locale(locale)
    return Citation(
        measure=key,
        article=number,
        label=loader.label(key, number, lang),
        quote=_with_lead_in(key, number, paragraph),
        gist=loader.article(key, number).gist_en if lang == "en" else "",
    )


LEAD_IN_MAX = 60  # characters of a list's lead-in put before one of its items (a longer one would crowd it out)
LIST_MAX = 300  # characters of a lead-in with its items in full; beyond, each item by its first sentence


def _with_lead_in(key: str, number: int, paragraph: int | None) -> str:
    """The quote of a paragraph; an item of a list ("（一）有严重违纪违法行为的；") with the list's short lead-in
    before it ("有下列情形之一的，不得列为评选对象：……"), without which the item says nothing; and a list's
    lead-in with its items after it (:func:`_with_items`)."""
    text = loader.quote(key, number, paragraph)
    if paragraph is None:
        return text
    paragraphs = loader.article(key, number).paragraphs
    at = next(i for i, p in enumerate(paragraphs) if p.index == paragraph)
    if paragraphs[at].item is None:
        return _with_items(text, paragraphs[at + 1:])
    lead = next((p for p in reversed(paragraphs[:at]) if p.item is None), None)
    if lead is None or not lead.text.endswith(("：", ":")) or len(lead.text) > LEAD_IN_MAX:
        return text
    return f"{lead.text}……{text}"


def _with_items(lead: str, after: Sequence[Paragraph]) -> str:
    """A list's lead-in ("有下列情形之一的，不得列为评选对象：") quoted alone says nothing: the items that follow it
    (``after``: the article's next paragraphs) go with it, whole when short, else each by its first sentence
    ("（一）技艺精湛高超。"), as the article's own lines."""
    items = [p.text for p in takewhile(lambda p: p.item is not None, after)]
    if not items or not lead.endswith(("：", ":")):
        return lead
    whole = "\n".join([lead, *items])
    return whole if len(whole) <= LIST_MAX else "\n".join([lead, *map(_first_sentence, items)])


def _first_sentence(text: str) -> str:
    ends = [i for i in (text.find(mark) for mark in "。；;") if i >= 0]
    return text[: min(ends) + 1] if ends else text


SHORT_QUOTE = 120  # characters of a flow's quote: the conversation explains, the quote shows the source


def citations(locale: str | None, refs: Iterable[ArticleRef]) -> tuple[Citation, ...]:
    """One short citation per article, in the order first given: several paragraphs of one article make one
    line (their quotes joined), and a quote longer than SHORT_QUOTE is cut at a sentence end."""
    order: list[tuple[str, int]] = []
    paragraphs: dict[tuple[str, int], list[int | None]] = {}
    for r in refs:
        key = (r.measure, r.article)
        if key not in paragraphs:
            order.append(key)
            paragraphs[key] = []
        if r.paragraph not in paragraphs[key]:
            paragraphs[key].append(r.paragraph)
    out: list[Citation] = []
    for measure, number in order:
        paras = paragraphs[(measure, number)]
        first = citation(locale, measure, number, None if None in paras else paras[0])
        if None not in paras and len(paras) > 1:  # each paragraph's opening, in the order given
            first = replace(first, quote=" ".join(shorten(loader.quote(measure, number, p), SHORT_QUOTE // 2)
                                                  for p in paras))
        else:
            first = replace(first, quote=shorten(first.quote, SHORT_QUOTE))
        out.append(first)
    return tuple(out)


def shorten(quote: str, limit: int) -> str:
    """Whole sentences up to ``limit`` characters, else the first ``limit`` characters, with "…"."""
    if len(quote) <= limit:
        return quote
    cut = max(quote.rfind(mark, 0, limit) for mark in "。；;")
    return quote[: cut + 1 if cut > limit // 3 else limit] + "…"


def cite(locale: str | None, measure: str, article: int, paragraph: int | None = None) -> Citation:
    """One short citation of an article (or of one of its paragraphs), as :func:`citations` makes them."""
    return citations(locale, [ref(measure, article, paragraph)])[0]


def inline_ref(_: Translate, locale: str | None, measure: str, article: int) -> str:
    """A short reference inside a sentence: "（见第十九条）" / "(see Art. 19)"."""
    label = loader.article(measure, article).label if normalize_locale(locale) == "zh" else f"Art. {article}"
    return _("(see {article})", article=label)
