"""The blind question set: its shape, its frozen test split, and that nothing the search learns from
(curated keywords, the lexicon, the examples) was taken from the test split."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from knowledge.loader import load_measures
from knowledge.search import _lexicon, fold
from tools.blind_set import TRAINING_ROUNDS

DATA = Path(__file__).parent / "data"
LINES = (DATA / "blind.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
ROWS = [json.loads(line) for line in LINES]
# Later rounds of blind writers: train / dev only (tools/blind_set.py --round N).
LATER = {n: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
         for n, path in TRAINING_ROUNDS.items()}
LATER_ROWS = [r for n in sorted(LATER) for r in LATER[n]]
# Round 7: a second test set, written after the search was fitted on rounds 1-6 (tools/blind_set.py --round 7).
ROUND7_LINES = (DATA / "blind_round7_test.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
ROUND7 = [json.loads(line) for line in ROUND7_LINES]
ROUND7_SHA256 = "d407f4a04f614bf7b9d8b2803bf2bb46dc6eaee274f32546b348089610528a16"
# Round 23: a third test set, the plain first question, written after the search was fitted on rounds 1-20
# and measured before any fit saw it (tools/blind_set.py --round 23).
ROUND23_LINES = (DATA / "blind_round23_test.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
ROUND23 = [json.loads(line) for line in ROUND23_LINES]
ROUND23_SHA256 = "53a397f2250c6979818414fcda7049863c747ab3deb2aecdce1f6da727844b8a"
# Round 27: a fourth test set, the edge of the measures in pairs (a question an article answers and its near
# miss that none does), written after the search was fitted on rounds 1-25 and measured before any fit saw it
# (tools/blind_set.py --round 27).
ROUND27_LINES = (DATA / "blind_round27_test.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
ROUND27 = [json.loads(line) for line in ROUND27_LINES]
ROUND27_SHA256 = "3fab1afff1adeebd59764f933750c1f4cd22c0016de75238d9e51f55db5ff770"
# Round 40: a fifth test set, the plain first question again (round 23's brief, new personas and topics),
# written after the search was fitted on rounds 1-22, 24-26 and 28-39 and measured once, before any fit saw it
# (tools/blind_set.py --round 40).
ROUND40_LINES = (DATA / "blind_round40_test.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
ROUND40 = [json.loads(line) for line in ROUND40_LINES]
ROUND40_SHA256 = "1266c6571dbec2e86a3a9a24c0a1a4fcfcdb8df3295280ee00a03766fa91abca"
# Curated phrases in the project since 2026-11-26 (commit 6cbdf53), before round 23 was written, that occur
# in its questions and nowhere else: they cannot have been learned from it.
PREDATES_ROUND23 = frozenset({"丧假", "每天补", "计划什么时候"})
# The same for round 27 (curated in commit 987b72a, the first week).
PREDATES_ROUND27 = frozenset({"创建原则"})
# The same for round 40 (curated in commit 6cbdf53, the first day).
PREDATES_ROUND40 = frozenset({"交通费"})
# Curated phrases that were in the lexicon before round 7 was written and occur in its questions (short
# questions such as "公示几天" among them): they cannot have been learned from it. A phrase added later that
# occurs there fails the leak tests below.
PREDATES_ROUND7 = frozenset({"jiangsu", "一天多少钱", "伙食", "做啥", "办公室在哪", "在哪投票", "多大岁数", "岁数", "没职称",
                             "谁能参加", "公示几天", "要交啥", "谁最后拍板", "钱谁出"})
# SHA-256 of the test split's lines as tools/blind_set.py wrote them on 2026-11-29. Never change it: a
# different hash means the test split was edited or re-drawn, and its figures are no longer blind.
TEST_SPLIT_SHA256 = "5a00fad55e8ac07d2768eb35a8932259c4e84d95b0a85392026edaa6f6aac4b4"
# Phrases of the lexicon and curation that were in the project (commit 79c85cc) before the blind set was
# written, and that happen to occur in a test question: they cannot have been learned from it.
PREDATES_THE_SET = frozenset({
    "eligible", "补助比例", "直接报省", "生活费", "能参加", "试行办法", "能评吗", "贫困户", "几个证", "师傅带", "能申请",
    "给多少钱", "没通过", "发证", "多少个", "misuse", "ranking", "each year", "retire", "准备什么", "materials",
    "recuperation", "misuses", "经费管理", "暗箱操作", "当工匠", "技能提升补贴", "insurance", "provident fund", "tax",
    "劳动合同", "能否", "退休金"})


def test_test_split_is_frozen() -> None:
    test_lines = [line for line, row in zip(LINES, ROWS, strict=True) if row["split"] == "test"]
    assert hashlib.sha256("".join(test_lines).encode("utf-8")).hexdigest() == TEST_SPLIT_SHA256


def _frozen_whole_and_never_learned_from(lines: list[str], sha256: str, name: str, size: int, oos: int) -> None:
    """A test set written after a fit: its file unchanged, all of it test, never among the rounds the search
    learns from, and none of its questions a learned example."""
    rows = [json.loads(line) for line in lines]
    assert hashlib.sha256("".join(lines).encode("utf-8")).hexdigest() == sha256
    assert len(rows) >= size and {r["split"] for r in rows} == {"test"}
    assert sum(not r["expected"] for r in rows) >= oos
    from tools import fit_ranker

    assert all(name not in path.name for path in fit_ranker.LATER)
    learned = {fold(e["q"]) for e in _lexicon("examples")["examples"]}
    assert not [r["question"] for r in rows if fold(r["question"]) in learned]


def test_the_second_test_set_is_frozen_whole_and_never_learned_from() -> None:
    _frozen_whole_and_never_learned_from(ROUND7_LINES, ROUND7_SHA256, "round7", 1600, 200)


def test_the_plain_test_set_is_frozen_whole_and_never_learned_from() -> None:
    _frozen_whole_and_never_learned_from(ROUND23_LINES, ROUND23_SHA256, "round23", 1000, 170)


def test_the_edge_test_set_is_frozen_whole_and_never_learned_from() -> None:
    _frozen_whole_and_never_learned_from(ROUND27_LINES, ROUND27_SHA256, "round27", 500, 250)


def test_the_fifth_test_set_is_frozen_whole_and_never_learned_from() -> None:
    _frozen_whole_and_never_learned_from(ROUND40_LINES, ROUND40_SHA256, "round40", 900, 170)


def test_shape_of_the_set() -> None:
    assert len(ROWS) >= 600
    styles = Counter(r["style"] for r in ROWS)
    assert styles["colloquial"] / len(ROWS) >= 0.40
    assert styles["english"] / len(ROWS) >= 0.10
    assert sum(not r["expected"] for r in ROWS) >= 60
    splits = Counter(r["split"] for r in ROWS)
    assert set(splits) == {"train", "dev", "test"} and splits["test"] >= 250
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    measures = load_measures()
    for r in ROWS:
        for m, a in r["expected"] + r["equivalent"]:
            art = measures[m].article(a)
            if r["paragraph"] is not None and [m, a] == r["expected"][0]:
                assert r["paragraph"] in {p.index for p in art.paragraphs}


@pytest.mark.parametrize(("n", "size", "oos"), [(2, 1400, 200), (3, 1700, 280), (4, 1700, 230), (5, 1700, 230), (6, 1650, 230), (8, 1600, 230),
                                               *((n, 1600, 230) for n in range(9, 22)), (22, 1100, 170), (24, 900, 170), (25, 350, 350),
                                               (26, 500, 250), (28, 500, 250), (29, 450, 230), (30, 450, 230), (31, 450, 230),
                                               (32, 650, 340), (33, 700, 340), (34, 480, 250), (35, 480, 250), (36, 480, 250),
                                               (37, 480, 250), (38, 700, 340),
                                               (39, 480, 250), (41, 1000, 140), (42, 160, 20), (43, 380, 30)])
def test_later_rounds_are_train_and_dev_only_and_valid(n: int, size: int, oos: int) -> None:
    rows = LATER[n]
    assert len(rows) >= size
    splits = Counter(r["split"] for r in rows)
    assert set(splits) == {"train", "dev"}
    assert 0.15 <= splits["dev"] / len(rows) <= 0.25
    assert sum(not r["expected"] for r in rows) >= oos
    assert len({r["id"] for r in rows}) == len(rows)
    others = {r["id"] for r in ROWS} | {r["id"] for m, rs in LATER.items() if m != n for r in rs}
    assert not {r["id"] for r in rows} & others
    measures = load_measures()
    for r in rows:
        for m, a in r["expected"] + r["equivalent"]:
            measures[m].article(a)
        if r["expected"]:
            art = measures[r["expected"][0][0]].article(r["expected"][0][1])
            assert r["deciding_text"] in art.text, r["id"]
            assert r["paragraph"] is None or r["paragraph"] in {p.index for p in art.paragraphs}


def test_later_rounds_repeat_no_earlier_question() -> None:
    older = [json.loads(line) for line in (DATA / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line]
    seen = {fold(r["question"]) for r in [*ROWS, *older]}
    for n in sorted(LATER):
        assert [r["question"] for r in LATER[n] if fold(r["question"]) in seen] == [], n
        seen |= {fold(r["question"]) for r in LATER[n]}


def _phrases() -> set[str]:
    out = {fold(k) for m in load_measures().values() for a in m.articles for k in a.keywords}
    colloquial = _lexicon("colloquial")
    out.update(fold(s) for e in colloquial["entries"] for s in (*e["say"], *e["means"]))
    out.update(fold(s) for words in colloquial["measures"].values() for s in words)
    out.update(fold(s) for s in colloquial["fillers"])
    out.update(fold(s) for i in _lexicon("intents")["intents"] for s in i["say"])
    out.update(fold(k) for k in _lexicon("english")["glossary"])
    out.update(fold(s) for key in ("regions", "home", "topics") for s in _lexicon("out_of_scope")[key])
    out.update(fold(a["q_zh"]) for a in _lexicon("answers")["answers"])
    return {p for p in out if len(p) >= 2}


def test_no_curated_phrase_was_taken_from_the_test_split() -> None:
    test = [fold(r["question"]) for r in [*ROWS, *ROUND7, *ROUND23, *ROUND27, *ROUND40] if r["split"] == "test"]
    seen_elsewhere = " ".join(fold(r["question"]) for r in [*ROWS, *LATER_ROWS] if r["split"] != "test")
    source = " ".join(fold(a.text) for m in load_measures().values() for a in m.articles)
    leaked = sorted(p for p in _phrases() - PREDATES_THE_SET - PREDATES_ROUND7 - PREDATES_ROUND23 - PREDATES_ROUND27
                    - PREDATES_ROUND40
                    if p not in source and p not in seen_elsewhere and any(p in t for t in test))
    assert leaked == []


def test_no_test_question_is_a_curated_phrase() -> None:
    phrases = _phrases()
    assert [r["question"] for r in ROWS if r["split"] == "test" and fold(r["question"]) in phrases] == []
    assert sorted(fold(r["question"]) for r in ROUND7 if fold(r["question"]) in phrases - PREDATES_ROUND7) == []
    assert sorted(fold(r["question"]) for r in ROUND23 if fold(r["question"]) in phrases - PREDATES_ROUND23) == []
    assert sorted(fold(r["question"]) for r in ROUND27 if fold(r["question"]) in phrases) == []
    assert sorted(fold(r["question"]) for r in ROUND40 if fold(r["question"]) in phrases) == []


def test_examples_come_from_train_splits_only() -> None:
    examples = _lexicon("examples")["examples"]
    by_id = {r["id"]: r for r in [*ROWS, *LATER_ROWS]}
    older = {json.loads(line)["id"]: json.loads(line)
             for line in (DATA / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line}
    # The FAQ's own questions (tools/fit_ranker.faq_rows): the team's words, for training only.
    faq = {f"faq:{a['ref']}:{lang}": {"question": a[f"q_{lang}"], "split": "train"}
           for a in _lexicon("answers")["answers"] for lang in ("zh", "en")}
    assert examples
    for e in examples:
        row = by_id.get(e["id"]) or older.get(e["id"]) or faq[e["id"]]
        assert row["split"] == "train", e["id"]
        assert e["q"] == row["question"]
    test_texts = {fold(r["question"]) for r in [*ROWS, *LATER_ROWS] if r["split"] != "train"}
    assert not [e["q"] for e in examples if fold(e["q"]) in test_texts]


def test_examples_are_stored_as_the_search_normalises_them() -> None:
    from knowledge.search import index, normalize

    idx = index()
    stale = [e["id"] for e in _lexicon("examples")["examples"] if e["n"] != idx.correct(normalize(e["q"]))]
    assert stale == []


def test_dev_floor() -> None:
    """The search on the dev questions of every round (thresholds were chosen there, weights were not):
    measured by bench/retrieval.py --dev; floors a little under it."""
    from knowledge.search import search
    from tools.blind_set import accepted

    dev = [r for r in [*ROWS, *LATER_ROWS] if r["split"] == "dev"]
    n_in = top1 = oos = oos_abstained = with_paragraph = right_paragraph = 0
    for r in dev:
        res = search(r["question"])
        if not r["expected"]:
            oos += 1
            oos_abstained += res.abstained
            continue
        n_in += 1
        top1 += bool(res.hits) and (res.hits[0].measure, res.hits[0].article) in accepted(r)
        if r.get("paragraph") and res.hits and [res.hits[0].measure, res.hits[0].article] == r["expected"][0]:
            with_paragraph += 1
            right_paragraph += res.hits[0].paragraph == r["paragraph"]
    assert top1 / n_in >= DEV_TOP1_FLOOR
    assert oos_abstained / oos >= DEV_OOS_FLOOR
    assert right_paragraph / with_paragraph >= DEV_PARAGRAPH_FLOOR


# Measured 0.785 and 0.884 (rounds 1-5; the later rounds' out-of-scope questions name the programmes).
DEV_TOP1_FLOOR = 0.75
DEV_OOS_FLOOR = 0.85
# Of the dev questions whose article is found and whose deciding paragraph is labelled, the share quoting that
# paragraph: measured 0.913 (ranking.EX_PARAGRAPH = 0.1; 0.795 with 0.5).
DEV_PARAGRAPH_FLOOR = 0.89


def test_a_writers_questions_share_one_fold_and_writers_of_two_rounds_do_not_share_a_group() -> None:
    from tools.fit_classifier import FOLDS, fold_of, group

    rows = [r for r in LATER_ROWS if r.get("writer")]
    by_group: dict[str, set[int]] = {}
    for r in rows:
        by_group.setdefault(group(r), set()).add(fold_of(r))
    assert all(len(folds) == 1 for folds in by_group.values())
    # Writer "w1" of round 9 is not round 1's "w1".
    assert group({"id": "y0001", "writer": "w1"}) != group({"id": "b0001", "writer": "w1"})
    assert group({"id": "q001"}) == "q001"  # no writer: a group of its own
    # Every fold holds some writers: none is left without held-out questions.
    assert {next(iter(f)) for f in by_group.values()} == set(range(FOLDS))


def test_leaving_a_writer_out_makes_the_words_only_it_used_unknown() -> None:
    import knowledge.search as s
    from knowledge.search.examples import Examples

    items = [{"id": "a1", "n": "焊枪补贴咋领", "ref": "training:9"}, {"id": "a2", "n": "焊枪补贴多少", "ref": "training:9"},
             {"id": "b1", "n": "补贴多少钱", "ref": "training:9"}]
    ex = Examples(items, s.index().stop_en)
    for i, ident in enumerate(ex.ids):
        ex.by_id["writer:" + ident[0]].append(i)
    known = frozenset()
    # 焊枪 is in two examples of writer a: leaving out one question leaves the other, leaving out the
    # writer leaves none.
    assert ex.unknown_share("焊枪", known, exclude="a1") == 0.0
    assert ex.unknown_share("焊枪", known, exclude="writer:a") == 1.0
    assert ex.unknown_share("焊枪", known, exclude="writer:b") == 0.0


INTRO_TEST_LINES = (DATA / "intro_blind_test.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
INTRO_TEST_SHA256 = "baa24f0e85b6e359d1e0d5a26b5c8f9b3cd22a82918060148abfb2607e75be43"


def test_the_intro_test_set_is_frozen_whole_and_never_learned_from() -> None:
    """Questions told after a few words about oneself, written blind (tests/data/blind_sources/intro_brief.md);
    writer B's lines, all test."""
    _frozen_whole_and_never_learned_from(INTRO_TEST_LINES, INTRO_TEST_SHA256, "intro", 60, 15)


def test_questions_told_after_an_intro_are_answered() -> None:
    """On the intro test set (never tuned on; measured 2026-12-01: top-1 0.911 of 45 in scope, 0.933 of the
    15 out of scope abstained on, with the search of 4de7122; 0.911 / 0.933 before it)."""
    from knowledge.search import search
    from tools.blind_set import accepted

    rows = [json.loads(line) for line in INTRO_TEST_LINES]
    inside = [r for r in rows if r["expected"]]
    right = 0
    for q in inside:
        found = search(q["question"], top=3)
        right += not found.abstained and (found.hits[0].measure, found.hits[0].article) in accepted(q)
    abstained = sum(search(q["question"]).abstained for q in rows if not q["expected"])
    assert right / len(inside) >= 0.88 and abstained / (len(rows) - len(inside)) >= 0.86
