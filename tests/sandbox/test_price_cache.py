"""Shared price facts: hourly extremes in Django's cache, and the scan that uses them.

Prices are the same for every account, so the lowest and highest index of each hour is
computed once and shared through the cache (SPEC §6.4); the engine's limit-order scan
prices minute by minute only the hours whose extremes reach a limit. Both must agree
exactly with the slow, obvious minute-by-minute answer.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import pricing
from sandbox.engine import CatchUp, Session
from sandbox.market import Market

SEED = 4242
HOUR = 60
pure = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None, max_examples=40
)


def expected(symbol, first_hour, end_hour, events=(), seed=SEED):
    """Each hour's lowest and highest index, from every minute's price."""
    ticks = pricing.index_ticks(symbol, first_hour * HOUR, end_hour * HOUR, events, seed=seed)
    return [
        (min(ticks[i : i + HOUR]), max(ticks[i : i + HOUR])) for i in range(0, len(ticks), HOUR)
    ]


@pytest.fixture
def priced_hours(monkeypatch) -> list[tuple[str, int, int]]:
    """Every (symbol, first_hour, end_hour) the cache had to compute."""
    calls: list[tuple[str, int, int]] = []
    real = pricing.hour_extremes

    def counting(symbol, first_hour, end_hour, events=(), *, seed):
        calls.append((symbol, first_hour, end_hour))
        return real(symbol, first_hour, end_hour, events, seed=seed)

    monkeypatch.setattr(pricing, "hour_extremes", counting)
    return calls


def test_hour_extremes_are_computed_once_and_shared_by_every_market(priced_hours):
    first = 170_000
    day = expected("ETHUSDT", first, first + 24)

    assert Market(seed=SEED).hour_extremes("ETHUSDT", first, first + 24) == day
    assert priced_hours == [("ETHUSDT", first, first + 24)]
    # Another request, worker or account asks again: served from the cache.
    assert Market(seed=SEED).hour_extremes("ETHUSDT", first, first + 24) == day
    assert Market(seed=SEED).hour_extremes("ETHUSDT", first + 5, first + 10) == day[5:10]
    assert len(priced_hours) == 1


def test_only_the_missing_hours_are_computed(priced_hours):
    first = 171_000
    Market(seed=SEED).hour_extremes("BTCUSDT", first + 10, first + 20)

    got = Market(seed=SEED).hour_extremes("BTCUSDT", first, first + 30)

    assert got == expected("BTCUSDT", first, first + 30)
    assert priced_hours[1:] == [
        ("BTCUSDT", first, first + 10),
        ("BTCUSDT", first + 20, first + 30),
    ]


def test_a_new_event_invalidates_exactly_the_hours_it_touches(priced_hours):
    first = 172_000
    Market(seed=SEED).hour_extremes("BNBUSDT", first, first + 12)
    crash = pricing.ScenarioEvent("BNBUSDT", (first + 5) * HOUR + 30, 90, Decimal(-20))
    other_symbol = pricing.ScenarioEvent("ETHUSDT", first * HOUR, 10, Decimal(50))
    market = Market(events=(other_symbol, crash), seed=SEED)

    got = market.hour_extremes("BNBUSDT", first, first + 12)

    assert got == expected("BNBUSDT", first, first + 12, (crash,))
    # Hours before the crash keep their entries; the crash's hour and every later one
    # (it stays moved) are priced again. The ETH event does not touch BNB at all.
    assert priced_hours[1:] == [("BNBUSDT", first + 5, first + 12)]
    assert got[11][1] < Market(seed=SEED).hour_extremes("BNBUSDT", first + 11, first + 12)[0][0]


def test_a_different_seed_is_a_different_market(priced_hours):
    first = 173_000
    Market(seed=SEED).hour_extremes("BTCUSDT", first, first + 3)
    other = Market(seed=SEED + 1).hour_extremes("BTCUSDT", first, first + 3)

    assert other == expected("BTCUSDT", first, first + 3, seed=SEED + 1)
    assert other != expected("BTCUSDT", first, first + 3)
    assert len(priced_hours) == 2


# --- the scan the limit-order rule uses -------------------------------------------------


def brute_first_minute(market, symbol, start, end, after, *, at_most=None, at_least=None):
    """The first minute in (after, end] ∩ [start, end] crossing the level, minute by minute."""
    first = max(start, after + 1)
    for minute, price in zip(
        range(first, end + 1), market.index_prices(symbol, first, end + 1), strict=True
    ):
        if (at_most is not None and price <= at_most) or (
            at_least is not None and price >= at_least
        ):
            return minute
    return None


@pure
@given(
    data=st.data(),
    symbol=st.sampled_from(pricing.SYMBOLS),
    start=st.integers(100_000, 2_000_000),
    length=st.integers(1, 3 * 1440),
    with_event=st.booleans(),
)
def test_the_hour_by_hour_scan_finds_the_same_minute_as_a_minute_by_minute_scan(
    data, symbol, start, length, with_event
):
    end = start + length - 1
    events = ()
    if with_event:
        events = (
            pricing.ScenarioEvent(
                symbol,
                start + data.draw(st.integers(-600, length)),
                data.draw(st.integers(0, 600)),
                Decimal(data.draw(st.integers(-300, 300))) / 10,
            ),
        )
    market = Market(events=events, seed=data.draw(st.sampled_from([SEED, 9])))
    prices = market.index_prices(symbol, start, end + 1)
    tick = pricing.tick_size(symbol)
    # Levels the path reaches (exactly, or one tick beyond) and some it never does.
    level = data.draw(st.sampled_from(sorted(prices))) + tick * data.draw(st.integers(-2, 2))
    after = start - 1 + data.draw(st.integers(-5, length))
    side = data.draw(st.sampled_from(["at_most", "at_least"]))
    run = CatchUp(session=Session(None, market=market), start=start, end=end)

    got = run.first_minute(symbol, after=after, **{side: level})

    assert got == brute_first_minute(market, symbol, start, end, after, **{side: level})


def test_a_limit_off_the_tick_is_compared_exactly():
    market = Market(seed=SEED)
    start, end = 500_000, 500_000 + 1440
    low = min(market.index_prices("BTCUSDT", start, end + 1))
    run = CatchUp(session=Session(None, market=market), start=start, end=end)
    # Half a tick below the day's low: never reached (low > low - 0.005).
    half_below = low - Decimal("0.005")

    assert run.first_minute("BTCUSDT", after=start - 1, at_most=half_below) is None
    assert run.first_minute("BTCUSDT", after=start - 1, at_most=low) == brute_first_minute(
        market, "BTCUSDT", start, end, start - 1, at_most=low
    )
