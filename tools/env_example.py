"""Write .env.example from the settings model: ``python tools/env_example.py`` (``--check`` exits 1 when stale)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import env_example  # noqa: E402

if __name__ == "__main__":
    target = ROOT / ".env.example"
    text = env_example()
    if "--check" in sys.argv:
        sys.exit(0 if target.is_file() and target.read_text(encoding="utf-8") == text else 1)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
