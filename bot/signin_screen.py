"""The sign-in screen a trainer projects in class: the session's current code and QR codes, renewed as the
code rotates (第十九条: trainees sign in at every session).

``GET /signin/{token}`` is an HTML page that reloads itself every 20 seconds: the class, the place, how many
of the roster have signed in so far, the code and its QR codes. With WeChat API credentials the first QR code
is a temporary parametric QR code of the official account (scene ``signin_<class>_<code>``), made once per
code and kept in the database until it expires; with a Telegram bot username (YUNLING_TELEGRAM_BOT_USERNAME)
``/signin/{token}/qr.png`` is the Telegram deep link of the current code as a QR image. Without either,
trainees type the codes. The token is the clerk's capability from the chat ("show the
sign-in code"): the session id and an HMAC with the session's own secret. The page holds no personal data,
and shows a code only inside the session's sign-in window.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape

import requests
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route
from wechatpy.client.api.qrcode import WeChatQRCode
from wechatpy.exceptions import WeChatClientException

from bot.app import App
from bot.telegram.inbound import deep_link
from bot.wechat.sender import MissingCredentials, make_client
from handlers.i18n import N_, normalize_locale, translator
from handlers.services.signin_codes import (
    code_valid_until,
    current_code,
    payload_for,
    qr_png,
    screen_session_id,
    screen_token,
    session_label,
    signin_window,
)
from storage import repo_training, repo_wechat
from storage.db import run_in_transaction
from storage.models_training import ClassSession, TrainingClass

log = logging.getLogger(__name__)

REFRESH_S = 20  # well inside a code's 5-minute slot
WECHAT_QR_S = 15 * 60  # a QR code outlives its code's acceptance (two slots) with margin
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}

TITLE = N_("Sign-in: class {cls}, session {when}")
HOW = N_("Send 签到 to the assistant, then the class code and this code, or scan a QR code below.")
HOW_TYPED = N_("Send 签到 to the assistant, then the class code and this code.")
CLASS_AT = N_("{name} · {place}")
SIGNED = N_("Signed in: {signed} of {expected}")
VALID = N_("Valid until {until}; this page renews it by itself.")
NOT_YET = N_("Sign-in opens at {opens}. This page will show the code then.")
ENDED = N_("This session's sign-in has closed.")
SCAN_WECHAT = N_("WeChat: scan to sign in")
SCAN_TELEGRAM = N_("Telegram: scan to sign in")
NO_WECHAT_QR = N_("The WeChat QR code could not be made just now; trainees can type the codes instead.")
NOT_FOUND = N_("This sign-in screen does not exist. Ask for a new link in the chat (training classes → "
               "show the sign-in code).")


@dataclass(frozen=True)
class Screen:
    class_code: str
    label: str
    code: str  # "" outside the window
    until: str
    opens: str
    ended: bool
    payload: str
    wechat_qr: str | None  # the image address, None when it could not be made, "" when WeChat is off
    name: str = ""  # the class as the trainees know it: training unit and trade
    place: str = ""
    signed: int = 0  # of the roster, signed in to this session so far
    expected: int = 0


class SigninScreen:
    def __init__(self, app: App, *, clock: Callable[[], float] = time.time) -> None:
        self.app, self.clock = app, clock

    def routes(self) -> list[BaseRoute]:
        return [Route("/signin/{token}", self.page, methods=["GET"]),
                Route("/signin/{token}/qr.png", self.telegram_qr, methods=["GET"])]

    async def page(self, request: Request) -> Response:
        locale = normalize_locale(request.query_params.get("lang") or self.app.settings.default_locale)
        _ = translator(locale)
        screen = await run_in_threadpool(self._screen, request.path_params["token"], True)
        if screen is None:
            return HTMLResponse(_page(_("Sign-in"), f"<p>{escape(_(NOT_FOUND))}</p>", locale, refresh=False),
                                status_code=404, headers=PRIVATE)
        title = _(TITLE, cls=screen.class_code, when=screen.label)
        head = (f"<h1>{escape(title)}</h1><p class=where>{escape(_(CLASS_AT, name=screen.name, place=screen.place))}"
                f"</p><p class=count>{escape(_(SIGNED, signed=screen.signed, expected=screen.expected))}</p>")
        telegram = bool(self.app.settings.telegram_bot_username)
        if screen.ended:
            body = f"<p class=note>{escape(_(ENDED))}</p>"
        elif not screen.code:
            body = f"<p class=note>{escape(_(NOT_YET, opens=screen.opens))}</p>"
        else:
            how = HOW if (screen.wechat_qr or telegram) else HOW_TYPED
            body = (f"<p class=how>{escape(_(how))}</p><p class=code>{escape(screen.code)}</p>"
                    f"<p class=note>{escape(_(VALID, until=screen.until))}</p><div class=qrs>")
            if screen.wechat_qr:
                body += _figure(screen.wechat_qr, _(SCAN_WECHAT))
            elif screen.wechat_qr is None:
                body += f"<p class=note>{escape(_(NO_WECHAT_QR))}</p>"
            if telegram:
                token = escape(request.path_params["token"], quote=True)
                body += _figure(f"{token}/qr.png?c={escape(screen.code)}", _(SCAN_TELEGRAM))
            body += "</div>"
        return HTMLResponse(_page(title, head + body, locale, refresh=True), headers=PRIVATE)

    async def telegram_qr(self, request: Request) -> Response:
        screen = await run_in_threadpool(self._screen, request.path_params["token"], False)
        if screen is None or not screen.code or not self.app.settings.telegram_bot_username:
            return Response(status_code=404, headers=PRIVATE)
        link = deep_link(self.app.settings.telegram_bot_username, screen.payload)
        return Response(qr_png(link), media_type="image/png", headers=PRIVATE)

    # -- in a worker thread ---------------------------------------------------------------------------
    def _screen(self, token: str, with_wechat: bool) -> Screen | None:
        session_id = screen_session_id(token)
        if session_id is None:
            return None
        settings = self.app.settings
        now = datetime.fromtimestamp(self.clock(), UTC)

        def load(s: Session) -> tuple[ClassSession, TrainingClass, int, int] | None:
            sess = repo_training.get_session(session=s, session_id=session_id)
            if sess is None or not hmac.compare_digest(screen_token(sess).encode(),
                                                       token.encode("utf-8", "replace")):
                return None
            cls = repo_training.get_class_by_id(session=s, class_id=sess.class_id)
            if cls is None:
                return None
            expected = len(repo_training.enrolments_of(session=s, class_id=cls.id or 0))
            signed = len(repo_training.attendance_of_session(session=s, session_id=sess.id or 0))
            return sess, cls, signed, expected

        found = run_in_transaction(self.app.engine, load)
        if found is None:
            log.info("sign-in screen: unknown token")
            return None
        sess, cls, signed, expected = found
        opens, closes = signin_window(settings, sess)
        local = now.astimezone(opens.tzinfo)
        shown = opens <= local <= closes
        code = current_code(sess, local) if shown else ""
        payload = payload_for(cls, code) if code else ""
        wechat = self._wechat_qr(payload, local) if (with_wechat and code) else ""
        return Screen(class_code=cls.code, label=session_label(sess), code=code, payload=payload,
                      until=code_valid_until(local).astimezone(opens.tzinfo).strftime("%H:%M"),
                      opens=opens.strftime("%Y-%m-%d %H:%M"), ended=local > closes, wechat_qr=wechat,
                      name=f"{cls.training_unit} {cls.trade}", place=sess.place or cls.class_address,
                      signed=signed, expected=expected)

    def _wechat_qr(self, payload: str, now: datetime) -> str | None:
        """The WeChat QR image address of ``payload``: made once through the API, then kept until it
        expires. "" when WeChat is not configured; None when WeChat refused or did not answer."""
        settings = self.app.settings
        if not (settings.wechat_app_id and settings.wechat_app_secret):
            return ""
        key = f"signin-qr:{payload}"
        cached = run_in_transaction(self.app.engine, lambda s: repo_wechat.kv_get(session=s, key=key, now=now))
        if cached:
            return cached
        try:
            result = make_client(settings, self.app.engine).qrcode.create({
                "action_name": "QR_STR_SCENE", "expire_seconds": WECHAT_QR_S,
                "action_info": {"scene": {"scene_str": payload}}})
        except (MissingCredentials, WeChatClientException, requests.RequestException) as exc:
            log.warning("sign-in screen: WeChat QR code not made (%s)", type(exc).__name__)
            return None
        url = WeChatQRCode.get_url(result["ticket"])
        expires = now + timedelta(seconds=WECHAT_QR_S - 60)
        run_in_transaction(self.app.engine, lambda s: repo_wechat.kv_set(session=s, key=key, value=url,
                                                                         expires_at=expires))
        return url


def _figure(src: str, caption: str) -> str:
    return (f'<figure><img src="{escape(src, quote=True)}" alt="{escape(caption, quote=True)}" width="280" '
            f'height="280"><figcaption>{escape(caption)}</figcaption></figure>')


def _page(title: str, body: str, locale: str, *, refresh: bool) -> str:
    meta = f'<meta http-equiv="refresh" content="{REFRESH_S}">' if refresh else ""
    lang = "en" if locale == "en" else "zh-Hans"
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width">{meta}<title>{escape(title)}</title>'
            '<style>body{font-family:sans-serif;text-align:center;margin:2em}h1{font-size:1.6em}'
            '.code{font:bold 5em monospace;letter-spacing:.15em;margin:.3em 0}.how,.note,.where{font-size:1.2em}'
            '.count{font-size:1.6em;font-weight:bold}'
            '.qrs{display:flex;justify-content:center;gap:3em;flex-wrap:wrap}figure{margin:1em}</style>'
            f'</head><body>{body}</body></html>')


def routes(app: App) -> list[BaseRoute]:
    """``/signin/{token}`` for :func:`bot.web.build_web_app`; none when YUNLING_PUBLIC_URL is not set (the
    chat would have no address to give)."""
    if not app.settings.public_url:
        return []
    return SigninScreen(app).routes()


__all__ = ["SigninScreen", "routes"]
