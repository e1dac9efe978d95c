"""The deployment files in deploy/, checked as far as this machine allows (no Docker daemon): the image and
compose file read and compared with the settings model and the CLI, the systemd units through
``systemd-analyze verify``, the nginx site through ``nginx -t``, .env.example against the settings."""

from __future__ import annotations

import datetime
import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from bot.cli import build_parser
from bot.config import env_example, load_settings
from handlers.settings import Settings, setting_fields

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SETTING_VARS = {f"YUNLING_{f.name.upper()}" for f in fields(Settings)}


def parses(argv: list[str]) -> None:
    """The arguments are a valid `yunling` command line."""
    args = build_parser(argv[0]).parse_args(argv)
    assert getattr(args, "func", None), argv


def setting_of(var: str) -> str:
    return var.removesuffix("_FILE")


# -- .env.example ---------------------------------------------------------------------------------------------

def test_env_example_lists_every_setting_with_its_default_and_is_regenerated() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert text == env_example(), "run: python tools/env_example.py"
    assert all(info.description for info in setting_fields().values())
    listed = dict(re.findall(r"^#(YUNLING_[A-Z0-9_]+)=(.*)$", text, re.M))
    assert set(listed) == SETTING_VARS
    defaults = Settings()
    assert listed["YUNLING_SESSION_TIMEOUT_MINUTES"] == str(defaults.session_timeout_minutes)
    assert listed["YUNLING_RETENTION_TICKET_TEXT_DAYS"] == str(defaults.retention_ticket_text_days)
    assert listed["YUNLING_WECHAT_TRANSFER_TO_KF"] == "false"


def test_the_example_uncommented_loads_as_the_defaults(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(re.sub(r"^#(YUNLING_)", r"\1", env_example(), flags=re.M), encoding="utf-8")
    loaded = load_settings(env={}, dotenv=dotenv)
    assert loaded == Settings()


def test_settings_can_come_from_files(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("from-a-file\n")
    s = load_settings(env={"YUNLING_DATA_KEY_FILE": str(tmp_path / "key")}, dotenv=tmp_path / "none")
    assert s.data_key == "from-a-file"
    from bot.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="YUNLING_DATA_KEY_FILE: cannot read"):
        load_settings(env={"YUNLING_DATA_KEY_FILE": str(tmp_path / "missing")}, dotenv=tmp_path / "none")


# -- the image ------------------------------------------------------------------------------------------------

def dockerfile() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_installs_the_package_runs_unprivileged_and_serves() -> None:
    ins = dockerfile()
    words = [w for w, _ in ins]
    assert words[0] == "FROM" and "python:3.11" in ins[0][1]
    copied = {rest.split()[0] for w, rest in ins if w == "COPY"}
    packages = re.search(r'include = \[(.*?)\]', (ROOT / "pyproject.toml").read_text())[1]
    for pkg in re.findall(r'"(\w+)\*"', packages):
        assert pkg in copied, pkg
    for src in copied:
        assert (ROOT / src).exists(), src
    assert any(w == "RUN" and "pip install ." in rest for w, rest in ins)
    user = [rest for w, rest in ins if w == "USER"]
    assert user and user[-1] not in ("root", "0") and words.index("USER") < words.index("ENTRYPOINT")
    entry = json.loads(dict(ins)["ENTRYPOINT"])
    cmd = json.loads(dict(ins)["CMD"])
    assert entry == ["yunling"] and cmd[0] == "serve"
    parses(cmd)
    health = dict(ins)["HEALTHCHECK"]
    assert "/healthz" in health and "8000" in health and "--port" in cmd and cmd[cmd.index("--port") + 1] == "8000"
    for w, rest in ins:
        if w == "ENV":
            for var in re.findall(r"(YUNLING_[A-Z_]+)=", rest):
                assert setting_of(var) in SETTING_VARS, var


def test_compose_runs_postgres_web_processes_and_one_delivery_worker() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"db", "web", "worker"} <= set(services)
    assistant = {name: s for name, s in services.items() if s.get("image") == "yunling:latest"}
    background = [name for name, s in assistant.items() if "--no-background" not in s["command"]]
    assert background == ["worker"]  # one delivery worker and scheduler
    assert services["web"]["deploy"]["replicas"] >= 2
    for s in assistant.values():
        parses(s["command"])
        assert s["build"]["dockerfile"] == "deploy/Dockerfile" and (DEPLOY.parent / s["build"]["context"].removeprefix("../")).exists()
        for var in s["environment"]:
            if var.startswith("YUNLING_"):
                assert setting_of(var) in SETTING_VARS, var
        assert s["environment"]["YUNLING_DATA_KEY_FILE"] == "/run/secrets/data_key"
        assert {"data_key", "database_url"} <= set(s["secrets"])
        assert s["depends_on"]["db"]["condition"] == "service_healthy"
        assert "no-new-privileges:true" in s["security_opt"]
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"] and "pgdata" in compose["volumes"]
    for secret in compose["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    assert "secrets/" in (DEPLOY / "make-secrets.sh").read_text() and "exists: kept" in (DEPLOY / "make-secrets.sh").read_text()
    ignored = (ROOT / ".gitignore").read_text() if (ROOT / ".gitignore").exists() else ""
    assert "deploy/secrets/" in ignored


# -- systemd --------------------------------------------------------------------------------------------------

def units(tmp_path: Path) -> Path:
    """The units with the venv path of this machine, so that verify finds the executable."""
    yunling = sys.executable  # verify checks the unit's syntax and that the executable exists
    out = tmp_path / "units"
    out.mkdir()
    for unit in (DEPLOY / "systemd").iterdir():
        (out / unit.name).write_text(unit.read_text().replace("/opt/yunling/venv/bin/yunling", yunling))
    (out / "yunling-web@8001.service").write_text((out / "yunling-web@.service").read_text())
    return out


def unit_values(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_systemd_units_command_lines_restart_and_hardening() -> None:
    worker, web = unit_values("yunling-worker.service"), unit_values("yunling-web@.service")
    for unit in (worker, web):
        argv = shlex.split(unit["ExecStart"][0])
        assert argv[0] == "/opt/yunling/venv/bin/yunling"
        parses([a.replace("%i", "8001") for a in argv[1:]])
        assert unit["Restart"] == ["on-failure"] and unit["EnvironmentFile"] == ["/etc/yunling/yunling.env"]
        for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                           ("PrivateTmp", "yes"), ("User", "yunling")):
            assert unit[key] == [value], key
        # the data key as a credential; the derived-data cache in the unit's own cache directory
        assert sorted(unit["Environment"]) == ["YUNLING_CACHE_DIR=%C/yunling", "YUNLING_DATA_KEY_FILE=%d/data_key"]
        assert unit["CacheDirectory"] == ["yunling"]
    assert "--no-background" in web["ExecStart"][0] and "--no-background" not in worker["ExecStart"][0]
    parses(shlex.split(worker["ExecStartPre"][0])[1:])


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_verify_is_clean(tmp_path: Path) -> None:
    where = units(tmp_path)
    names = ["yunling-worker.service", "yunling-web@8001.service", "yunling.target"]
    res = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=where, capture_output=True,
                         text=True, timeout=60)
    mine = [ln for ln in (res.stdout + res.stderr).splitlines() if "yunling" in ln]
    assert res.returncode == 0 and not mine, res.stdout + res.stderr
    # The check can fail: a misspelt hardening option is reported.
    bad = where / "yunling-bad.service"
    bad.write_text((where / "yunling-worker.service").read_text().replace("NoNewPrivileges", "NoNewPrivilege"))
    res = subprocess.run(["systemd-analyze", "verify", "--man=no", bad.name], cwd=where, capture_output=True,
                         text=True, timeout=60)
    assert "NoNewPrivilege" in res.stderr


# -- nginx ----------------------------------------------------------------------------------------------------

def site() -> str:
    return (DEPLOY / "nginx" / "yunling.conf").read_text()


def size(value: str) -> int:
    n, unit = re.fullmatch(r"(\d+)([km]?)", value).groups()  # type: ignore[union-attr]
    return int(n) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]


def test_nginx_limits_match_the_webhooks_and_pass_the_client_address() -> None:
    from bot.telegram import app as telegram
    from bot.wechat import protocol as wechat

    text = site()
    for path, limit in (("/wechat", wechat.MAX_BODY), ("/telegram", telegram.MAX_BODY)):
        block = re.search(rf"location = {path} \{{(.*?)\}}", text, re.S)[1]  # type: ignore[index]
        assert size(re.search(r"client_max_body_size (\S+);", block)[1]) == limit, path  # type: ignore[index]
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text
    assert "proxy_set_header X-Request-ID $request_id;" in text
    assert "listen 443 ssl" in text and "ssl_certificate " in text
    assert "location = /metrics { return 404; }" in text
    assert "non_idempotent" not in text  # never replay a webhook POST on another process
    # A chat's order holds across processes (tests/test_chat_order.py): both webhooks go to every process.
    for path in ("/wechat", "/telegram"):
        assert re.search(rf"location = {path} \{{[^}}]*proxy_pass http://yunling_web;", text), path


def _self_signed(where: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "assistant.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (where / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (where / "privkey.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx not installed (.ci/run installs it)")
@pytest.mark.parametrize("upstream", ["upstream.conf", "upstream-compose.conf"])
def test_nginx_accepts_the_site(tmp_path: Path, upstream: str) -> None:
    _self_signed(tmp_path)
    text = site().replace("/etc/nginx/yunling-upstream.conf", str(tmp_path / "upstream.conf"))
    text = text.replace("/etc/nginx/tls/", f"{tmp_path}/")
    up = (DEPLOY / "nginx" / upstream).read_text()
    if upstream == "upstream-compose.conf":  # compose's service names do not resolve here
        up = up.replace("web:8000", "127.0.0.1:8001").replace("worker:8000", "127.0.0.1:8000")
    (tmp_path / "upstream.conf").write_text(up)
    (tmp_path / "site.conf").write_text(text)
    (tmp_path / "nginx.conf").write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
                                         f"events {{}}\nhttp {{ include {tmp_path}/site.conf; }}\n")
    res = subprocess.run(["nginx", "-t", "-e", str(tmp_path / "e.log"), "-p", str(tmp_path), "-c",
                          str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "test is successful" in res.stderr, res.stderr


# -- Grafana and the guide ---------------------------------------------------------------------------------

def test_grafana_dashboard_uses_only_metrics_that_exist() -> None:
    from bot import metrics

    dash = json.loads((DEPLOY / "grafana" / "yunling-dashboard.json").read_text())
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    known = {m.name + x for m in metrics.REGISTRY.collect() for x in suffixes[m.type]} | {
        "yunling_outbox_depth", "yunling_outbox_oldest_age_seconds"}
    used = {n for e in exprs for n in re.findall(r"\b(yunling_[a-z_]+)\b", e)}
    assert used and used <= known, used - known
    for name in ("yunling_messages_total", "yunling_reply_seconds_bucket", "yunling_deliveries_total",
                 "yunling_outbox_depth", "yunling_scheduler_lag_seconds_bucket", "yunling_db_busy_retries_total"):
        assert name in used, name


def test_deploy_guide_covers_the_steps() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for needle in ("yunling db upgrade", "yunling db backup", "EncodingAESKey", "setWebhook", "Rollback",
                   "YUNLING_DATA_KEY", "deploy/compose.yaml", "yunling-web@", "/metrics", "bench/scale.py"):
        assert needle in guide, needle
