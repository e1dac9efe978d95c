"""Text helpers shared by knowledge modules: the gettext marker and Chinese normalisation."""

from __future__ import annotations

import unicodedata


def N_(message: str) -> str:
    """Mark a user-facing string for extraction; it is translated where the reader's locale is known."""
    return message


def squash(text: str) -> str:
    """NFKC-normalise and drop all whitespace: how article text is compared with the source."""
    return "".join(unicodedata.normalize("NFKC", text).split())
