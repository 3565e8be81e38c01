from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import DatabaseError
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]
REMOTE_ASSET = re.compile(
    r"""<(script|link|img|iframe|source)\b[^>]*(src|href)\s*=\s*["'](https?:)?//""", re.I
)


def test_it_serves_the_home_page_with_the_three_parts(client, db):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for part in ("Learn", "Calculators", "Sandbox"):
        assert part in html
    assert reverse("calculators:index") in html
    assert reverse("sandbox:dashboard") in html


def test_healthz_says_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_reports_503_when_the_database_fails(client, db, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise DatabaseError("down")

    with monkeypatch.context() as patched:
        patched.setattr(CursorWrapper, "execute", broken)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unavailable"


def test_every_page_carries_a_strict_content_security_policy(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'self'" in script_src
    assert "unsafe-inline" not in script_src
    assert "unsafe-eval" not in script_src


def test_htmx_is_served_from_our_own_static_files(client, db):
    html = client.get("/").content.decode()
    match = re.search(r'<script[^>]+src="([^"]+htmx[^"]*)"', html)
    assert match, "the base layout must load htmx"
    assert match.group(1).startswith("/static/")


@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "templates").rglob("*.html")), ids=str)
def test_no_template_loads_anything_from_another_host(path):
    assert not REMOTE_ASSET.search(path.read_text()), f"{path} loads a remote asset"


def test_no_template_has_an_inline_script(path=None):
    # CSP forbids inline scripts; one would silently stop working in production.
    for template in (ROOT / "templates").rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text(), re.I):
            assert "src=" in tag, f"inline <script> in {template}"
        assert not re.search(r"\son[a-z]+\s*=", template.read_text()), (
            f"inline handler in {template}"
        )


def test_pages_are_translatable_with_a_language_attribute(client, db):
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
