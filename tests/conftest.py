"""Shared fixtures: the personas every permission test uses, and fast settings."""

from __future__ import annotations

import io

import pytest
from django.db import connection

from tests.factories import DEFAULT_PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    # Hashing with PBKDF2's full work factor would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    # Django keeps the last activated language on the thread: a test that rendered a
    # Polish page must not leave the next test speaking Polish.
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def learner(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_learner(db):
    return UserFactory(username="bob")


@pytest.fixture
def staff(db):
    return UserFactory(username="sam", is_staff=True, is_superuser=True)


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def other_client(client, other_learner):
    client.force_login(other_learner)
    return client


@pytest.fixture(autouse=True)
def _ledger_stays_sound(request):
    """After every test that used the database, the sandbox ledger must pass the audit.

    This is how the whole suite's scenarios - every order, fill, reset and race the
    tests create - are audited, not just the audit command's own tests. It runs before
    the test's rollback, while its data still exists. Tests that break the ledger on
    purpose opt out with ``@pytest.mark.breaks_ledger``.
    """
    names = request.fixturenames
    database = next((n for n in ("transactional_db", "db") if n in names), None)
    if database is None or request.node.get_closest_marker("breaks_ledger"):
        yield
        return
    request.getfixturevalue(database)
    yield
    from django.core.management import call_command

    from sandbox.models import LedgerTransaction

    if LedgerTransaction.objects.exists():
        call_command("sandbox_audit", stdout=io.StringIO())


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` only make sense on PostgreSQL (row locks, real concurrency)."""
    from django.conf import settings

    on_postgres = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
