"""``yunling db backup / restore / check`` and the checks at start: the data key, the database's reach."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import PG_URL
from sqlalchemy import func
from sqlmodel import Session, select

from bot.app import build_app
from bot.cli import main
from bot.config import ConfigurationError, load_settings, settings_for_database
from handlers.settings import Settings
from storage.db import init_db, make_engine, run_in_transaction
from storage.models import AuditEvent, Person
from storage.models_files import DownloadFile
from storage.repo_files import create_file

KEY = "backup-test-key"


def _write_person_with_file(engine, key: str, i: int) -> None:
    def work(s: Session) -> None:
        p = Person(display_name=f"p{i}")
        s.add(p)
        s.flush()
        create_file(session=s, data_key=key, person_id=p.id, filename=f"申报表-{i}.docx", mime="x", data=b"d" * 300,
                    now=datetime.now(UTC), ttl=timedelta(days=1))
        s.add(AuditEvent(actor_person_id=p.id, action="test", subject=str(i)))

    run_in_transaction(engine, work)


def _count(engine, model) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite online backup; PostgreSQL uses pg_dump (test below)")
def test_backup_of_a_live_database_under_writes_restores_and_passes_check(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("YUNLING_DATA_KEY", KEY)
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = make_engine(url)
    init_db(engine)
    for i in range(300):  # some pages to copy
        _write_person_with_file(engine, KEY, i)

    stop, written, started = threading.Event(), [0], time.monotonic()

    def writer() -> None:  # about 200 transactions a second, each writing three rows
        i = 1000
        while not stop.is_set():
            _write_person_with_file(engine, KEY, i)
            i += 1
            written[0] += 1
            time.sleep(max(0.0, written[0] / 200 - (time.monotonic() - started)))

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.5)
    before = _count(engine, Person)
    backup = tmp_path / "backups" / "live-1.db"
    during = written[0]
    assert main(["db", "backup", str(backup), "--db", url]) == 0
    writes_during_backup = written[0] - during
    time.sleep(0.3)
    stop.set()
    thread.join()
    after = _count(engine, Person)
    out = capsys.readouterr().out
    assert "backup written" in out and "YUNLING_DATA_KEY" in out
    assert writes_during_backup >= 0 and after > before  # the writers were not stopped by the backup

    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    assert main(["db", "restore", str(backup), "--db", restored_url]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "ok   encrypted columns" in out and "ok   foreign keys" in out
    restored = make_engine(restored_url)
    n = _count(restored, Person)
    assert before <= n <= after  # one consistent snapshot taken while writes went on
    assert _count(restored, DownloadFile) == n == _count(restored, AuditEvent)  # whole transactions only
    assert main(["db", "check", "--db", restored_url]) == 0

    # A restore does not overwrite a database that holds data, unless forced.
    assert main(["db", "restore", str(backup), "--db", restored_url]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["db", "restore", str(backup), "--db", restored_url, "--force"]) == 0
    restored.dispose()
    engine.dispose()


def test_check_fails_with_the_wrong_key(engine, settings, monkeypatch, capsys) -> None:
    _write_person_with_file(engine, settings.data_key, 1)
    monkeypatch.setenv("YUNLING_DATA_KEY", settings.data_key)
    assert main(["db", "check", "--db", settings.database_url]) == 0
    assert "ok   schema" in capsys.readouterr().out
    monkeypatch.setenv("YUNLING_DATA_KEY", "another-key")
    assert main(["db", "check", "--db", settings.database_url]) == 1
    assert "FAIL encrypted columns: do not decrypt with YUNLING_DATA_KEY: download_file.filename" in capsys.readouterr().out


def test_postgresql_backup_prints_pg_dump_without_the_password(monkeypatch, capsys, tmp_path) -> None:
    url = "postgresql+psycopg://yunling:s3cret@db.example:5432/yunling"
    monkeypatch.setenv("YUNLING_DATA_KEY", KEY)
    assert main(["db", "backup", str(tmp_path / "y.dump"), "--db", url]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("pg_dump --format=custom") and "postgresql://yunling@db.example:5432/yunling" in out
    assert "s3cret" not in out
    assert main(["db", "restore", str(tmp_path / "y.dump"), "--db", url]) == 0
    assert capsys.readouterr().out.startswith("pg_restore --clean --if-exists")


@pytest.mark.skipif(not PG_URL, reason="needs YUNLING_TEST_DATABASE_URL")
def test_pg_dump_invocation_round_trips(engine, settings, db_url, monkeypatch, tmp_path, capsys) -> None:
    import shutil

    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump not installed")
    _write_person_with_file(engine, settings.data_key, 1)
    monkeypatch.setenv("YUNLING_DATA_KEY", settings.data_key)
    dump = tmp_path / "y.dump"
    assert main(["db", "backup", str(dump), "--db", db_url, "--run"]) == 0
    assert dump.stat().st_size > 0
    with engine.begin() as conn:  # lose the data, then restore it
        conn.exec_driver_sql("DELETE FROM audit_event")
        conn.exec_driver_sql("DELETE FROM download_file")
    assert main(["db", "restore", str(dump), "--db", db_url, "--run"]) == 0
    assert _count(engine, DownloadFile) == 1
    assert main(["db", "check", "--db", db_url]) == 0


# -- refusing to start ----------------------------------------------------------------------------------------

def _sqlite_with_personal_data(tmp_path: Path) -> tuple[str, Path, str]:
    url = f"sqlite:///{tmp_path / 'y.db'}"
    settings = settings_for_database(env={}, dotenv=tmp_path / "none", database_url=url)  # creates y.db.key
    app = build_app(settings)
    _write_person_with_file(app.engine, settings.data_key, 1)
    app.engine.dispose()
    return url, tmp_path / "y.db.key", settings.data_key


def test_a_wrong_data_key_refuses_to_start_and_leaves_the_key_file(tmp_path: Path, monkeypatch, capsys) -> None:
    url, key_file, key = _sqlite_with_personal_data(tmp_path)
    with pytest.raises(ConfigurationError, match="YUNLING_DATA_KEY does not decrypt"):
        build_app(load_settings(env={"YUNLING_DATA_KEY": "wrong"}, dotenv=tmp_path / "none", database_url=url))
    monkeypatch.setenv("YUNLING_DATA_KEY", "wrong")
    assert main(["serve", "--db", url, "--port", "1"]) == 2
    assert "YUNLING_DATA_KEY does not decrypt the personal data" in capsys.readouterr().err
    assert key_file.read_text().strip() == key  # never overwritten
    monkeypatch.delenv("YUNLING_DATA_KEY")
    key_file.write_text("edited-by-mistake")
    assert main(["chat", "--db", url]) == 2
    assert "YUNLING_DATA_KEY does not decrypt" in capsys.readouterr().err
    assert key_file.read_text() == "edited-by-mistake"


def test_a_missing_key_file_beside_personal_data_refuses_to_start(tmp_path: Path, monkeypatch, capsys) -> None:
    url, key_file, _key = _sqlite_with_personal_data(tmp_path)
    key_file.unlink()
    monkeypatch.delenv("YUNLING_DATA_KEY", raising=False)
    assert main(["chat", "--db", url]) == 2
    err = capsys.readouterr().err
    assert "YUNLING_DATA_KEY is not set and the key file" in err and str(key_file) in err
    assert not key_file.exists()  # no new key that would not decrypt the data


def test_an_unreachable_database_fails_within_ten_seconds_with_the_reason(monkeypatch, capsys) -> None:
    monkeypatch.setenv("YUNLING_DATA_KEY", KEY)
    for url in ("postgresql+psycopg://yunling:pw@127.0.0.1:9/yunling",  # nothing listens on port 9
                "postgresql+psycopg://yunling:pw@10.255.255.1:5432/yunling"):  # no route, or packets dropped
        start = time.monotonic()
        assert main(["serve", "--db", url]) == 2
        elapsed = time.monotonic() - start
        err = capsys.readouterr().err
        assert elapsed < 10, (url, elapsed)
        assert "YUNLING_DATABASE_URL" in err and "cannot be reached (" in err and "pw" not in err.replace("pw@", "")
        assert ":pw@" not in err


def test_maintenance_commands_name_an_unreachable_database_too(monkeypatch, capsys) -> None:
    monkeypatch.setenv("YUNLING_DATA_KEY", KEY)
    for argv in (["db", "upgrade"], ["db", "check"], ["tickets", "list", "--unit", "x"]):
        start = time.monotonic()
        assert main([*argv, "--db", "postgresql+psycopg://yunling:pw@127.0.0.1:9/yunling"]) == 2, argv
        assert time.monotonic() - start < 10
        err = capsys.readouterr().err
        assert "YUNLING_DATABASE_URL: the database cannot be reached (" in err and ":pw@" not in err, argv


def test_settings_without_a_key_for_a_new_sqlite_database_still_work(tmp_path: Path) -> None:
    s = settings_for_database(env={}, dotenv=tmp_path / "none", database_url=f"sqlite:///{tmp_path / 'new.db'}")
    assert isinstance(s, Settings) and s.data_key
