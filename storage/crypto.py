"""Protection of personal data at rest: ID numbers and phones are stored encrypted (Fernet, AES-128-CBC +
HMAC) and looked up by a keyed hash, so the database never holds them in clear."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from storage.errors import StorageError


class KeyError_(StorageError):
    """The configured data key cannot decrypt a stored value."""


@lru_cache(maxsize=8)
def _fernet(secret: str) -> Fernet:
    if not secret:
        raise StorageError("no data key configured (YUNLING_DATA_KEY)")
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(("enc:" + secret).encode()).digest()))


def encrypt(secret: str, value: str) -> str:
    return _fernet(secret).encrypt(value.encode()).decode()


def decrypt(secret: str, token: str) -> str:
    try:
        return _fernet(secret).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyError_("stored value cannot be decrypted with the configured key") from exc


def lookup_hash(secret: str, value: str) -> str:
    """Deterministic keyed hash for equality look-ups (e.g. find a roster entry by ID number)."""
    return hmac.new(("idx:" + secret).encode(), value.encode(), hashlib.sha256).hexdigest()
