"""Settings from the environment and .env, and the local data key for a SQLite database."""

from __future__ import annotations

import os
import stat

from bot.config import load_settings


def test_environment_and_dotenv(tmp_path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("YUNLING_SESSION_TIMEOUT_MINUTES=45\nYUNLING_HUMAN_CONTACT='dotenv contact'\n# comment\n",
                      encoding="utf-8")
    env = {"YUNLING_HUMAN_CONTACT": "env contact", "YUNLING_WECHAT_TRANSFER_TO_KF": "yes",
           "YUNLING_WECHAT_REPLY_DEADLINE_S": "3.5", "YUNLING_DATA_KEY": "k",
           "YUNLING_CLERKS": "console:alice=昆明市总工会; telegram:42=云南省总工会"}
    s = load_settings(env=env, dotenv=dotenv)
    assert s.session_timeout_minutes == 45  # from .env
    assert s.human_contact == "env contact"  # the environment wins over .env
    assert s.wechat_transfer_to_kf is True and s.wechat_reply_deadline_s == 3.5
    assert s.clerks == {"console:alice": "昆明市总工会", "telegram:42": "云南省总工会"}
    assert s.timezone == "Asia/Shanghai" and s.session_timeout_minutes != 30


def test_overrides_win_and_none_is_ignored(tmp_path) -> None:
    s = load_settings(env={"YUNLING_DATA_KEY": "k"}, dotenv=tmp_path / "none", database_url=None, log_level="DEBUG")
    assert s.database_url == "sqlite:///yunling.db" and s.log_level == "DEBUG"


def test_sqlite_gets_a_private_key_file_once(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first = load_settings(env={}, dotenv=tmp_path / "none", database_url=url)
    second = load_settings(env={}, dotenv=tmp_path / "none", database_url=url)
    key_file = tmp_path / "a.db.key"
    assert first.data_key and first.data_key == second.data_key == key_file.read_text().strip()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_server_database_gets_no_default_key(tmp_path) -> None:
    s = load_settings(env={}, dotenv=tmp_path / "none", database_url="postgresql+psycopg://u@h/db")
    assert s.data_key == ""


def test_server_database_without_key_refuses_to_start_with_a_clear_message(capsys) -> None:
    from bot.cli import main

    code = main(["chat", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert code == 2 and "YUNLING_DATA_KEY" in capsys.readouterr().err
