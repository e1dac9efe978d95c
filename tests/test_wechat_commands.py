"""``yunling wechat menu`` / ``yunling wechat qr`` against the local stand-in, and the menu file itself."""

from __future__ import annotations

import json

import pytest
from wechat_standin import APP_ID, APP_SECRET, running

from bot.cli import main
from bot.commands.wechat import MENU_FILE, scene_of
from handlers.dispatch import GLOBAL_COMMANDS
from handlers.flows import FLOWS

standin = pytest.fixture(running, name="standin")


@pytest.fixture
def env(monkeypatch, tmp_path, standin, db_url):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key, value in {"YUNLING_WECHAT_APP_ID": APP_ID, "YUNLING_WECHAT_APP_SECRET": APP_SECRET,
                       "YUNLING_WECHAT_API_BASE_URL": standin.base_url, "YUNLING_DATABASE_URL": db_url}.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_menu_is_created_from_the_file(env, standin, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["wechat", "menu"]) == 0
    [menu] = standin.sent("menu/create")
    assert menu == json.loads(MENU_FILE.read_text(encoding="utf-8"))
    assert "menu created: 咨询, 评选申报" in capsys.readouterr().out


def test_qr_for_a_training_session(env, standin, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["wechat", "qr", "WS2026_8K3Q"]) == 0
    [temporary] = standin.sent("qrcode/create")
    assert temporary["action_name"] == "QR_STR_SCENE" and temporary["expire_seconds"] == 30 * 24 * 3600
    assert temporary["action_info"]["scene"]["scene_str"] == "signin_WS2026_8K3Q"
    out = capsys.readouterr().out
    assert "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=TICKET%2Bsignin_WS2026_8K3Q%3D%3D" in out
    assert main(["wechat", "qr", "signin_WS2026_8K3Q", "--permanent"]) == 0
    permanent = standin.sent("qrcode/create")[-1]
    assert permanent["action_name"] == "QR_LIMIT_STR_SCENE" and "expire_seconds" not in permanent
    assert standin.token_fetches == 1  # the second command reused the token kept in the database


def test_missing_credentials_are_a_clear_error(monkeypatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for key in ("YUNLING_WECHAT_APP_ID", "YUNLING_WECHAT_APP_SECRET"):
        monkeypatch.delenv(key, raising=False)
    assert main(["wechat", "menu"]) == 2
    assert main(["wechat", "qr", "signin_A_B"]) == 2
    err = capsys.readouterr().err
    assert err.count("missing credentials") == 2 and "YUNLING_WECHAT_APP_SECRET" in err
    assert not list(tmp_path.glob("*.db"))  # no database created before the credentials check


def test_wechat_refusal_is_reported(env, standin, capsys) -> None:  # type: ignore[no-untyped-def]
    standin.fail("menu/create", 40016)
    assert main(["wechat", "menu"]) == 2
    assert "40016" in capsys.readouterr().err


def test_bad_scene_is_refused() -> None:
    with pytest.raises(ValueError):
        scene_of("签到 班级")
    with pytest.raises(ValueError):
        scene_of("x" * 70)


def test_menu_file_fits_wechats_limits_and_every_key_works() -> None:
    menu = json.loads(MENU_FILE.read_text(encoding="utf-8"))
    flows = {f.name for f in FLOWS}
    names = {"咨询", "评选申报", "培训签到", "我的进度"}
    assert 1 <= len(menu["button"]) <= 3  # WeChat: at most 3 top-level buttons of at most 5 entries
    seen = set()
    for button in menu["button"]:
        assert len(button["name"].encode()) <= 16
        subs = button.get("sub_button", [])
        assert len(subs) <= 5
        for item in subs or [button]:
            assert item["type"] == "click" and len(item["name"].encode()) <= 60 and len(item["key"].encode()) <= 128
            kind, _, target = item["key"].partition(":")
            assert (kind == "flow" and target in flows) or (kind == "cmd" and target in GLOBAL_COMMANDS), item
            seen.add(item["name"])
        seen.add(button["name"])
    assert names <= seen
