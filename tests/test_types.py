"""Static checks of the hand-written code: mypy (configuration in pyproject.toml, migrations excluded) and
vulture (unused names; tools/vulture_whitelist.py lists those used dynamically). Any finding fails."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "knowledge", "storage", "tools")


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=600)


def _report(tool: str, errors: list[str]) -> None:
    if not errors:
        return
    pytest.fail(f"{tool}: {len(errors)} findings\n" + "\n".join(errors))


def test_mypy_finds_no_errors() -> None:
    done = _run("mypy", *PACKAGES)
    errors = [line for line in done.stdout.splitlines() if re.search(r": error: ", line)]
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 2: mypy itself failed (configuration)
    assert errors or done.returncode == 0, done.stdout
    _report("mypy", errors)


def test_vulture_finds_no_unused_names() -> None:
    done = _run("vulture", *PACKAGES, "--min-confidence", "60")
    assert done.returncode in (0, 3), done.stdout + done.stderr  # 3: unused code found
    _report("vulture", done.stdout.splitlines())
