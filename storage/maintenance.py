"""Operator maintenance of the database: the data-key check at start, ``yunling db check``, and SQLite
backups and restores through SQLite's online backup API (PostgreSQL is dumped by ``pg_dump``, whose
invocation :func:`pg_dump_command` spells out).

The data key never goes into a backup: a database restored without its key is a database whose ID and
phone numbers are lost, so :func:`check` decrypts every encrypted value with the configured key."""

from __future__ import annotations

import shlex
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine, make_url

from storage.crypto import KeyError_, decrypt
from storage.errors import StorageError

# Every column written with :func:`storage.crypto.encrypt` (an empty string means "no value").
ENCRYPTED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("enrolment", "id_enc"),
    ("enrolment", "phone_enc"),
    ("enrolment", "employer_phone_enc"),
    ("training_class", "responsible_phone_enc"),
    ("training_class", "head_teacher_phone_enc"),
    ("application_draft", "id_number_enc"),
    ("application_draft", "mobile_enc"),
    ("download_file", "filename"),
    ("download_file", "content"),
)


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str


def undecryptable(engine: Engine, key: str, *, limit: int | None = None) -> list[str]:
    """``table.column`` of the encrypted columns holding a value that ``key`` cannot decrypt. ``limit``
    reads only that many values per column (the check at start reads one: a wrong key fails on the first)."""
    bad: list[str] = []
    with engine.connect() as conn:
        for table, column in ENCRYPTED_COLUMNS:
            sql = f"SELECT {column} FROM {table} WHERE {column} <> ''"  # names from the list above
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            for (value,) in conn.execute(text(sql)):
                try:
                    decrypt(key, value)
                except (KeyError_, StorageError):
                    bad.append(f"{table}.{column}")
                    break
    return bad


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return row[0] if row else None


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage.migrate import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ",".join(sorted(ScriptDirectory.from_config(cfg).get_heads()))


def check(engine: Engine, key: str) -> list[Finding]:
    """What ``yunling db check`` reports: schema at the newest revision, referential integrity (and, on
    SQLite, the file's own integrity check), and every encrypted value decrypting with ``key``."""
    findings: list[Finding] = []
    try:
        current = schema_revision(engine)
    except Exception as exc:  # no alembic_version: not a database of this assistant
        return [Finding("schema", False, f"no schema version ({type(exc).__name__}): not a Yunling database?")]
    head = head_revision()
    findings.append(Finding("schema", current == head,
                            f"revision {current}" + ("" if current == head else f", newest is {head}: "
                                                     "run `yunling db upgrade`")))
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            findings.append(Finding("integrity", integrity == ["ok"], "; ".join(integrity)[:300]))
            orphans = list(conn.exec_driver_sql("PRAGMA foreign_key_check"))
            tables = sorted({r[0] for r in orphans})
            findings.append(Finding("foreign keys", not orphans,
                                    "all references resolve" if not orphans
                                    else f"{len(orphans)} dangling references in {', '.join(tables)}"))
        else:
            invalid = [r[0] for r in conn.execute(text(
                "SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"))]
            findings.append(Finding("foreign keys", not invalid,
                                    "all constraints validated" if not invalid
                                    else "not validated: " + ", ".join(invalid)))
    bad = undecryptable(engine, key)
    findings.append(Finding("encrypted columns", not bad,
                            "every value decrypts with YUNLING_DATA_KEY" if not bad
                            else "do not decrypt with YUNLING_DATA_KEY: " + ", ".join(bad)))
    return findings


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise StorageError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def backup_sqlite(url: str, dest: Path, *, pages_per_step: int = 256) -> int:
    """Copy the live database at ``url`` to ``dest`` with SQLite's online backup API: writers go on while
    it runs (each step holds the read lock only briefly; a write restarts the copy of changed pages) and
    the result is one consistent snapshot. Returns the size in bytes."""
    src_path = sqlite_path(url)
    if not src_path.is_file():
        raise StorageError(f"no database file at {src_path}")
    dest = Path(dest)
    if dest.exists():
        raise StorageError(f"{dest} exists; choose a new file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True, timeout=10)
    try:
        out = sqlite3.connect(tmp)
        try:
            src.backup(out, pages=pages_per_step)
            out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            out.close()
    finally:
        src.close()
    tmp.replace(dest)
    return dest.stat().st_size


def restore_sqlite(backup: Path, url: str, *, force: bool = False) -> None:
    """Write the backup file over the database at ``url`` (with the backup API, so a WAL file and other
    connections see the restored content). Refuses a database that already holds data unless ``force``."""
    backup = Path(backup)
    if not backup.is_file():
        raise StorageError(f"no backup file at {backup}")
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        try:
            src.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{backup} is not a backup of a Yunling database ({exc})") from exc
        target = sqlite_path(url)
        if target.is_file() and target.stat().st_size > 0 and not force:
            with sqlite3.connect(target) as probe:
                has_tables = probe.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
            if has_tables:
                raise StorageError(f"{target} already holds a database; stop the servers and pass --force "
                                   "to replace it")
        target.parent.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(target, timeout=10)
        try:
            src.backup(dest)
            dest.execute("PRAGMA journal_mode=WAL")
        finally:
            dest.close()
    finally:
        src.close()


def _libpq_url(url: str) -> str:
    u = make_url(url)
    return URL.create("postgresql", u.username, None, u.host, u.port, u.database, u.query).render_as_string(
        hide_password=False)


def pg_password(url: str) -> str | None:
    """The password of ``url``, for PGPASSWORD when the command is run (it is never printed)."""
    return make_url(url).password


def pg_dump_command(url: str, dest: Path) -> str:
    """The ``pg_dump`` invocation that backs up a PostgreSQL database of the assistant (custom format,
    restorable with ``pg_restore``); the password is left out (give it by PGPASSWORD or ~/.pgpass)."""
    plain = _libpq_url(url)
    return shlex.join(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dest}",
                       f"--dbname={plain}"])


def pg_restore_command(url: str, backup: Path) -> str:
    plain = _libpq_url(url)
    return shlex.join(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                       "--single-transaction", f"--dbname={plain}", str(backup)])
