"""The realistic message mix of the benches (``bench/wechat.py``, ``bench/dispatch.py``): about 60 % free
questions (the blind set's, in every style), 30 % steps of multi-step flows (an eligibility check walked by
numbers, the application channel, a submenu, the subsidy calculator; each walk ends with 取消), 10 % events
(a follow, a custom-menu click). Each simulated person has a script and sends the next message only after
the answer to the previous one."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLIND = ROOT / "tests" / "data" / "blind.jsonl"

WALKS: tuple[tuple[str, ...], ...] = (
    ("云岭工匠", "2", "1", "1", "取消"),
    ("云岭工匠", "1", "取消"),
    ("申报渠道", "1", "1", "取消"),
    ("技能培训", "1", "取消"),
    ("补贴怎么算", "1", "取消"),
    ("菜单", "3", "取消"),
    ("职工创新工作室", "2", "取消"),
)
CLICKS = ("cmd:help", "flow:craftsman_draft", "cmd:menu")  # (flow:status shows a random link code)


@dataclass(frozen=True)
class Step:
    kind: str  # "question" | "flow" | "event"
    text: str = ""  # a text message
    event: str = ""  # "subscribe" | "click"
    key: str = ""  # the click's EventKey


def questions() -> list[str]:
    with BLIND.open(encoding="utf-8") as fh:
        return [json.loads(line)["question"] for line in fh if line.strip()]


def scripts(users: int, per_user: int, seed: int = 21) -> list[list[Step]]:
    """One script of about ``per_user`` messages for each of ``users`` people."""
    rng = random.Random(seed)
    pool = questions()
    out: list[list[Step]] = []
    for _u in range(users):
        steps: list[Step] = []
        while len(steps) < per_user:
            # Walks average 3.3 messages: these odds give about 60 / 30 / 10 % of messages.
            r = rng.random()
            if r < 0.76:
                steps.append(Step("question", text=rng.choice(pool)))
            elif r < 0.875:
                steps.extend(Step("flow", text=t) for t in rng.choice(WALKS))
            elif r < 0.94:
                steps.append(Step("event", event="subscribe"))
            else:
                steps.append(Step("event", event="click", key=rng.choice(CLICKS)))
        out.append(steps)
    return out


def shares(all_scripts: list[list[Step]]) -> str:
    kinds = [s.kind for script in all_scripts for s in script]
    return ", ".join(f"{k} {kinds.count(k) / len(kinds):.0%}" for k in ("question", "flow", "event"))


def wait_healthy(base: str, timeout: float = 60.0) -> bool:
    """Poll ``base``/healthz until it answers 200 (a server started by a bench); False after ``timeout``."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False
