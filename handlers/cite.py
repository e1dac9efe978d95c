"""Citations of the measures for replies: a localized label, the Chinese quote and, in English, the gist."""

from __future__ import annotations

from collections.abc import Iterable

from handlers.i18n import normalize_locale
from handlers.types import Citation
from knowledge import loader
from knowledge.models import ArticleRef

__all__ = ["citation", "citations"]


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
        quote=loader.quote(key, number, paragraph),
        gist=loader.article(key, number).gist_en if lang == "en" else "",
    )


def citations(locale: str | None, refs: Iterable[ArticleRef]) -> tuple[Citation, ...]:
    """One citation per distinct reference, in the order first given."""
    seen: set[ArticleRef] = set()
    out: list[Citation] = []
    for r in refs:
        if r not in seen:
            seen.add(r)
            out.append(citation(locale, r))
    return tuple(out)
