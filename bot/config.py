"""Settings: the only place that reads the environment (variables prefixed ``YUNLING_``) or a ``.env`` file."""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path
from typing import Any

from handlers.settings import Settings

PREFIX = "YUNLING_"


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _parse_clerks(spec: str) -> dict[str, str]:
    """``channel:user=unit;channel:user=unit`` -> {"channel:user": "unit"}."""
    result: dict[str, str] = {}
    for item in spec.split(";"):
        item = item.strip()
        if not item or "=" not in item:
            continue
        who, _, unit = item.partition("=")
        result[who.strip()] = unit.strip()
    return result


def load_settings(env: dict[str, str] | None = None, dotenv: Path | None = None, **overrides: Any) -> Settings:
    """Build settings from ``.env`` then the environment (environment wins), then explicit overrides."""
    source: dict[str, str] = {}
    source.update(_read_dotenv(dotenv or Path(".env")))
    source.update(os.environ if env is None else env)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        key = PREFIX + f.name.upper()
        if key not in source:
            continue
        raw = source[key]
        if f.name == "clerks":
            values[f.name] = _parse_clerks(raw)
        elif f.type == "int":
            values[f.name] = int(raw)
        elif f.type == "float":
            values[f.name] = float(raw)
        elif f.type == "bool":
            values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
        else:
            values[f.name] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)
