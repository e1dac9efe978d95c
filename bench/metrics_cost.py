"""What the metrics add to each webhook message, in CPU time, measured in-process (robust to a busy machine,
unlike a throughput comparison): the request middleware (request id, latency histogram) around an ASGI
endpoint, and the dispatcher wrappers (message counter, message id, FAQ counter) around a dispatch, each
with and without, plus one /metrics scrape.

    python bench/metrics_cost.py [--n 20000]

Compare the added microseconds with the WeChat webhook's server CPU per message (bench/wechat.py prints
it: about 2.6-3.3 ms); the target is <= 3 %.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from bot import metrics  # noqa: E402


async def _endpoint(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"success"})


def asgi_cpu(app, n: int) -> float:  # type: ignore[no-untyped-def]
    scope = {"type": "http", "path": "/wechat", "headers": [(b"host", b"x")], "method": "POST"}

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: dict) -> None:
        return None

    async def run() -> float:
        t0 = time.process_time()
        for _ in range(n):
            await app(dict(scope), receive, send)
        return time.process_time() - t0

    return asyncio.run(run())


def dispatch_cpu(n: int, instrumented: bool) -> float:
    reply = SimpleNamespace(citations=(1,), choices=())
    result = SimpleNamespace(duplicate=False, held=None, replies=[reply])

    class Stub:
        def handle(self, incoming, **_kw):  # type: ignore[no-untyped-def]
            self.faq(None, incoming.text)
            return result

        def handle_many(self, batch):  # type: ignore[no-untyped-def]
            return [self.handle(i) for i, _g in batch]

        def faq(self, _ctx, _text):  # type: ignore[no-untyped-def]
            return [reply]

    d = Stub()
    if instrumented:
        metrics.instrument(d)
    incoming = SimpleNamespace(channel="wechat", message_key="wx:123456789", text="q")
    t0 = time.process_time()
    for _ in range(n):
        d.handle(incoming)
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    n = args.n
    bare = asgi_cpu(_endpoint, n)
    wrapped = asgi_cpu(metrics.RequestMetrics(_endpoint), n)
    plain = dispatch_cpu(n, False)
    metered = dispatch_cpu(n, True)
    middleware_us = (wrapped - bare) / n * 1e6
    dispatcher_us = (metered - plain) / n * 1e6
    total = middleware_us + dispatcher_us
    import tempfile

    from storage.db import init_db, make_engine

    tmp = tempfile.TemporaryDirectory()
    engine = make_engine(f"sqlite:///{tmp.name}/m.db")
    init_db(engine)  # the scrape reads the outbox
    scrape = metrics.metrics_endpoint(engine, "t")
    request = SimpleNamespace(headers={"authorization": "Bearer t"})
    t0 = time.process_time()
    for _ in range(200):
        scrape(request)  # type: ignore[arg-type]
    scrape_ms = (time.process_time() - t0) / 200 * 1000
    engine.dispose()
    tmp.cleanup()
    print(f"metrics cost per message, CPU, {n} iterations each:")
    print(f"  request middleware (id, latency histogram): {middleware_us:6.1f} us")
    print(f"  dispatcher wrappers (counters, message id): {dispatcher_us:6.1f} us")
    print(f"  total {total:.1f} us = {total / 2600:.1%} of 2.6 ms (WeChat webhook CPU per message, bench/wechat.py)")
    print(f"  one /metrics scrape: {scrape_ms:.2f} ms (every 15 s per process)")


if __name__ == "__main__":
    main()
