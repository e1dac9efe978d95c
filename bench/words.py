"""How well the assistant understands the words that work everywhere and small talk in people's own words
(`handlers/own_words.py`, `handlers/smalltalk.py`, the global and function words of `handlers/routing.py`).

    python bench/words.py [--file tests/data/words_blind.jsonl] [--misses]

Each line of the file: {"id", "message", "intent", "lang", "split"}; ``intent`` one of INTENTS (``question``:
anything else, a question the FAQ or a flow should take). Every message goes through the real dispatcher (an
in-process SQLite database), sent by a new person right after an answered question; what happened is read
off the conversation and the replies: the hand-off opened, the language set, the tickets or reminders
shown, small talk answered, the main menu shown (then sent again inside a check, where "cancelled" tells a
cancel from a menu). Prints, per split, accuracy, each intent's precision and recall, and how many
questions were taken for a word (the costly mistake: a question never answered). The test split is
written blind and frozen by hash (tests/test_words_blind.py); it is reported on its own line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

INTENTS = ("human", "cancel", "menu", "tickets", "unsubscribe", "language_zh", "language_en", "thanks", "ack",
           "bye", "done", "question")
FIRST = {"zh": "云岭工匠每年评几个", "en": "How many Yunling Craftsmen are named each year?"}


class Probe:
    """A dispatcher on a fresh database, and the markers of each outcome in both languages."""

    def __init__(self) -> None:
        from conftest import TZ, Clock  # the transcript driver of the tests

        from handlers.flow import LANGUAGE_SET
        from handlers.i18n import translator
        from handlers.registry import build_dispatcher
        from handlers.settings import Settings
        from handlers.smalltalk import ACK, ACK_WITH_CHOICES, REPLIES, THANKS_AT_STEP
        from storage.db import init_db, make_engine

        url = f"sqlite:///{tempfile.mkdtemp()}/words.db"
        self.engine = make_engine(url)
        init_db(self.engine)
        self.dispatcher = build_dispatcher(self.engine, Settings(database_url=url, data_key="bench-key-not-secret"))
        self.clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=TZ))
        self.n = 0
        zh, en = translator("zh"), translator("en")
        self.language = {zh(LANGUAGE_SET): "language_zh", en(LANGUAGE_SET): "language_en"}
        self.tickets = {t("You have no open tickets. Type 'human' to ask a union clerk.") for t in (zh, en)}
        self.unsubscribe = {t("You have no reminder subscriptions.") for t in (zh, en)}
        self.talk = {t(text): kind for t in (zh, en) for kind, text in
                     (*REPLIES.items(), (ACK, ACK_WITH_CHOICES), ("thanks", THANKS_AT_STEP))}
        self.cancelled = {t("Cancelled. What would you like to do next?") for t in (zh, en)}
        self.menu_values = None

    def person(self, lang: str):  # type: ignore[no-untyped-def]
        from conftest import Person

        self.n += 1
        return Person(self.dispatcher, self.clock, f"w{self.n}", locale=lang)

    def _flow(self, user: str) -> str:
        from sqlmodel import Session

        from storage import repositories as repo

        with Session(self.engine) as s:
            who = repo.identify(session=s, channel="console", user_key=user)
            return repo.load_conversation(session=s, identity_id=who.identity_id).flow or ""

    def _menu(self, lang: str) -> list[str]:
        if self.menu_values is None:
            p = self.person(lang)
            p.say("菜单")
            self.menu_values = p.choice_values()
        return self.menu_values

    def outcome(self, message: str, lang: str) -> str:
        """What the message did, as one of INTENTS (``question``: none of the words)."""
        p = self.person(lang)
        p.say(FIRST[lang])
        p.say(message)
        texts = [r.text for r in p.replies]
        if self._flow(p.user) == "handoff":
            return "human"
        for text in texts:
            for marker, what in self.language.items():
                if text.endswith(marker):
                    return what
            if text in self.tickets:
                return "tickets"
            if text in self.unsubscribe:
                return "unsubscribe"
            if text in self.talk and not any(r.citations for r in p.replies):
                return self.talk[text]
        if any(r.citations for r in p.replies) or p.choice_values() != self._menu(lang):
            return "question"
        # The main menu: a cancel or the menu. Inside a check, only a cancel says "cancelled".
        q = self.person(lang)
        q.say("云岭工匠")
        q.say(message)
        return "cancel" if any(r.text.split("\n")[0] in self.cancelled for r in q.replies) else "menu"


def score(rows: list[dict], predicted: list[str]) -> dict:
    pairs = list(zip((r["intent"] for r in rows), predicted, strict=True))
    out: dict = {"n": len(rows), "accuracy": sum(g == p for g, p in pairs) / len(rows) if rows else 0.0, "intents": {}}
    for intent in INTENTS:
        gold = sum(g == intent for g, _p in pairs)
        said = sum(p == intent for _g, p in pairs)
        right = sum(g == p == intent for g, p in pairs)
        out["intents"][intent] = (gold, right / said if said else None, right / gold if gold else None)
    questions = [p for g, p in pairs if g == "question"]
    out["questions_taken"] = (sum(p != "question" for p in questions), len(questions))
    return out


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", default=str(ROOT / "tests" / "data" / "words_blind.jsonl"))
    ap.add_argument("--misses", action="store_true", help="print each message whose outcome is not its label")
    args = ap.parse_args(argv)
    rows = [json.loads(line) for line in Path(args.file).read_text(encoding="utf-8").splitlines() if line.strip()]
    probe = Probe()
    start = time.process_time()
    predicted = [probe.outcome(r["message"], r["lang"]) for r in rows]
    cpu = (time.process_time() - start) / max(1, len(rows))
    probe.engine.dispose()
    for split in ("dev", "test"):
        chosen = [(r, p) for r, p in zip(rows, predicted, strict=True) if r.get("split") == split]
        if not chosen:
            continue
        s = score([r for r, _p in chosen], [p for _r, p in chosen])
        taken, questions = s["questions_taken"]
        print(f"{split} ({'blind, frozen: never tuned on' if split == 'test' else 'tuned on'}): {s['n']} messages, "
              f"accuracy {s['accuracy']:.3f}; questions taken for a word {taken}/{questions}")
        for intent, (gold, precision, recall) in s["intents"].items():
            print(f"  {intent:<12} n={gold:>3}  precision {_fmt(precision)}  recall {_fmt(recall)}")
    print(f"CPU per message (two or three turns through the dispatcher): {cpu * 1000:.1f} ms")
    if args.misses:
        for r, p in zip(rows, predicted, strict=True):
            if p != r["intent"]:
                print(f"[{r.get('split')}] {r['intent']:>12} -> {p:<12} {r['message']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
