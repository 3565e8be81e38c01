"""The Django side of the market: scenario events from the database, and shared price facts.

``pricing`` is a pure function of (seed, symbol, minute, events). This module loads the
active events once (one query) into a ``Market`` that a service, engine run or page keeps
for its duration, so asking for a hundred prices still costs one query, and binds the
configured seed. A staff edit in the admin shows up on the next request, in every
worker (SPEC §9).

What scans need about a stretch of time - the lowest and highest index of each hour -
is computed once and kept in Django's cache, shared by every process and account
(SPEC §6.4): ``Market.hour_extremes``. An hour's entry is identified by everything its
value depends on (model version, seed, symbol, hour, and a digest of the symbol's
events that start before the hour ends), so nothing is ever invalidated by hand: a new,
changed or deactivated event gives the hours from its start on new versions, and the
hours before it keep theirs. Stale entries are replaced or simply expire.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import caches
from django.db.models import Max

from sandbox import pricing
from sandbox.models import ASSET_SYMBOL, Account, Asset, ScenarioEvent

ONE = Decimal(1)
HOUR = pricing.MINUTES_PER_HOUR
HOURS_PER_DAY = 24
_EMPTY_DAY = (None,) * HOURS_PER_DAY
# The cache alias for price facts when the project defines one (a local-memory cache
# sized for them, so they never push rate-limit counters out of "default"); otherwise
# the default cache.
PRICE_CACHE = "prices"
# Entries never go stale (the key names everything they depend on); the timeout only
# bounds how long unused hours take up room.
PRICE_CACHE_SECONDS = 14 * 24 * 3600


def to_pricing_event(event: ScenarioEvent) -> pricing.ScenarioEvent:
    return pricing.ScenarioEvent(
        symbol=event.symbol,
        start_minute=pricing.minute_of(event.start),
        duration_minutes=event.duration_minutes,
        move_percent=event.move_percent,
    )


def price_cache():
    return caches[PRICE_CACHE if PRICE_CACHE in settings.CACHES else "default"]


@dataclass(frozen=True)
class _EventVersions:
    """Digest of a symbol's events that start before a given minute, for cache keys."""

    starts: tuple[int, ...]
    digests: tuple[str, ...]  # digests[k]: the first k events (in start order)

    @classmethod
    def of(cls, events: Iterable[pricing.ScenarioEvent]) -> _EventVersions:
        ordered = sorted(events, key=lambda e: (e.start_minute, e.duration_minutes, e.move_percent))
        digests = ["-"]
        chain = hashlib.blake2b(digest_size=8)
        for event in ordered:
            chain.update(
                f"{event.start_minute}|{event.duration_minutes}|{event.move_percent.normalize()}\n".encode()
            )
            digests.append(chain.hexdigest())
        return cls(tuple(e.start_minute for e in ordered), tuple(digests))

    def before(self, minute: int) -> str:
        """The version of every event that starts before ``minute``."""
        return self.digests[bisect_left(self.starts, minute)]


@dataclass(frozen=True)
class Market:
    """Prices under one fixed set of scenario events and the configured seed."""

    events: tuple[pricing.ScenarioEvent, ...] = ()
    seed: int = pricing.DEFAULT_SEED
    _versions: dict[str, _EventVersions] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def index_price(self, symbol: str, minute: int) -> Decimal:
        return pricing.index_price(symbol, minute, self.events, seed=self.seed)

    def index_prices(self, symbol: str, start_minute: int, end_minute: int) -> list[Decimal]:
        """Index price of every minute in [start_minute, end_minute) (half-open, like pricing)."""
        return pricing.index_prices(symbol, start_minute, end_minute, self.events, seed=self.seed)

    def index_ticks(self, symbol: str, start_minute: int, end_minute: int) -> list[int]:
        """``index_prices`` in whole ticks (no Decimal per minute), for scans."""
        return pricing.index_ticks(symbol, start_minute, end_minute, self.events, seed=self.seed)

    def prices_at(
        self, minute: int, symbols: Iterable[str] = pricing.SYMBOLS
    ) -> dict[str, Decimal]:
        return {symbol: self.index_price(symbol, minute) for symbol in symbols}

    def asset_price(self, asset: str, minute: int) -> Decimal:
        """USDT per unit of ``asset`` at ``minute`` (1 for USDT)."""
        if asset == Asset.USDT:
            return ONE
        return self.index_price(ASSET_SYMBOL[asset], minute)

    def venue_quotes(self, symbol: str, minute: int) -> list[pricing.VenueQuote]:
        return pricing.venue_quotes(symbol, minute, self.events, seed=self.seed)

    def series(
        self, symbol: str, start_minute: int, end_minute: int, step: int
    ) -> list[tuple[int, Decimal]]:
        return pricing.series(symbol, start_minute, end_minute, step, self.events, seed=self.seed)

    def hour_extremes(self, symbol: str, first_hour: int, end_hour: int) -> list[tuple[int, int]]:
        """(lowest, highest) index in ticks of each hour in [first_hour, end_hour).

        Hour h is minutes 60·h … 60·h + 59 (``pricing.hour_extremes``). Read from the
        shared cache; the hours nobody has priced yet under these events are computed
        (in runs of consecutive hours) and stored for every other process and account.

        Each hour's entry is identified by (model version, seed, symbol, hour, version of
        the symbol's events that start before the hour ends). The entries of one day
        travel together in one cache value (a week is 8 reads, not 168), each tagged
        with its own event version: an entry whose version differs from this market's
        is recomputed, so a new event re-prices exactly the hours from its start on.
        Two processes writing the same day at once can only lose each other's hours,
        which are then computed again: the cache is never trusted beyond its tags.
        """
        if end_hour <= first_hour:
            return []
        versions = self._versions.get(symbol)
        if versions is None:
            versions = self._versions[symbol] = _EventVersions.of(
                e for e in self.events if e.symbol == symbol
            )
        prefix = f"px:{pricing.MODEL_VERSION}:{self.seed}:{symbol}:"
        days = range(first_hour // HOURS_PER_DAY, (end_hour - 1) // HOURS_PER_DAY + 1)
        keys = {day: f"{prefix}{day}" for day in days}
        cache = price_cache()
        stored = cache.get_many(keys.values())
        buckets = {day: list(stored.get(keys[day]) or _EMPTY_DAY) for day in days}
        hours = range(first_hour, end_hour)
        # The version can only change where an event starts: one tag for the whole span
        # in the usual case (no event, or all of them older than the span).
        first_tag = versions.before((first_hour + 1) * HOUR)
        if first_tag == versions.before(end_hour * HOUR):
            tags = [first_tag] * len(hours)
        else:
            tags = [versions.before((h + 1) * HOUR) for h in hours]
        out: list[tuple[int, int] | None] = []
        for hour, tag in zip(hours, tags, strict=True):
            entry = buckets[hour // HOURS_PER_DAY][hour % HOURS_PER_DAY]
            out.append(entry[1:] if entry is not None and entry[0] == tag else None)
        if None not in out:
            return out
        changed: set[int] = set()
        i = 0
        while i < len(out):
            if out[i] is not None:
                i += 1
                continue
            j = i
            while j < len(out) and out[j] is None:
                j += 1
            values = pricing.hour_extremes(
                symbol, hours[i], hours[j - 1] + 1, self.events, seed=self.seed
            )
            for k, value in zip(range(i, j), values, strict=True):
                out[k] = value
                day, slot = divmod(hours[k], HOURS_PER_DAY)
                buckets[day][slot] = (tags[k], *value)
                changed.add(day)
            i = j
        cache.set_many(
            {keys[day]: tuple(buckets[day]) for day in changed}, timeout=PRICE_CACHE_SECONDS
        )
        return out


def load_market(symbols: Sequence[str] | None = None) -> Market:
    """A ``Market`` with the active scenario events (of ``symbols`` only, if given)."""
    rows = ScenarioEvent.objects.filter(is_active=True)
    if symbols is not None:
        rows = rows.filter(symbol__in=list(symbols))
    events = tuple(to_pricing_event(row) for row in rows.order_by("start", "id"))
    return Market(events=events, seed=settings.MARKET_SEED)


def last_lived_minute() -> int | None:
    """The latest market minute any learner's account has evaluated (None: no account yet).

    Every price up to it has been lived through by someone, so a scenario event may only
    start after it (SPEC §6.3): prices an account has seen never change.
    """
    return Account.objects.filter(user__isnull=False).aggregate(latest=Max("evaluated_minute"))[
        "latest"
    ]
