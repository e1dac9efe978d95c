"""The webhook's short-lived bodies (inbox rows, cached passive replies) are sealed with AES-256-GCM-SIV
(storage.crypto.seal): one call into OpenSSL instead of Fernet's Python layers, still authenticated
encryption under the data key; Fernet tokens written before still decrypt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from storage.channel_store import Unreadable, WeChatStore
from storage.crypto import KeyError_, decrypt, encrypt, seal
from storage.errors import StorageError


def test_sealed_values_are_authenticated_encryption_under_the_key() -> None:
    plain = "530102199003073250 13912345678 你好"
    a, b = seal("key-one", plain), seal("key-one", plain)
    assert a != b and plain not in a and "13912345678" not in a  # a fresh nonce each time
    assert decrypt("key-one", a) == decrypt("key-one", b) == plain
    with pytest.raises(KeyError_):
        decrypt("key-two", a)
    tampered = a[:-4] + ("AAAA" if not a.endswith("AAAA") else "BBBB")
    with pytest.raises(KeyError_):
        decrypt("key-one", tampered)
    assert decrypt("key-one", encrypt("key-one", plain)) == plain  # Fernet tokens as before
    with pytest.raises(StorageError):
        seal("", plain)


def test_the_wechat_store_seals_inbox_rows_and_cached_replies(engine) -> None:  # type: ignore[no-untyped-def]
    store = WeChatStore(engine, "data-key-1")
    store.record("m1", '{"text": "我的手机13912345678"}', chat=store.chat_of("o1"))
    now = datetime.now(UTC)
    store.cache([("m1", "答复 13912345678")], now + timedelta(minutes=5))
    with engine.connect() as c:
        body = c.execute(text("SELECT body FROM inbox WHERE message_key = 'm1'")).scalar_one()
        cached = c.execute(text("SELECT body FROM wechat_reply_cache WHERE message_key = 'm1'")).scalar_one()
    assert body.startswith("s1:") and cached.startswith("s1:") and "139" not in body + cached
    assert store.pending() == [("m1", '{"text": "我的手机13912345678"}')]
    assert store.cached("m1", now) == "答复 13912345678"
    assert WeChatStore(engine, "another-key").pending() == [("m1", Unreadable)]
