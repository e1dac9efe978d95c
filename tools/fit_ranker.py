"""Fit the search's two small models on the blind set's train and dev splits (never its test split).

1. ``knowledge/lexicon/examples.json``: the train split's questions (and the older set's train split),
   normalised as the search normalises a question, each with its article, or none when out of scope.
2. ``knowledge/lexicon/ranker.json``: a logistic model that scores an article for a question from the
   search's signals (lexical BM25, nearest example, programme named, keywords, intents), fitted on the
   train split with each question's own example left out and on the dev split; a second one that says
   whether a question is about the measures at all; and the two thresholds: abstain below
   ``abstain_below`` (chosen so that at most ABSTAIN_IN of in-scope questions are abstained), ask "did
   you mean" below ``likely_above`` and answer with alternatives below ``sure_above`` (the best article is
   right at least LIKELY_PRECISION and SURE_PRECISION of the time above them, on the dev split).

    .venv/bin/python tools/fit_ranker.py          # rewrite both files and print the fit's figures
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.blind_set import accepted  # noqa: E402

BLIND = ROOT / "tests" / "data" / "blind.jsonl"
OLDER = ROOT / "tests" / "data" / "questions.jsonl"
LEXICON = ROOT / "knowledge" / "lexicon"
ABSTAIN_IN = 0.02  # share of in-scope fit questions that may be abstained on
SURE_PRECISION = 0.9
LIKELY_PRECISION = 0.7
L2 = 0.01


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def fit_logistic(xs: list[tuple[float, ...]], ys: list[int], epochs: int = 400, lr: float = 0.5,
                 balance: bool = False) -> list[float]:
    """Batch gradient descent with L2 (not on the bias); optional class balancing."""
    w = [0.0] * len(xs[0])
    pos = sum(ys) or 1
    neg = (len(ys) - sum(ys)) or 1
    cw = {1: len(ys) / (2 * pos), 0: len(ys) / (2 * neg)} if balance else {1: 1.0, 0: 1.0}
    for _ in range(epochs):
        grad = [0.0] * len(w)
        for x, y in zip(xs, ys, strict=True):
            z = sum(a * b for a, b in zip(w, x, strict=True))
            p = 1 / (1 + math.exp(-max(min(z, 30), -30)))
            g = (p - y) * cw[y]
            for j, xj in enumerate(x):
                grad[j] += g * xj
        for j in range(len(w)):
            w[j] -= lr * (grad[j] / len(xs) + (L2 * w[j] if j else 0.0))
    return w


def write_examples(blind: list[dict], older: list[dict]) -> None:
    import knowledge.search as s

    items = [{"id": r["id"], "q": r["question"], "ref": f"{r['expected'][0][0]}:{r['expected'][0][1]}"
              if r["expected"] else None, "paragraph": r.get("paragraph")}
             for r in [*blind, *older] if r["split"] == "train"]
    path = LEXICON / "examples.json"
    about = ("Questions people wrote, each with the article that answers it (ref null: out of scope): the "
             "train split of tests/data/blind.jsonl and of tests/data/questions.jsonl. 'n' is the question "
             "as the search normalises it. Written by tools/fit_ranker.py; never edit by hand.")
    path.write_text(json.dumps({"_about": about, "examples": [{**i, "n": ""} for i in items]},
                               ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    s.index.cache_clear()
    idx = s.index()
    for i in items:
        i["n"] = idx.correct(s.normalize(i["q"]))
    path.write_text(json.dumps({"_about": about, "examples": items}, ensure_ascii=False, indent=0) + "\n",
                    encoding="utf-8")
    s.index.cache_clear()


def main() -> int:
    blind, older = rows(BLIND), rows(OLDER)
    # The blind test split is never read here. The older set (written beside the lexicon) adds its
    # out-of-scope questions, which the blind train and dev splits have few of.
    fit = [r for r in blind if r["split"] in ("train", "dev")] + older
    write_examples(blind, older)
    import knowledge.search as s

    if not (LEXICON / "ranker.json").exists():  # a first fit: neutral weights so the search loads
        (LEXICON / "ranker.json").write_text(json.dumps({
            "rank": dict.fromkeys(s.RANK_FEATURES, 0.0), "scope": dict.fromkeys(s.SCOPE_FEATURES, 0.0),
            "abstain_below": 0.0, "sure_above": 0.0, "likely_above": 0.0}), encoding="utf-8")
    preps = []
    for r in fit:
        prep = s.prepare(r["question"], exclude=r["id"] if r["split"] == "train" else None)  # leave-one-out
        preps.append((r, prep))
    xs, ys = [], []
    for r, prep in preps:
        ok = accepted(r)
        if prep.reason or not ok:
            continue
        for c in prep.candidates:
            xs.append(c.features)
            ys.append(int(c.key in ok))
    rank = fit_logistic(xs, ys)
    model = s.Ranker(tuple(rank), (0.0,) * len(s.SCOPE_FEATURES), 0.0, 0.0, 0.0)
    sx, sy, tops = [], [], []
    for r, prep in preps:
        if prep.reason:
            continue
        scored = sorted(((model.rank_logit(c.features), c) for c in prep.candidates), key=lambda lc: -lc[0])
        sx.append(prep.scope_features(scored))
        sy.append(int(bool(r["expected"])))
        if r["split"] == "dev":  # train questions' own neighbours flatter them: calibrate on dev
            tops.append((s._sigmoid(scored[0][0]), scored[0][1].key in accepted(r), bool(r["expected"])))
    scope = fit_logistic(sx, sy, balance=True)
    model = s.Ranker(tuple(rank), tuple(scope), 0.0, 0.0, 0.0)
    p_in = sorted(model.in_scope(x) for x, y in zip(sx, sy, strict=True) if y)
    abstain_below = p_in[int(len(p_in) * ABSTAIN_IN)] if p_in else 0.5
    # Lowest threshold above which the best article is right at least SURE_PRECISION of the time.
    answered = sorted(((p, right) for p, right, inscope in tops if inscope), reverse=True)

    def lowest(precision: float) -> float:
        """Lowest threshold above which the best article is right at least ``precision`` of the time."""
        best, right_so_far = 1.0, 0
        for n, (p, right) in enumerate(answered, 1):
            right_so_far += right
            if right_so_far / n >= precision and n >= 5:
                best = p
        return best

    sure_above, likely_above = lowest(SURE_PRECISION), lowest(LIKELY_PRECISION)
    oos_out = sum(model.in_scope(x) < abstain_below for x, y in zip(sx, sy, strict=True) if not y)
    data = {"_about": "Fitted by tools/fit_ranker.py on the train and dev splits of tests/data/blind.jsonl; "
                      "never edit by hand.",
            "rank": dict(zip(s.RANK_FEATURES, (round(w, 4) for w in rank), strict=True)),
            "scope": dict(zip(s.SCOPE_FEATURES, (round(w, 4) for w in scope), strict=True)),
            "abstain_below": round(abstain_below, 4), "sure_above": round(sure_above, 4),
            "likely_above": round(likely_above, 4),
            "fitted_on": {"questions": len(fit), "candidate_pairs": len(xs)}}
    (LEXICON / "ranker.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    s.ranker.cache_clear()
    print(f"fitted on {len(fit)} questions ({len(xs)} candidate pairs); abstain below {abstain_below:.3f}, "
          f"sure above {sure_above:.3f}, likely above {likely_above:.3f}; out-of-scope fit questions abstained {oos_out}/{sy.count(0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
