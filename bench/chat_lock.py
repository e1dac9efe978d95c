"""What a chat lock costs (storage/chat_order.py): lock a chat, read its queue in the inbox, let go, in a loop,
on a fresh database of a PostgreSQL server; CPU of this process (the server process's side) and wall time per
cycle, beside a plain empty transaction for scale.

    python bench/chat_lock.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres [--cycles 2000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from sqlalchemy import text  # noqa: E402

from storage.channel_store import TelegramStore  # noqa: E402
from storage.db import init_db, make_engine  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="PostgreSQL URL of a database to connect to for CREATE DATABASE")
    parser.add_argument("--cycles", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=50)
    args = parser.parse_args()
    name = "yunling_lock_" + uuid.uuid4().hex[:8]
    admin = make_engine(args.db)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(args.db.rsplit("/", 1)[0] + "/" + name)
    try:
        init_db(engine)
        store = TelegramStore(engine, "bench-key")
        print(f"load average {os.getloadavg()[0]:.1f}; {args.cycles} cycles over {args.chats} chats")
        for label, cycles in (("warm-up", 100), ("measured", args.cycles)):
            wall, cpu = time.perf_counter(), time.process_time()
            for i in range(cycles):
                chat = store.chat_of(str(i % args.chats))
                held = store.lock(chat)
                store.queue_of(held, chat)
                held.release()
            print(f"  {label}: lock + read + release {(time.process_time() - cpu) / cycles * 1000:.2f} ms CPU, "
                  f"{(time.perf_counter() - wall) / cycles * 1000:.2f} ms wall per cycle")
        cpu = time.process_time()
        for _ in range(args.cycles):
            store.run(lambda s: s.execute(text("SELECT 1")))
        print(f"  for scale, an empty transaction: {(time.process_time() - cpu) / args.cycles * 1000:.2f} ms CPU")
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
