"""Settings from the environment and .env, errors that name the variable, no side effects when they load,
and the local data key for a SQLite database (made by the commands that open it)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigurationError, load_settings, settings_for_database
from handlers.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


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
    first = settings_for_database(env={}, dotenv=tmp_path / "none", database_url=url)
    second = settings_for_database(env={}, dotenv=tmp_path / "none", database_url=url)
    key_file = tmp_path / "a.db.key"
    assert first.data_key and first.data_key == second.data_key == key_file.read_text().strip()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_server_database_gets_no_default_key(tmp_path) -> None:
    s = settings_for_database(env={}, dotenv=tmp_path / "none", database_url="postgresql+psycopg://u@h/db")
    assert s.data_key == ""


def test_server_database_without_key_refuses_to_start_with_a_clear_message(capsys) -> None:
    from bot.cli import main

    code = main(["chat", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert code == 2 and "YUNLING_DATA_KEY" in capsys.readouterr().err


# -- a value that does not fit names its variable and what it expects -----------------------------------------

@pytest.mark.parametrize(("var", "value", "expected"), [
    ("YUNLING_SESSION_TIMEOUT_MINUTES", "half an hour", "expected an integer, not 'half an hour'"),  # int
    ("YUNLING_RETENTION_OUTBOX_DAYS", "0", "expected a number ≥ 1"),  # int out of range
    ("YUNLING_WECHAT_REPLY_DEADLINE_S", "soon", "expected a number"),  # float
    ("YUNLING_WECHAT_TRANSFER_TO_KF", "maybe", "expected true or false"),  # bool
    ("YUNLING_PUBLIC_URL", "assistant.example.org", "expected an http:// or https:// URL"),  # URL
    ("YUNLING_DATABASE_URL", "yunling.db", "expected a SQLAlchemy database URL"),  # URL
    ("YUNLING_DEFAULT_LOCALE", "fr", "expected one of 'zh' or 'en', not 'fr'"),  # enum
    ("YUNLING_LOG_FORMAT", "xml", "expected one of 'text' or 'json'"),  # enum
    ("YUNLING_TIMEZONE", "Asia/Kunmingg", "expected an IANA time zone"),
    ("YUNLING_CLERKS", "console:li", "expected channel:user=unit entries"),
])
def test_a_bad_value_names_the_variable_and_what_it_expects(tmp_path, var: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env={var: value}, dotenv=tmp_path / "none")
    message = str(caught.value)
    assert message.startswith(f"{var}: ") and expected in message, message
    assert "\n" not in message and "validation error" not in message and "pydantic" not in message


def test_a_bad_value_in_dotenv_is_named_too(tmp_path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("YUNLING_DOWNLOAD_TTL_HOURS=a day\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"^YUNLING_DOWNLOAD_TTL_HOURS: expected an integer"):
        load_settings(env={}, dotenv=dotenv)


@pytest.mark.parametrize("path", ["missing", "."])  # path: a file that is not there, a directory
def test_a_setting_file_that_cannot_be_read_names_the_variable(tmp_path, path: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^YUNLING_METRICS_TOKEN_FILE: cannot read .*expected the path"):
        load_settings(env={"YUNLING_METRICS_TOKEN_FILE": str(tmp_path / path)}, dotenv=tmp_path / "none")


def test_a_secret_or_a_clerk_id_is_not_repeated_in_the_message(tmp_path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env={"YUNLING_CLERKS": "console:li=昆明市总工会;wechat:oSecretOpenId"}, dotenv=tmp_path / "none")
    assert "oSecretOpenId" not in str(caught.value) and "entry 2" in str(caught.value)
    assert "hide-me" not in repr(Settings(data_key="hide-me", telegram_token="hide-me", wechat_app_secret="hide-me"))


def test_the_cli_prints_one_line_and_exits_2(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "YUNLING_WECHAT_TIMESTAMP_WINDOW_S": "five minutes"}
    for argv in (["chat"], ["db", "upgrade"]):
        done = subprocess.run([sys.executable, "-m", "bot.cli", *argv], cwd=tmp_path, env=env, input="",
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, (argv, done.stderr)
        assert done.stderr == "yunling: YUNLING_WECHAT_TIMESTAMP_WINDOW_S: expected an integer, not 'five minutes'\n"
    # `ask` reads only the hand-off contact (bot.config.one_setting), so a setting it never uses does not
    # stop it; the contact it names still comes from the environment.
    env["YUNLING_HUMAN_CONTACT"] = "昆明市总工会职工服务中心"
    done = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "工资拖欠了三个月怎么办"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "昆明市总工会职工服务中心" in done.stdout, done.stderr
    assert list(tmp_path.iterdir()) == []  # and nothing written: no database, no key file


# -- loading settings has no side effects ---------------------------------------------------------------------

def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_loading_settings_writes_nothing(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("YUNLING_DATABASE_URL=sqlite:///data/y.db\n", encoding="utf-8")
    before = _tree(tmp_path)
    s = load_settings(env={})  # the default .env of the working directory, a SQLite database, no key
    assert s.database_url == "sqlite:///data/y.db" and s.data_key == ""
    load_settings(env={"YUNLING_DATABASE_URL": f"sqlite:///{tmp_path / 'z.db'}"})
    assert _tree(tmp_path) == before  # no key file, no directory for the database


def test_the_key_file_is_made_by_the_commands_that_open_the_database(tmp_path, monkeypatch) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("YUNLING_DATA_KEY", raising=False)
    assert main(["ask", "云岭工匠每年评几个"]) == 0
    assert not list(tmp_path.glob("*.key"))  # no database: no key
    assert main(["db", "upgrade", "--db", f"sqlite:///{tmp_path / 'u.db'}"]) == 0
    assert (tmp_path / "u.db.key").is_file()
