"""``yunling ask``: answer questions from the measures in the terminal, without a database.

    yunling ask "云岭工匠每年评几个"          # the answer as text
    yunling ask --json "问题"                # one JSON object
    yunling ask --json < questions.txt       # one JSON line per input line, in one process
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

MAX_TOP = 20


def _top(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 1 <= n <= MAX_TOP:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_TOP}")
    return n


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="answer a question from the four measures (no database needed)",
                       description="Answer a question from the four measures, citing the articles. Without a "
                       "question argument, reads one question per line from standard input.")
    p.add_argument("question", nargs="?", help="the question; omit it to read questions from standard input")
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument("--lang", choices=["zh", "en"], help="answer language (default: the question's language)")
    p.add_argument("--top", type=_top, default=3, metavar="N", help="citations listed in --json (default 3)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    from bot.config import one_setting

    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    contact = one_setting("human_contact")  # no database, no key file, not the whole settings model
    if args.question is not None:
        stdout.write(_one(args.question, args, contact) + "\n")
        return 0
    first = True
    for line in stdin:
        out = _one(line.rstrip("\r\n"), args, contact)
        if not args.json and not first:
            stdout.write("\n")
        stdout.write(out + "\n")
        stdout.flush()
        first = False
    return 0


def _one(question: str, args: argparse.Namespace, contact: str) -> str:
    from bot.render import render_text
    from handlers.answering import answer

    asked = answer(question, locale=args.lang, contact=contact, top=args.top)
    text = render_text(asked.reply)
    if not args.json:
        return text
    return json.dumps({
        "question": question,
        "answer": text,
        "abstained": asked.result.abstained,
        "citations": [{"measure": h.measure, "article": h.article, "score": h.score} for h in asked.result.hits],
    }, ensure_ascii=False)
