"""The assistant's settings: one typed model, each field with its default and its meaning.

``Settings(...)`` is a plain value (it reads nothing); ``bot.config.load_settings`` fills it from the
environment and ``.env``, and ``tools/env_example.py`` writes ``.env.example`` from it. A pydantic
dataclass, so that ``dataclasses.replace`` and ``fields`` keep working and every value is validated.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field
from pydantic.dataclasses import dataclass, is_pydantic_dataclass
from pydantic.fields import FieldInfo

from knowledge.text import HUMAN_CONTACT

# A database URL as SQLAlchemy reads it: dialect[+driver]://…
_DATABASE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\+[A-Za-z0-9_]+)?://")


def database_url(value: str) -> str:
    if not _DATABASE_URL.match(value):
        raise ValueError("expected a SQLAlchemy database URL such as sqlite:///yunling.db or "
                         "postgresql+psycopg://user:pw@host/db")
    return value


def http_url_or_empty(value: str) -> str:
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("expected an http:// or https:// URL (or nothing)")
    return value


def time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ValueError, LookupError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError("expected an IANA time zone such as Asia/Shanghai") from None
    return value


def parse_clerks(value: object) -> object:
    """``channel:user=unit;channel:user=unit`` -> {"channel:user": "unit"} (a mapping passes unchanged)."""
    if not isinstance(value, str):
        return value
    result: dict[str, str] = {}
    for number, item in enumerate(value.split(";"), start=1):
        item = item.strip()
        if not item:
            continue
        who, sep, unit = item.partition("=")
        if not sep or ":" not in who or not who.split(":", 1)[1].strip() or not unit.strip():
            # (the entry itself is not repeated: it holds a person's platform id)
            raise ValueError(f"expected channel:user=unit entries separated by ';', such as "
                             f"console:li=昆明市总工会 (entry {number} is not)")
        result[who.strip()] = unit.strip()
    return result


def upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


DatabaseUrl = Annotated[str, AfterValidator(database_url)]
HttpUrl = Annotated[str, AfterValidator(http_url_or_empty)]
TimeZone = Annotated[str, AfterValidator(time_zone)]
def canonical_units(value: dict[str, str]) -> dict[str, str]:
    """Each clerk's unit as the assistant names it ("大理州总工会" is 大理白族自治州总工会, where tickets and subscribers
    of that prefecture go)."""
    from knowledge.places import canonical_unit

    return {who: canonical_unit(unit) for who, unit in value.items()}


Clerks = Annotated[dict[str, str], BeforeValidator(parse_clerks), AfterValidator(canonical_units)]
LogLevel = Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], BeforeValidator(upper)]


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Settings:
    """Every knob of the assistant; README's configuration table and .env.example describe the same."""

    database_url: DatabaseUrl = Field(
        default="sqlite:///yunling.db", description="any SQLAlchemy URL; PostgreSQL as postgresql+psycopg://user:pw@host/db")
    timezone: TimeZone = Field(default="Asia/Shanghai", description="time zone of dates shown and of the calendar")
    default_locale: Literal["zh", "en"] = Field(
        default="zh", description="zh or en, for people whose platform gives no language")
    session_timeout_minutes: int = Field(
        default=30, ge=1, description="idle time after which an unfinished conversation starts afresh")
    sqlite_busy_timeout_ms: int = Field(
        default=2000, ge=0, description="SQLite lock wait, kept well under WeChat's 5-second budget")
    search_cache_entries: int = Field(
        default=4096, ge=0, description="distinct questions whose search results and facts are kept in memory (0: none)")
    clerks: Clerks = Field(
        default_factory=dict,
        description="clerk allow-list: wechat:OPENID=昆明市总工会;telegram:12345=云南省总工会;console:li=…")
    data_key: str = Field(
        default="", repr=False, description="secret that encrypts ID and phone numbers at rest (required with a server database; "
        "with SQLite a key file <db>.key is created beside a new database). Keep it apart from backups")
    human_contact: str = Field(
        default=HUMAN_CONTACT, description="the human contact named when the assistant abstains")
    handoff_promise_hours: int = Field(default=48, ge=1, description="promised answer time of a hand-off ticket")
    telegram_token: str = Field(default="", repr=False, description="Telegram bot token from @BotFather")
    telegram_base_url: HttpUrl = Field(
        default="", description="Bot API server root, for a local Bot API server (empty: Telegram's)")
    telegram_webhook_secret: str = Field(
        default="", repr=False, description="secret of the Telegram webhook /telegram (set it to serve the webhook)")
    telegram_bot_username: str = Field(default="", description="the bot's username, for deep links")
    wechat_token: str = Field(default="", repr=False, description="WeChat official account: server token (set it to serve /wechat)")
    wechat_app_id: str = Field(default="", description="WeChat official account: AppID")
    wechat_aes_key: str = Field(
        default="", repr=False, description="WeChat official account: EncodingAESKey (safe mode; plain mode is then refused)")
    wechat_app_secret: str = Field(default="", repr=False, description="WeChat official account: AppSecret")
    wechat_api_base_url: HttpUrl = Field(
        default="", description="WeChat API root, for a local stand-in (empty: WeChat's)")
    wechat_timestamp_window_s: int = Field(
        default=300, ge=1, description="webhook calls older or newer than this are refused")
    wechat_reply_deadline_s: float = Field(
        default=4.0, gt=0, lt=5, description="after this, answer 'success' and send by customer-service message")
    wechat_template_status: str = Field(
        default="", description="template id for status notifications outside the 48-hour window")
    wechat_transfer_to_kf: bool = Field(
        default=False, description="hand 人工 over to the account's customer-service seats instead of tickets")
    signin_grace_minutes: int = Field(default=15, ge=0, description="sign-in opens this long before a session starts")
    public_url: HttpUrl = Field(
        default="", description="public root of the web app (https://assistant.example.org): download links and sign-in "
        "screens; empty: none")
    download_ttl_hours: int = Field(default=24, ge=1, description="how long a download link works")
    log_level: LogLevel = Field(default="INFO", description="log level of servers")
    retention_conversation_days: int = Field(
        default=30, ge=1, description="idle conversations are deleted after this many days (docs/privacy.md)")
    retention_ticket_text_days: int = Field(
        default=365, ge=1, description="free text of answered/closed tickets is removed after this many days")
    retention_delivery_keys_days: int = Field(
        default=7, ge=1, description="delivery keys (message ids) are forgotten after this many days")
    retention_outbox_days: int = Field(
        default=90, ge=1, description="text of sent outbox messages is emptied after this many days")
    retention_questions_days: int = Field(
        default=180, ge=1, description="questions the FAQ abstained on or was unsure of (console Questions page) are "
        "deleted after this many days")
    log_format: Literal["text", "json"] = Field(
        default="text", description="text, or json for one JSON object a line with request_id and message_id")
    metrics_token: str = Field(
        default="", repr=False, description="bearer token a Prometheus scraper presents at /metrics; empty: no /metrics route")


def setting_fields() -> dict[str, FieldInfo]:
    """Each setting's type, default and description, in the order of :class:`Settings`."""
    assert is_pydantic_dataclass(Settings)
    return Settings.__pydantic_fields__
