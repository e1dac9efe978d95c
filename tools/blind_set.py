"""Assemble the blind question set (tests/data/blind.jsonl) from the writers' files, once.

The writers were helper sessions given only the text of some articles and a persona, never the code,
the lexicon or the curation (their brief and how they were run: tests/data/README.md). This tool
validates their lines, resolves each question's deciding paragraph from the verbatim snippet the writer
copied, lists the articles of other measures that say the same thing (``equivalent``, computed from the
measures' text, not from the questions), and splits the set ONCE into train / dev / test, stratified by
writer and style with a fixed seed. Running it again on the same input gives the same file; the test
split is then frozen by its hash in tests/test_blind_set.py, so re-splitting is caught.

A second round of writers (same method, more questions) gives training data only: ``--round 2`` writes
tests/data/blind_round2.jsonl split into train / dev (no test split: round 1's test split stays the
only one), leaving out any question that repeats a round-1 question, and checks every line (the
article exists, the deciding snippet occurs verbatim in it) and counts what fails.

    .venv/bin/python tools/blind_set.py /tmp/blind/out/w*.jsonl
    .venv/bin/python tools/blind_set.py --round 2 /tmp/blind2/out/t*.jsonl
    .venv/bin/python tools/blind_set.py --round 3 /tmp/blind3/out/u*.jsonl
    .venv/bin/python tools/blind_set.py --round 4 /tmp/blind4/out/v*.jsonl
    .venv/bin/python tools/blind_set.py --round 5 /tmp/blind5/out/x*.jsonl
    .venv/bin/python tools/blind_set.py --round 6 /tmp/blind6/out/y*.jsonl
    .venv/bin/python tools/blind_set.py --round 7 /tmp/blind7/out/z*.jsonl   # a second test set, all test
    .venv/bin/python tools/blind_set.py --round 8 /tmp/blind8/out/q*.jsonl
    .venv/bin/python tools/blind_set.py --round 9 /tmp/blind9/out/w*.jsonl
    .venv/bin/python tools/blind_set.py --round 10 /tmp/blind10/out/v*.jsonl
    .venv/bin/python tools/blind_set.py --round 11 /tmp/blind11/out/u*.jsonl
    .venv/bin/python tools/blind_set.py --round 12 /tmp/blind12/out/t*.jsonl
    .venv/bin/python tools/blind_set.py --round 13 /tmp/blind13/out/d*.jsonl
    .venv/bin/python tools/blind_set.py --round 14 /tmp/blind14/out/e*.jsonl
    .venv/bin/python tools/blind_set.py --round 15 /tmp/blind15/out/f*.jsonl
    .venv/bin/python tools/blind_set.py --round 16 /tmp/blind16/out/g*.jsonl
    .venv/bin/python tools/blind_set.py --round 17 /tmp/blind17/out/h*.jsonl
    .venv/bin/python tools/blind_set.py --round 18 /tmp/blind18/out/k*.jsonl
    .venv/bin/python tools/blind_set.py --round 19 /tmp/blind19/out/m*.jsonl
    .venv/bin/python tools/blind_set.py --round 20 /tmp/blind20/out/p*.jsonl
    .venv/bin/python tools/blind_set.py --round 21 /tmp/blind21/out/n*.jsonl
    .venv/bin/python tools/blind_set.py --round 22 /tmp/blind22/out/j*.jsonl
    .venv/bin/python tools/blind_set.py --round 23 /tmp/blind23/out/i*.jsonl
    .venv/bin/python tools/blind_set.py --round 24 /tmp/blind24/out/o*.jsonl
    .venv/bin/python tools/blind_set.py --round 25 /tmp/blind25/out/l*.jsonl
    .venv/bin/python tools/blind_set.py --round 26 /tmp/blind26/out/A*.jsonl   # pairs at the edge
    .venv/bin/python tools/blind_set.py --round 27 /tmp/blind27/out/B*.jsonl   # the same, a fourth test set
    .venv/bin/python tools/blind_set.py --round 28 /tmp/blind28/out/C*.jsonl   # the same, to train on
    .venv/bin/python tools/blind_set.py --round 29 /tmp/blind29/out/D*.jsonl   # the same, half in English
    .venv/bin/python tools/blind_set.py --round 30 /tmp/blind30/out/E*.jsonl   # the same, to train on
    .venv/bin/python tools/blind_set.py --round 31 /tmp/blind31/out/F*.jsonl   # the same
    .venv/bin/python tools/blind_set.py --round 32 /tmp/blind32/out/G*.jsonl   # plain questions, most out of scope
    .venv/bin/python tools/blind_set.py --round 33 /tmp/blind33/out/H*.jsonl   # near the measures' world, much in English
    .venv/bin/python tools/blind_set.py --round 34 /tmp/blind34/out/I*.jsonl   # pairs at the edge, half in English
    .venv/bin/python tools/blind_set.py --round 35 /tmp/blind35/out/J*.jsonl   # the same, new personas
    .venv/bin/python tools/blind_set.py --round 36 /tmp/blind36/out/K*.jsonl   # the same
    .venv/bin/python tools/blind_set.py --round 37 /tmp/blind37/out/L*.jsonl   # the same, new personas
    .venv/bin/python tools/blind_set.py --round 38 /tmp/blind38/out/M*.jsonl   # near the measures' world, new topics
    .venv/bin/python tools/blind_set.py --round 39 /tmp/blind39/out/N*.jsonl   # pairs at the edge, mostly English
    .venv/bin/python tools/blind_set.py --round 40 /tmp/blind40/out/O*.jsonl   # plain first questions, a fifth test set
    .venv/bin/python tools/blind_set.py --round 41 /tmp/blind41/out/P*.jsonl   # Yunnan dialect and everyday talk, to train on
    .venv/bin/python tools/blind_set.py --round 42 /tmp/blind42/out/Q*.jsonl   # a newcomer's first plain questions, to train on
    .venv/bin/python tools/blind_set.py --round 43 /tmp/blind42/out/Q[345].jsonl   # round 42's brief, the three other programmes
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from knowledge.answer import same_rule  # noqa: E402
from knowledge.loader import load_measures  # noqa: E402
from knowledge.text import squash  # noqa: E402

OUT = ROOT / "tests" / "data" / "blind.jsonl"
OLDER = ROOT / "tests" / "data" / "questions.jsonl"
OUT_ROUND2 = ROOT / "tests" / "data" / "blind_round2.jsonl"
OUT_ROUND3 = ROOT / "tests" / "data" / "blind_round3.jsonl"
OUT_ROUND4 = ROOT / "tests" / "data" / "blind_round4.jsonl"
OUT_ROUND5 = ROOT / "tests" / "data" / "blind_round5.jsonl"
OUT_ROUND6 = ROOT / "tests" / "data" / "blind_round6.jsonl"
# Round 7 was written for measuring only: all of it is a second test split, frozen by hash, never tuned on.
OUT_ROUND7 = ROOT / "tests" / "data" / "blind_round7_test.jsonl"
OUT_ROUND8 = ROOT / "tests" / "data" / "blind_round8.jsonl"  # training again, after round 7
OUT_ROUND9 = ROOT / "tests" / "data" / "blind_round9.jsonl"
OUT_ROUND10 = ROOT / "tests" / "data" / "blind_round10.jsonl"
OUT_ROUND11 = ROOT / "tests" / "data" / "blind_round11.jsonl"
OUT_ROUND12 = ROOT / "tests" / "data" / "blind_round12.jsonl"
OUT_ROUND13 = ROOT / "tests" / "data" / "blind_round13.jsonl"
OUT_ROUND14 = ROOT / "tests" / "data" / "blind_round14.jsonl"
OUT_ROUND15 = ROOT / "tests" / "data" / "blind_round15.jsonl"
OUT_ROUND16 = ROOT / "tests" / "data" / "blind_round16.jsonl"
OUT_ROUND17 = ROOT / "tests" / "data" / "blind_round17.jsonl"
OUT_ROUND18 = ROOT / "tests" / "data" / "blind_round18.jsonl"
OUT_ROUND19 = ROOT / "tests" / "data" / "blind_round19.jsonl"
OUT_ROUND20 = ROOT / "tests" / "data" / "blind_round20.jsonl"
OUT_ROUND21 = ROOT / "tests" / "data" / "blind_round21.jsonl"
OUT_ROUND22 = ROOT / "tests" / "data" / "blind_round22.jsonl"
OUT_ROUND23 = ROOT / "tests" / "data" / "blind_round23_test.jsonl"
OUT_ROUND24 = ROOT / "tests" / "data" / "blind_round24.jsonl"
OUT_ROUND25 = ROOT / "tests" / "data" / "blind_round25.jsonl"
OUT_ROUND26 = ROOT / "tests" / "data" / "blind_round26.jsonl"
OUT_ROUND27 = ROOT / "tests" / "data" / "blind_round27_test.jsonl"
OUT_ROUND28 = ROOT / "tests" / "data" / "blind_round28.jsonl"
OUT_ROUND29 = ROOT / "tests" / "data" / "blind_round29.jsonl"
OUT_ROUND30 = ROOT / "tests" / "data" / "blind_round30.jsonl"
OUT_ROUND31 = ROOT / "tests" / "data" / "blind_round31.jsonl"
OUT_ROUND32 = ROOT / "tests" / "data" / "blind_round32.jsonl"
OUT_ROUND33 = ROOT / "tests" / "data" / "blind_round33.jsonl"
OUT_ROUND34 = ROOT / "tests" / "data" / "blind_round34.jsonl"
OUT_ROUND35 = ROOT / "tests" / "data" / "blind_round35.jsonl"
OUT_ROUND36 = ROOT / "tests" / "data" / "blind_round36.jsonl"
OUT_ROUND37 = ROOT / "tests" / "data" / "blind_round37.jsonl"
OUT_ROUND38 = ROOT / "tests" / "data" / "blind_round38.jsonl"
OUT_ROUND39 = ROOT / "tests" / "data" / "blind_round39.jsonl"
OUT_ROUND40 = ROOT / "tests" / "data" / "blind_round40_test.jsonl"
OUT_ROUND41 = ROOT / "tests" / "data" / "blind_round41.jsonl"
OUT_ROUND42 = ROOT / "tests" / "data" / "blind_round42.jsonl"
OUT_ROUND43 = ROOT / "tests" / "data" / "blind_round43.jsonl"
STYLES = {"colloquial", "english", "formal", "keyword", "typo", "traditional"}
SPLITS = (("train", 0.45), ("dev", 0.20), ("test", 0.35))
SPLITS_ROUND2 = (("train", 0.80), ("dev", 0.20), ("test", 0.0))
SEED = 20261129
SEED_ROUND2 = 20261130
# Later rounds: training data only, each split once with its own seed, file and id prefix.
LATER = {2: (OUT_ROUND2, SEED_ROUND2, "r"), 3: (OUT_ROUND3, 20261201, "s"), 4: (OUT_ROUND4, 20261202, "t"),
         5: (OUT_ROUND5, 20261203, "u"), 6: (OUT_ROUND6, 20261204, "v"), 7: (OUT_ROUND7, 20261205, "w"),
         8: (OUT_ROUND8, 20261206, "x"), 9: (OUT_ROUND9, 20261207, "y"),
         10: (OUT_ROUND10, 20261208, "z"), 11: (OUT_ROUND11, 20261209, "a"),
         12: (OUT_ROUND12, 20261210, "c"), 13: (OUT_ROUND13, 20261211, "d"),
         14: (OUT_ROUND14, 20261212, "e"), 15: (OUT_ROUND15, 20261213, "f"),
         16: (OUT_ROUND16, 20261214, "g"), 17: (OUT_ROUND17, 20261215, "h"),
         18: (OUT_ROUND18, 20261216, "k"), 19: (OUT_ROUND19, 20261217, "m"),
         20: (OUT_ROUND20, 20261218, "p"), 21: (OUT_ROUND21, 20261219, "n"),
         22: (OUT_ROUND22, 20261220, "j"), 23: (OUT_ROUND23, 20261221, "i"),
         24: (OUT_ROUND24, 20261222, "o"), 25: (OUT_ROUND25, 20261223, "l"),
         26: (OUT_ROUND26, 20261224, "A"), 27: (OUT_ROUND27, 20261225, "B"),
         28: (OUT_ROUND28, 20261226, "C"), 29: (OUT_ROUND29, 20261227, "D"),
         30: (OUT_ROUND30, 20261228, "E"), 31: (OUT_ROUND31, 20261229, "F"),
         32: (OUT_ROUND32, 20261230, "G"), 33: (OUT_ROUND33, 20261231, "H"),
         34: (OUT_ROUND34, 20270101, "I"),
         35: (OUT_ROUND35, 20270102, "J"),
         36: (OUT_ROUND36, 20270103, "K"),
         37: (OUT_ROUND37, 20270104, "L"),
         38: (OUT_ROUND38, 20270105, "M"),
         39: (OUT_ROUND39, 20270106, "N"),
         40: (OUT_ROUND40, 20270107, "O"),
         41: (OUT_ROUND41, 20270108, "P"),
         42: (OUT_ROUND42, 20270109, "Q"),
         43: (OUT_ROUND43, 20270110, "R")}  # every lower-case letter is taken
TEST_ONLY = (("train", 0.0), ("dev", 0.0), ("test", 1.0))
TEST_ROUNDS = frozenset({7, 23, 27, 40})  # written blind, measured, never trained or tuned on
# The rounds the search learns from and is tuned on (train / dev), by number: every later round but round 7.
TRAINING_ROUNDS = {n: out for n, (out, _seed, _prefix) in LATER.items() if n not in TEST_ROUNDS}


def paragraph_of(measure: str, article: int, snippet: str | None) -> int | None:
    """1-based paragraph holding the writer's verbatim snippet (None for one-paragraph articles)."""
    paras = load_measures()[measure].article(article).paragraphs
    if len(paras) == 1 or not snippet:
        return None
    s = squash(snippet)
    for p in paras:
        if s in squash(p.text):
            return p.index
    return max(paras, key=lambda p: fuzz.partial_ratio(s, squash(p.text))).index


def build(paths: list[Path], splits: tuple[tuple[str, float], ...] = SPLITS, seed: int = SEED,
          prefix: str = "b", known: frozenset[str] = frozenset(),
          problems: dict[str, int] | None = None, key: Callable[[str], str] = squash) -> list[dict]:
    """The writers' lines as labelled rows, split once. ``known``: questions to leave out (an earlier
    round's), as ``key`` gives them; ``problems`` counts the lines left out, by reason."""
    problems = {} if problems is None else problems
    rows = _read(paths, set(known), problems, key)
    _split(rows, splits, seed)
    rows.sort(key=lambda r: (r["writer"], r["line"]))
    for i, r in enumerate(rows, 1):
        r["id"] = f"{prefix}{i:04d}"
        del r["line"]
    return rows


def _read(paths: list[Path], seen: set[str], problems: dict[str, int], key: Callable[[str], str]) -> list[dict]:
    measures = load_measures()
    same = same_rule()  # the assistant's own table of articles stating the same rule
    rows: list[dict] = []
    for path in sorted(paths):
        writer = path.stem
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            q = json.loads(line)
            text = " ".join(str(q["question"]).split())
            if not text or key(text) in seen:
                problems["repeat"] = problems.get("repeat", 0) + 1
                continue  # an exact repeat of another writer's question adds nothing
            seen.add(key(text))
            style = q.get("style") if q.get("style") in STYLES else "colloquial"
            row = {"question": text, "style": style, "persona": q.get("persona", ""), "writer": writer,
                   "line": n}
            if q.get("in_scope") and q.get("measure") in measures:
                m, a = q["measure"], int(q["article"])
                article = measures[m].article(a)  # raises for an article that does not exist
                if q.get("deciding_text") and squash(q["deciding_text"]) not in squash(article.text):
                    problems["snippet not in article"] = problems.get("snippet not in article", 0) + 1
                row.update(expected=[[m, a]], paragraph=paragraph_of(m, a, q.get("deciding_text")),
                           deciding_text=q.get("deciding_text"), equivalent=[list(k) for k in same.get((m, a), [])])
            else:
                row.update(expected=[], paragraph=None, deciding_text=None, equivalent=[])
            rows.append(row)
    return rows


def _split(rows: list[dict], splits: tuple[tuple[str, float], ...], seed: int) -> None:
    """Stratified split: within each (writer, in/out of scope, style) group, shuffled with a fixed seed."""
    rng = random.Random(seed)
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["writer"], bool(r["expected"]), r["style"])].append(r)
    for key in sorted(groups):
        g = groups[key]
        rng.shuffle(g)
        cut1 = round(len(g) * splits[0][1])
        cut2 = cut1 + round(len(g) * splits[1][1])
        for i, r in enumerate(g):
            r["split"] = "train" if i < cut1 else "dev" if i < cut2 else "test"


def _folded(text: str) -> str:
    from knowledge.search import fold

    return squash(fold(text))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--round", type=int, choices=(1, *LATER), default=1)
    args = ap.parse_args()
    problems: dict[str, int] = {}
    if args.round == 1:
        args.out = args.out or OUT
        rows = build(args.files, problems=problems)
    else:
        out, seed, prefix = LATER[args.round]
        args.out = args.out or out
        # A repeat of a question of an earlier round or of the older set (tests/data/questions.jsonl) is
        # left out ...
        earlier = [OUT, OLDER, *(LATER[r][0] for r in LATER if r < args.round)]
        first = [json.loads(line) for path in earlier
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if args.round >= 23:  # ... or of the FAQ's own questions, which train the search (the plain register)
            answers = json.loads((ROOT / "knowledge" / "lexicon" / "answers.json").read_text(encoding="utf-8"))
            first += [{"question": a[f"q_{lang}"]} for a in answers["answers"] for lang in ("zh", "en")]
        # From round 3 on, a repeat is also one that differs only in case or script (the search's fold).
        key = squash if args.round == 2 else _folded
        rows = build(args.files, TEST_ONLY if args.round in TEST_ROUNDS else SPLITS_ROUND2, seed, prefix,
                     frozenset(key(" ".join(r["question"].split())) for r in first), problems, key)
    keys = ("id", "question", "style", "persona", "writer", "expected", "paragraph", "deciding_text",
            "equivalent", "split")
    with args.out.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps({k: r[k] for k in keys}, ensure_ascii=False) + "\n")
    count: dict[str, int] = defaultdict(int)
    for r in rows:
        count[r["split"]] += 1
        count["oos" if not r["expected"] else r["style"]] += 1
    print(f"{len(rows)} questions -> {args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(count.items())))
    print("left out or flagged: " + (", ".join(f"{k} {v}" for k, v in sorted(problems.items())) or "none"))
    return 0


# Words that name a programme, for scoring only (fixed here, not the search's lexicon): an article of
# another measure that says the same thing answers a question that names neither programme.
PROGRAMME_WORDS = {"craftsman": ("工匠", "craftsm", "artisan"), "studio": ("工作室", "studio"),
                   "station": ("工作站", "station"), "training": ("培训", "培訓", "training")}


def accepted(row: dict) -> set[tuple[str, int]]:
    """The articles that answer ``row``: the one its writer had, plus those of other measures saying the
    same rule when the question names neither programme."""
    ok = {(m, a) for m, a in row["expected"]}
    text = row["question"].lower()
    named = {m for m, words in PROGRAMME_WORDS.items() if any(w in text for w in words)}
    for m, a in row.get("equivalent", ()):
        if m in named or not named & {m, *(e[0] for e in row["expected"])}:
            ok.add((m, a))
    return ok


if __name__ == "__main__":
    sys.exit(main())
