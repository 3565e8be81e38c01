"""The simulated market (sandbox/pricing.py): pure functions, no database.

Prices are a contract with every learner's history: the risk engine replays past
minutes, so the same (seed, symbol, minute) must give the same price in every process,
on every machine, forever. The pinned values below guard that.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculators import instruments
from sandbox import pricing
from sandbox.pricing import (
    DEFAULT_SEED,
    EPOCH,
    SYMBOLS,
    VENUES,
    ScenarioEvent,
    VenueQuote,
    datetime_of,
    hour_extremes,
    index_price,
    index_prices,
    index_ticks,
    minute_of,
    path_price,
    path_prices,
    price_of_ticks,
    scenario_multiplier,
    series,
    tick_size,
    ticks_at_least,
    ticks_at_most,
    venue_quotes,
    weighted_index,
)

ROOT = Path(__file__).resolve().parents[2]
DAY = 1440
WEEK = 7 * DAY
# The walk's anchors are 2**19 minutes apart: ranges across one exercise the seam.
ANCHOR_SPAN = 1 << 19
# The conftest's autouse settings fixture is harmless to share between examples.
pure = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)

PROBE_MINUTES = (0, 1, 59, 1_000_000, -5_000, ANCHOR_SPAN, 3 * ANCHOR_SPAN - 1, 10**9)


def _clear_caches():
    pricing.clear_caches()


def _prices_in_fresh_process(hash_seed: str) -> dict[str, str]:
    code = (
        "import json\n"
        "from sandbox.pricing import SYMBOLS, index_price, path_price\n"
        f"minutes = {list(PROBE_MINUTES)!r}\n"
        "print(json.dumps({f'{s}@{t}': [str(path_price(s, t)), str(index_price(s, t))]"
        " for s in SYMBOLS for t in minutes}))\n"
    )
    # A different PYTHONHASHSEED per process proves nothing leans on the built-in hash().
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(  # noqa: S603 - our own interpreter running our own snippet
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


# --- determinism -----------------------------------------------------------------------


def test_it_gives_the_same_prices_in_separate_processes():
    here = {
        f"{s}@{t}": [str(path_price(s, t)), str(index_price(s, t))]
        for s in SYMBOLS
        for t in PROBE_MINUTES
    }
    assert _prices_in_fresh_process("1") == here
    assert _prices_in_fresh_process("2") == here


def test_it_keeps_the_pinned_prices():
    # If this fails, every learner's past prices changed: bump the version tag in
    # pricing._prefix and write a migration note instead of editing these values.
    assert path_price("BTCUSDT", 0) == Decimal("93244.69")
    assert index_price("BTCUSDT", 0) == Decimal("93259.02")
    assert path_price("ETHUSDT", 500_000) == Decimal("2487.37")
    assert path_price("USDCUSDT", 0) == Decimal("1.0003")


# Fingerprints of long stretches, taken before the batch API was made faster: any
# change to the walk, the venues, the index rule or the scenario overlay shows here.
FINGERPRINTS = {
    "BTCUSDT": (
        "6526da760e824762",
        "0409b478ba2ae9f7",
        "e55d87b6a6f817de",
        "30ada10c0e31f416",
        "88a0447f6340b2f7",
        "ef0f3e6ee4d1899f",
    ),
    "ETHUSDT": (
        "b9551c2b65bb0e44",
        "8636c9026bfa635b",
        "9ba8d945d19fcbb6",
        "7be2b9c7ba142491",
        "d0249721b1888d15",
        "94e84ce153172958",
    ),
    "BNBUSDT": (
        "6aa9d636b3070d3e",
        "7ed9e617abea5e16",
        "ead9a6e1612e2def",
        "fec70fd8ab5e5fd8",
        "efb489f9c829f87e",
        "271ccdf99a35d2ae",
    ),
    "USDCUSDT": (
        "c31353c7b6ddcf9f",
        "1c605fb1b781c3fc",
        "9c6ca414c94c7a74",
        "2e1c7ca8b1dc09d0",
        "1bcdfa9b556b570f",
        "2cb59e7ef8cc01c3",
    ),
}


def _digest(values) -> str:
    return hashlib.sha256("\n".join(map(str, values)).encode()).hexdigest()[:16]


def many_events(symbol: str) -> list[ScenarioEvent]:
    """201 events: overlapping ramps, instant gaps, rises and falls, all finished by 610,000."""
    events = [
        ScenarioEvent(symbol, 600_000 + 37 * k, (k * 13) % 90, Decimal(((k * 7) % 11) - 5) / 2)
        for k in range(200)
    ]
    events.append(ScenarioEvent(symbol, 610_000, 0, Decimal("-12.5")))
    return events


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_long_stretches_keep_their_pinned_fingerprints(symbol):
    events = many_events(symbol)
    got = (
        _digest(index_prices(symbol, 580_000, 580_000 + WEEK)),
        _digest(path_prices(symbol, -3_000, 7_080)),
        _digest(index_prices(symbol, 599_000, 599_000 + 2 * WEEK, events)),
        _digest(index_prices(symbol, 0, 5_000, seed=7)),
        _digest(
            (q.name, q.price, q.volume, q.weight, q.excluded)
            for t in range(1_000_000, 1_004_096, 7)
            for q in venue_quotes(symbol, t)
        ),
        _digest(index_price(symbol, t, events) for t in range(599_990, 620_000, 97)),
    )
    assert got == FINGERPRINTS[symbol]


def test_it_reproduces_any_past_minute_after_other_work():
    before = [path_price(s, t) for s in SYMBOLS for t in PROBE_MINUTES]
    index_prices("BTCUSDT", 0, 5_000)
    _clear_caches()
    assert [path_price(s, t) for s in SYMBOLS for t in PROBE_MINUTES] == before


def test_it_differs_between_seeds():
    for symbol in ("BTCUSDT", "ETHUSDT", "BNBUSDT"):
        a = path_prices(symbol, 0, 100, seed=DEFAULT_SEED)
        b = path_prices(symbol, 0, 100, seed=DEFAULT_SEED + 1)
        assert sum(x != y for x, y in zip(a, b, strict=True)) > 90


def test_it_ignores_the_callers_decimal_context():
    expected = [index_price("BTCUSDT", t) for t in range(10)]
    with localcontext() as ctx:
        ctx.prec = 3
        assert [index_price("BTCUSDT", t) for t in range(10)] == expected
        assert index_prices("BTCUSDT", 0, 10) == expected


@pytest.mark.parametrize("symbol", SYMBOLS)
@pytest.mark.parametrize(
    ("start", "length"),
    [(-1_500, 3_000), (ANCHOR_SPAN - 1_000, 2_500), (7 * DAY + 13, 1), (123_457, 777)],
)
def test_batches_equal_single_minutes(symbol, start, length):
    end = start + length
    assert path_prices(symbol, start, end) == [path_price(symbol, t) for t in range(start, end)]
    assert index_prices(symbol, start, end) == [index_price(symbol, t) for t in range(start, end)]


def test_batches_equal_single_minutes_with_events():
    events = [
        ScenarioEvent("BTCUSDT", 20_000, 120, Decimal(-30)),
        ScenarioEvent("BTCUSDT", 20_050, 0, Decimal("12.5")),
        ScenarioEvent("ETHUSDT", 20_010, 60, Decimal(50)),  # other symbols are ignored
    ]
    start, end = 19_900, 20_300
    assert path_prices("BTCUSDT", start, end, events) == [
        path_price("BTCUSDT", t, events) for t in range(start, end)
    ]
    assert index_prices("BTCUSDT", start, end, iter(events)) == [
        index_price("BTCUSDT", t, events) for t in range(start, end)
    ]


@pure
@given(
    symbol=st.sampled_from(SYMBOLS),
    start=st.integers(-(10**8), 10**8),
    length=st.integers(0, 300),
)
def test_any_batch_equals_its_single_minutes(symbol, start, length):
    got = index_prices(symbol, start, start + length)
    assert got == [index_price(symbol, t) for t in range(start, start + length)]


def test_an_empty_or_backwards_range():
    assert index_prices("BTCUSDT", 10, 10) == []
    assert path_prices("BTCUSDT", 10, 10) == []
    with pytest.raises(ValueError, match="end_minute"):
        index_prices("BTCUSDT", 10, 9)


def test_it_rejects_unknown_symbols_and_non_int_minutes():
    with pytest.raises(ValueError, match="Unknown symbol"):
        path_price("DOGEUSDT", 0)
    with pytest.raises(TypeError):
        path_price("BTCUSDT", Decimal(1))
    with pytest.raises(TypeError):
        path_price("BTCUSDT", 0, seed="1")


# --- realism ------------------------------------------------------------------------------


def _daily_log_returns(symbol: str, seed: int, days: int = 400) -> list[Decimal]:
    prices = [path_price(symbol, d * DAY, seed=seed) for d in range(days + 1)]
    return [(b / a).ln() for a, b in pairwise(prices)]


def _std(values: list[Decimal]) -> Decimal:
    mean = sum(values) / len(values)
    return (sum((v - mean) ** 2 for v in values) / (len(values) - 1)).sqrt()


@pytest.mark.parametrize("seed", [DEFAULT_SEED, 1, 777])
@pytest.mark.parametrize(
    ("symbol", "low", "high"),
    [
        ("BTCUSDT", Decimal("0.02"), Decimal("0.045")),  # ≈ 3% a day
        ("ETHUSDT", Decimal("0.027"), Decimal("0.06")),  # ≈ 4%
        ("BNBUSDT", Decimal("0.023"), Decimal("0.0525")),  # ≈ 3.5%
    ],
)
def test_daily_volatility_is_realistic(symbol, low, high, seed):
    assert low <= _std(_daily_log_returns(symbol, seed)) <= high


def test_btc_and_eth_move_together():
    btc, eth = (
        _daily_log_returns("BTCUSDT", DEFAULT_SEED),
        _daily_log_returns("ETHUSDT", DEFAULT_SEED),
    )
    mb, me = sum(btc) / len(btc), sum(eth) / len(eth)
    cov = sum((b - mb) * (e - me) for b, e in zip(btc, eth, strict=True))
    var_b = sum((b - mb) ** 2 for b in btc)
    var_e = sum((e - me) ** 2 for e in eth)
    assert cov / (var_b * var_e).sqrt() > Decimal("0.4")


def test_prices_stay_in_a_sane_range_for_decades():
    for symbol, base in (("BTCUSDT", 65000), ("ETHUSDT", 3200), ("BNBUSDT", 580)):
        prices = [path_price(symbol, d * DAY) for d in range(0, 30 * 365, 5)]
        assert Decimal(base) / 10 < min(prices) and max(prices) < base * 10


@pytest.mark.parametrize("start", [0, 40 * WEEK, -3 * WEEK])
def test_usdc_stays_within_half_a_percent_of_one(start):
    low, high = Decimal("0.995"), Decimal("1.005")
    for prices in (
        path_prices("USDCUSDT", start, start + WEEK),
        index_prices("USDCUSDT", start, start + WEEK),
    ):
        assert low <= min(prices) and max(prices) <= high


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_prices_are_positive_and_on_tick(symbol):
    tick = tick_size(symbol)
    for price in index_prices(symbol, 0, WEEK) + path_prices(symbol, 0, WEEK):
        assert price > 0
        assert price % tick == 0
        assert price.as_tuple().exponent == tick.as_tuple().exponent


def test_ticks():
    assert tick_size("BTCUSDT") == Decimal("0.01")
    assert tick_size("USDCUSDT") == Decimal("0.0001")


def test_ticks_come_from_the_one_instrument_declaration():
    assert SYMBOLS == instruments.SYMBOLS
    for symbol in SYMBOLS:
        assert tick_size(symbol) == instruments.instrument(symbol).tick


# --- scans in whole ticks -------------------------------------------------------------


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_index_ticks_are_the_index_prices_in_ticks(symbol):
    start = 123_457
    ticks = index_ticks(symbol, start, start + DAY)
    prices = index_prices(symbol, start, start + DAY)
    assert all(isinstance(t, int) for t in ticks)
    assert [price_of_ticks(symbol, t) for t in ticks] == prices


def test_limits_become_integer_bounds():
    assert ticks_at_most("BTCUSDT", Decimal("100.00")) == 10_000
    assert ticks_at_least("BTCUSDT", Decimal("100.00")) == 10_000
    # Off the tick: "index <= 100.005" holds for 100.00 but not 100.01, and the other way.
    assert ticks_at_most("BTCUSDT", Decimal("100.005")) == 10_000
    assert ticks_at_least("BTCUSDT", Decimal("100.005")) == 10_001
    assert ticks_at_most("USDCUSDT", Decimal("0.99995")) == 9_999
    assert ticks_at_least("USDCUSDT", Decimal("0.99995")) == 10_000


def _brute_extremes(symbol, first_hour, end_hour, events=(), seed=DEFAULT_SEED):
    ticks = index_ticks(symbol, first_hour * 60, end_hour * 60, events, seed=seed)
    return [(min(ticks[i : i + 60]), max(ticks[i : i + 60])) for i in range(0, len(ticks), 60)]


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_hour_extremes_are_each_hours_lowest_and_highest_index(symbol):
    first = 9_000
    assert hour_extremes(symbol, first, first + 7 * 24) == _brute_extremes(
        symbol, first, first + 7 * 24
    )
    assert hour_extremes(symbol, first, first) == []


@pure
@given(
    symbol=st.sampled_from(SYMBOLS),
    first=st.integers(-(10**6), 10**6),
    hours=st.integers(1, 30),
    seed=st.sampled_from([DEFAULT_SEED, 1, 77]),
    moves=st.lists(
        st.tuples(st.integers(-2_000, 2_000), st.integers(0, 300), st.integers(-900, 900)),
        max_size=4,
    ),
)
def test_hour_extremes_match_a_minute_by_minute_scan(symbol, first, hours, seed, moves):
    # Events that ramp inside the hours, end before them, or start after them.
    events = [
        ScenarioEvent(symbol, first * 60 + offset, duration, Decimal(move) / 10)
        for offset, duration, move in moves
    ]
    got = hour_extremes(symbol, first, first + hours, events, seed=seed)
    assert got == _brute_extremes(symbol, first, first + hours, events, seed)


@pure
@given(symbol=st.sampled_from(SYMBOLS), minute=st.integers(-(10**9), 10**9))
def test_the_index_stays_near_the_path_and_on_tick(symbol, minute):
    path, index = path_price(symbol, minute), index_price(symbol, minute)
    assert abs(index - path) <= path * Decimal("0.05")
    assert index % tick_size(symbol) == 0 and index > 0


# --- scenario events --------------------------------------------------------------------

CRASH = ScenarioEvent(
    "BTCUSDT", start_minute=20_000, duration_minutes=120, move_percent=Decimal(-30)
)


def _scaled(symbol: str, minute: int, factor: Decimal) -> Decimal:
    return (path_price(symbol, minute) * factor).quantize(tick_size(symbol), ROUND_HALF_EVEN)


def test_a_crash_moves_the_path_linearly_and_stays():
    assert path_price("BTCUSDT", 19_999, [CRASH]) == path_price("BTCUSDT", 19_999)
    assert path_price("BTCUSDT", 20_000, [CRASH]) == path_price("BTCUSDT", 20_000)
    assert path_price("BTCUSDT", 20_060, [CRASH]) == _scaled("BTCUSDT", 20_060, Decimal("0.85"))
    assert path_price("BTCUSDT", 20_120, [CRASH]) == _scaled("BTCUSDT", 20_120, Decimal("0.7"))
    for later in (20_121, 20_500, 20_000 + 365 * DAY):
        assert path_price("BTCUSDT", later, [CRASH]) == _scaled("BTCUSDT", later, Decimal("0.7"))


def test_the_multiplier_is_exact():
    assert scenario_multiplier("BTCUSDT", 19_999, [CRASH]) == 1
    assert scenario_multiplier("BTCUSDT", 20_030, [CRASH]) == Fraction(925, 1000)
    assert scenario_multiplier("BTCUSDT", 20_120, [CRASH]) == Fraction(7, 10)
    assert scenario_multiplier("ETHUSDT", 20_120, [CRASH]) == 1


def test_two_events_multiply():
    rally = ScenarioEvent("BTCUSDT", 20_100, 20, Decimal(10))
    both = [CRASH, rally]
    assert scenario_multiplier("BTCUSDT", 20_200, both) == Fraction(7, 10) * Fraction(11, 10)
    assert path_price("BTCUSDT", 20_200, both) == _scaled("BTCUSDT", 20_200, Decimal("0.77"))
    # Half-way through the rally (×1.05), 110 of the crash's 120 minutes in (×0.725).
    assert scenario_multiplier("BTCUSDT", 20_110, both) == Fraction(29, 40) * Fraction(21, 20)


def test_an_event_with_no_duration_is_a_gap():
    gap = ScenarioEvent("ETHUSDT", 5_000, 0, Decimal(-20))
    assert path_price("ETHUSDT", 4_999, [gap]) == path_price("ETHUSDT", 4_999)
    assert path_price("ETHUSDT", 5_000, [gap]) == _scaled("ETHUSDT", 5_000, Decimal("0.8"))


def _unfolded_path(symbol: str, minute: int, events) -> Decimal:
    """The evented path the slow, obvious way: every event's factor, multiplied in turn."""
    factor = Fraction(1)
    for event in events:
        if event.symbol == symbol:
            factor *= event.multiplier_at(minute)
    exact = Fraction(path_price(symbol, minute)) * factor
    in_ticks = exact / Fraction(tick_size(symbol))
    rounded = round(in_ticks)  # Fraction rounds half to even
    return Decimal(rounded) * tick_size(symbol)


def test_finished_events_fold_into_one_factor_without_changing_a_price():
    events = many_events("BTCUSDT")  # all finished by minute 610,000
    week = range(611_000, 611_000 + WEEK, 37)
    assert [path_price("BTCUSDT", t, events) for t in week] == [
        _unfolded_path("BTCUSDT", t, events) for t in week
    ]
    folded = path_prices("BTCUSDT", 611_000, 611_000 + WEEK, events)
    assert folded[::37] == [_unfolded_path("BTCUSDT", t, events) for t in week]
    # Across the ramps too, where events overlap.
    ramps = range(599_990, 610_010, 7)
    assert [path_price("BTCUSDT", t, events) for t in ramps] == [
        _unfolded_path("BTCUSDT", t, events) for t in ramps
    ]


def test_the_index_follows_the_crash():
    before, after = index_price("BTCUSDT", 20_200), index_price("BTCUSDT", 20_200, [CRASH])
    assert abs(after / before - Decimal("0.7")) < Decimal("0.01")


def test_events_reject_impossible_moves():
    with pytest.raises(ValueError, match="-100%"):
        ScenarioEvent("BTCUSDT", 0, 10, Decimal(-100))
    with pytest.raises(TypeError):
        ScenarioEvent("BTCUSDT", 0, 10, -30.0)
    with pytest.raises(ValueError):
        ScenarioEvent("BTCUSDT", 0, -1, Decimal(5))
    with pytest.raises(ValueError, match="Unknown symbol"):
        ScenarioEvent("XRPUSDT", 0, 10, Decimal(5))


# --- venues and the index ---------------------------------------------------------------


def _quote(name: str, price: str, volume: str = "1") -> VenueQuote:
    return VenueQuote(name, Decimal(price), Decimal(volume))


def test_equal_volumes_give_the_plain_average():
    result = weighted_index([_quote("A", "100.00"), _quote("B", "101.00"), _quote("C", "102.00")])
    assert result.price == Decimal("101.00")
    assert [q.weight for q in result.quotes] == [Decimal("0.3333")] * 3
    assert not any(q.excluded for q in result.quotes)


def test_a_venue_6_percent_off_the_median_gets_weight_zero():
    result = weighted_index([_quote("A", "100"), _quote("B", "100"), _quote("C", "106", "50")])
    assert result.price == Decimal(100)
    c = result.quotes[2]
    assert c.excluded is True and c.weight == 0
    assert [q.weight for q in result.quotes[:2]] == [Decimal("0.5"), Decimal("0.5")]


@pytest.mark.parametrize("edge", ["105.00", "95.00"])
def test_exactly_5_percent_off_the_median_still_counts(edge):
    # "More than 5%" is strictly greater.
    result = weighted_index([_quote("A", "100.00"), _quote("B", "100.00"), _quote("C", edge)])
    assert result.quotes[2].excluded is False
    assert result.price == {"105.00": Decimal("101.67"), "95.00": Decimal("98.33")}[edge]


def test_just_over_5_percent_is_excluded():
    result = weighted_index([_quote("A", "100"), _quote("B", "100"), _quote("C", "105.01")])
    assert result.quotes[2].excluded is True


def test_volumes_weight_exactly():
    result = weighted_index([_quote("A", "100.00", "1"), _quote("B", "101.00", "3")])
    assert result.price == Decimal("100.75")
    assert [q.weight for q in result.quotes] == [Decimal("0.25"), Decimal("0.75")]
    result = weighted_index(
        [_quote("A", "100.00", "0.1"), _quote("B", "100.03", "0.2")], tick=Decimal("0.01")
    )
    assert result.price == Decimal("100.02")  # (10 + 20.006) / 0.3 = 100.02 exactly


def test_the_index_rounds_half_to_even_on_the_tick():
    assert weighted_index([_quote("A", "100.00"), _quote("B", "100.01")]).price == Decimal("100.00")
    assert weighted_index([_quote("A", "100.01"), _quote("B", "100.02")]).price == Decimal("100.02")


def test_an_even_number_of_venues_uses_the_middle_two_for_the_median():
    quotes = [_quote("A", "100"), _quote("B", "102"), _quote("C", "98"), _quote("D", "112")]
    result = weighted_index(quotes)  # median 101: D is 10.9% away
    assert [q.excluded for q in result.quotes] == [False, False, False, True]
    assert result.price == Decimal(100)


def test_when_every_venue_is_an_outlier_the_median_is_used():
    result = weighted_index([_quote("A", "100"), _quote("B", "120")])
    assert all(q.excluded for q in result.quotes)
    assert result.price == Decimal(110)


def test_trusted_venues_without_volume_count_equally():
    result = weighted_index([_quote("A", "100", "0"), _quote("B", "102", "0")])
    assert result.price == Decimal(101)


def test_weighted_index_refuses_bad_quotes():
    with pytest.raises(ValueError):
        weighted_index([])
    with pytest.raises(TypeError):
        weighted_index([VenueQuote("A", 100.0, Decimal(1))])
    with pytest.raises(ValueError):
        weighted_index([_quote("A", "-1")])
    with pytest.raises(ValueError):
        weighted_index([_quote("A", "1", "-1")])


def test_venue_quotes_show_three_venues_and_agree_with_the_index():
    glitches = 0
    start = 10_000
    indexes = index_prices("BTCUSDT", start, start + WEEK)
    for offset, index in enumerate(indexes):
        quotes = venue_quotes("BTCUSDT", start + offset)
        assert [q.name for q in quotes] == list(VENUES)
        assert weighted_index(quotes, tick=Decimal("0.01")).price == index
        excluded = [q for q in quotes if q.excluded]
        if excluded:
            glitches += 1
            assert len(excluded) == 1 and excluded[0].weight == 0
            path = path_price("BTCUSDT", start + offset)
            assert abs(excluded[0].price / path - 1) > Decimal("0.05")
        assert abs(sum(q.weight for q in quotes) - 1) <= Decimal("0.0003")  # display rounding
    # Glitches are rare but real, so the outlier rule is exercised in a normal week.
    assert 1 <= glitches <= 30


# --- minutes and charts -----------------------------------------------------------------


def test_minute_of_counts_whole_minutes_since_the_epoch():
    assert minute_of(EPOCH) == 0
    assert minute_of(EPOCH + timedelta(seconds=59, microseconds=999_999)) == 0
    assert minute_of(EPOCH + timedelta(minutes=1)) == 1
    assert minute_of(EPOCH - timedelta(seconds=1)) == -1
    plus_two = timezone(timedelta(hours=2))
    assert minute_of(datetime(2024, 1, 1, 2, 5, tzinfo=plus_two)) == 5
    with pytest.raises(ValueError, match="aware"):
        minute_of(datetime(2024, 1, 1))  # naive on purpose


def test_datetime_of_is_the_inverse():
    assert datetime_of(0) == EPOCH
    moment = datetime(2025, 6, 30, 12, 34, tzinfo=UTC)
    assert datetime_of(minute_of(moment)) == moment
    assert datetime_of(-1) == EPOCH - timedelta(minutes=1)


def test_series_samples_the_index_for_charts():
    now = 500_000
    points = series("ETHUSDT", now - DAY, now, 15)
    assert len(points) == 96
    assert points[0][0] == now - DAY and points[-1][0] == now - 15
    assert all(price == index_price("ETHUSDT", minute) for minute, price in points)
    dense = series("ETHUSDT", now - 60, now, 5, [CRASH])
    assert dense == [(t, index_price("ETHUSDT", t)) for t in range(now - 60, now, 5)]
    assert series("ETHUSDT", now, now, 15) == []
    with pytest.raises(ValueError):
        series("ETHUSDT", now - 60, now, 0)
