"""How well the assistant tells "check me" from a question (``knowledge.facts.routing.asks_to_check``).

    python bench/selfcheck.py [--misses]

The files (tests/data/selfcheck_dev.jsonl, tests/data/selfcheck_test.jsonl; the brief is
tests/data/blind_sources/selfcheck_brief.md) hold first messages written blind, each {"message", "lang",
"programme", "label"}: ``check`` when the person asks whether they (or one they speak for) qualify and says
nothing of the case ("帮我看看我能不能评云岭工匠", "am I eligible for the Yunling Craftsman award?"): the
eligibility check should open; ``answer`` for the near misses the articles answer (the rules in general, a
judge's seat, documents, money, a check-me question with another question in it). Each message goes, as a new
person's first, through the real dispatcher (an in-process SQLite database); its outcome is read off the
conversation: a check is open (an eligibility check, or the listener confirming facts before one) or not.
Prints, per split, accuracy, each label's precision and recall, and how many opened checks are of the
programme the message named. The test split (writer B) is frozen by hash (tests/test_selfcheck_blind.py) and
reported on its own line: it was never tuned on. Last, the other side of the coin: how many questions of the
FAQ's blind sets (train and dev splits, each labelled with the article that answers it) would open a check
instead of being answered, with what the routing makes of each (no dispatcher: 40 000 questions).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILES = {"dev": ROOT / "tests" / "data" / "selfcheck_dev.jsonl", "test": ROOT / "tests" / "data" / "selfcheck_test.jsonl"}
# The checks a message may open, by the programme they are about.
CHECKS = {"craftsman": "craftsman", "studio": "studio", "station": "station", "training_eligibility": "training"}


def rows(split: str) -> list[dict]:
    return [json.loads(line) for line in FILES[split].read_text(encoding="utf-8").splitlines() if line.strip()]


def _words_probe() -> type:
    """bench/words.py's Probe: a dispatcher on a fresh database, its people and their conversations' flow."""
    spec = importlib.util.spec_from_file_location("bench_words", ROOT / "bench" / "words.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Probe


class Probe(_words_probe()):  # type: ignore[misc]
    """Each message is a new person's first."""

    def opened(self, message: str, lang: str) -> str | None:
        """The programme of the check the message opened, or None (answered, or anything else)."""
        p = self.person(lang)
        p.say(message)
        flow = self._flow(p.user)
        flow = flow.removeprefix("listen_").removesuffix("_eligibility") if flow.startswith("listen_") else flow
        return CHECKS.get(flow, CHECKS.get(f"{flow}_eligibility")) if flow else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--misses", action="store_true", help="print the dev messages whose outcome is not their label")
    args = ap.parse_args(argv)
    probe = Probe()
    for split in ("dev", "test"):
        data = rows(split)
        start = time.process_time()
        opened = [probe.opened(r["message"], r["lang"]) for r in data]
        cpu = (time.process_time() - start) / max(1, len(data))
        said = ["check" if o else "answer" for o in opened]
        right = sum(r["label"] == s for r, s in zip(data, said, strict=True))
        print(f"{split} ({'blind, frozen: never tuned on' if split == 'test' else 'tuned on'}): {len(data)} messages, "
              f"accuracy {right / len(data):.3f}; {cpu * 1000:.1f} ms CPU per message")
        for label in ("check", "answer"):
            gold = sum(r["label"] == label for r in data)
            guessed = sum(s == label for s in said)
            hit = sum(r["label"] == s == label for r, s in zip(data, said, strict=True))
            print(f"  {label:<7} n={gold:>3}  precision {hit / guessed if guessed else 0:.3f}  "
                  f"recall {hit / gold if gold else 0:.3f}")
        checks = [(r, o) for r, o in zip(data, opened, strict=True) if o and r["label"] == "check"]
        print(f"  checks opened of the programme named: {sum(r['programme'] == o for r, o in checks)}/{len(checks)}")
        if args.misses and split == "dev":
            for r, s in zip(data, said, strict=True):
                if s != r["label"]:
                    print(f"    {r['label']:>6} -> {s:<6} {r['message']}")
    probe.engine.dispose()
    _faq_side(args.misses)
    return 0


def _faq_side(show: bool) -> None:
    from knowledge.facts import extract, lead

    opened, n, described = [], 0, 0
    for path in sorted((ROOT / "tests" / "data").glob("blind*.jsonl")):
        if "test" in path.name:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line) if line.strip() else {}
            if not r or r.get("split") == "test":
                continue
            n += 1
            facts = extract(r["question"])
            found = lead(r["question"], facts)
            if found is not None and found.opens and not facts.personal:  # opened by asks_to_check alone
                opened.append(r)
            elif found is not None and found.opens:
                described += 1
    print(f"FAQ questions (blind sets, train and dev) that open a check with nothing said of the case: "
          f"{len(opened)}/{n}")
    # Questions the writers meant for an article, yet read as a case described: some are (a person's case, then
    # "where do I file?"); a rise here is facts read into rule questions (a guard while tuning the facts).
    print(f"FAQ questions (blind sets, train and dev) read as a case described, the check opened: {described}/{n}")
    if show:
        for r in opened:
            print(f"    {r['expected']} {r['question']}")


if __name__ == "__main__":
    raise SystemExit(main())
