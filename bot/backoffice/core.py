"""The plumbing of the clerks' web console: the session cookie, CSRF, the clerk's unit, audit of every page
and action, templates (Jinja2, autoescaped) and the responses. Pages (``bot.backoffice.pages``) are plain
functions of a :class:`View` that run in a worker thread inside one transaction and return a :class:`Page`
or a :class:`Redirect`.

Requests without a live session go to the sign-in page (nothing of a POST is kept); a state-changing
request without the session's CSRF token gets 403; a record of another unit is 404 (:class:`Missing`).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.app import App
from handlers.i18n import N_, Translate, normalize_locale, translator
from handlers.services import console_auth
from handlers.services.console_auth import Clerk
from handlers.settings import Settings
from storage.db import run_in_transaction

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "yl_console"
PREFIX = "/console"
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
           "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                      "script-src 'self'; frame-ancestors 'none'; form-action 'self'"}
NOT_FOUND = N_("There is no such record in your unit.")
FORBIDDEN = N_("This form has expired or did not come from the console. Reload the page and try again.")


class Missing(Exception):
    """The record does not exist or belongs to another unit: 404, without saying which."""


@dataclass(frozen=True)
class Page:
    template: str
    values: dict[str, Any] = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class Redirect:
    to: str


@dataclass(frozen=True)
class Download:
    """A file for the browser to save (an export)."""

    filename: str
    data: bytes
    mime: str


MAX_UPLOAD = 5 * 1024 * 1024  # a class roster is tens of kilobytes; the sheet's own limits apply after


@dataclass
class View:
    """What a page function gets: the open transaction, the clerk, the time, the request's inputs."""

    session: Session
    clerk: Clerk
    now: datetime  # aware, UTC
    tz: ZoneInfo
    query: Mapping[str, str]
    params: Mapping[str, str]
    form: Mapping[str, str]
    _: Translate
    files: Mapping[str, bytes | None] = field(default_factory=dict)  # uploads; None: over MAX_UPLOAD
    settings: Settings | None = None  # the app's (the data key for the training sheets, the public address)
    audit: tuple[str, str] = ("", "")  # (action, subject) recorded for this request; set by the page

    @property
    def local(self) -> datetime:
        return self.now.astimezone(self.tz)

    def int_param(self, name: str) -> int:
        value = self.params.get(name, "")
        if not value.isdigit() or len(value) > 12:
            raise Missing(name)
        return int(value)


PageFn = Callable[[View], Page | Redirect | Download]


def url(path: str, **query: object) -> str:
    q = {k: v for k, v in query.items() if v not in (None, "")}
    return PREFIX + path + ("?" + urlencode(q) if q else "")


class Console:
    def __init__(self, app: App, *, clock: Callable[[], float] = time.time) -> None:
        self.app, self.clock = app, clock
        self.tz = ZoneInfo(app.settings.timezone)
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals["url"] = url

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # -- responses --------------------------------------------------------------------------------
    def render(self, template: str, locale: str, *, clerk: Clerk | None = None, status: int = 200,
               **values: Any) -> HTMLResponse:
        _ = translator(locale)
        html = self.env.get_template(template).render(_=_, locale=locale, clerk=clerk, **values)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def to_signin(self, request: Request, locale: str) -> Response:
        target = url("/signin", lang=locale if locale != "zh" else "")
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={**HEADERS, "HX-Redirect": target})
        return RedirectResponse(target, status_code=303, headers=HEADERS)

    def cookie_token(self, request: Request) -> str | None:
        raw = request.cookies.get(COOKIE, "")
        return console_auth.unsign(self.app.settings.data_key, raw) if raw else None

    def set_cookie(self, response: Response, token: str, request: Request) -> None:
        secure = request.url.scheme == "https" or self.app.settings.public_url.startswith("https://")
        response.set_cookie(COOKIE, console_auth.sign(self.app.settings.data_key, token), path=PREFIX,
                            httponly=True, samesite="strict", secure=secure)

    # -- the guarded request ----------------------------------------------------------------------
    def page(self, fn: PageFn, *, action: str = "", upload: bool = False) -> Callable[[Request], Any]:
        """A route endpoint: session, CSRF (for POST), the page's work and its audit in one transaction.
        ``upload``: the POST may carry one file (read up to :data:`MAX_UPLOAD`)."""

        async def endpoint(request: Request) -> Response:
            lang = normalize_locale(request.query_params.get("lang"))
            token = self.cookie_token(request)
            if token is None:
                return self.to_signin(request, lang)
            form: dict[str, str] = {}
            files: dict[str, bytes | None] = {}
            if request.method == "POST":
                data = await request.form(max_files=1 if upload else 0, max_fields=50)
                form = {k: v for k, v in data.items() if isinstance(v, str)}
                for k, v in data.items():
                    if not isinstance(v, str):
                        body = await v.read(MAX_UPLOAD + 1)
                        files[k] = body if len(body) <= MAX_UPLOAD else None
            sent_csrf = form.get("csrf") or request.headers.get("X-CSRF-Token", "")
            inputs = (dict(request.query_params), dict(request.path_params), form, request.method == "POST", files)
            try:
                result = await run_in_threadpool(self._work, token, fn, action, sent_csrf, inputs, request.url.path)
            except Missing:
                return self._missing(request, token)
            if result is None:
                return self.to_signin(request, lang)
            clerk, out = result
            if out == "csrf":
                log.warning("console: %s %s refused, missing or wrong CSRF token (person %s)", request.method,
                            request.url.path, clerk.person_id)
                return self.render("message.html", clerk.locale, clerk=clerk, status=403,
                                   title=N_("Not accepted"), message=FORBIDDEN)
            if isinstance(out, Redirect):
                return RedirectResponse(out.to, status_code=303, headers=HEADERS)
            if isinstance(out, Download):
                disposition = "attachment; filename*=UTF-8''" + quote(out.filename)
                return Response(out.data, media_type=out.mime, headers={**HEADERS, "Content-Disposition": disposition})
            assert isinstance(out, Page)
            return self.render(out.template, clerk.locale, clerk=clerk, status=out.status, path=request.url.path,
                               **out.values)

        return endpoint

    def _work(self, token: str, fn: PageFn, action: str, sent_csrf: str,
              inputs: tuple[dict[str, str], dict[str, str], dict[str, str], bool, dict[str, bytes | None]],
              path: str) -> tuple[Clerk, Page | Redirect | Download | str] | None:
        query, params, form, posted, files = inputs

        def work(session: Session) -> tuple[Clerk, Page | Redirect | Download | str] | None:
            now = self.now()
            clerk = console_auth.current_clerk(session, token=token, now=now)
            if clerk is None:
                return None
            if posted and not hmac.compare_digest(sent_csrf.encode(), clerk.csrf.encode()):
                console_auth.record(session, clerk=clerk, action="console.csrf_refused", subject=path)
                return clerk, "csrf"
            view = View(session=session, clerk=clerk, now=now, tz=self.tz, query=query, params=params, form=form,
                        _=translator(clerk.locale), files=files, settings=self.app.settings)
            out = fn(view)
            what, subject = view.audit
            console_auth.record(session, clerk=clerk, action=what or action or "console.view", subject=subject or path)
            return clerk, out

        return run_in_transaction(self.app.engine, work)

    def _missing(self, request: Request, token: str) -> Response:
        def work(session: Session) -> Clerk | None:
            clerk = console_auth.current_clerk(session, token=token, now=self.now())
            if clerk is not None:
                console_auth.record(session, clerk=clerk, action="console.not_found", subject=request.url.path)
            return clerk

        clerk = run_in_transaction(self.app.engine, work)
        if clerk is None:
            return self.to_signin(request, "zh")
        log.info("console: %s not found for person %s", request.url.path, clerk.person_id)
        return self.render("message.html", clerk.locale, clerk=clerk, status=404, title=N_("Not found"),
                           message=NOT_FOUND)
