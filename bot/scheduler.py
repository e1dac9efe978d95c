"""Background work of a server process: the delivery worker on its own event loop, driven by an
APScheduler 3 ``BackgroundScheduler``.

APScheduler's defaults are not what we want, so every job sets them explicitly:
* ``misfire_grace_time`` defaults to 1 s, which silently skips a run due while the process was busy or
  down for a moment -- ours are generous (the tick 30 s, the daily calendar job 12 h);
* ``coalesce`` defaults to False, which replays every missed run -- ours is True (one catch-up run);
* ``max_instances=1``: a slow run is never overlapped by the next.
The job store is in memory on purpose: what is scheduled lives in our tables (``broadcast.scheduled_at``,
``outbox.next_attempt_at``), so a restart loses nothing, and several processes never share a job store
(unsupported upstream). The calendar job also runs once at start-up, so a reminder missed while the process
was down is proposed once if still relevant (proposals are idempotent per key).

    handle = start_background(app)            # in ``yunling serve``; senders found from settings
    ...
    handle.shutdown()
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import Session

from bot import downloads
from bot.app import App
from bot.delivery import ConsoleSender, DeliveryWorker, Limits
from bot.metrics import job_listener
from bot.senders import Sender
from handlers.notifications import clerk_units
from handlers.services.broadcasts import propose_reminders, release_due_broadcasts
from storage import repo_outbox, retention
from storage import repositories as repo
from storage.db import run_in_transaction
from storage.models_cases import Broadcast
from storage.models_telegram import purge_tokens

log = logging.getLogger(__name__)

PROCESSED_KEPT = timedelta(days=7)  # WeChat retries within seconds, Telegram within a day at most
TOKENS_KEPT = timedelta(days=90)  # buttons older than this answer "no longer valid"
TICK_SECONDS = 2.0  # how often due broadcasts are released and the worker is woken
CALENDAR_AT = (7, 30)  # local time of the daily reminder proposals
RETENTION_AT = (3, 30)  # local time of the daily retention pass (quiet hours)


def default_senders(app: App) -> dict[str, Sender]:
    """Console always; each platform adapter's ``make_sender(app)`` gives its sender when it is configured."""
    senders: dict[str, Sender] = {"console": ConsoleSender()}
    for name in ("bot.telegram", "bot.wechat"):
        sender = importlib.import_module(name).make_sender(app)
        if sender is not None:
            senders[sender.channel] = sender
    return senders


class Background:
    """The delivery thread and the scheduler of one process."""

    def __init__(self, app: App, senders: Mapping[str, Sender], *, limits: Mapping[str, Limits] | None = None,
                 tick_seconds: float = TICK_SECONDS, deliver: bool = True, **worker_options: object) -> None:
        self.app, self.deliver = app, deliver
        self.tz = ZoneInfo(app.settings.timezone)
        self.worker = DeliveryWorker(app.engine, senders, limits=limits, **worker_options)  # type: ignore[arg-type]
        self.tick_seconds = tick_seconds
        self.scheduler = BackgroundScheduler(
            timezone=self.tz, jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "misfire_grace_time": 30, "max_instances": 1},
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._wake: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    # -- jobs ------------------------------------------------------------------------------------
    def tick(self) -> None:
        """Release due broadcasts into the outbox, close finished ones, wake the worker."""
        now = datetime.now(UTC)
        try:
            run_in_transaction(self.app.engine, lambda s: release_due_broadcasts(session=s, now=now))
        except Exception:
            log.exception("releasing broadcasts failed")
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def calendar(self) -> None:
        """Propose the day's reminders (公示 windows, training deadlines) as drafts for the clerks."""
        now = datetime.now(UTC)
        today = now.astimezone(self.tz).date()

        skipped: list[str] = []

        def work(s: Session) -> list[Broadcast]:
            skipped.clear()
            units = clerk_units(session=s, extra=tuple(self.app.settings.clerks.values()))
            return propose_reminders(session=s, today=today, now=now, tz=self.tz, units=units,
                                     locale=self.app.settings.default_locale, skipped=skipped)

        try:
            made = run_in_transaction(self.app.engine, work)
            log.info("calendar: %d reminder drafts proposed", len(made))
            if skipped:
                log.info("calendar: %d reminders not proposed, they would reach nobody (no subscribers): %s",
                         len(skipped), "; ".join(skipped[:10]))
        except Exception:
            log.exception("calendar job failed")
        self.housekeeping(now)

    def housekeeping(self, now: datetime) -> None:
        """Daily: expired download links, delivery keys past any platform retry, stale button tokens, sent
        conversation replies (the outbox keeps them only against a crash)."""
        downloads.purge(self.app.engine, now)

        def work(s: Session) -> tuple[int, int, int]:
            keys = repo.purge_processed(session=s, before=now - timedelta(days=self.app.settings.retention_delivery_keys_days))
            tokens = purge_tokens(session=s, before=now - TOKENS_KEPT)
            replies = repo_outbox.purge_sent_replies(session=s, before=now - PROCESSED_KEPT)
            return keys, tokens, replies

        try:
            keys, tokens, replies = run_in_transaction(self.app.engine, work)
            log.info("housekeeping: %d delivery keys, %d button tokens and %d sent replies forgotten", keys, tokens,
                     replies)
        except Exception:
            log.exception("housekeeping failed")

    def retention(self, now: datetime | None = None) -> dict[str, int]:
        """Daily: delete or empty what the measures do not require keeping (docs/privacy.md)."""
        now = now or datetime.now(UTC)
        st = self.app.settings
        policy = retention.Policy(conversation_days=st.retention_conversation_days,
                                  ticket_text_days=st.retention_ticket_text_days,
                                  delivery_keys_days=st.retention_delivery_keys_days,
                                  outbox_days=st.retention_outbox_days,
                                  questions_days=st.retention_questions_days)
        try:
            done = run_in_transaction(self.app.engine, lambda s: retention.apply(session=s, now=now, policy=policy))
        except Exception:
            log.exception("retention failed")
            return {}
        log.info("retention: %s", ", ".join(f"{n} {what}" for what, n in done.items()))
        return done

    # -- life cycle ------------------------------------------------------------------------------
    def _run_loop(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop, self._wake = asyncio.Event(), asyncio.Event()
            self._ready.set()
            await self.worker.run(self._stop, self._wake, poll_seconds=max(self.tick_seconds * 5, 10))
            self.worker.flush()

        asyncio.run(main())

    def start(self) -> Background:
        if self.deliver:  # deliver=False: this process only releases broadcasts and proposes reminders
            self._thread = threading.Thread(target=self._run_loop, name="delivery", daemon=True)
            self._thread.start()
            self._ready.wait(timeout=10)
        self.scheduler.add_job(self.tick, "interval", seconds=self.tick_seconds, id="tick",
                               misfire_grace_time=30, coalesce=True, max_instances=1,
                               next_run_time=datetime.now(self.tz))
        self.scheduler.add_job(self.calendar, "cron", hour=CALENDAR_AT[0], minute=CALENDAR_AT[1], id="calendar",
                               misfire_grace_time=12 * 3600, coalesce=True, max_instances=1)
        self.scheduler.add_job(self.retention, "cron", hour=RETENTION_AT[0], minute=RETENTION_AT[1], id="retention",
                               misfire_grace_time=12 * 3600, coalesce=True, max_instances=1)
        self.scheduler.add_job(self.calendar, "date", run_date=datetime.now(self.tz), id="calendar-startup",
                               misfire_grace_time=12 * 3600)
        self.scheduler.add_listener(job_listener, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self.scheduler.start()
        log.info("background started: delivery worker %s, tick every %.0f s", self.worker.worker_id,
                 self.tick_seconds)
        return self

    def shutdown(self, timeout: float = 10.0) -> None:
        self.scheduler.shutdown(wait=False)
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=timeout)


def start_background(app: App, senders: Mapping[str, Sender] | None = None, **options: object) -> Background:
    """Start delivery and scheduling for ``app``; call ``.shutdown()`` when the server stops."""
    return Background(app, senders or default_senders(app), **options).start()  # type: ignore[arg-type]
