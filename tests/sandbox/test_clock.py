"""sandbox.clock: the one place that says what time and minute it is for an account."""

from __future__ import annotations

from datetime import timedelta

from config.formatting import format_price
from sandbox import charts, pricing, selectors
from sandbox.clock import account_clock, sandbox_now
from sandbox.market import load_market
from tests.sandbox.factories import NOW


def test_it_is_real_time_plus_the_offset(sandbox_account):
    sandbox_account.clock_offset_seconds = 3600

    clock = account_clock(sandbox_account, NOW)

    assert sandbox_now(sandbox_account, NOW) == NOW + timedelta(hours=1)
    assert clock.time == NOW + timedelta(hours=1)
    assert clock.minute == pricing.minute_of(NOW) + 60


def test_it_never_goes_back_before_the_evaluated_minute(sandbox_account):
    # The server clock stepped back (NTP) after the engine evaluated two more hours.
    ahead = pricing.minute_of(NOW) + 120
    sandbox_account.evaluated_minute = ahead

    clock = account_clock(sandbox_account, NOW)

    assert clock.minute == ahead
    assert clock.time == pricing.datetime_of(ahead)


def test_pages_and_the_chart_wait_at_the_evaluated_minute(sandbox_account, time_machine):
    # Every reader asks account_clock; the chart used to compute its own minute without
    # the guard and drew prices from before fills the engine had already made.
    time_machine.move_to(NOW, tick=False)
    ahead = pricing.minute_of(NOW) + 120
    sandbox_account.evaluated_minute = ahead
    market = load_market()
    now_price = market.index_price("BTCUSDT", pricing.minute_of(NOW))
    ahead_price = market.index_price("BTCUSDT", ahead)
    assert now_price != ahead_price  # otherwise the test could not tell them apart

    chart = charts.sandbox_price_chart(account=sandbox_account, symbol="BTCUSDT")
    snapshot = selectors.market_snapshot(account=sandbox_account)
    overview = selectors.account_overview(account=sandbox_account)

    assert f"it is {format_price('BTCUSDT', ahead_price)} USDT now" in chart.rendered.description
    assert snapshot[0].index_price == ahead_price
    assert overview.minute == ahead
