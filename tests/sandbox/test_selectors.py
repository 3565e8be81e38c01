"""Selectors: what the pages read. Values are exact; query counts do not grow with history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from sandbox import pricing, selectors, services
from sandbox.models import Account
from tests.sandbox.factories import NOW, key


def buy(account: Account, symbol: str, quantity: str, **kwargs) -> None:
    services.order_place(
        account=account,
        symbol=symbol,
        side=kwargs.pop("side", "buy"),
        order_type=kwargs.pop("order_type", "market"),
        quantity=Decimal(quantity),
        idempotency_key=key(),
        now=NOW,
        **kwargs,
    )


# --- account_overview ----------------------------------------------------------------


def test_it_values_balances_at_the_index_price(sandbox_account, fixed_prices):
    buy(sandbox_account, "BTCUSDT", "0.1")
    buy(sandbox_account, "ETHUSDT", "1", order_type="limit", limit_price=Decimal("2000.00"))

    overview = selectors.account_overview(account=sandbox_account, now=NOW)

    rows = {row.asset: row for row in overview.balances}
    assert [row.asset for row in overview.balances] == ["USDT", "USDC", "BTC", "ETH", "BNB"]
    assert (rows["USDT"].available, rows["USDT"].locked) == (Decimal("3000"), Decimal("2000"))
    assert rows["USDT"].value_usdt == Decimal("5000")
    assert rows["BTC"].index_price == Decimal("50000.00")
    assert rows["BTC"].value_usdt == Decimal("4995")
    assert overview.total_equity_usdt == Decimal("9995")
    assert [o.symbol for o in overview.open_orders] == ["ETHUSDT"]
    assert overview.index_prices == fixed_prices
    assert overview.season == 1
    assert overview.minute == pricing.minute_of(NOW)
    assert overview.sandbox_time == NOW


def test_it_averages_the_entry_as_cost_with_fees_over_quantity_received(
    sandbox_account, fixed_prices
):
    # One convention (docs/sandbox.md): cost including fees ÷ quantity received.
    fixed_prices["BTCUSDT"] = Decimal("100.00")
    buy(sandbox_account, "BTCUSDT", "1")  # 100 USDT for 0.999 BTC (fee 0.001 BTC)
    first = selectors.account_overview(account=sandbox_account, now=NOW).average_entry["BTC"]
    fixed_prices["BTCUSDT"] = Decimal("200.00")
    buy(sandbox_account, "BTCUSDT", "1")  # 200 USDT for 0.999 BTC

    overview = selectors.account_overview(account=sandbox_account, now=NOW)

    assert first == Decimal("100.10010010")  # 100 ÷ 0.999
    # (100.1001001 × 0.999 + 200) ÷ 1.998: 300 USDT paid for 1.998 BTC held.
    assert overview.average_entry["BTC"] == Decimal("150.15015015")
    assert overview.average_entry["ETH"] is None


def test_it_counts_a_fee_paid_in_bnb_in_the_cost_of_the_entry(sandbox_account, fixed_prices):
    buy(sandbox_account, "BNBUSDT", "1")  # 0.999 BNB to pay fees with
    services.settings_update(
        account=sandbox_account, use_bnb_for_fees=True, idempotency_key=key(), now=NOW
    )
    fixed_prices["BTCUSDT"] = Decimal("100.00")

    buy(sandbox_account, "BTCUSDT", "1")  # fee 100 × 0.075% = 0.075 USDT = 0.00015 BNB

    overview = selectors.account_overview(account=sandbox_account, now=NOW)
    # All of the 1 BTC arrives; it cost 100 USDT + 0.00015 BNB × 500.
    assert overview.average_entry["BTC"] == Decimal("100.07500000")


def test_it_keeps_the_average_on_a_sale_and_forgets_it_when_nothing_is_left(
    sandbox_account, fixed_prices
):
    buy(sandbox_account, "BTCUSDT", "0.1")
    buy(sandbox_account, "BTCUSDT", "0.05", side="sell")
    # 5,000 USDT for 0.0999 BTC; the sale takes units out at that average.
    assert selectors.account_overview(account=sandbox_account, now=NOW).average_entry[
        "BTC"
    ] == Decimal("50050.05005005")

    buy(sandbox_account, "BTCUSDT", "0.0499", side="sell")
    assert selectors.account_overview(account=sandbox_account, now=NOW).average_entry["BTC"] is None

    fixed_prices["BTCUSDT"] = Decimal("42000.00")
    buy(sandbox_account, "BTCUSDT", "0.01")
    # Afresh: 420 USDT for 0.00999 BTC.
    assert selectors.account_overview(account=sandbox_account, now=NOW).average_entry[
        "BTC"
    ] == Decimal("42042.04204204")


def test_overview_queries_do_not_grow_with_history(
    sandbox_account, fixed_prices, django_assert_num_queries
):
    buy(sandbox_account, "BTCUSDT", "0.01")
    with django_assert_num_queries(4):
        selectors.account_overview(account=sandbox_account, now=NOW)

    for _ in range(10):
        buy(sandbox_account, "BTCUSDT", "0.001")
        buy(sandbox_account, "ETHUSDT", "0.01", order_type="limit", limit_price=Decimal("2000.00"))
    with django_assert_num_queries(4):
        selectors.account_overview(account=sandbox_account, now=NOW)


# --- history_page --------------------------------------------------------------------


def test_it_lists_the_ledger_newest_first_with_trade_details(sandbox_account, fixed_prices):
    buy(sandbox_account, "BTCUSDT", "0.1")
    services.reward_credit(account=sandbox_account, amount=Decimal("100"), reason="r", now=NOW)

    page = selectors.history_page(account=sandbox_account)

    reward, trade, deposit = page.entries
    assert (reward.kind, reward.amount, reward.asset) == ("reward", Decimal("100"), "USDT")
    assert (trade.kind, trade.symbol, trade.side, trade.quantity) == (
        "trade",
        "BTCUSDT",
        "buy",
        Decimal("0.1"),
    )
    assert (trade.price, trade.fee, trade.fee_asset) == (Decimal("50000"), Decimal("0.0001"), "BTC")
    assert trade.order_status == "filled"
    assert (deposit.kind, deposit.amount, deposit.asset) == ("deposit", Decimal("10000"), "USDT")
    assert deposit.description == "Season 1 starting balance: 10,000.00 USDT."


def test_it_shows_reservations_and_releases(sandbox_account, fixed_prices):
    buy(sandbox_account, "BTCUSDT", "0.1", order_type="limit", limit_price=Decimal("40000.00"))
    order = sandbox_account.orders.get()
    services.order_cancel(
        account=sandbox_account, order_id=order.pk, idempotency_key=key(), now=NOW
    )

    release, hold, _ = selectors.history_page(account=sandbox_account).entries

    assert (hold.kind, hold.amount, hold.asset, hold.price) == (
        "order_hold",
        Decimal("4000"),
        "USDT",
        Decimal("40000"),
    )
    assert (release.kind, release.amount, release.order_status) == (
        "order_release",
        Decimal("4000"),
        "cancelled",
    )


def test_it_paginates_in_the_database(sandbox_account, django_assert_num_queries):
    for n in range(30):
        services.reward_credit(
            account=sandbox_account, amount=Decimal("1"), reason=f"r{n}", now=NOW
        )

    # count, the page's keys (ledger and settings changes merged), its transactions, their
    # postings, interest charges and liquidation sales.
    with django_assert_num_queries(6):
        first = selectors.history_page(account=sandbox_account, per_page=25)
    with django_assert_num_queries(6):
        second = selectors.history_page(account=sandbox_account, page=2, per_page=25)

    assert (first.page, first.num_pages, first.has_next, first.has_previous) == (1, 2, True, False)
    assert len(first.entries) == 25
    assert (second.page, len(second.entries), second.has_next) == (2, 6, False)
    assert second.entries[-1].kind == "deposit"


def test_it_falls_back_to_a_valid_page_and_season(sandbox_account):
    page = selectors.history_page(account=sandbox_account, season=7, page=99)

    assert (page.season, page.seasons, page.page) == (1, [1], 1)


def test_it_reads_an_earlier_season(sandbox_account):
    services.reward_credit(account=sandbox_account, amount=Decimal("5"), reason="x", now=NOW)
    account = services.account_reset(account=sandbox_account, idempotency_key=key(), now=NOW)

    current = selectors.history_page(account=account)
    earlier = selectors.history_page(account=account, season=1)

    assert [e.kind for e in current.entries] == ["deposit"]
    assert [e.kind for e in earlier.entries] == ["reset", "reward", "deposit"]
    assert current.seasons == [1, 2]


# --- market --------------------------------------------------------------------------


def test_it_snapshots_every_symbol_at_the_accounts_clock(sandbox_account):
    account = services.clock_fast_forward(
        account=sandbox_account, hours=1, idempotency_key=key(), now=NOW
    ).account
    minute = pricing.minute_of(NOW) + 60

    snapshots = selectors.market_snapshot(account=account, minute=minute)

    assert [s.symbol for s in snapshots] == list(pricing.SYMBOLS)
    btc = snapshots[0]
    seed = settings.MARKET_SEED
    assert btc.index_price == pricing.index_price("BTCUSDT", minute, seed=seed)
    assert len(btc.venues) == 3
    assert sum(v.weight for v in btc.venues if not v.excluded) == pytest.approx(
        Decimal(1), abs=Decimal("0.001")
    )
    before = pricing.index_price("BTCUSDT", minute - 1440, seed=seed)
    expected = ((btc.index_price - before) * 100 / before).quantize(Decimal("0.01"))
    assert btc.change_24h_percent == expected


def test_it_draws_a_price_series_ending_at_the_given_minute(db):
    end = pricing.minute_of(NOW)

    points = selectors.price_series(symbol="ETHUSDT", end_minute=end, hours=24, step_minutes=15)

    assert len(points) == 97
    assert points[-1] == (
        pricing.datetime_of(end),
        pricing.index_price("ETHUSDT", end, seed=settings.MARKET_SEED),
    )
    assert points[0][0] == pricing.datetime_of(end) - timedelta(hours=24)
