"""The CI scaffolding: the throw-away PostgreSQL cluster is removed however its command ends, and the
suite's thread check (conftest) notices a thread left running."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import threads_left

ROOT = Path(__file__).resolve().parent.parent
HAS_SERVER = bool(glob.glob("/usr/lib/postgresql/*/bin/postgres"))

PROBE = ("import os, psycopg; url = os.environ['YUNLING_TEST_DATABASE_URL'].replace('+psycopg', ''); "
         "print(os.environ['PGDATA']); print(psycopg.connect(url).execute('select 40 + 2').fetchone()[0])")


@pytest.mark.skipif(not HAS_SERVER or os.geteuid() != 0, reason="needs Debian's postgresql and root")
def test_with_postgres_removes_its_cluster() -> None:
    status = 3  # the command's own exit status comes back
    out = subprocess.run([str(ROOT / ".ci" / "with-postgres"), "sh", "-c", f'"$0" -c "$1"; exit {status}',
                          sys.executable, PROBE], capture_output=True, text=True, timeout=120)
    assert out.returncode == status, out.stderr
    pgdata, answer = out.stdout.split()
    assert answer == "42"
    assert pgdata.startswith("/tmp/yunling-pg.") and not os.path.exists(pgdata)


def test_a_thread_left_running_is_reported() -> None:
    before = set(threading.enumerate())
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, name="leaky-worker", daemon=True)
    worker.start()
    try:
        assert [t.name for t in threads_left(before, grace_s=0.2)] == ["leaky-worker"]
    finally:
        stop.set()
        worker.join()
    assert threads_left(before, grace_s=0.2) == []
