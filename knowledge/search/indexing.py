"""The index over the measures and the lexicon, built once per process."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from knowledge.cache import cached
from knowledge.loader import load_measures
from knowledge.search.bm25 import BM25
from knowledge.search.examples import Classifier, Examples
from knowledge.search.text import (
    _CJK,
    _CJK_RUN,
    _FUNCTION_CHARS,
    _LATIN,
    _lexicon,
    _stem,
    _strip,
    bigrams,
    fold,
)
from knowledge.text import by_first_char, toneless_readings


@dataclass(frozen=True)
class _Unit:
    measure: str
    article: int
    paragraph: int | None


class Index:
    """Everything the search needs, built once per process from the measures and the lexicon."""

    def __init__(self) -> None:
        colloquial, english, oos = _lexicon("colloquial"), _lexicon("english"), _lexicon("out_of_scope")
        self.fillers = sorted(colloquial["fillers"], key=len, reverse=True)
        self.stop_en = frozenset(english["stopwords"])
        self.units: list[_Unit] = []
        self.article_units: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.keywords: list[tuple[str, tuple[str, int]]] = []
        docs, en_docs = self._documents(colloquial["measures"])
        self.bm25 = BM25(docs)
        self.en_bm25 = BM25(en_docs)
        self.term_articles = self._term_articles()
        # The curated keywords by their first character: a question is tested only for those it could contain.
        self.keywords_by_char = by_first_char([(kw,) for kw, _ in self.keywords])
        self._read_lexicon(colloquial, english, oos)
        # Bigrams a question may legitimately contain: the measures' own, plus the lexicon's.
        self.corpus_terms = frozenset(t for doc in docs for t in doc)
        known = set(self.corpus_terms)
        for says, means in self.entries:
            for s in (*says, *means):
                known.update(bigrams(s))
        for f in self.fillers:
            known.update(bigrams(f))
        self.known = frozenset(known)
        # Bigrams of everyday words the measures lack ("钳工", "今年"): left as typed by correct(), which would
        # otherwise turn "钳工" into "欠工" (of 拖欠工资), not counted as the measures' words anywhere else.
        self.everyday = frozenset(b for w in colloquial.get("everyday", ()) for b in bigrams(w))
        self.as_typed = self.known | self.everyday  # what correct() leaves alone: one look-up per bigram
        # ... and with the English words of the gists and the glossary: the words of the measures' world.
        self.words = frozenset(known.union(*en_docs, (_stem(w) for phrase, _ in self.glossary
                                                      for w in phrase.split() if w not in self.stop_en)))
        self.chars = frozenset(c for t in known for c in t)  # text made only of these needs no zhconv
        self._homophones: dict[str, tuple[str, ...]] | None = None
        self.examples = Examples(_lexicon("examples")["examples"], self.stop_en)
        # Each article's own words (its text and English gist) for Examples.unseen_share.
        self.article_words = {(m.key, a.number): self.examples.words(f"{a.text} {a.gist_en}")
                              for m in load_measures().values() for a in m.articles}
        self.classifier = Classifier(_optional_lexicon("classifier"), self.stop_en)

    def _documents(self, names: dict[str, list[str]]) -> tuple[list[list[str]], list[list[str]]]:
        """One unit per article and, for articles of several paragraphs, per paragraph: its bigrams, and
        (for the article's unit) the English stems of its gist."""
        docs: list[list[str]] = []
        en_docs: list[list[str]] = []
        for m in load_measures().values():
            for a in m.articles:
                key = (m.key, a.number)
                zh_keywords = [k for k in a.keywords if _CJK.search(k)]
                en_keywords = [k for k in a.keywords if not _CJK.search(k)]
                self.keywords.extend((fold(k), key) for k in zh_keywords if len(k) >= 2)
                # Every unit carries its programme's name: articles rarely repeat it, questions do.
                head = " ".join([*names[m.key], a.heading])
                units: list[tuple[int | None, str]] = [(None, " ".join([head, a.text, *(_strip(k, self.fillers) for k in zh_keywords)]))]
                if len(a.paragraphs) > 1:
                    units += [(p.index, f"{head} {p.text}") for p in a.paragraphs]
                en_text = " ".join([a.gist_en, *en_keywords])
                for para, text in units:
                    self.article_units[key].append(len(self.units))
                    self.units.append(_Unit(m.key, a.number, para))
                    docs.append(bigrams(fold(text)))
                    en_docs.append(self.en_tokens(en_text) if para is None else [])
        return docs, en_docs

    def _term_articles(self) -> dict[str, frozenset[tuple[str, int]]]:
        """The articles each term occurs in (any unit), for the coverage of a question by an article."""
        term_articles: dict[str, set[tuple[str, int]]] = defaultdict(set)
        for term, posting in self.bm25.postings.items():
            for doc, _ in posting:
                u = self.units[doc]
                term_articles[term].add((u.measure, u.article))
        return {t: frozenset(v) for t, v in term_articles.items()}

    def _read_lexicon(self, colloquial: dict, english: dict, oos: dict) -> None:
        self.entries = [(tuple(fold(s) for s in e["say"]), tuple(fold(t) for t in e["means"]))
                        for e in colloquial["entries"]]
        self.intents = [(i["name"], tuple(fold(s) for s in i["say"]),
                         tuple((k.split(":")[0], int(k.split(":")[1])) for k in i["articles"]), tuple(i.get("over", ())))
                        for i in _lexicon("intents")["intents"]]
        # Longest cue first, so that "工匠工作室" names the craftsman measure and not the studio one.
        self.cues = sorted(((w, m) for m, words in colloquial["measures"].items() for w in words),
                           key=lambda wm: -len(wm[0]))
        self.glossary = sorted(((k.lower(), tuple(v)) for k, v in english["glossary"].items()),
                               key=lambda kv: -len(kv[0]))
        # Their phrases by first character, as the keywords: a question is tested only for those it could contain.
        self.entries_by_char = by_first_char([says for says, _ in self.entries])
        self.intents_by_char = by_first_char([says for _, says, _, _ in self.intents])
        self.regions = tuple(oos["regions"])
        self.home = tuple(oos["home"])
        self.topics = tuple(oos["topics"])
        self.regions_by_char = by_first_char([(r,) for r in self.regions])
        self.topics_by_char = by_first_char([(t,) for t in self.topics])
        # Those the measures never use refuse a question that names no programme outright; those they use
        # (户口 in "户口所在地", 退休年龄) are left to the model: "我户口在曲靖，专业人士举荐去哪交" is article 9's.
        text = " ".join(a.text for m in load_measures().values() for a in m.articles)
        self.foreign_topics_by_char = by_first_char([(t,) for t in self.topics if t not in text])

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
                        for reading in toneless_readings(ch)[:2]:
                            table[reading].add(ch)
            self._homophones = {k: tuple(sorted(v)) for k, v in table.items()}
        return self._homophones

    def correct(self, text: str) -> str:
        """Fix homophone typos of pinyin input, one character at a time: a character that forms no known
        bigram with either neighbour is replaced by the character read the same way that forms the most (and
        most frequent) known bigrams with them. Words of the lexicon count as known."""
        known = self.as_typed
        # Every bigram of every run of Chinese known: each character of a run of two or more forms a known bigram
        # with a neighbour, and a lone one has none, so the loop below would change nothing.
        if all(run[i:i + 2] in known for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)):
            return text
        chars = list(text)
        # Whether each character is Chinese, tested once (a replacement is Chinese too: homophones() holds
        # only Chinese characters); the left neighbour is read after its own correction, as it always was.
        cjk = [False] * len(chars)
        for run in _CJK_RUN.finditer(text):
            cjk[run.start():run.end()] = [True] * (run.end() - run.start())
        worth, last = None, len(chars) - 1
        for i, ch in enumerate(chars):
            if not cjk[i] or ch in _FUNCTION_CHARS:
                continue
            left = chars[i - 1] if i > 0 and cjk[i - 1] else ""
            right = chars[i + 1] if i < last and cjk[i + 1] else ""
            if not (left or right) or (left + ch) in known or (ch + right) in known:
                continue
            best, best_score = ch, 0
            worth = worth or self._pair_worth()
            for reading in toneless_readings(ch)[:1]:  # the reading the person typed is the common one
                for cand in self.homophones().get(reading, ()):  # (made on first use: the pinyin table)
                    # Fitting both neighbours beats fitting one often. (A side without a neighbour: "" + cand
                    # is one character, never a bigram, so it adds 0.)
                    score = worth.get(left + cand, 0) + worth.get(cand + right, 0)
                    if score > best_score:
                        best, best_score = cand, score
            chars[i] = best
        return "".join(chars)

    def _pair_worth(self) -> dict[str, int]:
        """What a bigram adds to a replacement's score in :meth:`correct`: 1000 when it is known, plus how many
        units use it (one look-up per side instead of two; made on first use and kept). Only pairs: a term of one
        character (a lone character indexed) is left out: ``"" + cand`` must add nothing."""
        found: dict[str, int] | None = getattr(self, "_pair_worth_of", None)
        if found is None:
            postings = self.bm25.postings
            found = {t: 1000 * (t in self.known) + len(postings.get(t, ()))
                     for t in (*self.known, *postings) if len(t) == 2}
            self._pair_worth_of = found
        return found



def _optional_lexicon(name: str) -> dict:
    """A fitted file of the lexicon, or {} before tools/fit_ranker.py first wrote it."""
    try:
        return _lexicon(name)
    except FileNotFoundError:
        return {}


def _sources() -> list[Path]:
    """Everything the index is built from, code included: any change is a new cache key."""
    root = Path(__file__).resolve().parent.parent
    return [p for p in root.rglob("*") if p.suffix in (".py", ".json") and "__pycache__" not in p.parts]


@cache
def index() -> Index:
    """Built once per process; a fresh process reads the last build from the cache when nothing changed
    (``yunling ask`` starts in half the time)."""
    return cached("search-index", _sources(), Index)

