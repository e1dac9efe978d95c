"""Protection of personal data at rest: ID numbers and phones are stored encrypted (Fernet, AES-128-CBC +
HMAC) and looked up by a keyed hash, so the database never holds them in clear.

The WeChat webhook's short-lived bodies -- an inbox row (deleted when its message is handled) and a cached
passive reply (five minutes) -- are written on every message and sealed instead (:func:`seal`): AES-256-GCM-SIV
under a key derived from the data key, a random 96-bit nonce, ``s1:`` and URL-safe base64. Authenticated
encryption as Fernet is, in one call into OpenSSL (about 5 us against Fernet's 19); GCM-SIV keeps a repeated
nonce from revealing more than that two sealed values are equal. :func:`decrypt` reads both forms."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV

from storage.errors import StorageError


class KeyError_(StorageError):
    """The configured data key cannot decrypt a stored value."""


@lru_cache(maxsize=8)
def _fernet(secret: str) -> Fernet:
    if not secret:
        raise StorageError("no data key configured (YUNLING_DATA_KEY)")
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(("enc:" + secret).encode()).digest()))


SEALED = "s1:"  # the prefix of a sealed value (a Fernet token starts "gAAAAA")


@lru_cache(maxsize=8)
def _siv(secret: str) -> AESGCMSIV:
    if not secret:
        raise StorageError("no data key configured (YUNLING_DATA_KEY)")
    return AESGCMSIV(hashlib.sha256(("seal:" + secret).encode()).digest())


def encrypt(secret: str, value: str) -> str:
    return _fernet(secret).encrypt(value.encode()).decode()


def seal(secret: str, value: str) -> str:
    """``value`` encrypted for a short stay in the database (see the module's doc); read by :func:`decrypt`."""
    nonce = os.urandom(12)
    return SEALED + base64.urlsafe_b64encode(nonce + _siv(secret).encrypt(nonce, value.encode(), None)).decode()


def decrypt(secret: str, token: str) -> str:
    try:
        if token.startswith(SEALED):
            raw = base64.urlsafe_b64decode(token[len(SEALED):])
            return _siv(secret).decrypt(raw[:12], raw[12:], None).decode()
        return _fernet(secret).decrypt(token.encode()).decode()
    except (InvalidToken, InvalidTag, binascii.Error, ValueError) as exc:
        raise KeyError_("stored value cannot be decrypted with the configured key") from exc


def lookup_hash(secret: str, value: str) -> str:
    """Deterministic keyed hash for equality look-ups (e.g. find a roster entry by ID number)."""
    return hmac.new(("idx:" + secret).encode(), value.encode(), hashlib.sha256).hexdigest()
