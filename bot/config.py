"""Settings: the only place that reads the environment (variables prefixed ``YUNLING_``) or a ``.env`` file."""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from handlers.settings import Settings

PREFIX = "YUNLING_"


class ConfigurationError(Exception):
    """The settings cannot run the assistant safely; the message says what to set."""


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _parse_clerks(spec: str) -> dict[str, str]:
    """``channel:user=unit;channel:user=unit`` -> {"channel:user": "unit"}."""
    result: dict[str, str] = {}
    for item in spec.split(";"):
        item = item.strip()
        if not item or "=" not in item:
            continue
        who, _, unit = item.partition("=")
        result[who.strip()] = unit.strip()
    return result


def load_settings(env: dict[str, str] | None = None, dotenv: Path | None = None, *, data_key_file: bool = True,
                  **overrides: Any) -> Settings:
    """Build settings from ``.env`` then the environment (environment wins), then explicit overrides;
    ``data_key_file=False`` (commands without a database) never creates the local key file."""
    source: dict[str, str] = {}
    source.update(_read_dotenv(dotenv or Path(".env")))
    source.update(os.environ if env is None else env)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        key = PREFIX + f.name.upper()
        if key not in source:
            continue
        raw = source[key]
        if f.name == "clerks":
            values[f.name] = _parse_clerks(raw)
        elif f.type == "int":
            values[f.name] = int(raw)
        elif f.type == "float":
            values[f.name] = float(raw)
        elif f.type == "bool":
            values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
        else:
            values[f.name] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)
    return with_local_data_key(settings) if data_key_file else settings


def with_local_data_key(settings: Settings) -> Settings:
    """Without YUNLING_DATA_KEY, a SQLite database gets a key file beside it (``<db>.key``, mode 600), so the
    console chat works out of the box while ID numbers stay encrypted. Server databases get no default:
    the commands that need the key refuse to run until it is configured."""
    if settings.data_key or not settings.database_url.startswith("sqlite:///"):
        return settings
    db_path = settings.database_url.removeprefix("sqlite:///")
    if not db_path or db_path == ":memory:":
        return replace(settings, data_key=secrets.token_urlsafe(32))
    key_file = Path(db_path + ".key")
    if not key_file.exists():
        if _holds_encrypted_data(Path(db_path)):
            raise ConfigurationError(
                f"YUNLING_DATA_KEY is not set and the key file {key_file} is missing, but the database "
                f"{db_path} holds personal data encrypted with a key: restore the key file from your backup "
                "or set YUNLING_DATA_KEY to that key (a new key would not decrypt it)")
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
        logging.getLogger(__name__).warning(
            "no YUNLING_DATA_KEY: created %s to encrypt personal data; keep it with the database", key_file)
    return replace(settings, data_key=key_file.read_text().strip())


def _holds_encrypted_data(db_path: Path) -> bool:
    """Whether an existing SQLite file has a value in any encrypted column (read-only, stdlib)."""
    import sqlite3

    from storage.maintenance import ENCRYPTED_COLUMNS

    if not db_path.is_file() or db_path.stat().st_size == 0:
        return False
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        for table, column in ENCRYPTED_COLUMNS:
            try:
                if conn.execute(f"SELECT 1 FROM {table} WHERE {column} <> '' LIMIT 1").fetchone():
                    return True
            except sqlite3.OperationalError:  # table not created yet
                continue
    finally:
        conn.close()
    return False
