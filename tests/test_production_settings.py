"""Production settings: refuse to start without secrets, pass `check --deploy`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Start from a clean slate: the test run's own variables must not leak into production mode.
    dropped = {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(env)
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_ENV="production", ALLOWED_HOSTS="marginlab.example")
    assert result.returncode != 0
    assert "SECRET_KEY environment variable is required" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    key = "k" * 10 + "-a9Zq!x7Lm2Pw4Rt8Yv3Nb6Hc1Jd5Fg0Ks"
    result = _manage("check", DJANGO_ENV="production", SECRET_KEY=key)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS environment variable is required" in result.stderr


def test_production_passes_the_deploy_check_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY="pr0d-" + "Zx8#Qm2!Lr5@Wt9$Kp3%Vn7^Hb4&Jd6*Fs1(Gc0)Ya" * 2,
        ALLOWED_HOSTS="marginlab.example",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_healthz_answers_plain_http_while_other_pages_redirect_to_https(tmp_path):
    # A load balancer's health check speaks plain http and does not follow redirects.
    probe = (
        "import json; from django.test import Client; "
        "c = Client(HTTP_HOST='marginlab.example'); "
        "h = c.get('/healthz'); p = c.get('/calculators/'); "
        "print(json.dumps([h.status_code, h.content.decode(), p.status_code, p.get('Location')]))"
    )
    result = _manage(
        "shell",
        "-c",
        probe,
        DJANGO_ENV="production",
        SECRET_KEY="pr0d-" + "Zx8#Qm2!Lr5@Wt9$Kp3%Vn7^Hb4&Jd6*Fs1(Gc0)Ya" * 2,
        ALLOWED_HOSTS="marginlab.example",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    assert result.returncode == 0, result.stderr
    health, body, page, location = json.loads(result.stdout.strip().splitlines()[-1])
    assert (health, body) == (200, "ok")
    assert page == 301
    assert location == "https://marginlab.example/calculators/"
