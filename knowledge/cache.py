"""Derived data kept between processes, so that a command started at a terminal (``yunling ask``) or a
restarted server does not rebuild what it built last time.

A value is pickled under the cache directory with a key made of the SHA-256 of its source files' bytes
(the code that builds it included) and the Python version: an edited lexicon, a refitted model or
changed code is a different key, never a stale hit. Anything that goes wrong (no home directory, a
read-only file system, a truncated or foreign file) falls back to building the value, logged at DEBUG.

The directory is ``$YUNLING_CACHE_DIR``, else ``$XDG_CACHE_HOME/yunling``, else ``~/.cache/yunling``;
``YUNLING_CACHE_DIR=off`` turns the cache off. It is created private to the user (0700) and only ever
read by the same user, like Python's own ``__pycache__``; it holds no personal data.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = ["cache_dir", "cached", "fingerprint"]


def cache_dir() -> Path | None:
    configured = os.environ.get("YUNLING_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "none") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "yunling"
    try:
        return Path.home() / ".cache" / "yunling"
    except RuntimeError:  # no home directory (a bare service account)
        return None


def fingerprint(files: Iterable[Path]) -> str:
    """SHA-256 over the files' names and bytes (sorted), with the Python version and pickle protocol."""
    digest = hashlib.sha256(f"{sys.version_info[:3]} {pickle.HIGHEST_PROTOCOL}".encode())
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def cached(name: str, sources: Iterable[Path], build: Callable[[], T]) -> T:
    """The value ``build()`` returns, read from the cache when its sources are unchanged."""
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        path = folder / f"{name}-{fingerprint(sources)}.pickle"
    except OSError as exc:  # a source that cannot be read: let build() say what is wrong
        log.debug("cache %s: sources unreadable (%s)", name, exc)
        return build()
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        pass
    except Exception as exc:
        log.debug("cache %s unreadable, rebuilding: %s", name, type(exc).__name__)
    value = build()
    _store(folder, path, name, value)
    return value


def _store(folder: Path, path: Path, name: str, value: object) -> None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for old in folder.glob(f"{name}-*.pickle"):  # earlier versions of the same value
            old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)  # atomic: a reader sees the old file, none, or the whole new one
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        log.debug("cache %s not written: %s", name, exc)
