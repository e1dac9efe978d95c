"""Tables of the WeChat adapter: the shared API access token, and the passive replies kept for a few
minutes so that a retry of WeChat gets the same answer again. (Seen (timestamp, nonce) pairs are kept in
``processed_message``, beside the message keys: the replay guard records both in one statement.)

Both are short-lived caches with an expiry time; :func:`storage.repo_wechat.purge_expired`
removes old rows. None of them holds personal data in clear (replies are encrypted with the data key).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class WechatKv(SQLModel, table=True):
    """Key/value cache with expiry: wechatpy's session storage (the access token, shared by processes)."""

    __tablename__ = "wechat_kv"
    key: str = Field(primary_key=True, max_length=160)
    value: str = Field(sa_column=Column(Text, nullable=False))
    expires_at: datetime | None = Field(default=None, index=True)


class WechatReplyCache(SQLModel, table=True):
    """The passive reply given to one message (by its dedupe key), re-sent when WeChat retries it."""

    __tablename__ = "wechat_reply_cache"
    id: int | None = Field(default=None, primary_key=True)
    message_key: str = Field(max_length=160, unique=True)
    kind: str = Field(default="text", max_length=20)  # "text" | "transfer"
    body: str = Field(sa_column=Column(Text, nullable=False))  # encrypted with the data key
    expires_at: datetime = Field(index=True)
