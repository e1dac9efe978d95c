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


# -- the services layer (issue 16) -----------------------------------------------------------------------
FLOWS_DIR = ROOT / "handlers" / "flows"
# Modules of handlers/flows that flows may import: the engine's shared steps and the questionnaire engine of
# the award checks, with its verdict step (the form engine itself is handlers/form.py).
ENGINE = {"core", "awards_common", "awards_verdict"}
# Imports still to be replaced by registry look-ups, in a module another piece of work owns right now.
PENDING = {("listen", "craftsman"), ("listen", "station"), ("listen", "studio"), ("listen", "training_rules")}
# A flow is a module of handlers/flows or a package there (handlers/flows/training/); a package's modules
# may import each other.
FLOW_MODULES = {p.stem for p in FLOWS_DIR.glob("*.py") if p.stem != "__init__"} | {
    p.parent.name for p in FLOWS_DIR.glob("*/__init__.py")}


def _flow_files() -> list[tuple[Path, str]]:
    """(file, the flow it belongs to) for every module of handlers/flows but the registry."""
    files = [(p, p.stem) for p in sorted(FLOWS_DIR.glob("*.py")) if p.stem != "__init__"]
    return files + [(p, p.parent.name) for p in sorted(FLOWS_DIR.glob("*/*.py"))]


def test_flow_packages_are_seen_and_import_absolutely() -> None:
    assert "training" in FLOW_MODULES
    relative = [f"{path.relative_to(ROOT)}:{n.lineno}" for path, _flow in _flow_files()
                for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(n, ast.ImportFrom) and n.level]
    assert not relative, "relative imports hide from these scans: " + ", ".join(relative)


def _all_imports(path: Path) -> list[tuple[str, int]]:
    """Every module an import statement names (``from a.b import c`` gives a.b and a.b.c), nested ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
    return found


def test_no_flow_imports_another_flow() -> None:
    bad = set()
    for path, flow in _flow_files():
        for name, line in _all_imports(path):
            parts = name.split(".")
            if parts[:2] == ["handlers", "flows"] and len(parts) > 2 and parts[2] in FLOW_MODULES:
                target = parts[2]
                if target not in ENGINE and target != flow and (flow, target) not in PENDING:
                    bad.add(f"{path.relative_to(ROOT)}:{line} imports the flow module {target}")
    assert not bad, "\n".join(sorted(bad))


def test_only_the_composition_root_loads_the_flows() -> None:
    """Outside handlers/flows, only handlers/registry.py imports the registry; bot/, the dispatcher and the
    services never."""
    bad = []
    for package in ("bot", "handlers", "knowledge", "storage"):
        for path in _modules(package):
            if FLOWS_DIR in path.parents or path == ROOT / "handlers" / "registry.py":
                continue
            bad += sorted({f"{path.relative_to(ROOT)}:{line} imports handlers.flows" for name, line in _all_imports(path)
                           if name == "handlers.flows" or name.startswith("handlers.flows.")})
    assert not bad, "\n".join(bad)


def _audit_writers(path: Path) -> list[int]:
    """Lines that call an ``audit(...)`` function or build an ``AuditEvent`` row."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("audit", "AuditEvent"):
                lines.append(node.lineno)
    return lines


def test_nothing_outside_the_services_writes_audit_rows() -> None:
    helper = ROOT / "storage" / "repositories.py"  # defines audit(): the one place an AuditEvent is built
    services = ROOT / "handlers" / "services"
    bad, seen = [], 0
    for package in ("bot", "handlers", "knowledge", "storage", "tools"):
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = _audit_writers(path)
            if services in path.parents:
                seen += len(lines)
            elif path == helper:
                assert len(lines) == 1, "storage/repositories.py builds AuditEvent only in audit()"
            else:
                bad += [f"{path.relative_to(ROOT)}:{line} writes an audit row" for line in lines]
    assert not bad, "\n".join(bad)
    assert seen >= 10  # the scan sees the services' own audit calls


def test_a_flow_module_imports_before_the_dispatcher_without_a_cycle() -> None:
    import subprocess
    import sys

    code = ("import sys\nimport handlers.flows.clerk_cases\n"
            "assert 'handlers.dispatch' not in sys.modules, 'a flow imported the dispatcher'\n"
            "import handlers.dispatch\nhandlers.dispatch.Dispatcher\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for path, _flow in _flow_files():  # at module level, no flow imports the dispatcher
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "handlers.dispatch"]
        assert not top, f"{path.relative_to(ROOT)} imports handlers.dispatch at module level"
