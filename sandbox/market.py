"""The Django side of the market: scenario events from the database, fed to ``pricing``.

``pricing`` is a pure function of (seed, symbol, minute, events). This module loads the
events once (one query) into a ``Market`` that a service, engine run or page keeps for
its duration, so asking for a hundred prices still costs one query. Nothing is cached
between requests: a staff edit in the admin shows up on the next request, in every
worker (SPEC §9).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings

from sandbox import pricing
from sandbox.models import ASSET_SYMBOL, Asset, ScenarioEvent

ONE = Decimal(1)


def to_pricing_event(event: ScenarioEvent) -> pricing.ScenarioEvent:
    return pricing.ScenarioEvent(
        symbol=event.symbol,
        start_minute=pricing.minute_of(event.start),
        duration_minutes=event.duration_minutes,
        move_percent=event.move_percent,
    )


@dataclass(frozen=True)
class Market:
    """Prices under one fixed set of scenario events and the configured seed."""

    events: tuple[pricing.ScenarioEvent, ...] = ()
    seed: int = pricing.DEFAULT_SEED

    def index_price(self, symbol: str, minute: int) -> Decimal:
        return pricing.index_price(symbol, minute, self.events, seed=self.seed)

    def index_prices(self, symbol: str, start_minute: int, end_minute: int) -> list[Decimal]:
        """Index price of every minute in [start_minute, end_minute) (half-open, like pricing)."""
        return pricing.index_prices(symbol, start_minute, end_minute, self.events, seed=self.seed)

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


def load_market(symbols: Sequence[str] | None = None) -> Market:
    """A ``Market`` with the active scenario events (of ``symbols`` only, if given)."""
    rows = ScenarioEvent.objects.filter(is_active=True)
    if symbols is not None:
        rows = rows.filter(symbol__in=list(symbols))
    events = tuple(to_pricing_event(row) for row in rows.order_by("start", "id"))
    return Market(events=events, seed=settings.MARKET_SEED)


def minute_of(moment: datetime) -> int:
    return pricing.minute_of(moment)


def datetime_of(minute: int) -> datetime:
    return pricing.datetime_of(minute)
