"""Search over the four measures that copes with how workers write.

One index over every article and, for articles of several paragraphs, every paragraph. A question is
normalised (NFKC, traditional -> simplified), homophone typos of pinyin input are corrected against
the measures' own vocabulary, colloquial phrases and English words are expanded into the measures'
terms (data in ``knowledge/lexicon``), and units are ranked with BM25 over character bigrams (no word
segmenter: bigrams do as well on this corpus and start in a fraction of jieba's time). Curated
keywords and mentions of a programme ("工作站", "培训") adjust the ranking. The search abstains when the
question names another region or an off-topic subject, or when too little of it is covered by the best
article. Weights and thresholds were calibrated on the "train" split of ``tests/data/questions.jsonl``.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

from knowledge.loader import load_measures

__all__ = ["Hit", "SearchResult", "detect_language", "fold", "normalize", "search"]

# Calibrated on the train split (see bench/retrieval.py); the held-out split was never used to tune.
MIN_SCORE = 9.5  # BM25 score (plus bonuses) of the best article below which we abstain
MIN_COVERAGE = 0.12  # share of the question's (idf-weighted) terms found in the best article
W_LEXICON = 0.6  # weight of terms added by the colloquial lexicon or the English glossary
W_TYPO = 0.9  # weight of a bigram recovered from a pinyin homophone
OTHER_MEASURE = 0.55  # factor for articles of a programme the question does not name, when it names one
KEYWORD_BONUS = 2.5  # per curated keyword of the article found in the question
INTENT_BONUS = 5.0  # per intent of the question ("who may apply", "how much money") the article answers
MAX_QUERY = 300  # characters of a question that are searched

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z]+(?:-[a-z]+)?|\d+")
_LATIN = re.compile(r"[a-z]+(?:-[a-z]+)?")
# Particles and pronouns of everyday questions: right as typed, never taken for a typo.
_FUNCTION_CHARS = frozenset("的了是在和与要会能都还就吗呢吧啊呀不没我你他她它们这那个些什么哪谁怎为把给让从对向到得"
                            "地着过又再很太更最已可以也被有啥咋几多少")


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


# -- text ----------------------------------------------------------------------------------------

def fold(text: str) -> str:
    """NFKC, lower case, control and format characters dropped, whitespace squeezed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return " ".join(text.split()).lower()


def normalize(text: str) -> str:
    """:func:`fold`, cut to MAX_QUERY characters, traditional -> simplified."""
    text = fold(text)[:MAX_QUERY]
    if any(_CJK.match(c) and c not in index().chars for c in text):
        import zhconv  # loading its tables takes ~0.15 s: only for characters the measures do not use

        text = zhconv.convert(text, "zh-cn")
    return text


def detect_language(text: str) -> str:
    cjk = len(_CJK.findall(text))
    latin = sum(len(w) for w in _LATIN.findall(text.lower()))
    return "en" if latin >= 2 and latin > 2 * cjk else "zh"


def bigrams(text: str) -> list[str]:
    """Character bigrams of each run of Chinese (a lone character counts as itself), Latin words, numbers."""
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        if _CJK.match(tok):
            out.extend([tok] if len(tok) == 1 else [tok[i:i + 2] for i in range(len(tok) - 1)])
        else:
            out.append(tok)
    return out


# -- BM25 ----------------------------------------------------------------------------------------

class BM25:
    """Okapi BM25 over pre-tokenised documents, with weighted query terms."""

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.avgdl = sum(map(len, docs)) / max(self.n, 1)
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.norm = [k1 * (1 - b + b * len(d) / self.avgdl) for d in docs]
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                self.postings[term].append((i, tf))
        self.max_idf = self.idf_of(1)

    def idf_of(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def idf(self, term: str) -> float:
        """IDF of a term; an unknown term is as informative as the rarest known one."""
        posting = self.postings.get(term)
        return self.idf_of(len(posting)) if posting else self.max_idf

    def scores(self, terms: dict[str, float]) -> dict[int, float]:
        out: dict[int, float] = defaultdict(float)
        for term, weight in terms.items():
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = self.idf_of(len(posting)) * weight
            for doc, tf in posting:
                out[doc] += idf * tf * (self.k1 + 1) / (tf + self.norm[doc])
        return out


# -- lexicon data --------------------------------------------------------------------------------

def _lexicon(name: str) -> dict:
    path = resources.files("knowledge") / "lexicon" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def _pinyin_of(char: str) -> tuple[str, ...]:
    """Toneless readings of a character, most common first ("长" -> ("zhang", "chang")); () when unknown."""
    from pypinyin.pinyin_dict import pinyin_dict  # the single-character table only: fast to load

    raw = pinyin_dict.get(ord(char), "")
    readings = ["".join(c for c in unicodedata.normalize("NFD", r) if not unicodedata.combining(c))
                for r in raw.split(",") if r]
    return tuple(dict.fromkeys(readings))  # most common reading first


@dataclass(frozen=True)
class _Unit:
    measure: str
    article: int
    paragraph: int | None


class Index:
    """Everything the search needs, built once per process from the measures and the lexicon."""

    def __init__(self) -> None:
        measures = load_measures()
        colloquial, english, oos = _lexicon("colloquial"), _lexicon("english"), _lexicon("out_of_scope")
        colloquial_fillers = sorted(colloquial["fillers"], key=len, reverse=True)
        self.units: list[_Unit] = []
        docs: list[list[str]] = []
        en_docs: list[list[str]] = []
        self.article_units: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.keywords: list[tuple[str, tuple[str, int]]] = []
        self.stop_en = frozenset(english["stopwords"])
        for m in measures.values():
            for a in m.articles:
                key = (m.key, a.number)
                zh_keywords = [k for k in a.keywords if _CJK.search(k)]
                en_keywords = [k for k in a.keywords if not _CJK.search(k)]
                self.keywords.extend((fold(k), key) for k in zh_keywords if len(k) >= 2)
                # Every unit carries its programme's name: articles rarely repeat it, questions do.
                head = " ".join([*colloquial["measures"][m.key], a.heading])
                units = [(None, " ".join([head, a.text, *(_strip(k, colloquial_fillers) for k in zh_keywords)]))]
                if len(a.paragraphs) > 1:
                    units += [(p.index, f"{head} {p.text}") for p in a.paragraphs]
                en_text = " ".join([a.gist_en, *en_keywords])
                for para, text in units:
                    self.article_units[key].append(len(self.units))
                    self.units.append(_Unit(m.key, a.number, para))
                    docs.append(bigrams(fold(text)))
                    en_docs.append(self.en_tokens(en_text) if para is None else [])
        self.bm25 = BM25(docs)
        self.en_bm25 = BM25(en_docs)
        self.entries = [(tuple(fold(s) for s in e["say"]), tuple(fold(t) for t in e["means"]))
                        for e in colloquial["entries"]]
        self.intents = [(i["name"], tuple(fold(s) for s in i["say"]),
                         tuple((k.split(":")[0], int(k.split(":")[1])) for k in i["articles"]), tuple(i.get("over", ())))
                        for i in _lexicon("intents")["intents"]]
        # Longest cue first, so that "工匠工作室" names the craftsman measure and not the studio one.
        self.cues = sorted(((w, m) for m, words in colloquial["measures"].items() for w in words),
                           key=lambda wm: -len(wm[0]))
        self.fillers = colloquial_fillers
        self.glossary = sorted(((k.lower(), tuple(v)) for k, v in english["glossary"].items()),
                               key=lambda kv: -len(kv[0]))
        self.regions = tuple(oos["regions"])
        self.home = tuple(oos["home"])
        self.topics = tuple(oos["topics"])
        # Bigrams a question may legitimately contain: the measures' own, plus the lexicon's.
        known = {t for doc in docs for t in doc}
        self.corpus_terms = frozenset(known)
        for says, means in self.entries:
            for s in (*says, *means):
                known.update(bigrams(s))
        for f in self.fillers:
            known.update(bigrams(f))
        self.known = frozenset(known)
        self.chars = frozenset(c for t in known for c in t)  # text made only of these needs no zhconv
        self._homophones: dict[str, tuple[str, ...]] | None = None

    # -- helpers --------------------------------------------------------------------------------
    def en_tokens(self, text: str) -> list[str]:
        return [_stem(w) for w in _LATIN.findall(text.lower()) if w not in self.stop_en]

    def homophones(self) -> dict[str, tuple[str, ...]]:
        """Toneless pinyin -> the measures' characters read that way (built on first use)."""
        if self._homophones is None:
            table: dict[str, set[str]] = defaultdict(set)
            for term in self.corpus_terms:
                for ch in term:
                    if _CJK.match(ch):
                        for reading in _pinyin_of(ch)[:2]:
                            table[reading].add(ch)
            self._homophones = {k: tuple(sorted(v)) for k, v in table.items()}
        return self._homophones

    def correct(self, text: str) -> str:
        """Fix homophone typos of pinyin input, one character at a time: a character that forms no known
        bigram with either neighbour is replaced by the character read the same way that forms the most (and
        most frequent) known bigrams with them. Words of the lexicon count as known."""
        chars = list(text)
        for i, ch in enumerate(chars):
            if not _CJK.match(ch):
                continue
            left = chars[i - 1] if i > 0 and _CJK.match(chars[i - 1]) else ""
            right = chars[i + 1] if i + 1 < len(chars) and _CJK.match(chars[i + 1]) else ""
            if (ch in _FUNCTION_CHARS or not (left or right) or (left + ch) in self.known
                    or (ch + right) in self.known):
                continue
            best, best_score = ch, 0
            for reading in _pinyin_of(ch)[:1]:  # the reading the person typed is the common one
                for cand in self.homophones().get(reading, ()):
                    pairs = [p for p in ((left + cand) if left else "", (cand + right) if right else "") if p]
                    # Fitting both neighbours beats fitting one often.
                    score = sum(1000 * (p in self.known) + len(self.bm25.postings.get(p, ())) for p in pairs)
                    if score > best_score:
                        best, best_score = cand, score
            chars[i] = best
        return "".join(chars)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@cache
def index() -> Index:
    return Index()


# -- the search ----------------------------------------------------------------------------------

def search(query: str, top: int = 3, lang: str | None = None) -> SearchResult:
    """Rank the articles of the four measures for ``query``; abstain when nothing is relevant."""
    idx = index()
    text = normalize(query)
    lang = lang if lang in ("zh", "en") else detect_language(text)
    if not _TOKEN.search(text):
        return SearchResult(text, lang, (), True, "empty")
    raw, text = text, idx.correct(text)
    home = any(h in t for h in idx.home for t in (raw, text))
    if not home and any(r in raw for r in idx.regions):
        return SearchResult(text, lang, (), True, "other_region")
    # English words -> Chinese terms of the measures.
    latin = " " + " ".join(_LATIN.findall(text)) + " "
    translated: list[str] = []
    for phrase, terms in idx.glossary:
        if f" {phrase} " in latin:
            translated.extend(terms)
            latin = latin.replace(f" {phrase} ", " ")
    named = _named(idx, " ".join([text, *translated]))
    if not named and any(t in raw for t in idx.topics):
        return SearchResult(text, lang, (), True, "off_topic")

    terms: dict[str, float] = {}
    for t in bigrams(_strip(text, idx.fillers)):
        if _LATIN.fullmatch(t):
            continue  # English words reach the index through the glossary and the gists
        terms[t] = 1.0
    added = [m for says, means in idx.entries if any(s in text for s in says) for m in means]
    for phrase in (*translated, *added):
        for t in bigrams(phrase):
            terms[t] = max(terms.get(t, 0.0), W_LEXICON)
    if not terms:
        return SearchResult(text, lang, (), True, "empty")

    unit_scores = idx.bm25.scores(terms)
    en_scores = idx.en_bm25.scores(dict.fromkeys(idx.en_tokens(text), 1.0)) if lang == "en" else {}
    best: dict[tuple[str, int], tuple[float, int | None]] = {}
    for key, units in idx.article_units.items():
        score, para, para_score = 0.0, None, 0.0
        for u in units:
            s = unit_scores.get(u, 0.0)
            score = max(score, s)
            p = idx.units[u].paragraph
            if p is not None and s > para_score:
                para, para_score = p, s
        score += en_scores.get(units[0], 0.0)
        if named and key[0] not in named:
            score *= OTHER_MEASURE
        if score > 0:
            best[key] = (score, para)
    bonus: dict[tuple[str, int], float] = defaultdict(float)
    for kw, key in idx.keywords:
        if kw in text:
            bonus[key] += KEYWORD_BONUS
    intents = {name: keys for name, says, keys, _ in idx.intents if any(s in text for s in says)}
    for name, _, _, over in idx.intents:
        if name in intents:
            for other in over:
                intents.pop(other, None)
    for keys in intents.values():
        for key in keys:
            bonus[key] += INTENT_BONUS
    for key, extra in bonus.items():
        s, p = best.get(key, (0.0, None))
        best[key] = (s + extra * (OTHER_MEASURE if named and key[0] not in named else 1.0), p)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
    if not ranked:
        return SearchResult(text, lang, (), True, "low_score")
    top_key, (top_score, _) = ranked[0]
    if top_score < MIN_SCORE or _coverage(idx, terms, idx.article_units[top_key]) < MIN_COVERAGE:
        return SearchResult(text, lang, (), True, "low_score")
    hits = tuple(Hit(m, a, p, round(s, 3)) for (m, a), (s, p) in ranked[: max(top, 1)])
    return SearchResult(text, lang, hits, False)


def _strip(text: str, fillers: list[str]) -> str:
    for f in fillers:
        text = text.replace(f, " ")
    return text


def _named(idx: Index, text: str) -> set[str]:
    """The programmes a question names, each span of text counted once (longest cue first)."""
    named: set[str] = set()
    for word, measure in idx.cues:
        if word in text:
            named.add(measure)
            text = text.replace(word, " ")
    return named


def _coverage(idx: Index, terms: dict[str, float], units: list[int]) -> float:
    """Share of the question's idf-weighted terms that occur in an article (any of its units)."""
    present: set[str] = set()
    for t in terms:
        posting = idx.bm25.postings.get(t)
        if posting and any(doc in units for doc, _ in posting):
            present.add(t)
    total = sum(w * idx.bm25.idf(t) for t, w in terms.items())
    return sum(w * idx.bm25.idf(t) for t, w in terms.items() if t in present) / total if total else 0.0
