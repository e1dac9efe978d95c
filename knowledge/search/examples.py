"""The nearest labelled question: people's own paraphrases, with their articles."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from types import ModuleType
from typing import NamedTuple

import numpy as np

from knowledge.search import postings
from knowledge.search.grams import ScopeGrams
from knowledge.search.text import _CJK, _FUNCTION_CHARS, _TOKEN, _stem

UNIGRAM = 0.3  # single characters say less than bigrams
# A character in more than this share of the examples (工, 的, 培) is skipped when summing the dot products:
# it touched most of the examples for almost no difference (the same dev figures, the search twice as fast).
COMMON_CHAR_DF = 0.05


def term_counts(text: str, stop_en: frozenset[str]) -> dict[str, float]:
    """Weighted counts of a text's terms: Chinese characters (light) and bigrams, English stems. The last
    few texts' counts are kept: the nearest examples and the classifier count the same question (a pure
    function of its arguments, so the kept dict is the one a fresh count would give; callers only read it)."""
    return _term_counts(text, stop_en)


@lru_cache(maxsize=8)
def _term_counts(text: str, stop_en: frozenset[str]) -> dict[str, float]:
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
    return dict(vec)  # a plain dict: reading a missing term cannot add it to the kept one


def _is_word(term: str) -> bool:
    """A bigram or an English stem, not a single Chinese character."""
    return len(term) > 1 or not _CJK.match(term)


def sublinear(count: float) -> float:
    """A term's weight from its (weighted) count: 1 + log for repeats, the count itself below one."""
    return 1 + math.log(count) if count > 1 else count


_NO_IDS, _NO_WEIGHTS = np.zeros(0, dtype=np.intp), np.zeros(0)
_ONE = np.ones(1)


class Packed:
    """term -> [(int, weight)], held as two flat arrays (every term's ints, then every term's weights, term
    after term) and each term's slice of them: a term's lists are two views, made without a loop or a copy,
    the first time as every other (an unseen question decodes nothing), and reading the search index from
    the cache (:mod:`knowledge.cache`) restores two byte strings and one dict instead of some 150 000 small
    tuples. Weights are float64: the floats the lists held."""

    def __init__(self, table: Mapping[str, Iterable[tuple[int, float]] | Iterable[list[float]]]) -> None:
        index: dict[str, int] = {}
        bounds, ids, weights = [0], [], []
        for term, pairs in table.items():
            index[term] = len(index)
            for i, w in pairs:
                ids.append(int(i))
                weights.append(float(w))
            bounds.append(len(ids))
        self._set(index, bounds, np.array(ids, dtype=np.intp), np.array(weights, dtype=np.float64))

    def _set(self, index: dict[str, int], bounds: list[int], ids: np.ndarray, weights: np.ndarray) -> None:
        ids.setflags(write=False)
        weights.setflags(write=False)
        self._index, self._bounds, self._ids, self._weights = index, bounds, ids, weights

    def _slice(self, term: str) -> tuple[int, int] | None:
        k = self._index.get(term)
        return None if k is None else (self._bounds[k], self._bounds[k + 1])

    def arrays(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The term's list as two arrays (the ints, the weights): views of the flat arrays, read only."""
        found = self._slice(term)
        if found is None:
            return _NO_IDS, _NO_WEIGHTS
        start, end = found
        return self._ids[start:end], self._weights[start:end]

    def gather(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """The lists of ``terms`` one after the other, as two new arrays (the ints, the weights): what
        concatenating each term's :meth:`arrays` gives, taken in one step; and each term's length (0: none)."""
        lengths: list[int] = []
        id_parts, weight_parts = self._parts(terms, lengths)
        if not id_parts:
            return _NO_IDS.copy(), _NO_WEIGHTS.copy(), lengths
        return np.concatenate(id_parts), np.concatenate(weight_parts), lengths

    def _parts(self, terms: list[str], lengths: list[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The slices of the terms' lists (views), each term's length appended to ``lengths`` (0: none)."""
        index, bounds, ids, weights = self._index, self._bounds, self._ids, self._weights
        id_parts, weight_parts = [], []
        for term in terms:
            k = index.get(term)
            if k is None:
                lengths.append(0)
            else:
                start, end = bounds[k], bounds[k + 1]
                lengths.append(end - start)
                if end > start:
                    id_parts.append(ids[start:end])
                    weight_parts.append(weights[start:end])
        return id_parts, weight_parts

    def get(self, term: str) -> list[tuple[int, float]]:
        ids, weights = self.arrays(term)
        return list(zip(ids.tolist(), weights.tolist(), strict=True))

    def __len__(self) -> int:
        return len(self._index)

    def __getstate__(self) -> dict[str, object]:
        if len(self._ids) and not -2**31 <= int(self._ids.min()) <= int(self._ids.max()) < 2**31:
            raise ValueError("Packed stores its ints in 32 bits")
        return {"index": self._index, "bounds": self._bounds, "ids": self._ids.astype("<i4").tobytes(),
                "weights": self._weights.astype("<f8").tobytes()}

    def __setstate__(self, state: dict) -> None:
        ids = np.frombuffer(state["ids"], dtype="<i4").astype(np.intp)
        weights = np.frombuffer(state["weights"], dtype="<f8")  # read-only, as the views handed out
        self._set(state["index"], state["bounds"], ids, weights)


class _ByGroup(NamedTuple):
    postings: Packed  # the posting lists with the examples' new numbers (in order of their article)
    new: np.ndarray  # old number -> new
    group: np.ndarray  # new number -> its article (a group of Examples.group_keys), ascending
    paragraphs: list[int | None]  # new number -> its paragraph
    starts: np.ndarray  # group -> its first example's new number (every group has one)
    counts: np.ndarray  # group -> how many examples it has
    numbers: np.ndarray  # 0 .. n - 1: the new numbers, for _first_reached (every example "reached")


class Nearest(NamedTuple):
    """The nearest examples of the articles they reached: the groups (ascending), the best and second
    cosines and the best example's paragraph of each."""

    groups: np.ndarray
    best: np.ndarray
    second: np.ndarray
    paragraphs: list[int | None]


def _first_reached(visited: np.ndarray, reached: np.ndarray, top: np.ndarray, run: np.ndarray, runs: int,
                   size: int) -> np.ndarray:
    """Of each run (an article's examples reached), the one of its best examples (``top``, positions in
    ``reached``; ``run``: the run of each) reached first in ``visited``: the chosen position in ``reached``
    per run (``size``: how many examples there are). The posting lists renumbered keep their order, so a
    position in ``visited`` is the position in the lists under the old numbers too: "first reached" is the
    same example."""
    counts = np.bincount(run, minlength=runs)
    chosen = np.empty(runs, dtype=np.intp)
    single = counts[run] == 1
    chosen[run[single]] = top[single]
    tied = top[~single]
    ids = reached[tied]
    mark = np.zeros(size, dtype=bool)  # the tied examples
    mark[ids] = True
    where = np.flatnonzero(mark[visited])  # where in ``visited`` they are, in order
    values, first = np.unique(visited[where], return_index=True)  # each example's first position
    position = where[first][np.searchsorted(values, ids)]
    tied_runs = run[~single]
    order = np.lexsort((position, tied_runs))  # by run, then first reached
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = tied_runs[order][1:] != tied_runs[order][:-1]
    chosen[tied_runs[order][keep]] = tied[order][keep]
    return chosen


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
        # How many in-scope examples use each word (bigram or English stem): with the measures' own, the
        # vocabulary in-scope questions are written in (see :meth:`unknown_share`).
        self.in_scope_df: Counter[str] = Counter()
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
            if measure:
                self.in_scope_df.update(filter(_is_word, vec))
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
        # Each example's article as a small int (in order of first appearance), for grouping with arrays.
        groups: dict[tuple[str, int] | None, int] = {}
        self.group_of = np.array([groups.setdefault(k, len(groups)) for k in self.keys], dtype=np.intp)
        self.group_keys: list[tuple[str, int] | None] = list(groups)
        self.group_of_key = groups  # article (None: out of scope) -> its group
        self.by_id: dict[str, list[int]] = defaultdict(list)
        for i, ident in enumerate(self.ids):
            self.by_id[ident].append(i)

    def _tf(self, text: str) -> dict[str, float]:
        return term_counts(text, self.stop_en)

    def unknown_share(self, text: str, known: frozenset[str], exclude: str | None = None) -> float:
        """Share of the question's words (bigrams, English stems) found neither in ``known`` (the measures'
        and the lexicon's) nor in any in-scope example (``exclude`` left out, as when fitting on it).

        A question on a subject nobody asked about before (公积金, 产假) is mostly such words whatever its
        subject, where the nearest out-of-scope example only knows the subjects seen in training."""
        cjk = _CJK.match  # _is_word, written out
        words = [t for t in self._tf(text) if len(t) > 1 or not cjk(t)]
        if not words:
            return 0.0
        own: dict[str, int] = {}  # how many of the in-scope examples left out have the word
        if exclude is not None:
            left_out = [i for i in self.by_id.get(exclude, ()) if self.keys[i] is not None]
            if left_out:  # their words are counted in in_scope_df: take them out
                own = {t: int(np.isin(self.postings.arrays(t)[0], left_out).sum()) for t in words}
        unknown = sum(1 for t in words if t not in known and self.in_scope_df.get(t, 0) <= own.get(t, 0))
        return unknown / len(words)

    def words(self, text: str) -> frozenset[str]:
        """A text's words as the examples count them: bigrams and English stems."""
        return frozenset(filter(_is_word, self._tf(text)))

    def unseen_share(self, text: str, key: tuple[str, int], own: frozenset[str], exclude: str | None = None) -> float:
        """Share of the question's words (bigrams, English stems) that neither the article ``key`` uses (``own``:
        the words of its text and English gist) nor any example it answers (``exclude``'s left out, as when
        fitting on it).

        A near miss starts from an article's subject in its words and asks what it does not say (the plaque's
        size, this year's date, the office's phone): words that nobody asking about that article wrote, though
        the question reads like one about the measures."""
        group = self.group_of_key.get(key)
        if exclude is None and group is not None:  # the search: one pass, a bit per article in each word's mask
            rows, cjk = self._rows(), _CJK.match
            counted = unseen = 0
            for t in self._tf(text):
                if len(t) > 1 or not cjk(t):  # _is_word, written out
                    counted += 1
                    if t not in own and ((row := rows.get(t)) is None or not row[3] >> group & 1):
                        unseen += 1
            return unseen / counted if counted else 0.0
        words = self.words(text)
        if not words:
            return 0.0
        asked = [t for t in words if t not in own]
        if group is None:  # nobody asked about this article
            return len(asked) / len(words)
        by = self._by_group()
        index = by.postings._index
        # Fitting: the words' example lists, the left-out examples taken out.
        lo, hi = int(by.starts[group]), int(by.starts[group] + by.counts[group])
        left_out = by.new[self.by_id[exclude]] if exclude in self.by_id else np.empty(0, dtype=np.intp)
        bounds, ids = by.postings._bounds, by.postings._ids
        unseen = 0
        for t in asked:
            k = index.get(t)
            reached = ids[bounds[k]:bounds[k + 1]] if k is not None else ids[:0]
            if not np.any((reached >= lo) & (reached < hi) & ~np.isin(reached, left_out)):
                unseen += 1
        return unseen / len(words)

    def _article_masks(self, by: _ByGroup) -> list[int]:
        """Which articles' examples use each word, by the word's number in ``by``'s lists: an int whose bit ``g``
        is set when an example of group ``g`` uses it (about 30 ms; :meth:`_rows` keeps them)."""
        bounds = by.postings._bounds
        terms = len(bounds) - 1
        used = np.zeros((terms, len(self.group_keys)), dtype=bool)
        used[np.repeat(np.arange(terms), np.diff(bounds)), by.group[by.postings._ids]] = True
        return [int.from_bytes(row, "little") for row in map(bytes, np.packbits(used, axis=1, bitorder="little"))]

    def _rows(self) -> dict[str, tuple[float, int, int, int]]:
        """Per term, what the search reads of it in one look-up instead of four (the dicts are large and each
        look-up a cache miss): its idf, its slice of the renumbered posting lists (empty for a common single
        character, which :meth:`nearest` does not sum) and its article mask (:meth:`_article_masks`). Made on
        first use and kept."""
        found: dict[str, tuple[float, int, int, int]] | None = getattr(self, "_row_of", None)
        if found is None:
            by, idf, common = self._by_group(), self.idf, self.common_idf
            masks, bounds = self._article_masks(by), by.postings._bounds
            found = {}
            for t, k in by.postings._index.items():
                f = idf[t]
                start, end = bounds[k], bounds[k + 1]
                found[t] = (f, end if len(t) == 1 and f < common else start, end, masks[k])
            self._row_of = found
        return found

    def _by_group(self) -> _ByGroup:
        """The examples renumbered by article (then by number), made on first use and kept."""
        found: _ByGroup | None = getattr(self, "_by_group_arrays", None)
        if found is None:
            n = len(self.keys)
            old = np.lexsort((np.arange(n), self.group_of)).astype(np.intp)  # new number -> old
            new = np.empty(n, dtype=np.intp)
            new[old] = np.arange(n)
            postings = Packed.__new__(Packed)
            p = self.postings
            postings._set(p._index, p._bounds, new[p._ids], p._weights)
            group = self.group_of[old]
            counts = np.bincount(group, minlength=len(self.group_keys))
            found = _ByGroup(postings, new, group, [self.paragraphs[i] for i in old.tolist()], np.cumsum(counts) - counts,
                             counts, np.arange(n, dtype=np.intp))
            self._by_group_arrays = found
        return found

    def nearest(self, text: str, exclude: str | None = None, paragraphs_from: float | None = None) -> Nearest | None:
        """Per article (a group of :attr:`group_keys`, out of scope included) that an example reached, the
        best and second best cosine and the paragraph of the best example; None when no example is near.
        ``exclude``: an example's id left out (fitting on the examples, leave-one-out). ``paragraphs_from``:
        the paragraph only of the articles whose best cosine is at least this (None for the others: the
        search reads no other), so that ties below it are never resolved.

        Computed with arrays, with the arithmetic of the loop it replaced (for each term, for each example of
        its list: add the product; an article's best and second from 0.0, the best replaced only by a higher
        cosine): the same floats, and of examples tying at an article's best, the paragraph of the first
        reached (the loop is kept in tests/test_search_exact.py).

        The examples are renumbered by article, so that those an article's examples reached are one run of
        the ascending numbers and its maxima one ``reduceat``. Each example's dot product is the same sum as
        in the loop (bincount adds in the order given: term after term, whatever an example's number within a
        term's list). The first reached of tied examples (in the concatenated lists, under the old numbers) is
        looked up only when there is a tie."""
        # One pass over the question's terms: each weight w * idf, its square for the norm (every known term, in
        # order, as sum() over them), and the posting lists summed (common single characters skipped) with the
        # weight of each, a list that reached no example left out as its zero repeats did.
        by, rows = self._by_group(), self._rows()
        ids, weights = by.postings._ids, by.postings._weights
        squares: list[float] = []
        summed: list[float] = []
        starts: list[int] = []
        ends: list[int] = []
        for t, count in self._tf(text).items():
            if (row := rows.get(t)) is None:  # every term with an idf has a list
                continue
            f, start, end, _ = row
            w = count * f
            squares.append(w * w)
            if end > start:  # not a common single character
                summed.append(w)
                starts.append(start)
                ends.append(end)
        norm = math.sqrt(sum(squares))
        if not norm or not starts:
            return None
        if (native := postings.native) is not None and exclude is None:
            return self._nearest_native(native, starts, ends, summed, norm, paragraphs_from)
        visited = np.concatenate([ids[a:b] for a, b in zip(starts, ends, strict=True)])
        terms = np.concatenate([weights[a:b] for a, b in zip(starts, ends, strict=True)])
        lengths = [b - a for a, b in zip(starts, ends, strict=True)]
        terms *= np.repeat(np.array(summed), np.array(lengths, dtype=np.intp))
        dots = np.bincount(visited, weights=terms, minlength=len(self.keys))
        if exclude is not None and exclude in self.by_id:
            dots[by.new[self.by_id[exclude]]] = 0.0  # not reached
        # Over every example at once, an article's examples one slice of the new numbers: an example not reached
        # (or whose quotient is below the smallest float) holds 0.0, which neither beats the 0.0 the loop's
        # maxima start from nor equals a best above it.
        sims = dots / norm
        best_all = np.maximum.reduceat(sims, by.starts)
        has = best_all > 0.0
        present = np.flatnonzero(has)
        if not len(present):
            return None
        best = best_all[present]
        # The examples at their article's best (NaN for an article nobody reached: equal to nothing).
        top = np.flatnonzero(sims == np.repeat(np.where(has, best_all, np.nan), by.counts))
        run = by.group[top]  # their articles, ascending
        sims[top] = 0.0
        second_all = np.maximum.reduceat(sims, by.starts)
        paragraphs = by.paragraphs
        if len(top) == len(present):  # one best example per article
            second = second_all[present]
            if paragraphs_from is None:
                return Nearest(present, best, second, [paragraphs[i] for i in top.tolist()])
            wanted = np.flatnonzero(best >= paragraphs_from)
            out: list[int | None] = [None] * len(present)
            for g, i in zip(wanted.tolist(), top[wanted].tolist(), strict=True):
                out[g] = paragraphs[i]
            return Nearest(present, best, second, out)
        # Ties. The second of an article whose best is tied is that best (the loop kept the first reached and
        # the other tied ones are the second); the others' as without ties. Zeroing every tied best and
        # putting the best back where two or more tie gives both without knowing which is the first reached.
        tied = np.bincount(run, minlength=len(best_all)) > 1
        second_all[tied] = best_all[tied]
        second = second_all[present]
        size = len(self.keys)
        if paragraphs_from is None:
            chosen = _first_reached(visited, by.numbers, top, run, len(best_all), size)
            return Nearest(present, best, second, [paragraphs[i] for i in chosen[present].tolist()])
        # The first reached of tied examples only where the paragraph is read, and only where the tied examples'
        # paragraphs differ (which of them is first cannot change one they share).
        keep = best_all[run] >= paragraphs_from
        top, run = top[keep], run[keep]
        out = [None] * len(present)
        found: dict[int, set[int | None]] = {}
        for g, i in zip(run.tolist(), top.tolist(), strict=True):
            found.setdefault(g, set()).add(paragraphs[i])
        differ = [g for g, kinds in found.items() if len(kinds) > 1]
        at = dict(zip(found, np.searchsorted(present, list(found)).tolist(), strict=True))
        for g, kinds in found.items():
            if len(kinds) == 1:
                out[at[g]] = next(iter(kinds))
        if differ:
            keep = np.isin(run, differ)
            chosen = _first_reached(visited, by.numbers, top[keep], run[keep], len(best_all), size)
            for g, i in zip(differ, chosen[differ].tolist(), strict=True):
                out[at[g]] = paragraphs[i]
        return Nearest(present, best, second, out)

    def _nearest_native(self, native: ModuleType, starts: list[int], ends: list[int], scales: list[float],
                        norm: float, paragraphs_from: float | None) -> Nearest | None:
        """:meth:`nearest` by the C module (:mod:`knowledge.search.postings`): the same dot products and
        quotients, each article's best, second and the first reached of its best examples in one pass over
        the examples reached; the arrays the numpy code passes over every example not made."""
        by = self._by_group()
        scratch = self._scratch()
        groups = len(by.starts)
        best_all, second_all, top = np.empty(groups), np.empty(groups), np.empty(groups, dtype=np.intp)
        native.nearest(by.postings._ids, by.postings._weights, starts, ends, scales, norm, by.group,
                       *scratch, best_all, second_all, top)
        present = np.flatnonzero(best_all > 0.0)
        if not len(present):
            return None
        best = best_all[present]
        paragraphs = by.paragraphs
        if paragraphs_from is None:
            chosen = [paragraphs[i] for i in top[present].tolist()]
        else:  # only the few articles at or above the bar: most that an example reached are far below it
            chosen = [None] * len(present)
            wanted = np.flatnonzero(best >= paragraphs_from)
            for j, i in zip(wanted.tolist(), top[present[wanted]].tolist(), strict=True):
                chosen[j] = paragraphs[i]
        return Nearest(present, best, second_all[present], chosen)

    def _scratch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The C nearest's scratch arrays, one item per example (zero between calls), made once."""
        found: tuple[np.ndarray, np.ndarray, np.ndarray] | None = getattr(self, "_scratch_arrays", None)
        if found is None:
            n = len(self.keys)
            found = (np.zeros(n), np.zeros(n, dtype=np.uint8), np.zeros(n, dtype=np.intp))
            self._scratch_arrays = found
        return found


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
        self._bias = np.array(self.bias, dtype=float)
        self._all_classes = np.arange(len(self.bias), dtype=np.intp)
        self.scope_grams = ScopeGrams(data.get("in_scope", {}))  # fitted with it, on the same questions

    def _rows(self) -> dict[str, tuple[float, int, int]]:
        """Per term of the idf, its idf and its slice of the weight lists (empty when pruned): one look-up
        instead of two in the large dicts. Made on first use and kept."""
        found: dict[str, tuple[float, int, int]] | None = getattr(self, "_row_of", None)
        if found is None:
            index, bounds = self.weights._index, self.weights._bounds
            found = {}
            for t, f in self.idf.items():
                k = index.get(t)
                found[t] = (f, 0, 0) if k is None else (f, bounds[k], bounds[k + 1])
            self._row_of = found
        return found

    def in_scope_logit(self, text: str) -> float:
        """The character-gram model's logit that ``text`` is about the measures (:mod:`knowledge.search.grams`)."""
        return self.scope_grams.logit(text)

    def probabilities(self, text: str) -> dict[tuple[str, int] | None, float]:
        """Class (None: out of scope) -> probability; {} when the model is empty."""
        found = self.probability_array(text)
        return {} if found is None else dict(zip(self.classes, found.tolist(), strict=True))

    def probability_array(self, text: str) -> np.ndarray | None:
        """:meth:`probabilities` as an array in the order of :attr:`classes`; None when the model is empty."""
        if not self.classes:
            return None
        # The bias first, then each term's products in order, added from 0.0 by bincount: per class, the sums
        # of the loop that started from the bias (0.0 + bias is the bias).
        # The question's tf-idf vector and the terms' weight lists in one pass: each value sublinear(count) * idf
        # (written out), the l2 norm over every value in order, and value / norm by one division each (numpy's is
        # correctly rounded, as Python's) for the terms with a list (the reference: _vector_loop in
        # tests/test_search_exact.py).
        rows, classes, all_weights = self._rows(), self.weights._ids, self.weights._weights
        values: list[float] = []
        used: list[float] = []
        starts: list[int] = []
        ends: list[int] = []
        for t, c in term_counts(text, self.stop_en).items():
            if (row := rows.get(t)) is None:
                continue
            f, start, end = row
            v = (1 + math.log(c) if c > 1 else c) * f
            values.append(v)
            if end > start:
                used.append(v)
                starts.append(start)
                ends.append(end)
        norm = math.sqrt(sum(w * w for w in values)) or 1.0
        if postings.native is not None:
            # From the bias (0.0 + bias is the bias), each term's weights times value / norm added in order.
            acc = self._bias.copy()
            postings.native.accumulate(acc, classes, all_weights, starts, ends, [v / norm for v in used])
        else:
            # The bias, then each term's weights times its value, in one array: np.repeat of 1.0 over the classes
            # (the bias times 1.0 is the bias) and of the values over the terms' lengths, as one product.
            weights = np.concatenate([self._bias, *(all_weights[a:b] for a, b in zip(starts, ends, strict=True))])
            weights *= np.repeat(np.concatenate([_ONE, np.array(used) / norm]),
                                 np.array([len(self._bias), *(b - a for a, b in zip(starts, ends, strict=True))],
                                          dtype=np.intp))
            acc = np.bincount(np.concatenate([self._all_classes,
                                              *(classes[a:b] for a, b in zip(starts, ends, strict=True))]),
                              weights=weights, minlength=len(self.classes))
        logits = acc.tolist()  # the exponentials by math.exp, as before (numpy's may differ in the last bit)
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        total = sum(exp)  # in the classes' order, as before
        # Each e / total, one correctly rounded division as before.
        return np.array(exp) / total
