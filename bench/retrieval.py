"""Retrieval benchmark: accuracy of ``knowledge.search`` beside two baselines (plain jieba + BM25 over
article text, plain rapidfuzz over article text), an ablation without the curation, latency, cold start
and memory.

Two question sets: the blind set (tests/data/blind.jsonl: written by people who saw only the articles;
its **test** split is never tuned on and is reported on its own lines) and the older set the first team
wrote beside its lexicon (tests/data/questions.jsonl: not evidence, kept for comparison).

    .venv/bin/python bench/retrieval.py            # everything
    .venv/bin/python bench/retrieval.py --quick    # accuracy only (no cold-start / memory subprocesses)
    .venv/bin/python bench/retrieval.py --misses dev     # list the misses of a split (tuning aid; never test)
    .venv/bin/python bench/retrieval.py --dev      # dev lines only (tuning aid: prints nothing of the test split)

Top-1 / top-3 / MRR are over in-scope questions (a question counts as answered at rank r when one of
its acceptable articles is at rank r and the search did not abstain); abstention accuracy is the share
of out-of-scope questions abstained on. Baselines never abstain, so their abstention figure is 0.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from installed import installed_env  # noqa: E402  (bench/installed.py: fresh processes as installed)

QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"
BLIND = ROOT / "tests" / "data" / "blind.jsonl"
# A second test set: round 7, written after the search was fitted on rounds 1-6, all test, never tuned on.
ROUND7 = ROOT / "tests" / "data" / "blind_round7_test.jsonl"
# A third: round 23, the plain first question ("云岭工匠评选条件是什么"), written by six new writers after the
# search was fitted on rounds 1-20, all test, never tuned on (the model was fitted on rounds 1-22).
ROUND23 = ROOT / "tests" / "data" / "blind_round23_test.jsonl"
# A fourth: round 27, the edge of the measures in pairs (a question an article answers and its near miss that
# none does), written after the search was fitted on rounds 1-25, all test, never tuned on.
ROUND27 = ROOT / "tests" / "data" / "blind_round27_test.jsonl"
# A fifth: round 40, the plain first question again with new writers, personas and topics, written after the
# search was fitted on rounds 1-22, 24-26 and 28-39, all test, never tuned on.
ROUND40 = ROOT / "tests" / "data" / "blind_round40_test.jsonl"
# A sixth: questions told after a few words about oneself ("我在个旧锡矿井下放炮，干了二十三年…格可以报云岭工匠"),
# written blind by two writers (tests/data/blind_sources/intro_brief.md) after the search was fitted: one writer's
# lines dev, the other's test, never tuned on.
INTRO_DEV = ROOT / "tests" / "data" / "intro_blind_dev.jsonl"
INTRO_TEST = ROOT / "tests" / "data" / "intro_blind_test.jsonl"

Ranker = Callable[[str], tuple[list[tuple[str, int]], bool]]  # question -> (ranked articles, abstained)


def _training_rounds() -> dict[int, Path]:
    """The later rounds of writers, train / dev only (tools/blind_set.py says which)."""
    from tools.blind_set import TRAINING_ROUNDS

    return TRAINING_ROUNDS


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def score(questions: Iterable[dict], ranker: Ranker) -> dict[str, float]:
    """top1, top3, mrr over in-scope questions; abstain = share of out-of-scope ones abstained;
    false_abstain = share of in-scope ones abstained."""
    top1 = top3 = rr = n_in = n_out = abstained_out = abstained_in = 0.0
    for q in questions:
        ranked, abstained = ranker(q["question"])
        if not q["expected"]:
            n_out += 1
            abstained_out += abstained
            continue
        n_in += 1
        if abstained:
            abstained_in += 1
            continue
        ok = q["accepted"] if "accepted" in q else {(m, a) for m, a in q["expected"]}
        rank = next((i for i, key in enumerate(ranked, 1) if key in ok), None)
        if rank:
            top1 += rank == 1
            top3 += rank <= 3
            rr += 1 / rank
    return {"n": n_in, "top1": top1 / n_in if n_in else 0.0, "top3": top3 / n_in if n_in else 0.0,
            "mrr": rr / n_in if n_in else 0.0, "n_oos": n_out,
            "abstain": abstained_out / n_out if n_out else 0.0,
            "false_abstain": abstained_in / n_in if n_in else 0.0}


def ours(top: int = 10) -> Ranker:
    from knowledge.search import search

    def rank(question: str) -> tuple[list[tuple[str, int]], bool]:
        r = search(question, top=top)
        return [(h.measure, h.article) for h in r.hits], r.abstained

    return rank


def _articles() -> list[tuple[tuple[str, int], str]]:
    from knowledge.loader import load_measures

    return [((m.key, a.number), a.text) for m in load_measures().values() for a in m.articles]


def jieba_bm25() -> Ranker:
    import logging

    import jieba
    from rank_bm25 import BM25Okapi

    jieba.setLogLevel(logging.WARNING)
    arts = _articles()
    bm = BM25Okapi([jieba.lcut(text) for _, text in arts])

    def rank(question: str) -> tuple[list[tuple[str, int]], bool]:
        scores = bm.get_scores(jieba.lcut(question))
        order = sorted(range(len(arts)), key=lambda i: -scores[i])
        return [arts[i][0] for i in order[:10]], False

    return rank


def fuzzy() -> Ranker:
    from rapidfuzz import fuzz, process

    arts = _articles()
    texts = [text for _, text in arts]

    def rank(question: str) -> tuple[list[tuple[str, int]], bool]:
        found = process.extract(question, texts, scorer=fuzz.partial_ratio, limit=10)
        return [arts[i][0] for _, _, i in found], False

    return rank


def groups(questions: list[dict], prefix: str, styles_of: str | None = None) -> dict[str, list[dict]]:
    """All, per split, and per style of the split ``styles_of`` (or of all)."""
    out: dict[str, list[dict]] = defaultdict(list)
    for q in questions:
        out[f"{prefix} all"].append(q)
        out[f"{prefix} {q['split']}"].append(q)
        if styles_of is None or q["split"] == styles_of:
            out[f"{prefix} {styles_of or ''} {q['style'] if q['expected'] else 'oos'}".replace("  ", " ")].append(q)
    return dict(out)


def load_blind(path: Path = BLIND) -> list[dict]:
    from tools.blind_set import accepted

    rows = load_questions(path)
    for r in rows:
        r["accepted"] = accepted(r)
    return rows


def no_curation() -> Ranker:
    """Our search with the curated keywords and the colloquial, intent and English lexicons emptied (the
    examples and the fitted model stay): what the curation adds."""
    import knowledge.loader as loader
    import knowledge.search as s
    import knowledge.search.indexing as indexing

    measures = {k: m.replace(articles=tuple(a.replace(keywords=()) for a in m.articles))
                for k, m in loader.load_measures().items()}
    real_lexicon = s._lexicon

    def lexicon(name: str) -> dict:
        data = real_lexicon(name)
        if name == "colloquial":
            return {**data, "entries": [], "fillers": []}
        if name == "intents":
            return {**data, "intents": []}
        if name == "english":
            return {**data, "glossary": {}}
        return data

    indexing.load_measures, indexing._lexicon = (lambda: measures), lexicon  # type: ignore[assignment]
    try:
        ablated = s.Index()
    finally:
        indexing.load_measures, indexing._lexicon = loader.load_measures, real_lexicon  # type: ignore[assignment]

    def rank(question: str) -> tuple[list[tuple[str, int]], bool]:
        r = s.search(question, top=10, idx=ablated)
        return [(h.measure, h.article) for h in r.hits], r.abstained

    return rank


def paragraph_and_modes(questions: list[dict]) -> str:
    """On in-scope questions answered right at rank 1: how often the quoted paragraph is the one the
    writer marked as deciding; and how the assistant replied (sure answer, "did you mean", abstained)."""
    from knowledge.search import search

    right_para = with_para = sure = likely = unsure = abstained = 0
    for q in questions:
        if not q["expected"]:
            continue
        r = search(q["question"], top=3)
        abstained += r.abstained
        sure += (not r.abstained) and r.sure
        likely += (not r.abstained) and r.likely and not r.sure
        unsure += (not r.abstained) and not r.likely
        if r.hits and (r.hits[0].measure, r.hits[0].article) == tuple(q["expected"][0]) and q.get("paragraph"):
            with_para += 1
            right_para += r.hits[0].paragraph == q["paragraph"]
    n = sure + likely + unsure + abstained or 1
    return (f"deciding paragraph quoted {right_para}/{with_para}; replies: answered {sure / n:.2f}, answered "
            f"with two alternatives {likely / n:.2f}, 'did you mean' (top 3, no answer) {unsure / n:.2f}, "
            f"abstained {abstained / n:.2f}")


ASK_ONLY = ("import sys; from handlers.answering import answer; from bot.render import render_text; "
            "print(render_text(answer(sys.argv[1], contact='x').reply))")


def cold_start(runs: int = 5, whole_cli: bool = True, question: str = "云岭工匠每年评几个") -> list[float]:
    """Wall time of a fresh process answering one question: the whole ``yunling`` command (which imports
    every subcommand module) or only the ask path."""
    exe = ([sys.executable, "-m", "bot.cli", "ask", question] if whole_cli
           else [sys.executable, "-c", ASK_ONLY, question])
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(exe, cwd=ROOT, check=True, capture_output=True, env=installed_env())
        times.append(time.perf_counter() - t)
    return times


def memory_mb() -> float:
    code = ("import psutil, knowledge.search as s; s.search('云岭工匠申报条件'); s.search('typo 申抱'); "
            "print(psutil.Process().memory_info().rss / 2**20)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return float(out.stdout.strip())


def _row(name: str, qs: list[dict], rankers: dict[str, Ranker]) -> str:
    sc = {k: score(qs, r) for k, r in rankers.items()}
    o = sc["ours"]
    line = (f"{name:<26}{int(o['n']):>4} | {o['top1']:>9.3f} {o['top3']:>5.3f} {o['mrr']:>5.3f} "
            f"{o['abstain']:>5.2f} {o['false_abstain']:>6.3f}")
    for k in rankers:
        if k != "ours":
            line += f" | {sc[k]['top1']:>9.3f} {sc[k]['top3']:>5.3f}"
    return line


def dev_lines(blind: list[dict], later: dict[int, list[dict]]) -> int:
    """Tuning aid: the dev splits of every round, per style, ours only."""
    rankers = {"ours": ours()}
    devs = {1: [q for q in blind if q["split"] == "dev"],
            **{n: [q for q in rows if q["split"] == "dev"] for n, rows in later.items()}}
    every = [q for qs in devs.values() for q in qs]
    print(f"{'group':<26}{'n':>4} | {'ours top1':>9} {'top3':>5} {'mrr':>5} {'abst':>5} {'f.abst':>6}")
    print(_row("dev, all rounds", every, rankers))
    for n, qs in devs.items():
        print(_row(f"round-{n} dev", qs, rankers))
    for name, qs in sorted(groups(every, "  dev", styles_of="dev").items()):
        if name.strip() not in ("dev all", "dev dev"):
            print(_row(name, qs, rankers))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="accuracy only")
    ap.add_argument("--misses", metavar="SPLIT", help="print the misses of a split of the blind set (train|dev)")
    ap.add_argument("--dev", action="store_true", help="the dev lines only, per style (never the test split)")
    args = ap.parse_args()
    from knowledge.search import search

    t = time.perf_counter()
    search("预热")  # build the index once
    build = time.perf_counter() - t
    blind, older = load_blind(), load_questions()
    later: dict[int | str, list[dict]] = {n: load_blind(path) for n, path in _training_rounds().items()}
    later["intro"] = load_blind(INTRO_DEV)  # (never fitted on: a dev split for the search's own rules)
    if args.dev:
        return dev_lines(blind, later)
    if args.misses:
        if args.misses == "test":
            print("the test split is for reporting only: look at train or dev")
            return 2
        for q in [*blind, *(q for rows in later.values() for q in rows)]:
            if q["split"] != args.misses:
                continue
            r = search(q["question"], top=3)
            got = [(h.measure, h.article) for h in r.hits]
            ok = q["accepted"]
            if (not ok and not r.abstained) or (ok and (not got or got[0] not in ok)):
                print(f"{q['id']} [{q['style']}] {q['question']}  want={sorted(ok) or 'abstain'} "
                      f"got={got or r.reason}")
        return 0
    rankers = {"ours": ours(), "jieba+bm25": jieba_bm25(), "rapidfuzz": fuzzy()}
    print(f"blind set: {len(blind)} questions ({sum(1 for q in blind if q['expected'])} in scope); older set: "
          f"{len(older)}; index build {build * 1000:.0f} ms")
    head = (f"{'group':<26}{'n':>4} | {'ours top1':>9} {'top3':>5} {'mrr':>5} {'abst':>5} {'f.abst':>6} | "
            f"{'jieba+bm25':>9} {'top3':>5} | {'rapidfuzz':>9} {'top3':>5}")
    print(head)
    test = [q for q in blind if q["split"] == "test"]
    print(_row("BLIND TEST (never tuned)", test, rankers))
    for name, qs in sorted(groups(test, "  test", styles_of="test").items()):
        if name.strip() not in ("test all", "test test"):
            print(_row(name, qs, rankers))
    test7 = load_blind(ROUND7)
    print(_row("ROUND-7 TEST (never tuned)", test7, rankers))
    for name, qs in sorted(groups(test7, "  r7", styles_of="test").items()):
        if name.strip() not in ("r7 all", "r7 test"):
            print(_row(name, qs, rankers))
    test23 = load_blind(ROUND23)
    print(_row("R-23 PLAIN (never tuned)", test23, rankers))
    for name, qs in sorted(groups(test23, "  r23", styles_of="test").items()):
        if name.strip() not in ("r23 all", "r23 test"):
            print(_row(name, qs, rankers))
    test27 = load_blind(ROUND27)
    print(_row("R-27 EDGE (never tuned)", test27, rankers))
    for name, qs in sorted(groups(test27, "  r27", styles_of="test").items()):
        if name.strip() not in ("r27 all", "r27 test"):
            print(_row(name, qs, rankers))
    test40 = load_blind(ROUND40)
    print(_row("R-40 PLAIN (never tuned)", test40, rankers))
    for name, qs in sorted(groups(test40, "  r40", styles_of="test").items()):
        if name.strip() not in ("r40 all", "r40 test"):
            print(_row(name, qs, rankers))
    intro = load_blind(INTRO_TEST)
    print(_row("INTRO TEST (never tuned)", intro, rankers))
    for split in ("train", "dev"):
        print(_row(f"blind {split} (tuned on)", [q for q in blind if q["split"] == split], rankers))

    for n, rows in later.items():
        for split in ("dev", "train"):
            if any(q["split"] == split for q in rows):
                print(_row(f"round-{n} {split} (tuned on)", [q for q in rows if q["split"] == split], rankers))
    for split in ("train", "heldout"):
        print(_row(f"older {split} (not blind)", [q for q in older if q["split"] == split], rankers))
    print(_row("BLIND TEST, no curation", test, {"ours": no_curation()}))
    print(_row("ROUND-7 TEST, no curation", test7, {"ours": no_curation()}))
    print(_row("R-23 PLAIN, no curation", test23, {"ours": no_curation()}))
    print(_row("R-27 EDGE, no curation", test27, {"ours": no_curation()}))
    print(_row("R-40 PLAIN, no curation", test40, {"ours": no_curation()}))
    print("blind test: " + paragraph_and_modes(test))
    from handlers.answering import answer

    fresh = [q["question"] for q in test] + ["我" * 10_000 + "能评云岭工匠吗"]
    lat = []
    for question in fresh:  # questions this process has not answered yet, reply composed
        t = time.perf_counter()
        answer(question, contact="x")
        lat.append((time.perf_counter() - t) * 1000)
    long_ms = lat[-1]
    lat.sort()
    print(f"answer latency (search + reply, unseen questions, ms): p50 {statistics.median(lat):.2f}  "
          f"p95 {lat[int(len(lat) * 0.95)]:.2f}  max {lat[-1]:.2f}  ({len(lat)} questions); "
          f"a 10 000-character question {long_ms:.2f}")
    if args.quick:
        return 0
    for question in ("云岭工匠每年评几个", "雲嶺工匠評選條件是什麼", "云岭工匠申包要什么材料"):
        cs = cold_start(whole_cli=True, question=question)
        print(f"cold start `yunling ask {question!r}` (s): median {statistics.median(cs):.2f}  max {max(cs):.2f}")
    cs = cold_start(whole_cli=False)
    print(f"cold start, ask path only (s): median {statistics.median(cs):.2f}  max {max(cs):.2f}")
    print(f"resident memory with the index loaded: {memory_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
