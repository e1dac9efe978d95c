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
from dataclasses import dataclass, field
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
    sure: bool = True  # False: not certain; answer the best and offer the next as "or did you mean"
    likely: bool = True  # False: not even likely; offer the top hits as "did you mean", answer none
    named: tuple[str, ...] = ()  # the programmes the question names
    truncated: bool = False  # the question was longer than MAX_QUERY and only its start was searched
    p_answer: float = 0.0  # the ranking model's probability that the best hit is right


# -- text ----------------------------------------------------------------------------------------

def fold(text: str) -> str:
    """NFKC, lower case, control and format characters dropped, whitespace squeezed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return " ".join(text.split()).lower()


def normalize(text: str) -> str:
    """:func:`fold`, cut to MAX_QUERY characters, traditional -> simplified."""
    # Cut before folding too: a 10 000-character message costs no more than a short one.
    text = fold((text or "")[: MAX_QUERY * 2])[:MAX_QUERY]
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
        # The articles each term occurs in (any unit), for the coverage of a question by an article.
        term_articles: dict[str, set[tuple[str, int]]] = defaultdict(set)
        for term, posting in self.bm25.postings.items():
            for doc, _ in posting:
                u = self.units[doc]
                term_articles[term].add((u.measure, u.article))
        self.term_articles = {t: frozenset(v) for t, v in term_articles.items()}
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
        self.examples = Examples(_lexicon("examples")["examples"], self.stop_en)

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


class Examples:
    """Questions people wrote, each labelled with the article that answers it (or none: out of scope):
    the train split of the blind set (tests/data/blind.jsonl) and of the older set, stored normalised
    in ``knowledge/lexicon/examples.json`` by tools/fit_ranker.py. A question is compared with each by
    the cosine of tf-idf vectors of characters, bigrams and English stems; an article's signal is its
    nearest example (and second nearest), which carries paraphrases that share no words with the text."""

    UNIGRAM = 0.3  # single characters say less than bigrams

    def __init__(self, items: list[dict], stop_en: frozenset[str]) -> None:
        self.stop_en = stop_en
        self.ids: list[str] = []
        self.keys: list[tuple[str, int] | None] = []
        self.paragraphs: list[int | None] = []
        vectors: list[dict[str, float]] = []
        df: Counter[str] = Counter()
        for item in items:
            vec = self._tf(item["n"])
            if not vec:
                continue
            measure, _, article = (item.get("ref") or "::").partition(":")
            self.ids.append(item["id"])
            self.keys.append((measure, int(article)) if measure else None)
            self.paragraphs.append(item.get("paragraph"))
            vectors.append(vec)
            df.update(vec.keys())
        n = len(vectors)
        self.idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, vec in enumerate(vectors):
            weighted = {t: w * self.idf[t] for t, w in vec.items()}
            norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
            for t, w in weighted.items():
                self.postings[t].append((i, w / norm))

    def _tf(self, text: str) -> dict[str, float]:
        vec: dict[str, float] = defaultdict(float)
        for tok in _TOKEN.findall(text):
            if _CJK.match(tok):
                for i, ch in enumerate(tok):
                    if ch not in _FUNCTION_CHARS:
                        vec[ch] += self.UNIGRAM
                    if i + 1 < len(tok):
                        vec[tok[i:i + 2]] += 1.0
            elif not tok.isdigit() and tok not in self.stop_en:
                vec[_stem(tok)] += 1.0
        return vec

    def similar(self, text: str, exclude: str | None = None) -> dict[tuple[str, int] | None, tuple[float, float, int | None]]:
        """Article (None: out of scope) -> (best cosine, second best, paragraph of the best example)."""
        q = {t: w * self.idf[t] for t, w in self._tf(text).items() if t in self.idf}
        norm = math.sqrt(sum(w * w for w in q.values()))
        if not norm:
            return {}
        dots: dict[int, float] = defaultdict(float)
        for t, w in q.items():
            for i, v in self.postings[t]:
                dots[i] += w * v
        out: dict[tuple[str, int] | None, tuple[float, float, int | None]] = {}
        for i, dot in dots.items():
            if exclude is not None and self.ids[i] == exclude:
                continue
            sim = dot / norm
            key = self.keys[i]
            best, second, para = out.get(key, (0.0, 0.0, None))
            if sim > best:
                out[key] = (sim, best, self.paragraphs[i])
            elif sim > second:
                out[key] = (best, sim, para)
        return out


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
    """Rank the articles of the four measures for ``query``; abstain when nothing is relevant, and mark
    the result unsure when the best article is plausible but not certain."""
    prep = prepare(query, lang)
    if prep.reason:
        return SearchResult(prep.text, prep.lang, (), True, prep.reason, named=prep.named,
                            truncated=prep.truncated)
    model = ranker()
    scored = sorted(((model.rank_logit(c.features), c) for c in prep.candidates),
                    key=lambda lc: (-lc[0], lc[1].key))
    p_top = _sigmoid(scored[0][0])
    p_in = model.in_scope(prep.scope_features(scored))
    common = {"named": prep.named, "truncated": prep.truncated, "p_answer": round(p_top, 3)}
    if p_in < model.abstain_below:
        return SearchResult(prep.text, prep.lang, (), True, "low_score", **common)  # type: ignore[arg-type]
    hits = tuple(Hit(c.key[0], c.key[1], c.paragraph, round(logit, 3)) for logit, c in scored[: max(top, 1)])
    return SearchResult(prep.text, prep.lang, hits, False, sure=p_top >= model.sure_above,
                        likely=p_top >= model.likely_above, **common)  # type: ignore[arg-type]


@dataclass(slots=True)
class Candidate:
    key: tuple[str, int]
    paragraph: int | None
    features: tuple[float, ...]


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

    def scope_features(self, scored: list[tuple[float, Candidate]]) -> tuple[float, ...]:
        """Signals that the question is about the measures at all (see :data:`SCOPE_FEATURES`)."""
        best = scored[0][0]
        second = scored[1][0] if len(scored) > 1 else best - 4.0
        q = self.query
        return (1.0, _sigmoid(best), min(best - second, 6.0), q["lex_max"], q["ex_max"], q["oos_max"],
                q["ex_max"] - q["oos_max"], _coverage(index(), self.terms, scored[0][1].key), float(bool(self.named)),
                float(self.lang == "en"), q["topic"])


RANK_FEATURES = ("bias", "lex_rel", "lex_log", "ex", "ex_rel", "ex2", "named_in", "named_out", "lex_rr",
                 "ex_rr", "en_rel", "keyword", "intent", "ex_x_lex")
SCOPE_FEATURES = ("bias", "p_top", "margin", "lex_max", "ex_max", "oos_max", "ex_minus_oos", "coverage",
                  "named", "english", "topic")
CANDIDATES = 12  # best articles by each signal that the model ranks


def prepare(query: str, lang: str | None = None, exclude: str | None = None) -> Prepared:
    """Normalise ``query`` and compute, for the articles that any signal ranks high, the features the
    ranking model weighs. ``exclude`` leaves one example question out (fitting the model on its own
    examples, leave-one-out)."""
    idx = index()
    truncated = len(fold((query or "")[: MAX_QUERY * 2])) > MAX_QUERY
    text = normalize(query)
    lang = lang if lang in ("zh", "en") else detect_language(text)
    if not _TOKEN.search(text):
        return Prepared(text, lang, "empty", truncated=truncated)
    raw, text = text, idx.correct(text)
    home = any(h in t for h in idx.home for t in (raw, text))
    if not home and any(r in raw for r in idx.regions):
        return Prepared(text, lang, "other_region", truncated=truncated)
    translated = _translate(idx, text)
    named = tuple(sorted(_named(idx, " ".join([text, *translated]))))
    topic = any(t in raw for t in idx.topics)
    if not named and topic:
        return Prepared(text, lang, "off_topic", named, truncated)
    terms = _terms(idx, text, translated)
    lex, en = _lexical(idx, terms, text if lang == "en" else "")
    keyword, intent = _bonuses(idx, text)
    # The first release's hand-weighted score (BM25 + keyword and intent bonuses): one signal among others.
    combined = {key: lex.get(key, (0.0, None))[0] + en.get(key, 0.0) + KEYWORD_BONUS * keyword.get(key, 0.0)
                + INTENT_BONUS * intent.get(key, 0.0) for key in {*lex, *en, *keyword, *intent}}
    examples = idx.examples.similar(text, exclude)
    oos_max = examples.pop(None, (0.0, 0.0, None))[0]
    candidates = _candidates(Signals(combined, examples, lex, en, keyword, intent), named)
    if not candidates:
        return Prepared(text, lang, "low_score", named, truncated)
    signals = {"lex_max": math.log1p(max(combined.values(), default=0.0)),
               "ex_max": max((v[0] for v in examples.values()), default=0.0), "oos_max": oos_max,
               "topic": float(topic)}
    return Prepared(text, lang, "", named, truncated, candidates, signals, terms)


def _translate(idx: Index, text: str) -> list[str]:
    """English words and phrases of the question -> Chinese terms of the measures (longest first)."""
    latin = " " + " ".join(_LATIN.findall(text)) + " "
    translated: list[str] = []
    for phrase, terms in idx.glossary:
        if f" {phrase} " in latin:
            translated.extend(terms)
            latin = latin.replace(f" {phrase} ", " ")
    return translated


def _terms(idx: Index, text: str, translated: list[str]) -> dict[str, float]:
    """The weighted bigrams searched: the question's own, and (lighter) those the lexicon adds."""
    terms: dict[str, float] = {}
    for t in bigrams(_strip(text, idx.fillers)):
        if not _LATIN.fullmatch(t):  # English words reach the index through the glossary and the gists
            terms[t] = 1.0
    added = [m for says, means in idx.entries if any(s in text for s in says) for m in means]
    for phrase in (*translated, *added):
        for t in bigrams(phrase):
            terms[t] = max(terms.get(t, 0.0), W_LEXICON)
    return terms


Key = tuple[str, int]


def _lexical(idx: Index, terms: dict[str, float], english: str) -> tuple[dict[Key, tuple[float, int | None]],
                                                                           dict[Key, float]]:
    """BM25 per article (its best unit) with its best paragraph; and, for English, BM25 over the gists."""
    unit_scores = idx.bm25.scores(terms) if terms else {}
    lex: dict[Key, tuple[float, int | None]] = {}
    for key, units in idx.article_units.items():
        score, para, para_score = 0.0, None, 0.0
        for u in units:
            s = unit_scores.get(u, 0.0)
            score = max(score, s)
            p = idx.units[u].paragraph
            if p is not None and s > para_score:
                para, para_score = p, s
        if score > 0:
            lex[key] = (score, para)
    en_scores = idx.en_bm25.scores(dict.fromkeys(idx.en_tokens(english), 1.0)) if english else {}
    en = {key: en_scores.get(units[0], 0.0) for key, units in idx.article_units.items()} if en_scores else {}
    return lex, en


def _bonuses(idx: Index, text: str) -> tuple[dict[Key, float], dict[Key, float]]:
    """Per article: how many of its curated keywords the question contains, and how many intents it answers."""
    keyword: dict[Key, float] = defaultdict(float)
    for kw, key in idx.keywords:
        if kw in text:
            keyword[key] += 1.0
    intents = {name: keys for name, says, keys, _ in idx.intents if any(s in text for s in says)}
    for name, _, _, over in idx.intents:
        if name in intents:
            for other in over:
                intents.pop(other, None)
    intent: dict[Key, float] = defaultdict(float)
    for keys in intents.values():
        for key in keys:
            intent[key] += 1.0
    return keyword, intent


@dataclass(slots=True)
class Signals:
    combined: dict[Key, float]
    examples: dict[Key | None, tuple[float, float, int | None]]
    lex: dict[Key, tuple[float, int | None]]
    en: dict[Key, float]
    keyword: dict[Key, float]
    intent: dict[Key, float]


def _candidates(sig: Signals, named: tuple[str, ...]) -> list[Candidate]:
    """The best articles by either signal, each with the features of :data:`RANK_FEATURES`."""
    combined, examples, lex, en, keyword, intent = (sig.combined, sig.examples, sig.lex, sig.en, sig.keyword,
                                                     sig.intent)
    # Ties broken by the article's key: the same answer whatever the process's hash seed.
    lex_order = sorted(combined, key=lambda k: (-combined[k], k))[:CANDIDATES]
    ex_order = sorted((k for k in examples if k is not None), key=lambda k: (-examples[k][0], k))[:CANDIDATES]
    keys = list(dict.fromkeys([*lex_order, *ex_order]))
    lex_max = max((combined.get(k, 0.0) for k in keys), default=0.0) or 1.0
    ex_max = max((examples.get(k, (0.0, 0.0, None))[0] for k in keys), default=0.0) or 1.0
    en_max = max(en.values(), default=0.0) or 1.0
    lex_rank = {k: i for i, k in enumerate(lex_order)}
    ex_rank = {k: i for i, k in enumerate(ex_order)}
    out = []
    for k in keys:
        c = combined.get(k, 0.0)
        ex1, ex2, ex_para = examples.get(k, (0.0, 0.0, None))
        para = lex.get(k, (0.0, None))[1]
        out.append(Candidate(k, ex_para if ex_para is not None and ex1 >= 0.5 else para, (
            1.0, c / lex_max, math.log1p(c), ex1, ex1 / ex_max, ex2,
            float(bool(named) and k[0] in named), float(bool(named) and k[0] not in named),
            1 / (1 + lex_rank.get(k, CANDIDATES)), 1 / (1 + ex_rank.get(k, CANDIDATES)),
            en.get(k, 0.0) / en_max, min(keyword.get(k, 0.0), 3.0), min(intent.get(k, 0.0), 2.0),
            (c / lex_max) * (ex1 / ex_max))))
    return out


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 30.0), -30.0)))


@dataclass(frozen=True)
class Ranker:
    """Two logistic models fitted by tools/fit_ranker.py on the train and dev splits of the blind set
    (never its test split): one scores an article for a question, one says whether a question is about
    the measures at all. Thresholds were chosen on the same data."""

    rank: tuple[float, ...]
    scope: tuple[float, ...]
    abstain_below: float  # in-scope probability under which the assistant says it does not know
    sure_above: float  # probability of the best article under which it also offers the next ones
    likely_above: float  # probability under which it answers none and asks "did you mean"

    def rank_logit(self, f: tuple[float, ...]) -> float:
        return sum(w * x for w, x in zip(self.rank, f, strict=True))

    def in_scope(self, f: tuple[float, ...]) -> float:
        return _sigmoid(sum(w * x for w, x in zip(self.scope, f, strict=True)))


@cache
def ranker() -> Ranker:
    data = _lexicon("ranker")
    return Ranker(tuple(data["rank"][k] for k in RANK_FEATURES), tuple(data["scope"][k] for k in SCOPE_FEATURES),
                  data["abstain_below"], data["sure_above"], data["likely_above"])


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


def _coverage(idx: Index, terms: dict[str, float], key: tuple[str, int]) -> float:
    """Share of the question's idf-weighted terms that occur in an article (any of its units)."""
    total = present = 0.0
    for t, w in terms.items():
        weight = w * idx.bm25.idf(t)
        total += weight
        if key in idx.term_articles.get(t, ()):
            present += weight
    return present / total if total else 0.0
