"""Compose an answer from a search result: the direct answer where an article states the fact plainly,
the articles to cite (best first, with the paragraph relied on) and related questions. Pure: wording of
the surrounding sentences and rendering belong to the handlers.

Direct answers are data (``knowledge/lexicon/answers.json``): a Chinese and an English sentence taken
from the article, the article's own words they rest on (``fact``), and the question they answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from knowledge.models import ArticleRef, ref
from knowledge.search import Hit, SearchResult

__all__ = ["Composed", "DirectAnswer", "compose", "direct_answer", "direct_answers", "same_rule"]

SECOND_CITATION = 0.8  # cite the runner-up too when it scores at least this share of the best
SAME_RULE = 85  # rapidfuzz ratio of two articles' texts, programme names masked, that state the same rule
_PROGRAMME_NAMES = ("云岭工匠创新工作室", "职工创新工作室", "技师工作站", "云岭工匠", "创新工作室", "工作室", "工作站",
                    "工匠")


@cache
def same_rule() -> dict[tuple[str, int], tuple[tuple[str, int], ...]]:
    """Articles of other measures that state the same rule (公示, 异议, 撤销, 更名 … are in three measures):
    a question that names no programme is asked which one it means."""
    from rapidfuzz import fuzz

    from knowledge.loader import load_measures

    arts = [((m.key, a.number), _masked(a.text)) for m in load_measures().values() for a in m.articles]
    out: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for i, (k1, t1) in enumerate(arts):
        for k2, t2 in arts[i + 1:]:
            if k1[0] != k2[0] and fuzz.ratio(t1, t2) >= SAME_RULE:
                out.setdefault(k1, []).append(k2)
                out.setdefault(k2, []).append(k1)
    return {k: tuple(v) for k, v in out.items()}


def _masked(text: str) -> str:
    from knowledge.text import squash

    text = squash(text)
    for name in _PROGRAMME_NAMES:
        text = text.replace(name, "X")
    return text


@cache
def same_paragraph(a: tuple[str, int, int | None], b: tuple[str, int, int | None]) -> bool:
    """Whether two paragraphs (measure, article, paragraph index) of different measures state the same rule:
    the expert panel of the craftsman's 第十二条（一） and the studio's 第十五条（一）, in articles that differ
    elsewhere."""
    from rapidfuzz import fuzz

    from knowledge.loader import article

    def text(key: tuple[str, int, int | None]) -> str:
        return _masked(next((p.text for p in article(key[0], key[1]).paragraphs if p.index == key[2]), ""))

    first, second = text(a), text(b)
    return bool(first and second) and a[0] != b[0] and fuzz.ratio(first, second) >= SAME_RULE


@dataclass(frozen=True)
class DirectAnswer:
    ref: ArticleRef
    fact: str  # the article's words the answer rests on
    zh: str
    en: str
    q_zh: str
    q_en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def question(self, lang: str) -> str:
        return self.q_en if lang == "en" else self.q_zh


@dataclass(frozen=True)
class Composed:
    abstained: bool
    reason: str
    lang: str
    direct: DirectAnswer | None
    refs: tuple[ArticleRef, ...]  # what to cite, best first
    related: tuple[DirectAnswer, ...]  # related questions (``.question(lang)``), each with its article
    hits: tuple[Hit, ...]


@cache
def direct_answers() -> dict[tuple[str, int, int | None], DirectAnswer]:
    path = resources.files("knowledge") / "lexicon" / "answers.json"
    out: dict[tuple[str, int, int | None], DirectAnswer] = {}
    for item in json.loads(path.read_text(encoding="utf-8"))["answers"]:
        measure, article, *para = item["ref"].split(":")
        r = ref(measure, int(article), int(para[0]) if para else None)
        out[(r.measure, r.article, r.paragraph)] = DirectAnswer(r, item["fact"], item["zh"], item["en"],
                                                                item["q_zh"], item["q_en"])
    return out


def direct_answer(measure: str, article: int, paragraph: int | None = None) -> DirectAnswer | None:
    """The direct answer for the paragraph if there is one, else for the article, else (when the paragraph
    is unknown or has none) the article's first paragraph-level answer."""
    table = direct_answers()
    if paragraph is not None and (measure, article, paragraph) in table:
        return table[(measure, article, paragraph)]
    if (measure, article, None) in table:
        return table[(measure, article, None)]
    return _first_of_article().get((measure, article))


@cache
def _first_of_article() -> dict[tuple[str, int], DirectAnswer]:
    """Per article, its direct answer of the lowest paragraph (None counting as 0; of equal ones the first in
    the table): what ``sorted(keys of the article, key=paragraph or 0)[0]`` picked, the table scanned once."""
    table = direct_answers()
    first: dict[tuple[str, int], tuple[str, int, int | None]] = {}
    for k in table:
        if (k[0], k[1]) not in first or (k[2] or 0) < (first[(k[0], k[1])][2] or 0):
            first[(k[0], k[1])] = k
    return {article: table[k] for article, k in first.items()}


def compose(result: SearchResult, lang: str | None = None, max_refs: int = 2, max_related: int = 2) -> Composed:
    lang = lang or result.lang
    if result.abstained or not result.hits:
        return Composed(True, result.reason or "low_score", lang, None, (), (), ())
    best = result.hits[0]
    direct = direct_answer(best.measure, best.article, best.paragraph)
    refs = [direct.ref if direct else ref(best.measure, best.article, best.paragraph)]
    for hit in result.hits[1:]:
        if len(refs) >= max_refs or hit.score < SECOND_CITATION * best.score:
            break
        refs.append(ref(hit.measure, hit.article, hit.paragraph))
    cited = {(r.measure, r.article) for r in refs}
    related: list[DirectAnswer] = []
    for hit in result.hits[1:]:  # of the same programme: the person asked about that one
        other = direct_answer(hit.measure, hit.article) if hit.measure == best.measure else None
        if other and (hit.measure, hit.article) not in cited and other not in related:
            related.append(other)
        if len(related) >= max_related:
            break
    return Composed(False, "", lang, direct, tuple(refs), tuple(related), result.hits)
