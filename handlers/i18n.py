"""Message catalogs (gettext via Babel).

Message ids are English; ``zh_Hans`` is the default locale. Catalog files are plain ``.po`` files under
``handlers/locales/<locale>/LC_MESSAGES/*.po`` -- one file per feature area so that areas evolve
independently -- merged at load time. Knowledge code only *marks* strings with ``N_``; translation
happens where the reader's locale is known.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from knowledge.cache import cached
from knowledge.text import N_

__all__ = ["DEFAULT_LOCALE", "LOCALES", "N_", "Translate", "catalog", "normalize_locale", "translator"]

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
LOCALE_DIRS = {"zh": "zh_Hans", "en": "en"}
BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en"}  # for Babel's formats (dates, durations)
CATALOG_ROOT = Path(__file__).resolve().parent / "locales"

Translate = Callable[..., str]


def normalize_locale(value: str | None) -> str:
    """Map platform hints ("zh-hans", "en-US", "zh_CN", None) to one of :data:`LOCALES`."""
    if not value:
        return DEFAULT_LOCALE
    v = value.strip().lower().replace("_", "-")
    if v.startswith("en"):
        return "en"
    return "zh"


@cache
def catalog(locale: str) -> dict[str, str]:
    """All translations of a locale, merged over every ``.po`` file of it (first file wins on conflicts).
    Parsing the catalogs is most of a short command's start, so the merged table is cached between
    processes (:mod:`knowledge.cache`, keyed by the files' bytes)."""
    locale = normalize_locale(locale)
    folder = CATALOG_ROOT / LOCALE_DIRS[locale] / "LC_MESSAGES"
    paths = sorted(folder.glob("*.po"))
    return cached(f"catalog-{locale}", [*paths, Path(__file__)], lambda: _merge(paths))


def _merge(paths: list[Path]) -> dict[str, str]:
    from babel.messages.pofile import read_po  # only when the cache misses

    merged: dict[str, str] = {}
    for path in paths:
        with path.open("rb") as fh:
            for message in read_po(fh):
                if not message.id or not message.string or message.fuzzy:
                    continue
                key = message.id if isinstance(message.id, str) else message.id[0]
                merged.setdefault(key, message.string if isinstance(message.string, str) else message.string[0])
    return merged


def translator(locale: str | None) -> Translate:
    """Return ``_(message, **params)``: translated and, when params are given, ``str.format``-ed."""
    table = catalog(normalize_locale(locale))

    def _(message: str, /, **params: object) -> str:
        text = table.get(message, message)
        return text.format(**params) if params else text

    return _
