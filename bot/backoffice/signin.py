"""Sign-in by one-time link, sign-out (here or everywhere) and the console's language."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.backoffice.core import HEADERS, PREFIX, Console, Page, Redirect, View, url
from handlers.i18n import N_, normalize_locale
from handlers.services import console_auth
from storage.db import run_in_transaction

log = logging.getLogger(__name__)

HOW = N_("To sign in, type 后台 (or console) to the assistant in WeChat, Telegram or the console chat: as a union "
         "clerk you receive a link that works once, for 10 minutes.")
REFUSED = N_("This sign-in link cannot be used: it has been used already, has expired, or you no longer act "
             "for that unit. Type 后台 in the chat for a new one.")


class SigninPages:
    def __init__(self, console: Console) -> None:
        self.c = console

    async def how(self, request: Request) -> Response:
        lang = normalize_locale(request.query_params.get("lang"))
        return self.c.render("signin.html", lang, how=HOW)

    async def confirm(self, request: Request) -> Response:
        """The link itself only shows a button: link previews (WeChat fetches links) must not use it up."""
        lang = normalize_locale(request.query_params.get("lang"))
        return self.c.render("signin.html", lang, how=HOW, token=request.path_params["token"])

    async def redeem(self, request: Request) -> Response:
        lang = normalize_locale(request.query_params.get("lang"))
        token = str(request.path_params["token"])[:100]

        def work(session: Session) -> tuple[str, str] | None:
            return console_auth.open_session(session, token=token, now=self.c.now(), locale=lang)

        pair = await run_in_threadpool(run_in_transaction, self.c.app.engine, work)
        if pair is None:
            log.warning("console: a sign-in link was refused (used, expired, unknown or no longer a clerk)")
            return self.c.render("signin.html", lang, how=REFUSED, refused=True, status=403)
        response = RedirectResponse(PREFIX, status_code=303, headers=HEADERS)
        self.c.set_cookie(response, pair[0], request)
        return response


def sign_out(everywhere: bool) -> Callable[[View], Redirect]:
    def fn(v: View) -> Redirect:
        console_auth.sign_out(v.session, clerk=v.clerk, now=v.now, everywhere=everywhere)
        v.audit = ("console.view", "")  # the sign-out itself is audited by the service
        return Redirect(url("/signin", lang=v.clerk.locale if v.clerk.locale != "zh" else ""))

    return fn


def set_language(v: View) -> Redirect | Page:
    locale = normalize_locale(v.form.get("lang"))
    console_auth.set_locale_of(v.session, clerk=v.clerk, locale=locale)
    back = v.form.get("back", "")
    return Redirect(back if back.startswith(PREFIX) and "//" not in back else PREFIX)
