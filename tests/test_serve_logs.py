"""``yunling serve`` logs: the scheduler's runs (one every 2 s, about 86 000 lines a day) stay out of the log
at INFO; ``--verbose`` shows them."""

from __future__ import annotations

import logging
import time

import pytest

from bot.app import App
from bot.cli import build_parser
from bot.logs import setup_logging
from bot.scheduler import start_background
from handlers.registry import build_dispatcher


def _scheduler_lines(engine, settings, caplog, *, verbose: bool) -> list[str]:  # type: ignore[no-untyped-def]
    app = App(settings, engine, build_dispatcher(engine, settings))
    setup_logging("INFO", verbose=verbose)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        work = start_background(app, senders={}, tick_seconds=0.05)
        try:
            deadline = time.monotonic() + 10
            while work.scheduler.get_job("calendar-startup") is not None:  # gone once it has run
                assert time.monotonic() < deadline, "the start-up job did not run"
                time.sleep(0.02)
            time.sleep(0.3)  # a few ticks
        finally:
            work.shutdown()
            setup_logging("INFO")
    return [r.getMessage() for r in caplog.records if r.name.startswith("apscheduler")
            and r.levelno < logging.WARNING]


def test_scheduler_runs_are_not_logged_at_info(engine, settings, caplog) -> None:  # type: ignore[no-untyped-def]
    assert _scheduler_lines(engine, settings, caplog, verbose=False) == []


def test_verbose_shows_them(engine, settings, caplog) -> None:  # type: ignore[no-untyped-def]
    lines = _scheduler_lines(engine, settings, caplog, verbose=True)
    assert any("executed successfully" in line for line in lines), lines


@pytest.mark.parametrize(("argv", "verbose"), [(["serve"], False), (["serve", "--verbose"], True)])
def test_serve_has_a_verbose_option(argv: list[str], verbose: bool) -> None:
    assert build_parser("serve").parse_args(argv).verbose is verbose
