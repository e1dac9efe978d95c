"""The search: a question prepared into candidates' features, ranked, answered or abstained on."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from knowledge.models import MEASURE_KEYS
from knowledge.search.examples import Classifier
from knowledge.search.indexing import Index, index
from knowledge.search.ranking import (
    CLF,
    COMBINED,
    EN,
    EX,
    EX2,
    EX_PARAGRAPH,
    INTENT,
    KEYWORD,
    SCOPE_FEATURES,
    Candidate,
    Key,
    Signals,
    _candidates,
    _sigmoid,
    ranker,
)
from knowledge.search.text import (
    _LATIN,
    _TOKEN,
    _strip,
    bigrams,
    detect_language,
    folded_query,
    mandarin,
    simplified,
)
from knowledge.text import CLAUSE_BREAKS, any_in, groups_in

W_LEXICON = 0.6  # weight of terms added by the colloquial lexicon or the English glossary
KEYWORD_BONUS = 2.5  # per curated keyword of the article found in the question
INTENT_BONUS = 5.0  # per intent of the question ("who may apply", "how much money") the article answers
# Share of a programme-naming question's idf-weighted terms found in its best article from which the question
# is answered even when the in-scope model doubts it (see search()). On dev (bench/retrieval.py --dev): 3 of
# the 462 out-of-scope questions answered for it, 2 in-scope ones no longer abstained on.
COVERED = 0.5
# A question of at most this many bigrams that asks only what kind of thing ("补多少钱啊", "啥时候截止") and uses
# no word outside the measures' world is offered the articles that answer that kind of question.
BARE = 8


@dataclass(frozen=True, slots=True)
class Hit:
    measure: str
    article: int
    paragraph: int | None  # 1-based paragraph index of the best-matching paragraph, if any
    score: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str  # the question as searched (normalised, simplified, typos corrected)
    lang: str  # "zh" | "en"
    hits: tuple[Hit, ...]  # best first; empty when abstained
    abstained: bool
    reason: str = ""  # why we abstained: "empty" | "other_region" | "off_topic" | "low_score"
    sure: bool = True  # False: not certain; answer the best and offer the next as "or did you mean"
    likely: bool = True  # False: not even likely; offer the top hits as "did you mean", answer none
    named: tuple[str, ...] = ()  # the programmes the question names
    truncated: bool = False  # the question was longer than MAX_QUERY and only its start was searched
    p_answer: float = 0.0  # the ranking model's probability that the best hit is right
    # Abstained on a question that names a programme: its nearest articles; on a bare question of what kind
    # ("补多少钱啊"), abstained or not: the articles answering that kind, one per programme. Offered as taps.
    nearby: tuple[Hit, ...] = ()


def search(query: str, top: int = 3, lang: str | None = None, idx: Index | None = None) -> SearchResult:
    """Rank the articles of the four measures for ``query``; abstain when nothing is relevant, and mark
    the result unsure when the best article is plausible but not certain. ``idx``: another index than
    the process's (an ablation).

    A question told after what the person says of themselves ("我是个电焊工，干了15年了，厂里让我报云岭工匠，
    要准备啥") reads as off the measures' subject as a whole; when it is abstained on, its question alone, from
    the clause naming the programme, is searched again (:func:`_focused`), and answered if that is likely."""
    found = _search(query, top, lang, idx)
    if found.abstained and found.reason == "low_score" and (focused := _focused(query, found.named)):
        again = _search(focused, top, lang, idx)
        if not again.abstained and again.likely:  # a likely answer: a mere "did you mean" keeps the abstention
            return replace(again, query=found.query)
    return _trait_asked(query, found)


# Whether a trait of one's own bars one from the Yunling Craftsman title ("我是农民工能评云岭工匠不", "女的能评云岭工匠吗",
# "can a migrant worker be a Yunling Craftsman?"): 第五条 says who may apply and that age, sex, education, rank,
# title, skill grade and years of work are no bar. The ranking put the exclusions (第八条) or the national honours
# (第六条) first for such words, which reads as a refusal. Not a question about sanctions (第八条), the judges
# (第十二条) or a class (the training measure).
_TRAIT = re.compile(r"农民工|外来务工|打工的|临时工|合同工|劳务派遣|女的|女性|女工|学历|文凭|初中|高中|小学|中专|大专|没读过|"
                    r"没文化|年纪|岁数|年龄|职称|职级|技能等级|没有等级|工龄|工作年限|普通工人|一线工人|"
                    r"migrant worker|\bwom[ae]n\b|\bfemale\b|\beducation\b|\bdegree\b|job title|skill grade|"
                    r"years of work|temporary worker|contract worker", re.I)
_MAY_I = re.compile(r"能评|能不能评|可以评|可不可以评|能申报|能不能申报|可以申报|能报|能不能报|可以报|能当|可以当|有资格|够格|"
                    r"评得上|\bcan (?:i|a|an|women|she|he|someone|somebody|people)\b|\beligible\b|\bqualify\b", re.I)
_NOT_A_TRAIT = re.compile(r"处分|违纪|违法|失信|拖欠|事故|警告|记过|判刑|犯罪|诫勉|审查|调查|评委|评审|专家|培训|班|学费|"
                          r"disciplin|sanction|crim|arrear|accident|judge|panel|training|class", re.I)
WHO_MAY_APPLY = ("craftsman", 5, 1)


def _trait_asked(query: str, found: SearchResult) -> SearchResult:
    """``found`` with 第五条's first paragraph first when the question asks whether a trait bars one from the
    craftsman title (see :data:`_TRAIT`)."""
    if found.abstained or "craftsman" not in found.named or not _TRAIT.search(query) or not _MAY_I.search(query) \
            or _NOT_A_TRAIT.search(query):
        return found
    m, a, p = WHO_MAY_APPLY
    if found.hits and (found.hits[0].measure, found.hits[0].article) == (m, a):
        return found
    score = found.hits[0].score if found.hits else 0.0
    hits = (Hit(m, a, p, score), *(h for h in found.hits if (h.measure, h.article) != (m, a)))[:len(found.hits) or 1]
    return replace(found, hits=hits, sure=True, likely=True)


# A clause that asks (its question word or mark).
_ASKING = re.compile(r"[吗呢？?]|什么|啥|怎么|咋|如何|多少|好多钱|几|哪|谁|多久|能不能|能否|可不可以|是否|要不要|需不需要|有没有|"
                     r"(?:能|可以|可|行|得|会|算|够)[^，,。；;]{0,15}不$")  # "能建职工技师工作站不"
_PROGRAMME_CUES = re.compile(r"工匠|工作室|工作站|技师站|培训|专项资金|学员|开班")


def _focused(text: str, named: tuple[str, ...]) -> str | None:
    """The question of a Chinese message that says other things before it: from the last clause naming a
    programme (the asking one itself, "…，今年52了，评云岭工匠年龄有没有限制") through the one clause that asks. None when
    the message names no programme, when it asks in no clause or in more than one (then all of it is the
    question), or when nothing before the naming clause is left out."""
    if not named or not re.search(r"[\u4e00-\u9fff]", text):
        return None
    clauses = [c.strip() for c in CLAUSE_BREAKS.split(text) if c.strip()]
    asking = [i for i, c in enumerate(clauses) if _ASKING.search(c)]
    if len(asking) != 1:
        return None
    q = asking[0]
    naming = [i for i in range(q + 1) if _PROGRAMME_CUES.search(clauses[i])]
    if not naming or naming[-1] == 0:
        return None
    # Only what the person says of themselves is left out: a clause naming a thing the question then asks about
    # ("送清凉发的绿豆和藿香正气水，技师工作站的人有份吗") is part of the question.
    if not all(_OF_ONESELF.search(c) for c in clauses[:naming[-1]]):
        return None
    return "，".join(clauses[naming[-1]:q + 1])


# A clause the person says of themselves (or of one they speak for): "我是个电焊工", "干了15年了", "今年52了".
# "园区工会的", "从怒江搬出来住安置点的": who one is; "原来在烟厂开叉车", "以前在工地焊了二十年": what one did.
_OF_ONESELF = re.compile(r"^(?:我|俺|本人|咱)|^(?:今年|已经|都|干了|做了|工作了|上班|在|原来|以前|之前|现在|目前)|"
                         r"[\d一二两三四五六七八九十几]+\s*(?:多|来)?(?:岁|年)|的$")


def _search(query: str, top: int, lang: str | None, idx: Index | None) -> SearchResult:
    prep = prepare(query, lang, idx=idx)
    if prep.reason:
        return SearchResult(prep.text, prep.lang, (), True, prep.reason, named=prep.named,
                            truncated=prep.truncated)
    model = ranker()
    logits = model.rank_logits(prep.matrix) if prep.matrix is not None else [
        model.rank_logit(c.features) for c in prep.candidates]
    scored = sorted(zip(logits, prep.candidates, strict=True), key=lambda lc: (-lc[0], lc[1].key))
    p_top = _sigmoid(scored[0][0])
    cut = model.abstain_below_named if prep.protected else model.abstain_below
    # The character-gram logit (the last scope feature) is read only when it can change the answer: for most
    # questions the others put the in-scope probability beyond its reach on one side of the cut.
    scope = prep.scope_features(scored, grams=0.0)
    if model.grams_decide(scope, cut):
        scope = (*scope[:-1], prep.grams_in())
    p_in = model.in_scope(scope)
    common = {"named": prep.named, "truncated": prep.truncated, "p_answer": round(p_top, 3)}
    hits = _own_programme_first(prep, tuple(Hit(c.key[0], c.key[1], c.paragraph, round(logit, 3))
                                            for logit, c in scored[: max(top, 1)]))
    if p_in < cut:
        if prep.protected and p_top >= model.sure_above and scope[SCOPE_FEATURES.index("coverage")] >= COVERED:
            # It names the programme and the rest of its words are the best article's too ("云岭工匠怎么
            # 报名"): answered, with the runners-up offered, even though the in-scope model doubts it.
            return SearchResult(prep.text, prep.lang, hits, False, sure=False, **common)  # type: ignore[arg-type]
        # A question that names a programme but asks what the measures do not say (this year's winners, a
        # phone number, another province's scheme) is abstained on, with the programme's nearest articles
        # offered as taps, not as the answer (its threshold is fitted on its own, on dev).
        # So is one whose loose programme word (培训, 工作室) and best article make a likely question ("学员怎么签
        # 到", "培训补贴多少钱": the out-of-scope examples are full of other schemes' sign-ins and subsidies).
        nearby = hits[:2] if prep.protected or (prep.named and not prep.query.get("topic")
                                                and p_top >= model.sure_above) else _bare_choices(prep, scored)
        return SearchResult(prep.text, prep.lang, (), True, "low_score", nearby=nearby,
                            **common)  # type: ignore[arg-type]
    # A bare question of what kind ("补多少钱啊") is asked which programme even when one article ranks well:
    # the programme it does not name is the person's to say.
    bare = () if prep.named else _bare_choices(prep, scored)
    return SearchResult(prep.text, prep.lang, hits, False, sure=p_top >= model.sure_above,
                        likely=p_top >= model.likely_above,
                        nearby=bare if len({h.measure for h in bare}) > 1 else (), **common)  # type: ignore[arg-type]


@dataclass(slots=True)
class Prepared:
    """A question made ready for the ranking model: the candidates' features, or why it was refused."""

    text: str
    lang: str
    reason: str = ""
    named: tuple[str, ...] = ()
    truncated: bool = False
    candidates: list[Candidate] = field(default_factory=list)
    query: dict[str, float] = field(default_factory=dict)  # query-level signals
    terms: dict[str, float] = field(default_factory=dict)  # the weighted bigrams searched
    idx: Index | None = None
    intent: dict[Key, float] = field(default_factory=dict)  # the articles answering what the question asks
    matrix: np.ndarray | None = None  # the candidates' features, a column each (as their tuples)
    names_programme: bool | None = field(default=None, repr=False, compare=False)  # the text's, found once
    read: str = field(default="", repr=False)  # what the classifier read: the question and its glossary terms
    classifier: Classifier | None = field(default=None, repr=False, compare=False)  # the one that read it
    grams: float | None = field(default=None, repr=False, compare=False)  # grams_in(), once computed
    exclude: str | None = field(default=None, repr=False, compare=False)  # the example left out (fitting)

    @property
    def protected(self) -> bool:
        """It names one of the programmes by name, and no subject the measures leave to others (加班费 in a
        studio, a tax)."""
        if self.names_programme is None:
            self.names_programme = _names_programme(self.text)  # the text is not changed once prepared
        return self.names_programme and not self.query.get("topic")

    def grams_in(self) -> float:
        """The character-gram model's logit that the question is about the measures (computed once, when
        first asked: :func:`search` asks only when it can change the answer)."""
        if self.grams is None:
            self.grams = self.classifier.in_scope_logit(self.read) if self.classifier is not None else 0.0
        return self.grams

    def scope_features(self, scored: list[tuple[float, Candidate]], grams: float | None = None) -> tuple[float, ...]:
        """Signals that the question is about the measures at all (see :data:`SCOPE_FEATURES`). ``grams``: the
        value put in the last one, the character-gram logit, instead of computing it (:meth:`grams_in`)."""
        best = scored[0][0]
        second = scored[1][0] if len(scored) > 1 else best - 4.0
        q = self.query
        idx, top = self.idx or index(), scored[0][1].key
        coverage, named = _coverage(idx, self.terms, top), float(self.protected)
        en, p_top = float(self.lang == "en"), _sigmoid(best)
        unseen = idx.examples.unseen_share(self.text, top, idx.article_words.get(top, frozenset()), self.exclude)
        return (1.0, p_top, min(best - second, 6.0), q["lex_max"], q["ex_max"], q["oos_max"],
                q["ex_max"] - q["oos_max"], coverage, float(bool(self.named)), en, q["topic"],
                q["clf_oos"], q["clf_max"], named * coverage, named * p_top, named * q["clf_oos"],
                q["novel"], en * coverage, en * p_top, en * q["clf_oos"], unseen,
                self.grams_in() if grams is None else grams)



def prepare(query: str, lang: str | None = None, exclude: str | None = None, idx: Index | None = None,
            classifier: Classifier | None = None) -> Prepared:
    """Normalise ``query`` and compute, for the articles that any signal ranks high, the features the
    ranking model weighs. ``exclude`` leaves one example question out (fitting the model on its own
    examples, leave-one-out)."""
    idx = idx or index()
    folded, truncated = folded_query(query)
    text = simplified(folded, idx.chars)
    lang = lang if lang in ("zh", "en") else detect_language(text)
    if not _TOKEN.search(text):
        return Prepared(text, lang, "empty", truncated=truncated)
    raw, text = text, idx.correct(mandarin(text))
    home = any(h in t for h in idx.home for t in (raw, text))
    if not home and any_in(idx.regions_by_char, raw):
        return Prepared(text, lang, "other_region", truncated=truncated)
    translated = _translate(idx, text)
    named = tuple(sorted(_named(idx, " ".join([text, *translated]))))
    topic = any_in(idx.topics_by_char, raw)
    if not named and topic and any_in(idx.foreign_topics_by_char, raw):
        return Prepared(text, lang, "off_topic", named, truncated)
    terms = _terms(idx, text, translated)
    keyword, intent = _bonuses(idx, text)
    model = classifier or idx.classifier
    arts = _articles(idx, model)
    n = len(arts.keys)
    # Every signal as a column of a table over the articles (Signals): what the dicts keyed by article held, the
    # same floats, 0.0 for an article a dict did not hold; which articles each dict held, in ``present``.
    table, present = np.zeros((7, n)), np.zeros((3, n), dtype=bool)
    lex, lex_paragraph = np.zeros(n), {}
    if terms and (scores := idx.bm25.score_dense(terms)) is not None:
        best, paragraph_unit = _best_unit_arrays(idx, scores)
        lex[arts.of_index] = best
        paragraphs, of_index = _unit_arrays(idx).paragraphs, arts.index_positions
        lex_paragraph = {of_index[g]: paragraphs[u] for g, u in paragraph_unit.items()}
    combined_in = present[0]
    np.greater(lex, 0.0, out=combined_in)
    en = table[EN]
    if lang == "en" and (en_scores := idx.en_bm25.score_dense(dict.fromkeys(idx.en_tokens(text), 1.0))) is not None:
        en[arts.of_index] = en_scores[_unit_arrays(idx).starts]  # an article's gist is its first unit's
        combined_in |= arts.in_index  # every article of the index named, 0.0 or not
    position = arts.position
    kw, it = table[KEYWORD], table[INTENT]
    for key, count in keyword.items():
        kw[position[key]] = count
        combined_in[position[key]] = True
    for key, count in intent.items():
        it[position[key]] = count
        combined_in[position[key]] = True
    # The first release's hand-weighted score (BM25 + keyword and intent bonuses): one signal among others.
    # Elementwise, the operations of the dict's: lex + en + 2.5 * keyword + 5.0 * intent, left to right; an
    # article only BM25 scored (above 0) keeps its BM25 score (x + 0.0 + 0.0 + 0.0 is x for x > 0).
    table[COMBINED] = lex + en + KEYWORD_BONUS * kw + INTENT_BONUS * it
    ex_paragraph, oos_max = {}, 0.0
    # The nearest examples' paragraphs only where _candidates reads them (the best cosine >= EX_PARAGRAPH).
    if (near := idx.examples.nearest(text, exclude, EX_PARAGRAPH)) is not None:
        at = arts.of_group[near.groups]
        ex_paragraph = dict(zip(at.tolist(), near.paragraphs, strict=True))  # -1: out of scope, never read
        inside = at >= 0
        if not inside.all():  # the out-of-scope examples' group
            oos_max = float(near.best[~inside][0])
        table[EX, at[inside]] = near.best[inside]
        table[EX2, at[inside]] = near.second[inside]
        present[1, at[inside]] = True  # an example's cosine is above 0.0 (Examples.nearest)
    clf_oos = 0.0
    read = " ".join([text, *translated])
    probabilities = model.probability_array(read)
    if probabilities is not None:
        inside = arts.of_class >= 0
        table[CLF, arts.of_class[inside]] = probabilities[inside]
        present[2] = arts.of_class_in
        if arts.oos_class >= 0:
            clf_oos = float(probabilities[arts.oos_class])
    candidates, matrix = _candidates(Signals(arts.keys, table, present, ex_paragraph, lex_paragraph), named,
                                     lang == "en")
    if not candidates:
        return Prepared(text, lang, "low_score", named, truncated)
    # The maxima over the articles named; 0.0 where none is (every signal >= 0.0).
    lex_max, ex_max, clf_max = table[:3].max(axis=1).tolist()
    signals = {"lex_max": math.log1p(lex_max), "ex_max": ex_max, "oos_max": oos_max,
               "topic": float(topic), "clf_oos": clf_oos, "clf_max": clf_max,
               "novel": idx.examples.unknown_share(text, idx.words, exclude)}
    return Prepared(text, lang, "", named, truncated, candidates, signals, terms, idx, intent, matrix,
                    read=read, classifier=model, exclude=exclude)


def _translate(idx: Index, text: str) -> list[str]:
    """English words and phrases of the question -> Chinese terms of the measures (longest first)."""
    latin = " " + " ".join(_LATIN.findall(text)) + " "
    if latin == "  " and (not idx.glossary or idx.glossary[-1][0]):
        # No English word: only an empty phrase would be " " + "" + " " in it, and there is none (the longest
        # first: an empty one would be the last).
        return []
    translated: list[str] = []
    for phrase, terms in idx.glossary:
        if f" {phrase} " in latin:
            translated.extend(terms)
            latin = latin.replace(f" {phrase} ", " ")
    return translated


def _terms(idx: Index, text: str, translated: list[str]) -> dict[str, float]:
    """The weighted bigrams searched: the question's own, and (lighter) those the lexicon adds."""
    terms: dict[str, float] = {}
    for t in dict.fromkeys(bigrams(_strip(text, idx.fillers))):  # each bigram once, in order
        # English words reach the index through the glossary and the gists: of the tokens bigrams() makes
        # (Chinese, Latin words, numbers), the words _LATIN matches whole are those starting with a-z.
        if not "a" <= t[0] <= "z":
            terms[t] = 1.0
    entries = idx.entries
    added = [m for i in groups_in(idx.entries_by_char, text) for m in entries[i][1]]
    for phrase in (*translated, *added):
        for t in bigrams(phrase):
            terms[t] = max(terms.get(t, 0.0), W_LEXICON)
    return terms



class _UnitArrays(NamedTuple):
    group: np.ndarray  # unit -> position of its article in ``keys``
    starts: np.ndarray  # article (position in ``keys``) -> its first unit: an article's units are consecutive
    has_paragraph: np.ndarray  # unit -> whether it is one paragraph (not the whole article)
    paragraphs: list[int | None]  # unit -> its paragraph
    keys: list[Key]  # the articles, in the order of their units


def _unit_arrays(idx: Index) -> _UnitArrays:
    """The units' articles and paragraphs as arrays (made on first use, kept on the index)."""
    found = getattr(idx, "_unit_arrays", None)
    if found is None:
        keys = list(dict.fromkeys((u.measure, u.article) for u in idx.units))
        position = {k: i for i, k in enumerate(keys)}
        group = np.array([position[(u.measure, u.article)] for u in idx.units], dtype=np.intp)
        if len(group) and np.any(np.diff(group) < 0):
            raise ValueError("the index's units of one article must be consecutive")
        found = _UnitArrays(group, np.searchsorted(group, np.arange(len(keys))),
                            np.array([u.paragraph is not None for u in idx.units], dtype=bool),
                            [u.paragraph for u in idx.units], keys)
        idx._unit_arrays = found  # type: ignore[attr-defined]
    return found


def _best_unit_arrays(idx: Index, scores: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Per article, its best unit's score (an array in the order of the index's articles, 0.0: none) and, per
    article with a paragraph unit that scored above 0.0, its first unit reaching the highest paragraph score.
    What the loop over the units it replaced kept (for each unit that scored, in order: the article's score
    the maximum so far from 0.0; its paragraph replaced when a paragraph unit scores above the best paragraph
    so far, from 0.0). An article's units are consecutive and the articles in the order of their units, so
    each maximum is one ``reduceat`` over its slice, and a unit that did not score counts as the 0.0 the loop
    started from (the reference, as the dict it gave, in tests/test_search_exact.py)."""
    arrays = _unit_arrays(idx)
    best = np.maximum.reduceat(scores, arrays.starts)
    paragraph = arrays.has_paragraph & (scores > 0.0)
    para_best = np.maximum.reduceat(np.where(paragraph, scores, 0.0), arrays.starts)
    top = np.flatnonzero(paragraph & (scores == para_best[arrays.group]))
    top_groups = arrays.group[top]
    first = np.ones(len(top), dtype=bool)  # the first top unit of each article (units ascending)
    first[1:] = top_groups[1:] != top_groups[:-1]
    return best, dict(zip(top_groups[first].tolist(), top[first].tolist(), strict=True))


class _Articles(NamedTuple):
    """The articles any signal may name, in ascending order (:attr:`Signals.keys`), and where each source's
    articles are among them."""

    keys: list[Key]
    position: dict[Key, int]
    of_index: np.ndarray  # an article of the index (position in _unit_arrays(idx).keys) -> its position
    index_positions: list[int]  # the same as a list
    in_index: np.ndarray  # bool: an article of the index
    of_group: np.ndarray  # a group of the examples -> its position (-1: out of scope)
    of_class: np.ndarray  # a class of the classifier -> its position (-1: out of scope)
    oos_class: int  # the classifier's out-of-scope class (-1: none)
    of_class_in: np.ndarray  # bool: a class of the classifier


def _articles(idx: Index, classifier: Classifier) -> _Articles:
    """The articles of the index, its examples, intents and ``classifier`` (made once per pair, kept on
    the classifier: tools/fit_ranker.py prepares with classifiers of its own)."""
    found = getattr(classifier, "_articles", None)
    if found is not None and found[0] is idx:
        return found[1]
    units = _unit_arrays(idx)
    keys = sorted({*units.keys, *(k for k in idx.examples.group_keys if k is not None),
                   *(k for _, _, ks, _ in idx.intents for k in ks), *(k for _, k in idx.keywords),
                   *(k for k in classifier.classes if k is not None)})
    position = {k: i for i, k in enumerate(keys)}
    of_index = np.array([position[k] for k in units.keys], dtype=np.intp)
    in_index = np.zeros(len(keys), dtype=bool)
    in_index[of_index] = True
    of_class = np.array([-1 if k is None else position[k] for k in classifier.classes], dtype=np.intp)
    of_class_in = np.zeros(len(keys), dtype=bool)
    of_class_in[of_class[of_class >= 0]] = True
    arts = _Articles(keys, position, of_index, of_index.tolist(), in_index,
                     np.array([-1 if k is None else position[k] for k in idx.examples.group_keys], dtype=np.intp),
                     of_class, classifier.classes.index(None) if None in classifier.classes else -1, of_class_in)
    classifier._articles = (idx, arts)  # type: ignore[attr-defined]
    return arts


def _bare_choices(prep: Prepared, scored: list[tuple[float, Candidate]]) -> tuple[Hit, ...]:
    """For a short question that says only what it asks (how much, when, what to submit) and of which
    programme at most by a loose word: the articles the measures' intents say answer it, the best-ranked of
    each programme in the programmes' order (several programmes), or the best three (one programme)."""
    idx = prep.idx or index()
    if prep.query["novel"] > 0 or len(bigrams(_strip(prep.text, idx.fillers))) > BARE:
        return ()
    rank = {c.key: (logit, c.paragraph) for logit, c in scored}
    keys = sorted((k for k in prep.intent if not prep.named or k[0] in prep.named),
                  key=lambda k: (-rank.get(k, (-math.inf, None))[0], k))
    best: dict[str, Key] = {}
    for key in keys:
        best.setdefault(key[0], key)
    chosen = keys[:3] if len(best) < 2 else [best[m] for m in MEASURE_KEYS if m in best]
    return tuple(Hit(k[0], k[1], *_paragraph_logit(rank.get(k))) for k in chosen)


def _paragraph_logit(ranked: tuple[float, int | None] | None) -> tuple[int | None, float]:
    """A hit's paragraph and score from its ranked candidate; an intent's article not among them has neither."""
    return (ranked[1], round(ranked[0], 3)) if ranked else (None, 0.0)


def _bonuses(idx: Index, text: str) -> tuple[dict[Key, float], dict[Key, float]]:
    """Per article: how many of its curated keywords the question contains, and how many intents it answers."""
    keyword: dict[Key, float] = defaultdict(float)
    # Only keywords starting with a character of the text can occur in it; in the keywords' own order.
    for i in groups_in(idx.keywords_by_char, text):
        keyword[idx.keywords[i][1]] += 1.0
    intents = {name: keys for name, _, keys, _ in (idx.intents[i] for i in groups_in(idx.intents_by_char, text))}
    for name, _, _, over in idx.intents:
        if name in intents:
            for other in over:
                intents.pop(other, None)
    intent: dict[Key, float] = defaultdict(float)
    for keys in intents.values():
        for key in keys:
            intent[key] += 1.0
    return keyword, intent



# The programmes' own names (not the generic 工匠 / 培训 / 工作室), in Chinese and English.
# The training measure is named after "工会技能培训" (the union's skills training) itself.
_PROGRAMME_NAMES = re.compile(r"云岭工匠|创新工作室|技师工作站|技能培训专项资金|工会的?(?:职工)?(?:技能)?培训|yunling craftsm[ae]n|"
                              r"innovation studio|technician (?:work)?station|union'?s? (?:skills? )?training|"
                              r"skills?[- ]training fund", re.IGNORECASE)


# Each programme's words, named or not ("站" for a workstation): a question with them is about that one too.
_PROGRAMME_WORDS = {"craftsman": re.compile(r"工匠|craftsm"), "studio": re.compile(r"工作室|studio"),
                    "station": re.compile(r"站|station"), "training": re.compile(r"培训|train")}


def _own_programme_first(prep: Prepared, hits: tuple[Hit, ...]) -> tuple[Hit, ...]:
    """A question that names one programme ("工作室评上了省里给多少钱") is answered from that programme's
    measure where the best article is another's stating the same rule (the workstation's 第二十七条 beside the
    studio's), or the best paragraph is (the expert panel, 第十二条（一） beside the studio's 第十五条（一）): the named
    one's article, ranked among the best, takes its place. Not when the question has the
    other programme's words too, nor for a studio ranked under the craftsman measure, which governs the
    云岭工匠创新工作室 (a bare 工作室 may be either)."""
    if len(prep.named) != 1 or not hits:
        return hits
    from knowledge.answer import same_paragraph, same_rule  # late: the answer composes search results

    named, best = prep.named[0], hits[0]
    if best.measure == named:
        # Nor is another programme's article stating the same rule its runner-up.
        alike = same_rule().get((best.measure, best.article), ())
        return (best, *(h for h in hits[1:] if (h.measure, h.article) not in alike
                        or _PROGRAMME_WORDS[h.measure].search(prep.text)))
    if (named == "studio" and best.measure == "craftsman") or _PROGRAMME_WORDS[best.measure].search(prep.text):
        return hits
    alike = same_rule().get((best.measure, best.article), ())
    own = next((h for h in hits[1:] if h.measure == named and ((h.measure, h.article) in alike or same_paragraph(
        (best.measure, best.article, best.paragraph), (h.measure, h.article, h.paragraph)))), None)
    return hits if own is None else (own, *(h for h in hits[1:] if h is not own))


def _names_programme(text: str) -> bool:
    return _PROGRAMME_NAMES.search(text) is not None


def _named(idx: Index, text: str) -> set[str]:
    """The programmes a question names, each span of text counted once (longest cue first)."""
    named: set[str] = set()
    for word, measure in idx.cues:
        if word in text:
            named.add(measure)
            text = text.replace(word, " ")
    return named


def _coverage(idx: Index, terms: dict[str, float], key: tuple[str, int]) -> float:
    """Share of the question's idf-weighted terms that occur in an article (any of its units)."""
    total = present = 0.0
    for t, w in terms.items():
        weight = w * idx.bm25.idf(t)
        total += weight
        if key in idx.term_articles.get(t, ()):
            present += weight
    return present / total if total else 0.0
