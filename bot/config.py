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
    source: dict[str, str] = {}  # any setting may instead be given as NAME_FILE=path of a file holding it
    source.update(_read_dotenv(dotenv or Path(".env")))
    source.update(os.environ if env is None else env)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        key = PREFIX + f.name.upper()
        if key not in source and key + "_FILE" in source:  # a secret mounted as a file (Docker, systemd)
            source[key] = _read_secret_file(key + "_FILE", source[key + "_FILE"])
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


def _read_secret_file(setting: str, path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"{setting}: cannot read {path} ({exc.strerror})") from exc


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


# What each setting means, for .env.example (``python tools/env_example.py``) and the README's table.
# tests/test_deploy.py fails when a setting has no entry here or .env.example is not regenerated.
MEANINGS: dict[str, str] = {
    "database_url": "any SQLAlchemy URL; PostgreSQL as postgresql+psycopg://user:pw@host/db",
    "timezone": "time zone of dates shown and of the calendar",
    "default_locale": "zh or en, for people whose platform gives no language",
    "session_timeout_minutes": "idle time after which an unfinished conversation starts afresh",
    "sqlite_busy_timeout_ms": "SQLite lock wait, kept well under WeChat's 5-second budget",
    "clerks": "clerk allow-list: wechat:OPENID=昆明市总工会;telegram:12345=云南省总工会;console:li=…",
    "data_key": "secret that encrypts ID and phone numbers at rest (required with a server database; with "
                "SQLite a key file <db>.key is created beside a new database). Keep it apart from backups",
    "human_contact": "the human contact named when the assistant abstains",
    "handoff_promise_hours": "promised answer time of a hand-off ticket",
    "telegram_token": "Telegram bot token from @BotFather",
    "telegram_base_url": "Bot API server root, for a local Bot API server (empty: Telegram's)",
    "telegram_webhook_secret": "secret of the Telegram webhook /telegram (set it to serve the webhook)",
    "telegram_bot_username": "the bot's username, for deep links",
    "wechat_token": "WeChat official account: server token (set it to serve /wechat)",
    "wechat_app_id": "WeChat official account: AppID",
    "wechat_aes_key": "WeChat official account: EncodingAESKey (safe mode; plain mode is then refused)",
    "wechat_app_secret": "WeChat official account: AppSecret",
    "wechat_api_base_url": "WeChat API root, for a local stand-in (empty: WeChat's)",
    "wechat_timestamp_window_s": "webhook calls older or newer than this are refused",
    "wechat_reply_deadline_s": "after this, answer 'success' and send by customer-service message",
    "wechat_template_status": "template id for status notifications outside the 48-hour window",
    "wechat_transfer_to_kf": "hand 人工 over to the account's customer-service seats instead of tickets",
    "signin_grace_minutes": "sign-in opens this long before a session starts",
    "public_url": "public root of the web app (https://assistant.example.org): download links and sign-in "
                  "screens; empty: none",
    "download_ttl_hours": "how long a download link works",
    "log_level": "log level of servers",
    "log_format": "text, or json for one JSON object a line with request_id and message_id",
    "metrics_token": "bearer token a Prometheus scraper presents at /metrics; empty: no /metrics route",
    "retention_conversation_days": "idle conversations are deleted after this many days (docs/privacy.md)",
    "retention_ticket_text_days": "free text of answered/closed tickets is removed after this many days",
    "retention_delivery_keys_days": "delivery keys (message ids) are forgotten after this many days",
    "retention_outbox_days": "text of sent outbox messages is emptied after this many days",
}


def env_example() -> str:
    """The text of .env.example: every setting, its default and its meaning, from :class:`Settings`."""
    defaults = Settings()
    lines = ["# Settings of the Yunling Workers' Assistant (generated by tools/env_example.py from",
             "# handlers/settings.py and bot/config.py; do not edit by hand). Copy to .env or to the",
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
        lines.append(f"# {MEANINGS[f.name]}")
        lines.append(f"#{PREFIX}{f.name.upper()}={shown}")
        lines.append("")
    return "\n".join(lines)
