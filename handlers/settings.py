"""The assistant's settings as a plain value; ``bot.config`` fills it from the environment."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Settings:
    """Every knob of the assistant, documented in README's configuration table."""

    database_url: str = "sqlite:///yunling.db"
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh"
    # Idle time after which an unfinished conversation is dropped (minutes).
    session_timeout_minutes: int = 30
    # SQLite busy timeout (ms): well under WeChat's 5 s reply budget.
    sqlite_busy_timeout_ms: int = 2000
    # Clerk allow-list: "console:alice=昆明市总工会;telegram:123=云南省总工会".
    clerks: dict[str, str] = field(default_factory=dict)
    # Key protecting ID numbers at rest (any string; derived with SHA-256). Empty: a local dev key file.
    data_key: str = ""
    human_contact: str = "云南省总工会技术创新和职工素质建设工作办公室"
    handoff_promise_hours: int = 48
    telegram_token: str = ""
    telegram_base_url: str = ""
    telegram_webhook_secret: str = ""
    telegram_bot_username: str = ""  # no default: without it, no Telegram links or QR codes
    wechat_token: str = ""
    wechat_app_id: str = ""
    wechat_aes_key: str = ""
    wechat_app_secret: str = ""
    wechat_api_base_url: str = ""
    wechat_timestamp_window_s: int = 300
    wechat_reply_deadline_s: float = 4.0
    wechat_template_status: str = ""
    wechat_transfer_to_kf: bool = False
    signin_grace_minutes: int = 15
    # Public root of the web app ("https://assistant.example.org"): files go to WeChat as download links.
    public_url: str = ""
    download_ttl_hours: int = 24
    log_level: str = "INFO"
    # Retention (days; docs/privacy.md): idle conversations, free text of answered/closed tickets, delivery
    # keys, the text of sent outbox messages.
    retention_conversation_days: int = 30
    retention_ticket_text_days: int = 365
    retention_delivery_keys_days: int = 7
    retention_outbox_days: int = 90
    # "text" (one line, human-readable) or "json" (one JSON object a line, with request and message ids).
    log_format: str = "text"
    # Bearer token a Prometheus scraper presents at /metrics; empty: no /metrics route.
    metrics_token: str = ""
