"""The environment of a fresh ``yunling`` process as an installation starts it: the project's modules compiled
to bytecode once, as ``pip install .`` (and the image, deploy/Dockerfile) leaves them.

A development shell may set ``PYTHONDONTWRITEBYTECODE=1`` (this machine does): with it and an editable
install, every process compiles the project's ~30 modules it imports from source again, about 0.1 s of each
cold start that no installation pays. The benches that time fresh processes use :func:`installed_env`.
"""

from __future__ import annotations

import compileall
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "knowledge", "storage")
_compiled = False


def installed_env(**extra: str) -> dict[str, str]:
    """``os.environ`` with the project on the path and bytecode allowed, after compiling the project once
    (``__pycache__`` is ignored by git)."""
    global _compiled
    if not _compiled:
        for package in PACKAGES:
            if not compileall.compile_dir(ROOT / package, quiet=1):
                raise RuntimeError(f"{package}: a module does not compile")
        _compiled = True
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(ROOT), **extra}
