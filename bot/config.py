"""Settings: the only place that reads the environment (variables prefixed ``YUNLING_``) or a ``.env`` file.

Loading has no side effects: :func:`load_settings` reads and validates, nothing more. The key file of a
SQLite database is created by :func:`with_local_data_key`, which the commands that open a database call
(:func:`settings_for_database`). pydantic is imported when settings are loaded, not when this module is:
``yunling --help`` stays quick.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.text import HUMAN_CONTACT

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from handlers.settings import Settings

PREFIX = "YUNLING_"
# Settings whose values are never repeated in an error message.
SECRET_WORDS = ("key", "token", "secret", "clerks")


class ConfigurationError(Exception):
    """The settings cannot run the assistant safely; the message says what to set."""


def load_settings(env: Mapping[str, str] | None = None, dotenv: Path | None = None, **overrides: Any) -> Settings:
    """Settings from ``.env`` (default: in the working directory), then the environment (which wins), then
    explicit overrides (``None`` ignored). Any setting may instead be given as ``NAME_FILE``, the path of
    a file holding it. A value that does not fit raises :class:`ConfigurationError` naming the variable
    and what it expects. Reads only: nothing is written."""
    from pydantic import ValidationError

    from bot.settings_sources import environment_model
    from handlers.settings import Settings

    environ = os.environ if env is None else env
    model = environment_model(environ, dotenv or Path(".env"), _read_secret_file)
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        values = model(**given).model_dump()
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigurationError(explain(exc.errors())) from None


DEFAULTS = {"human_contact": HUMAN_CONTACT}  # the settings :func:`one_setting` reads


def one_setting(name: str, env: Mapping[str, str] | None = None, dotenv: Path | None = None) -> str:
    """One text setting read without building the whole model: the environment first, then ``.env``, else
    its default (no ``NAME_FILE``, no validation: for plain texts such as the hand-off contact). Building
    the model with pydantic-settings costs about 0.3 s of CPU, which `yunling ask` does not pay."""
    variable = f"YUNLING_{name.upper()}"
    environ = os.environ if env is None else env
    if variable in environ:
        return environ[variable]
    path = dotenv or Path(".env")
    if path.is_file():
        from dotenv import dotenv_values

        value = dotenv_values(path).get(variable)
        if value is not None:
            return value
    return DEFAULTS[name]


def settings_for_database(*, data_key_file: bool = True, **overrides: Any) -> Settings:
    """:func:`load_settings`, then the explicit step of the commands that open a database: a SQLite
    database without ``YUNLING_DATA_KEY`` gets its key file (:func:`with_local_data_key`), unless
    ``data_key_file=False`` (a restore, which must not make a new key beside the database it restores)."""
    settings = load_settings(**overrides)
    return with_local_data_key(settings) if data_key_file else settings


_EXPECTED = {
    "int_parsing": "an integer", "int_type": "an integer", "int_from_float": "an integer",
    "float_parsing": "a number", "float_type": "a number",
    "bool_parsing": "true or false (also 1/0, yes/no, on/off)", "bool_type": "true or false",
    "string_type": "text", "dict_type": "channel:user=unit entries separated by ';'",
}


def explain(errors: list[ErrorDetails]) -> str:
    """One line naming each variable that does not fit, what it expects and (unless secret) what it got."""
    return "; ".join(_problem(error) for error in errors)


def _problem(error: ErrorDetails) -> str:
    name = str(error["loc"][0]) if error["loc"] else "?"
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        expected = str(ctx.get("error", error["msg"]))
    elif kind == "literal_error":
        expected = f"one of {ctx.get('expected')}"
    elif kind in ("greater_than_equal", "greater_than", "less_than", "less_than_equal"):
        bound = {"greater_than_equal": "≥", "greater_than": ">", "less_than": "<", "less_than_equal": "≤"}[kind]
        limit = next(iter(ctx.values()), "?")
        expected = f"a number {bound} {limit}"
    elif kind == "extra_forbidden":
        return f"{name}: no such setting"
    else:
        expected = _EXPECTED.get(kind, error["msg"])
    if not expected.startswith("expected"):
        expected = f"expected {expected}"
    shown = "" if any(w in name for w in SECRET_WORDS) else f", not {str(error.get('input'))[:80]!r}"
    return f"{PREFIX}{name.upper()}: {expected}{shown}"


def _read_secret_file(setting: str, path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"{setting}: cannot read {path} ({exc.strerror}); expected the path of a readable "
                                 "file holding the value") from exc


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


def env_example() -> str:
    """The text of .env.example: every setting, its default and its meaning, from :class:`Settings`."""
    from handlers.settings import Settings, setting_fields

    defaults, described = Settings(), setting_fields()
    lines = ["# Settings of the Yunling Workers' Assistant (generated by tools/env_example.py from",
             "# handlers/settings.py; do not edit by hand). Copy to .env or to the",
             "# environment file of the service; the environment wins over .env. Commented lines show the default.",
             "# Any setting may be given as NAME_FILE=/path/of/a/file/holding/it instead (secrets: YUNLING_DATA_KEY_FILE).",
             ""]
    for f in fields(Settings):
        value = getattr(defaults, f.name)
        if f.name == "clerks":
            shown = ""
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = str(value)
        lines.append(f"# {described[f.name].description}")
        lines.append(f"#{PREFIX}{f.name.upper()}={shown}")
        lines.append("")
    return "\n".join(lines)
