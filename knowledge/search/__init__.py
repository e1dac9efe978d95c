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

from knowledge.search.core import Hit, Prepared, SearchResult, prepare, search
from knowledge.search.indexing import Index, index
from knowledge.search.ranking import CANDIDATES, RANK_FEATURES, SCOPE_FEATURES, Ranker, _sigmoid, ranker
from knowledge.search.text import MAX_QUERY, _lexicon, bigrams, detect_language, fold, normalize

__all__ = ["CANDIDATES", "MAX_QUERY", "RANK_FEATURES", "SCOPE_FEATURES", "Hit", "Index", "Prepared", "Ranker",
           "SearchResult", "_lexicon", "_sigmoid", "bigrams", "detect_language", "fold", "index", "normalize",
           "prepare", "ranker", "search"]
