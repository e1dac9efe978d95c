"""The WeChat webhook's database path alone, in-process: CPU per message and statements per message.

    .venv/bin/python bench/wechat_db.py [--batch 4] [--messages 2400] [--db URL]

What the webhook does with a message of a person it knows, minus HTTP, crypto of the envelope and the FAQ's
search (the messages are menu words, menu taps and flow steps), batch after batch as its thread
(``bot.serial``) does: the batch's messages recorded in the inbox in one transaction, behind their replay
guards (the nonces, in one multi-row INSERT); on PostgreSQL the batch's chats then locked together, their
queues read with the locks (``ChannelStore.lock_all``); then the batch handled in one transaction
(``handle_many``; ``KeyedGuard``: the message key, the inbox row settled), each passive reply put in the
reply cache (encrypted) in that transaction. ``bench/wechat.py`` measures the whole webhook, but on a shared
machine its CPU per message varies by more than what a statement costs; this isolates the part that
statements cost.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ({"text": "菜单"}, {"choice": "cmd:help", "event": "menu"}, {"text": "2"}, {"text": "取消"})


def main() -> int:
    from sqlalchemy import event
    from sqlmodel import Session

    from handlers.dispatch import KeyedGuard
    from handlers.registry import build_dispatcher
    from handlers.settings import Settings
    from handlers.types import DispatchResult, Incoming
    from storage.channel_store import WeChatStore, run_steps
    from storage.db import init_db, make_engine, run_in_transaction

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=4, help="messages per transaction (default 4)")
    ap.add_argument("--messages", type=int, default=2400)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--db", default="", help="database URL (default: SQLite in a temporary directory)")
    args = ap.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/wechat_db.db"
    engine = make_engine(url)
    init_db(engine)
    d = build_dispatcher(engine, Settings(database_url=url, data_key="bench-key"))
    store = WeChatStore(engine, "bench-key")
    cached = datetime.now(UTC) + timedelta(minutes=5)
    sqlite = engine.dialect.name == "sqlite"
    batch = args.batch
    run = time.time_ns() // 1000 % 10**9  # keys unique to this run (a --db outlives it)
    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    def cache(key: str) -> Callable[[Session, DispatchResult], None]:
        """The webhook's ``after``: the passive reply into the reply cache (encrypted) with the commit."""
        return lambda session, result: store.cache_in(session, [(key, result.replies[0].text)], cached) and None

    def one_batch(n0: int) -> list[DispatchResult]:
        items, steps = [], []
        for n in range(n0, n0 + batch):
            key, user = f"b{run}:{n}", f"o{run}:{n % args.users}"
            steps.append(store.inbox_recorder(key, "x" * 200, chat=store.chat_of(user), guard=("wechat-nonce", f"n{key}"),
                                              replayed="replayed"))
            items.append((Incoming(channel="wechat", user_key=user, message_key=key, received_at=datetime.now(UTC),
                                   **KINDS[n // args.users % len(KINDS)]),  # type: ignore[arg-type]
                          KeyedGuard("wechat-nonce", None, "replayed", settle=("wechat", key)), cache(key)))
        assert run_in_transaction(engine, lambda s: run_steps(s, steps)) == [None] * len(steps)
        if sqlite:
            return d.handle_many(items)
        first = {store.chat_of(i.user_key): i.message_key for i, _g, _a in reversed(items)}
        held = store.lock_all(first)
        try:
            for chat, key in first.items():
                assert store.queue_of(held, chat, key) is not None
            return d.handle_many(items)
        finally:
            held.release()

    n = 0
    while n < args.users:  # everyone known: what is measured is a known person's message
        one_batch(n)
        n += batch
    event.listen(engine, "before_cursor_execute", count)
    cpu, total = time.process_time(), 0
    while total < args.messages:
        for result in one_batch(n):
            assert result.replies and not result.held, result
        n, total = n + batch, total + batch
    cpu = time.process_time() - cpu
    event.remove(engine, "before_cursor_execute", count)
    engine.dispose()
    print(f"WeChat database path, {engine.dialect.name}, {batch} message(s) per transaction, {total} messages: "
          f"CPU {cpu / total * 1000:.3f} ms per message, {statements[0] / total:.2f} statements per message "
          f"(the chat lock's own connection not counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
