"""``yunling wechat menu`` and ``yunling wechat qr``: the official account's custom menu and parametric QR
codes (e.g. one per training session: its scene is the sign-in payload ``signin_<class>_<code>``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.common import add_db_option, settings_from

if TYPE_CHECKING:  # imported lazily at run time: the CLI starts without wechatpy
    from bot.wechat.sender import ApiClient

MENU_FILE = Path(__file__).resolve().parent.parent / "wechat_menu.json"
SCENE_MAX = 64  # WeChat's limit for scene_str
TEMPORARY_MAX_S = 30 * 24 * 3600  # temporary QR codes live at most 30 days
SIGNIN_PREFIX = "signin_"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("wechat", help="WeChat official account: custom menu and parametric QR codes")
    wsub = p.add_subparsers(dest="wechat_command", metavar="ACTION", required=True)
    menu = wsub.add_parser("menu", help="create the custom menu from bot/wechat_menu.json")
    menu.add_argument("--file", type=Path, default=MENU_FILE, help="menu JSON (default: the one in the package)")
    add_db_option(menu)
    menu.set_defaults(func=run_menu)
    qr = wsub.add_parser("qr", help="make a parametric QR code and print its ticket URL")
    qr.add_argument("payload", help="scene payload such as signin_<class>_<code>, or <class>_<code> of a "
                    "training session")
    qr.add_argument("--permanent", action="store_true", help="permanent code (QR_LIMIT_STR_SCENE)")
    qr.add_argument("--expire", type=int, default=TEMPORARY_MAX_S, metavar="SECONDS",
                    help="lifetime of a temporary code (default and maximum: 30 days)")
    add_db_option(qr)
    qr.set_defaults(func=run_qr)


def _client(args: argparse.Namespace) -> ApiClient:
    from bot.wechat.sender import make_client
    from storage.db import init_db, make_engine

    settings = settings_from(args)
    make_client(settings, None)  # fails early, before touching any database, without credentials
    engine = make_engine(settings.database_url)
    init_db(engine)  # the shared access-token cache lives in the database
    return make_client(settings, engine)


def _fail(message: str) -> int:
    print(f"yunling wechat: {message}", file=sys.stderr)
    return 2


def run_menu(args: argparse.Namespace) -> int:
    import requests
    from wechatpy.exceptions import WeChatClientException

    from bot.wechat.sender import MissingCredentials

    try:
        menu = json.loads(Path(args.file).read_text(encoding="utf-8"))
        _client(args).menu.create(menu)
    except MissingCredentials as exc:
        return _fail(f"missing credentials: {exc}")
    except (OSError, ValueError) as exc:
        return _fail(f"cannot read the menu file {args.file}: {exc}")
    except (WeChatClientException, requests.RequestException) as exc:
        return _fail(f"WeChat refused the menu: {exc}")
    print(f"menu created: {', '.join(b['name'] for b in menu['button'])}")
    return 0


def scene_of(payload: str) -> str:
    scene = payload.strip()
    if not scene.startswith(SIGNIN_PREFIX):
        scene = SIGNIN_PREFIX + scene
    if len(scene) > SCENE_MAX or not scene.isascii() or any(c.isspace() for c in scene):
        raise ValueError(f"the scene must be at most {SCENE_MAX} ASCII characters without spaces: {scene!r}")
    return scene


def run_qr(args: argparse.Namespace) -> int:
    import requests
    from wechatpy.client.api.qrcode import WeChatQRCode
    from wechatpy.exceptions import WeChatClientException

    from bot.wechat.sender import MissingCredentials

    try:
        scene = scene_of(args.payload)
    except ValueError as exc:
        return _fail(str(exc))
    data: dict = {"action_info": {"scene": {"scene_str": scene}}}
    if args.permanent:
        data["action_name"] = "QR_LIMIT_STR_SCENE"
    else:
        data["action_name"] = "QR_STR_SCENE"
        data["expire_seconds"] = max(60, min(args.expire, TEMPORARY_MAX_S))
    try:
        result = _client(args).qrcode.create(data)
    except MissingCredentials as exc:
        return _fail(f"missing credentials: {exc}")
    except (WeChatClientException, requests.RequestException) as exc:
        return _fail(f"WeChat refused the QR code: {exc}")
    print(f"scene:  {scene}")
    print(f"ticket: {WeChatQRCode.get_url(result['ticket'])}")
    if result.get("url"):
        print(f"url:    {result['url']}")
    if result.get("expire_seconds"):
        print(f"expires in {result['expire_seconds']} s")
    return 0
