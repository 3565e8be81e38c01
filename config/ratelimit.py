"""A fixed-window rate limiter on Django's cache.

The counters live in the cache (Redis in production), never in one process's
memory, so every gunicorn worker on every machine sees the same count. Any Django
cache backend works; Redis and local memory increment atomically, the database
and file caches may miss a hit when two arrive at the same instant.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class RateLimit:
    scope: str
    limit: int
    window_seconds: int

    def _key(self, identity: str) -> str:
        digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
        window = int(time.time()) // self.window_seconds
        return f"ratelimit:{self.scope}:{digest}:{window}"

    def retry_after(self) -> int:
        """Seconds until the current window ends."""
        return self.window_seconds - int(time.time()) % self.window_seconds

    def is_limited(self, identity: str) -> bool:
        return (cache.get(self._key(identity)) or 0) >= self.limit

    def hit(self, identity: str) -> int:
        key = self._key(identity)
        # The counter lives exactly as long as its window.
        timeout = self.retry_after() + 1
        # add() is atomic: the first hit of a window creates the counter.
        if cache.add(key, 1, timeout=timeout):
            return 1
        try:
            count = cache.incr(key)
        except ValueError:
            # Expired between add() and incr(): this hit starts a new window.
            cache.set(key, 1, timeout=timeout)
            return 1
        # The database and file caches implement incr() as get + set with the
        # default timeout (300 s), which would forget the count mid-window.
        cache.touch(key, timeout)
        return count

    def reset(self, identity: str) -> None:
        cache.delete(self._key(identity))


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a proxy we
    # trust rewrites it, and a spoofable key would defeat the limit.
    return request.META.get("REMOTE_ADDR", "unknown")
