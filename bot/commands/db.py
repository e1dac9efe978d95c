"""``yunling db``: schema upgrade, backup, restore and check.

``backup`` and ``restore`` use SQLite's online backup API, so a backup can be taken while servers write;
on PostgreSQL they print the ``pg_dump`` / ``pg_restore`` invocation (run it, or pass ``--run``)."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

from bot.commands.common import add_db_option, settings_from
from bot.config import ConfigurationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database maintenance: upgrade, backup, restore, check")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dsub.add_parser("upgrade", help="apply all migrations (also done on every start)")
    add_db_option(up)
    up.set_defaults(func=run_upgrade)

    bk = dsub.add_parser("backup", help="copy the database to PATH while it is in use",
                         description="SQLite: a consistent copy through the online backup API while servers keep "
                         "writing. PostgreSQL: prints the pg_dump invocation (or runs it with --run). The data "
                         "key is not in the backup: keep it apart, a backup is useless without it.")
    bk.add_argument("path", type=Path, help="file to write (must not exist)")
    bk.add_argument("--run", action="store_true", help="PostgreSQL: run pg_dump instead of printing it")
    add_db_option(bk)
    bk.set_defaults(func=run_backup)

    rs = dsub.add_parser("restore", help="replace the database with a backup file",
                         description="Stop the servers first. SQLite: copies the backup into the database file "
                         "and runs `db check`. PostgreSQL: prints the pg_restore invocation (or runs it with --run).")
    rs.add_argument("path", type=Path, help="backup file written by `yunling db backup`")
    rs.add_argument("--force", action="store_true", help="replace a database that already holds data")
    rs.add_argument("--run", action="store_true", help="PostgreSQL: run pg_restore instead of printing it")
    add_db_option(rs)
    rs.set_defaults(func=run_restore)

    ck = dsub.add_parser("check", help="schema version, foreign keys, encrypted columns decrypt",
                         description="Exit 0 when the schema is at the newest revision, every reference resolves "
                         "and every encrypted value decrypts with YUNLING_DATA_KEY; 1 otherwise.")
    add_db_option(ck)
    ck.set_defaults(func=run_check)


def run_upgrade(args: argparse.Namespace) -> int:
    from storage.db import init_db, make_engine

    settings = settings_from(args)
    engine = make_engine(settings.database_url)
    init_db(engine)
    print(f"database at head: {engine.url.render_as_string(hide_password=True)}")
    return 0


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _run(command: str, url: str) -> int:
    """Run a printed pg_dump/pg_restore command, its password (if the URL has one) passed as PGPASSWORD."""
    from storage import maintenance

    print(command, flush=True)
    env = dict(os.environ)
    password = maintenance.pg_password(url)
    if password:
        env["PGPASSWORD"] = password
    return subprocess.call(shlex.split(command), env=env)


def run_backup(args: argparse.Namespace) -> int:
    from storage import maintenance
    from storage.errors import StorageError

    url = settings_from(args).database_url
    if not _is_sqlite(url):
        command = maintenance.pg_dump_command(url, args.path)
        if args.run:
            return _run(command, url)
        print(command)
        return 0
    try:
        size = maintenance.backup_sqlite(url, args.path)
    except StorageError as exc:
        print(f"yunling db backup: {exc}", file=sys.stderr)
        return 1
    print(f"backup written: {args.path} ({size} bytes). Keep the data key (YUNLING_DATA_KEY or "
          f"{maintenance.sqlite_path(url)}.key) apart from it: without the key the backup's ID and phone "
          "numbers cannot be read.")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from storage import maintenance
    from storage.errors import StorageError

    settings = settings_from(args, data_key_file=False)  # no new key file beside a database being restored
    url = settings.database_url
    if not _is_sqlite(url):
        command = maintenance.pg_restore_command(url, args.path)
        if args.run:
            return _run(command, url)
        print(command)
        return 0
    key_file = Path(f"{maintenance.sqlite_path(url)}.key")
    if not settings.data_key and not key_file.is_file():
        raise ConfigurationError(f"YUNLING_DATA_KEY is not set and there is no key file {key_file}: put the "
                                 "backup's key back first, or the restored personal data cannot be read")
    try:
        maintenance.restore_sqlite(args.path, url, force=args.force)
    except StorageError as exc:
        print(f"yunling db restore: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.path} into {maintenance.sqlite_path(url)}")
    return run_check(args)


def run_check(args: argparse.Namespace) -> int:
    from storage import maintenance
    from storage.db import make_engine

    settings = settings_from(args)
    if not settings.data_key:
        raise ConfigurationError("YUNLING_DATA_KEY is not set: the check decrypts the encrypted columns with it")
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    try:
        with engine.connect():  # unreachable: the command line says so (exit 2), not a failed check
            pass
        findings = maintenance.check(engine, settings.data_key)
    finally:
        engine.dispose()
    for f in findings:
        print(f"{'ok  ' if f.ok else 'FAIL'} {f.name}: {f.detail}")
    return 0 if all(f.ok for f in findings) else 1
