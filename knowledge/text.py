"""Text helpers shared by knowledge modules: the gettext marker and Chinese normalisation."""

from __future__ import annotations

import re
import unicodedata


def N_(message: str) -> str:
    """Mark a user-facing string for extraction; it is translated where the reader's locale is known."""
    return message


def squash(text: str) -> str:
    """NFKC-normalise and drop all whitespace: how article text is compared with the source."""
    return "".join(unicodedata.normalize("NFKC", text).split())


# 18-digit resident ID (last may be X) and mainland mobile numbers, not inside longer digit runs.
_ID = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def redact(text: str) -> str:
    """Mask ID numbers and mobile numbers inside free text (logs, ticket transcripts)."""
    return _PHONE.sub(r"\1****\2", _ID.sub(r"\1********\2", text))
