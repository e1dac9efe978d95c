"""The import direction of the design, enforced by an AST scan of every module.

bot -> handlers, knowledge, storage; handlers -> knowledge, storage; knowledge -> nothing of ours;
storage -> nothing of ours. Platform SDKs, web servers and the scheduler are imported only under bot/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"bot", "handlers", "knowledge", "storage"}
ALLOWED = {
    "bot": {"bot", "handlers", "knowledge", "storage"},
    "handlers": {"handlers", "knowledge", "storage"},
    "knowledge": {"knowledge"},
    "storage": {"storage"},
}
PLATFORM_ONLY_IN_BOT = {"telegram", "wechatpy", "starlette", "uvicorn", "apscheduler", "httpx"}


def _imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module.split(".")[0], node.lineno))
    return found


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts or package == "storage")


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_import_direction(package: str) -> None:
    bad = []
    for path in _modules(package):
        for top, line in _imports(path):
            if top in OURS and top not in ALLOWED[package]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {top}")
            if top in PLATFORM_ONLY_IN_BOT and package != "bot":
                bad.append(f"{path.relative_to(ROOT)}:{line} imports platform package {top}")
    assert not bad, "\n".join(bad)


def test_scan_sees_every_layer() -> None:
    # Guard against the scan silently finding nothing (e.g. after a rename).
    for package in ALLOWED:
        assert _modules(package), package
