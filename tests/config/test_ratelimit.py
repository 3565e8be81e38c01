"""The limiter counts in Django's cache, whichever backend that is (SPEC §9).

Production points CACHE_URL at Redis so every worker on every machine shares one
count; these tests run the same limiter on each backend a deployment might pick,
and check that two processes agree through Redis.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command

from config.ratelimit import RateLimit

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 - the system's redis-server, fixed arguments
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path_factory.mktemp("redis")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(params=["locmem", "file", "database", pytest.param("redis", marks=needs_redis)])
def cache_backend(request, settings, tmp_path):
    if request.param == "locmem":
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    elif request.param == "file":
        backend = {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    elif request.param == "database":
        request.getfixturevalue("db")
        backend = {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ratelimit_test_cache",
        }
    else:
        backend = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": request.getfixturevalue("redis_url"),
            "KEY_PREFIX": f"test-{os.getpid()}-{time.monotonic_ns()}",
        }
    settings.CACHES = {"default": backend}
    if request.param == "database":
        call_command("createcachetable", verbosity=0)
    cache.clear()
    yield request.param
    cache.clear()


def test_it_limits_after_the_allowed_number_of_hits_on_every_backend(cache_backend):
    limiter = RateLimit(scope="test", limit=3, window_seconds=900)
    with time_machine.travel("2026-01-01 10:00:00", tick=False) as clock:
        assert [limiter.hit("alice|10.0.0.1") for _ in range(3)] == [1, 2, 3]
        assert limiter.is_limited("alice|10.0.0.1")
        assert not limiter.is_limited("alice|10.0.0.2")
        assert not limiter.is_limited("bob|10.0.0.1")
        assert limiter.retry_after() == 900
        clock.shift(600)
        assert limiter.is_limited("alice|10.0.0.1")
        assert limiter.retry_after() == 300
        clock.shift(301)
        assert not limiter.is_limited("alice|10.0.0.1")


def test_a_reset_clears_the_count_on_every_backend(cache_backend):
    limiter = RateLimit(scope="test", limit=2, window_seconds=900)
    limiter.hit("alice|10.0.0.1")
    limiter.hit("alice|10.0.0.1")
    assert limiter.is_limited("alice|10.0.0.1")
    limiter.reset("alice|10.0.0.1")
    assert not limiter.is_limited("alice|10.0.0.1")
    assert limiter.hit("alice|10.0.0.1") == 1


@needs_redis
def test_two_processes_share_one_count_through_redis(redis_url, settings):
    # This process counts through the test settings; a second process started with
    # the production way of naming the cache (CACHE_URL) must see the same count.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "marginlab",
        }
    }
    cache.clear()
    limiter = RateLimit(scope="shared", limit=3, window_seconds=3600)
    for _ in range(3):
        limiter.hit("alice|10.0.0.1")
    probe = (
        "from config.ratelimit import RateLimit; "
        "limiter = RateLimit(scope='shared', limit=3, window_seconds=3600); "
        "print(limiter.is_limited('alice|10.0.0.1'), limiter.is_limited('bob|10.0.0.1'))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "REDIS_URL"}}
    env["CACHE_URL"] = redis_url
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "shell", "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True False"
    cache.clear()
