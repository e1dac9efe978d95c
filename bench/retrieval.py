"""Retrieval benchmark: accuracy of ``knowledge.search`` on tests/data/questions.jsonl beside two baselines
(plain jieba + BM25 over article text, plain rapidfuzz over article text), latency, cold start and memory.

    .venv/bin/python bench/retrieval.py            # everything
    .venv/bin/python bench/retrieval.py --quick    # accuracy only (no cold-start / memory subprocesses)
    .venv/bin/python bench/retrieval.py --misses train   # list the misses of a split (tuning aid)

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
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"

Ranker = Callable[[str], tuple[list[tuple[str, int]], bool]]  # question -> (ranked articles, abstained)


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
        ok = {(m, a) for m, a in q["expected"]}
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


def groups(questions: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for q in questions:
        out["all"].append(q)
        out[f"split={q['split']}"].append(q)
        out[f"style={q['style']}"].append(q)
    return dict(sorted(out.items(), key=lambda kv: (kv[0] != "all", kv[0])))


ASK_ONLY = ("import sys; from handlers.answering import answer; from bot.render import render_text; "
            "print(render_text(answer(sys.argv[1], contact='x').reply))")


def cold_start(runs: int = 5, whole_cli: bool = True) -> list[float]:
    """Wall time of a fresh process answering one question: the whole ``yunling`` command (which imports
    every subcommand module) or only the ask path."""
    exe = ([sys.executable, "-m", "bot.cli", "ask", "云岭工匠每年评几个"] if whole_cli
           else [sys.executable, "-c", ASK_ONLY, "云岭工匠每年评几个"])
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(exe, cwd=ROOT, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        times.append(time.perf_counter() - t)
    return times


def memory_mb() -> float:
    code = ("import psutil, knowledge.search as s; s.search('云岭工匠申报条件'); s.search('typo 申抱'); "
            "print(psutil.Process().memory_info().rss / 2**20)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return float(out.stdout.strip())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="accuracy only")
    ap.add_argument("--misses", metavar="SPLIT", help="print the misses of SPLIT (train|heldout|all)")
    args = ap.parse_args()
    questions = load_questions()
    from knowledge.search import search

    t = time.perf_counter()
    search("预热")  # build the index once
    build = time.perf_counter() - t
    rankers = {"ours": ours(), "jieba+bm25": jieba_bm25(), "rapidfuzz": fuzzy()}
    if args.misses:
        for q in questions:
            if args.misses != "all" and q["split"] != args.misses:
                continue
            r = search(q["question"], top=3)
            got = [(h.measure, h.article) for h in r.hits]
            ok = {(m, a) for m, a in q["expected"]}
            if (not ok and not r.abstained) or (ok and (not got or got[0] not in ok)):
                print(f"{q['id']} [{q['style']}] {q['question']}  want={sorted(ok) or 'abstain'} "
                      f"got={got or r.reason}")
        return 0
    print(f"questions: {len(questions)} ({sum(1 for q in questions if q['expected'])} in scope, "
          f"{sum(1 for q in questions if not q['expected'])} out of scope); index build {build * 1000:.0f} ms")
    print(f"{'group':<22}{'n':>4} | {'ours top1':>9} {'top3':>5} {'mrr':>5} {'abst':>5} {'f.abst':>6} | "
          f"{'jieba+bm25':>10} {'top3':>5} | {'rapidfuzz':>9} {'top3':>5}")
    for name, qs in groups(questions).items():
        s = {k: score(qs, r) for k, r in rankers.items()}
        o = s["ours"]
        print(f"{name:<22}{int(o['n']):>4} | {o['top1']:>9.3f} {o['top3']:>5.3f} {o['mrr']:>5.3f} "
              f"{o['abstain']:>5.2f} {o['false_abstain']:>6.3f} | {s['jieba+bm25']['top1']:>10.3f} "
              f"{s['jieba+bm25']['top3']:>5.3f} | {s['rapidfuzz']['top1']:>9.3f} {s['rapidfuzz']['top3']:>5.3f}")
    lat = []
    for _ in range(3):
        for q in questions:
            t = time.perf_counter()
            search(q["question"])
            lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    print(f"latency per query (ms): p50 {statistics.median(lat):.2f}  p95 {lat[int(len(lat) * 0.95)]:.2f}  "
          f"max {lat[-1]:.2f}  ({len(lat)} queries)")
    if args.quick:
        return 0
    for whole, name in ((True, "`yunling ask \"…\"`"), (False, "ask path only (handlers.answering)")):
        cs = cold_start(whole_cli=whole)
        print(f"cold start {name} (s): median {statistics.median(cs):.2f}  max {max(cs):.2f}  "
              f"runs {', '.join(f'{x:.2f}' for x in cs)}")
    print(f"resident memory with the index loaded: {memory_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
