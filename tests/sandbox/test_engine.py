"""The risk engine fills resting limit orders at the first minute the index crossed.

Expected minutes are found independently: by asking ``pricing.index_price`` about
every minute in turn, the slow, obvious way.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import cache

import pytest
from django.conf import settings

from sandbox import engine, pricing, services
from sandbox.engine import account_catch_up
from sandbox.ledger import balances_of
from sandbox.models import Account, Fill, Order
from sandbox.operations.session import Session
from tests.sandbox.factories import NOW, ScenarioEventFactory, key

SYMBOL = "BTCUSDT"
START = pricing.minute_of(NOW)
WEEK = 7 * 24 * 60


@cache
def path(symbol: str, first: int, count: int, events: tuple = ()) -> tuple[Decimal, ...]:
    """Index prices of minutes first .. first + count - 1, one call per minute."""
    return tuple(
        pricing.index_price(symbol, minute, events, seed=settings.MARKET_SEED)
        for minute in range(first, first + count)
    )


def first_minute(prices, first: int, crossed) -> int | None:
    for offset, price in enumerate(prices):
        if crossed(price):
            return first + offset
    return None


def place_limit(account: Account, side: str, limit: Decimal, quantity=Decimal("0.01")) -> Order:
    return services.order_place(
        account=account,
        symbol=SYMBOL,
        side=side,
        order_type="limit",
        quantity=quantity,
        limit_price=limit,
        idempotency_key=key(),
        now=NOW,
    )


def fast_forward(account: Account, hours: int) -> Account:
    return services.clock_fast_forward(
        account=account, hours=hours, idempotency_key=key(), now=NOW
    ).account


def week_low_limit() -> tuple[Decimal, int]:
    """A buy limit the path reaches inside the week, and the minute it first does."""
    now_price = pricing.index_price(SYMBOL, START, seed=settings.MARKET_SEED)
    prices = path(SYMBOL, START + 1, WEEK)
    limit = min(prices[: 3 * 1440])
    assert limit < now_price, "the path must dip below today's price for this test"
    minute = first_minute(prices, START + 1, lambda p: p <= limit)
    return limit, minute


def test_it_fills_a_buy_limit_at_the_first_minute_the_index_reached_it(sandbox_account):
    limit, expected = week_low_limit()
    order = place_limit(sandbox_account, "buy", limit)

    fast_forward(sandbox_account, 168)

    order.refresh_from_db()
    assert order.status == "filled"
    assert order.filled_minute == expected
    assert order.filled_at == pricing.datetime_of(expected)
    assert order.fill_price == limit
    assert Fill.objects.filter(order=order).count() == 1


def test_it_fills_a_sell_limit_at_the_first_minute_the_index_reached_it(sandbox_account):
    services.order_place(
        account=sandbox_account,
        symbol=SYMBOL,
        side="buy",
        order_type="market",
        quantity=Decimal("0.02"),
        idempotency_key=key(),
        now=NOW,
    )
    now_price = pricing.index_price(SYMBOL, START, seed=settings.MARKET_SEED)
    prices = path(SYMBOL, START + 1, WEEK)
    limit = max(prices[: 3 * 1440])
    assert limit > now_price
    expected = first_minute(prices, START + 1, lambda p: p >= limit)
    order = place_limit(sandbox_account, "sell", limit)

    fast_forward(sandbox_account, 168)

    order.refresh_from_db()
    assert (order.status, order.filled_minute, order.fill_price) == ("filled", expected, limit)


def test_it_fills_exactly_once_however_often_it_runs(sandbox_account):
    limit, _ = week_low_limit()
    order = place_limit(sandbox_account, "buy", limit)

    account = fast_forward(sandbox_account, 168)
    usdt_after_fill = balances_of(account)
    account_catch_up(account, to_minute=account.evaluated_minute)
    account = fast_forward(account, 24)
    services.account_sync(user=account.user, now=NOW)

    assert Fill.objects.filter(order=order).count() == 1
    assert Fill.objects.count() == 1
    assert balances_of(Account.objects.get(pk=account.pk)) == usdt_after_fill


def test_it_gets_the_same_minute_a_day_at_a_time_as_in_one_week(sandbox_account):
    limit, expected = week_low_limit()
    order = place_limit(sandbox_account, "buy", limit)

    account = sandbox_account
    for _ in range(7):
        account = fast_forward(account, 24)

    order.refresh_from_db()
    assert order.filled_minute == expected


def test_it_gets_the_same_minute_across_price_chunks(sandbox_account, monkeypatch):
    monkeypatch.setattr(engine.core, "CHUNK_MINUTES", 97)
    limit, expected = week_low_limit()
    order = place_limit(sandbox_account, "buy", limit)

    fast_forward(sandbox_account, 168)

    order.refresh_from_db()
    assert order.filled_minute == expected


def test_it_moves_the_reserved_usdt_to_the_market_at_the_limit_price(sandbox_account):
    limit, _ = week_low_limit()
    order = place_limit(sandbox_account, "buy", limit, quantity=Decimal("0.01"))
    reserved = order.reserved_amount

    account = fast_forward(sandbox_account, 168)

    balances = balances_of(account)
    assert reserved == (Decimal("0.01") * limit).quantize(Decimal("1E-8"))
    assert balances[("spot", "USDT")] == Decimal("10000") - reserved
    assert balances[("spot_locked", "USDT")] == Decimal(0)
    assert balances[("spot", "BTC")] == Decimal("0.00999")


def test_it_fills_several_orders_in_minute_order(sandbox_account):
    prices = path(SYMBOL, START + 1, WEEK)
    now_price = pricing.index_price(SYMBOL, START, seed=settings.MARKET_SEED)
    low = min(prices)
    assert low < now_price
    # Three limits between today's price and the week's low: the highest fills first.
    step = (now_price - low) / 4
    limits = [(low + step * k).quantize(Decimal("0.01")) for k in (1, 2, 3)]
    orders = [place_limit(sandbox_account, "buy", limit) for limit in limits]

    fast_forward(sandbox_account, 168)

    fills = list(Fill.objects.order_by("id"))
    assert [f.order_id for f in fills] == [o.pk for o in reversed(orders)]
    expected = [first_minute(prices, START + 1, lambda p, lim=lim: p <= lim) for lim in limits]
    assert [f.minute for f in fills] == sorted(expected)
    assert [f.minute for f in fills] == [f.minute for f in sorted(fills, key=lambda f: f.minute)]


def test_it_leaves_orders_the_path_never_reached_open(sandbox_account):
    prices = path(SYMBOL, START + 1, WEEK)
    order = place_limit(sandbox_account, "buy", (min(prices) - Decimal("0.01")))

    account = fast_forward(sandbox_account, 168)

    order.refresh_from_db()
    assert order.status == "open"
    assert account.evaluated_minute == START + WEEK


def test_it_follows_a_scenario_crash(sandbox_account):
    now_price = pricing.index_price(SYMBOL, START, seed=settings.MARKET_SEED)
    limit = (now_price * Decimal("0.8")).quantize(Decimal("0.01"))
    day = path(SYMBOL, START + 1, 1440)
    assert min(day) > limit, "without the crash the limit is out of reach"
    event = ScenarioEventFactory(
        symbol=SYMBOL,
        start=NOW + timedelta(hours=1),
        duration_minutes=120,
        move_percent=Decimal("-30"),
    )
    crash = pricing.ScenarioEvent(
        symbol=SYMBOL,
        start_minute=pricing.minute_of(event.start),
        duration_minutes=120,
        move_percent=Decimal("-30"),
    )
    crashed = path(SYMBOL, START + 1, 1440, (crash,))
    expected = first_minute(crashed, START + 1, lambda p: p <= limit)
    order = place_limit(sandbox_account, "buy", limit)

    fast_forward(sandbox_account, 24)

    order.refresh_from_db()
    assert order.status == "filled"
    assert order.filled_minute == expected
    # Inside the two-hour slide, not before it started.
    assert pricing.minute_of(event.start) < expected <= pricing.minute_of(event.start) + 120


def test_it_ignores_an_inactive_scenario(sandbox_account):
    now_price = pricing.index_price(SYMBOL, START, seed=settings.MARKET_SEED)
    limit = (now_price * Decimal("0.8")).quantize(Decimal("0.01"))
    ScenarioEventFactory(
        symbol=SYMBOL, start=NOW + timedelta(hours=1), move_percent=Decimal("-30"), is_active=False
    )
    order = place_limit(sandbox_account, "buy", limit)

    fast_forward(sandbox_account, 24)

    order.refresh_from_db()
    assert order.status == "open"


def test_it_does_nothing_when_asked_to_go_back(sandbox_account):
    limit, _ = week_low_limit()
    place_limit(sandbox_account, "buy", limit)
    account = Account.objects.select_for_update().get(pk=sandbox_account.pk)

    fills = account_catch_up(account, to_minute=START - 100, session=Session(account))

    assert fills == []
    assert Account.objects.get(pk=account.pk).evaluated_minute == START


def test_it_refuses_to_run_for_a_system_account(sandbox_account):
    treasury = Account.objects.get(system_code="treasury")

    with pytest.raises(ValueError, match="System accounts"):
        account_catch_up(treasury, to_minute=START + 10)
