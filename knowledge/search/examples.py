"""The nearest labelled question: people's own paraphrases, with their articles."""

from __future__ import annotations

import math
import struct
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from knowledge.search.text import _CJK, _FUNCTION_CHARS, _TOKEN, _stem

UNIGRAM = 0.3  # single characters say less than bigrams
# A character in more than this share of the examples (工, 的, 培) is skipped when summing the dot products:
# it touched most of the examples for almost no difference (the same dev figures, the search twice as fast).
COMMON_CHAR_DF = 0.05


def term_counts(text: str, stop_en: frozenset[str]) -> dict[str, float]:
    """Weighted counts of a text's terms: Chinese characters (light) and bigrams, English stems."""
    vec: dict[str, float] = defaultdict(float)
    for tok in _TOKEN.findall(text):
        if _CJK.match(tok):
            for i, ch in enumerate(tok):
                if ch not in _FUNCTION_CHARS:
                    vec[ch] += UNIGRAM
                if i + 1 < len(tok):
                    vec[tok[i:i + 2]] += 1.0
        elif not tok.isdigit() and tok not in stop_en:
            vec[_stem(tok)] += 1.0
    return vec


def sublinear(count: float) -> float:
    """A term's weight from its (weighted) count: 1 + log for repeats, the count itself below one."""
    return 1 + math.log(count) if count > 1 else count


_PAIR = struct.Struct("<id")


class Packed:
    """term -> [(int, weight)], as in memory, but pickled as one byte string per term and decoded on the
    first lookup of each term: reading the search index from the cache (:mod:`knowledge.cache`) then costs
    a few milliseconds instead of rebuilding some 150 000 small tuples that one question never touches."""

    def __init__(self, table: Mapping[str, Iterable[tuple[int, float]] | Iterable[list[float]]]) -> None:
        self._raw: dict[str, bytes] = {}
        self._decoded: dict[str, list[tuple[int, float]]] = {t: [(int(i), w) for i, w in v] for t, v in table.items()}

    def get(self, term: str) -> list[tuple[int, float]]:
        found = self._decoded.get(term)
        if found is None:
            raw = self._raw.get(term)
            if raw is None:
                return []
            found = self._decoded[term] = list(_PAIR.iter_unpack(raw))  # a race decodes twice, harmlessly
        return found

    def __len__(self) -> int:
        return len(self._raw.keys() | self._decoded.keys())

    def __getstate__(self) -> dict[str, bytes]:
        raw = dict(self._raw)
        raw.update((t, b"".join(_PAIR.pack(i, w) for i, w in v)) for t, v in self._decoded.items())
        return raw

    def __setstate__(self, state: dict[str, bytes]) -> None:
        self._raw, self._decoded = state, {}


class Examples:
    """Questions people wrote, each labelled with the article that answers it (or none: out of scope):
    the train split of the blind set (tests/data/blind.jsonl) and of the older set, stored normalised
    in ``knowledge/lexicon/examples.json`` by tools/fit_ranker.py. A question is compared with each by
    the cosine of tf-idf vectors of characters, bigrams and English stems; an article's signal is its
    nearest example (and second nearest), which carries paraphrases that share no words with the text."""

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
        self.common_idf = math.log((n + 1) / (COMMON_CHAR_DF * n + 0.5))
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, vec in enumerate(vectors):
            weighted = {t: w * self.idf[t] for t, w in vec.items()}
            norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
            for t, w in weighted.items():
                postings[t].append((i, w / norm))
        self.postings = Packed(postings)

    def _tf(self, text: str) -> dict[str, float]:
        return term_counts(text, self.stop_en)

    def similar(self, text: str, exclude: str | None = None) -> dict[tuple[str, int] | None, tuple[float, float, int | None]]:
        """Article (None: out of scope) -> (best cosine, second best, paragraph of the best example)."""
        q = {t: w * self.idf[t] for t, w in self._tf(text).items() if t in self.idf}
        norm = math.sqrt(sum(w * w for w in q.values()))
        if not norm:
            return {}
        dots: dict[int, float] = defaultdict(float)
        for t, w in q.items():
            if len(t) == 1 and self.idf[t] < self.common_idf:
                continue  # still in the norm: the cosine keeps its scale
            for i, v in self.postings.get(t):
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



class Classifier:
    """A linear classifier over the articles and "out of scope", fitted offline by tools/fit_ranker.py on
    the train questions and the articles' own text (``knowledge/lexicon/classifier.json``): the question's
    tf-idf vector of :func:`term_counts` (sublinear, l2-normalised) times per-term weights (small ones
    pruned), a softmax over the classes."""

    def __init__(self, data: dict, stop_en: frozenset[str]) -> None:
        self.stop_en = stop_en
        self.classes: list[tuple[str, int] | None] = [
            (c.split(":")[0], int(c.split(":")[1])) if c else None for c in data.get("classes", [])]
        self.bias: list[float] = list(data.get("bias", []))
        self.idf: dict[str, float] = data.get("idf", {})
        self.weights = Packed(data.get("weights", {}))

    def vector(self, text: str) -> dict[str, float]:
        vec = {t: sublinear(c) * self.idf[t] for t, c in term_counts(text, self.stop_en).items() if t in self.idf}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {t: w / norm for t, w in vec.items()}

    def probabilities(self, text: str) -> dict[tuple[str, int] | None, float]:
        """Class (None: out of scope) -> probability; {} when the model is empty."""
        if not self.classes:
            return {}
        logits = list(self.bias)
        for t, x in self.vector(text).items():
            for c, w in self.weights.get(t):
                logits[c] += w * x
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        total = sum(exp)
        return {k: e / total for k, e in zip(self.classes, exp, strict=True)}
