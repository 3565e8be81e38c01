"""Any DATABASE_URL keeps the database's safety settings (SPEC §8).

SQLite without WAL, IMMEDIATE transactions and a busy timeout answers "database
is locked" as soon as two requests write at once: a transaction that reads and
then writes cannot upgrade its lock while another one holds it.
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAFETY = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def _settings_with(monkeypatch, **env: str) -> dict:
    for name in ("DATABASE_URL", "SQLITE_PATH", "DJANGO_ENV"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "settings.py"))


def test_the_default_sqlite_file_has_the_safety_settings(monkeypatch, tmp_path):
    built = _settings_with(monkeypatch, SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    assert built["DATABASES"]["default"]["OPTIONS"] == SAFETY


@pytest.mark.parametrize(
    "url",
    ["sqlite:///{tmp}/db.sqlite3", "sqlite:///relative.sqlite3", "sqlite://:memory:"],
)
def test_it_keeps_the_safety_settings_for_any_sqlite_url(monkeypatch, tmp_path, url):
    built = _settings_with(monkeypatch, DATABASE_URL=url.format(tmp=tmp_path))
    assert built["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert built["DATABASES"]["default"]["OPTIONS"] == SAFETY


def test_a_sqlite_url_may_add_options_but_not_weaken_the_safety_ones(monkeypatch, tmp_path):
    url = (
        f"sqlite:///{tmp_path}/db.sqlite3?timeout=1&transaction_mode=DEFERRED&cached_statements=64"
    )
    options = _settings_with(monkeypatch, DATABASE_URL=url)["DATABASES"]["default"]["OPTIONS"]
    assert options == {**SAFETY, "cached_statements": 64}


def test_a_postgres_url_gets_no_sqlite_options(monkeypatch):
    built = _settings_with(monkeypatch, DATABASE_URL="postgres://u@127.0.0.1:5432/db")
    default = built["DATABASES"]["default"]
    assert default["ENGINE"] == "django.db.backends.postgresql"
    assert "transaction_mode" not in default.get("OPTIONS", {})


def test_concurrent_writes_on_a_sqlite_url_never_answer_500(tmp_path):
    # Sign-up validates (reads) and creates the user (writes) in one transaction:
    # exactly the pattern that "database is locked" breaks without IMMEDIATE.
    threads, each = 12, 4
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "SQLITE_PATH"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/db.sqlite3"
    result = subprocess.run(  # noqa: S603 - our own script with fixed arguments
        [sys.executable, "-m", "tests.config.concurrent_signups", str(threads), str(each)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"statuses": {"302": threads * each}, "users": threads * each}, result.stderr[
        -3000:
    ]
