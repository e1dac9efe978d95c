"""Soak: many messages of the realistic mix through ``yunling serve``'s WeChat webhook; the server's
resident memory is sampled as it goes and must level off.

    .venv/bin/python bench/soak.py [--messages 200000] [--users 5000] [--concurrency 20] [--every 10000]

Starts ``python -m bot.cli serve`` (SQLite in a temporary directory, WeChat safe mode, no delivery worker)
and plays the scripts of ``bench/mix.py`` over and over (``--users`` people), each reply checked to be an
encrypted passive reply. Prints RSS every ``--every`` messages. Target: growth after warm-up (the first
10 % of the messages) <= 20 MB. Exit status 1 beyond it or on failed replies.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str, file: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def play(base: str, steps: list[tuple[str, object]], concurrency: int, pid: int, every: int,
               samples: list[tuple[int, float]], env) -> int:  # type: ignore[no-untyped-def]
    import httpx

    failures = 0
    done = 0
    queue = iter(steps)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures, done
        for openid, step in queue:
            params, body = env.request(env.xml(openid, step))
            res = await client.post("/wechat", params={**params, "openid": openid}, content=body)
            if res.status_code != 200 or "<Encrypt>" not in res.text:
                failures += 1
            done += 1
            if done % every == 0:
                samples.append((done, rss_mb(pid)))
                print(f"  {done:>7} messages: RSS {samples[-1][1]:.0f} MB, failures {failures}", flush=True)

    clients = [httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=1), timeout=30)
               for _ in range(concurrency)]
    await asyncio.gather(*(worker(c) for c in clients))
    for c in clients:
        await c.aclose()
    return failures


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=200_000)
    p.add_argument("--users", type=int, default=5000)
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--every", type=int, default=10_000)
    args = p.parse_args()
    mix, wechat = _load("bench_mix", "mix.py"), _load("bench_wechat", "wechat.py")
    scripts = mix.scripts(args.users, 6)
    # One person's messages in order; people interleave across connections (a person may have two
    # messages in flight in this rough load; the webhook serialises them).
    steps = []
    rounds = 0
    while len(steps) < args.messages:
        for u, script in enumerate(scripts):
            steps.extend((wechat.openid_of(u + rounds * args.users), s) for s in script)
        rounds += 1
    steps = steps[:args.messages]
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server_env = {**os.environ, "YUNLING_DATABASE_URL": f"sqlite:///{tmp}/soak.db", "YUNLING_DATA_KEY": "soak",
                      "YUNLING_WECHAT_TOKEN": wechat.TOKEN, "YUNLING_WECHAT_APP_ID": wechat.APP_ID,
                      "YUNLING_WECHAT_AES_KEY": wechat.AES_KEY, "YUNLING_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--no-background"],
                                  cwd=ROOT, env=server_env)
        try:
            base = f"http://127.0.0.1:{port}"
            mix.wait_healthy(base)
            samples: list[tuple[int, float]] = [(0, rss_mb(server.pid))]
            print(f"soak: {len(steps)} messages, {mix.shares(scripts)}; RSS at ready {samples[0][1]:.0f} MB")
            t0 = time.perf_counter()
            failures = asyncio.run(play(base, steps, args.concurrency, server.pid, args.every, samples,
                                        wechat.Envelope()))
            took = time.perf_counter() - t0
            samples.append((len(steps), rss_mb(server.pid)))
        finally:
            server.terminate()
            server.wait(timeout=20)
    warm = next((r for n, r in samples if n >= len(steps) // 10), samples[-1][1])
    growth = max(r for _n, r in samples) - warm
    print(f"soak: {len(steps)} messages in {took:.0f} s ({len(steps) / took:.0f}/s), failures {failures}; RSS after "
          f"warm-up {warm:.0f} MB, peak {max(r for _n, r in samples):.0f} MB, end {samples[-1][1]:.0f} MB: growth "
          f"{growth:.0f} MB (target <= 20 MB)")
    return 0 if failures == 0 and growth <= 20 else 1


if __name__ == "__main__":
    sys.exit(main())
