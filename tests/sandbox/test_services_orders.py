"""order_place / order_cancel: spot trading rules, fees, reservations, idempotency.

Prices are pinned with ``fixed_prices`` (BTC 50,000, BNB 500) so amounts are exact.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from sandbox import services
from sandbox.errors import (
    InsufficientBalance,
    InvalidOrder,
    OrderNotOpen,
    OrderTooSmall,
    SandboxError,
)
from sandbox.ledger import balances_of
from sandbox.models import (
    Account,
    Fill,
    LedgerTransaction,
    OperationKey,
    Order,
    Posting,
    SandboxSettings,
    SystemCode,
    TransactionKind,
)
from tests.sandbox.factories import NOW, key

pytestmark = pytest.mark.usefixtures("fixed_prices")


def spot(account: Account, asset: str) -> Decimal:
    return balances_of(account).get(("spot", asset), Decimal(0))


def locked(account: Account, asset: str) -> Decimal:
    return balances_of(account).get(("spot_locked", asset), Decimal(0))


def place(account: Account, **kwargs) -> Order:
    kwargs.setdefault("idempotency_key", key())
    kwargs.setdefault("now", NOW)
    return services.order_place(account=account, **kwargs)


def system_total(code: str, asset: str) -> Decimal:
    rows = Posting.objects.filter(account__system_code=code, asset=asset)
    return sum((p.amount for p in rows), Decimal(0))


# --- market orders -------------------------------------------------------------------


def test_it_buys_at_the_index_price_and_takes_the_fee_in_the_bought_asset(sandbox_account):
    order = place(
        sandbox_account, symbol="BTCUSDT", side="buy", order_type="market", quantity=Decimal("0.1")
    )

    assert order.status == "filled"
    assert order.fill_price == Decimal("50000.00")
    assert order.fee == Decimal("0.0001")
    assert order.fee_asset == "BTC"
    assert spot(sandbox_account, "USDT") == Decimal("5000")
    assert spot(sandbox_account, "BTC") == Decimal("0.0999")
    assert system_total(SystemCode.MARKET, "USDT") == Decimal("5000")
    assert system_total(SystemCode.MARKET, "BTC") == Decimal("-0.1")
    assert system_total(SystemCode.FEE_INCOME, "BTC") == Decimal("0.0001")


def test_it_sells_at_the_index_price_and_takes_the_fee_in_usdt(sandbox_account, fixed_prices):
    place(
        sandbox_account, symbol="BTCUSDT", side="buy", order_type="market", quantity=Decimal("0.1")
    )
    fixed_prices["BTCUSDT"] = Decimal("52000.00")

    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="sell",
        order_type="market",
        quantity=Decimal("0.05"),
    )

    fill = Fill.objects.get(order=order)
    assert fill.price == Decimal("52000.00")
    assert fill.quote_amount == Decimal("2600")
    assert fill.fee == Decimal("2.6")
    assert fill.fee_asset == "USDT"
    assert spot(sandbox_account, "BTC") == Decimal("0.0499")
    assert spot(sandbox_account, "USDT") == Decimal("7597.4")


def test_it_sizes_a_usdt_amount_down_to_8_places_so_it_never_spends_more(
    sandbox_account, fixed_prices
):
    fixed_prices["BTCUSDT"] = Decimal("30000.00")

    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quote_amount=Decimal("100"),
    )

    # 100 / 30,000 = 0.003333333…, rounded down.
    assert order.quantity == Decimal("0.00333333")
    assert order.fill.quote_amount == Decimal("99.9999")
    assert spot(sandbox_account, "USDT") == Decimal("9900.0001")


def test_it_rounds_a_quantity_down_to_8_places(sandbox_account):
    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quantity=Decimal("0.001234567899"),
    )

    assert order.quantity == Decimal("0.00123456")


def test_it_writes_one_balanced_trade_transaction(sandbox_account):
    order = place(
        sandbox_account, symbol="ETHUSDT", side="buy", order_type="market", quantity=Decimal("1")
    )

    tx = LedgerTransaction.objects.get(order=order)
    assert tx.kind == TransactionKind.TRADE
    assert tx.memo == "Bought 1 ETH at 2,500.00 USDT (fee 0.001 ETH)"
    per_asset: dict[str, Decimal] = {}
    for posting in tx.postings.all():
        per_asset[posting.asset] = per_asset.get(posting.asset, Decimal(0)) + posting.amount
    assert per_asset == {"USDT": Decimal(0), "ETH": Decimal(0)}


# --- BNB fees ------------------------------------------------------------------------


def bnb_fees_on(account: Account) -> None:
    services.settings_update(account=account, use_bnb_for_fees=True, idempotency_key=key(), now=NOW)


def test_it_charges_0_075_percent_in_bnb_when_asked_and_bnb_is_there(sandbox_account):
    place(sandbox_account, symbol="BNBUSDT", side="buy", order_type="market", quantity=Decimal("1"))
    bnb_fees_on(sandbox_account)

    order = place(
        sandbox_account, symbol="BTCUSDT", side="buy", order_type="market", quantity=Decimal("0.1")
    )

    # 5,000 USDT × 0.075% = 3.75 USDT = 0.0075 BNB at 500.
    assert (order.fee, order.fee_asset) == (Decimal("0.0075"), "BNB")
    assert order.fill.bnb_fee_fallback is False
    assert spot(sandbox_account, "BTC") == Decimal("0.1")
    assert spot(sandbox_account, "BNB") == Decimal("0.9915")


def test_it_falls_back_to_the_normal_fee_without_enough_bnb(sandbox_account):
    bnb_fees_on(sandbox_account)

    order = place(
        sandbox_account, symbol="BTCUSDT", side="buy", order_type="market", quantity=Decimal("0.1")
    )

    assert (order.fee, order.fee_asset) == (Decimal("0.0001"), "BTC")
    assert order.fill.bnb_fee_fallback is True
    assert order.note == (
        "Not enough BNB in your Spot wallet to pay the fee in BNB, so the normal 0.1% fee "
        "was taken in BTC."
    )


def test_it_does_not_pay_bnb_fees_with_bnb_reserved_by_an_order(sandbox_account):
    place(sandbox_account, symbol="BNBUSDT", side="buy", order_type="market", quantity=Decimal("1"))
    place(
        sandbox_account,
        symbol="BNBUSDT",
        side="sell",
        order_type="limit",
        quantity=Decimal("0.999"),
        limit_price=Decimal("900.00"),
    )
    bnb_fees_on(sandbox_account)

    order = place(
        sandbox_account, symbol="BTCUSDT", side="buy", order_type="market", quantity=Decimal("0.1")
    )

    assert order.fee_asset == "BTC"


# --- limit orders --------------------------------------------------------------------


def test_it_reserves_usdt_for_a_resting_limit_buy(sandbox_account):
    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.1"),
        limit_price=Decimal("40000.00"),
    )

    assert order.status == "open"
    assert (order.reserved_asset, order.reserved_amount) == ("USDT", Decimal("4000"))
    assert spot(sandbox_account, "USDT") == Decimal("6000")
    assert locked(sandbox_account, "USDT") == Decimal("4000")
    hold = LedgerTransaction.objects.get(order=order)
    assert hold.kind == TransactionKind.ORDER_HOLD
    assert hold.memo == ("Limit buy 0.1 BTC at 40,000.00 USDT placed; reserved 4,000.00 USDT")


def test_it_reserves_the_base_asset_for_a_resting_limit_sell(sandbox_account):
    place(
        sandbox_account, symbol="BTCUSDT", side="buy", order_type="market", quantity=Decimal("0.1")
    )

    place(
        sandbox_account,
        symbol="BTCUSDT",
        side="sell",
        order_type="limit",
        quantity=Decimal("0.05"),
        limit_price=Decimal("60000.00"),
    )

    assert spot(sandbox_account, "BTC") == Decimal("0.0499")
    assert locked(sandbox_account, "BTC") == Decimal("0.05")


def test_it_sizes_a_limit_order_in_usdt_at_the_limit_price(sandbox_account):
    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quote_amount=Decimal("1000"),
        limit_price=Decimal("40000.00"),
    )

    assert order.quantity == Decimal("0.025")
    assert order.reserved_amount == Decimal("1000")


def test_it_fills_a_limit_order_the_market_has_already_crossed_at_the_index(sandbox_account):
    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.1"),
        limit_price=Decimal("55000.00"),
    )

    assert order.status == "filled"
    assert order.fill_price == Decimal("50000.00")
    assert order.reserved_amount == Decimal(0)
    assert spot(sandbox_account, "USDT") == Decimal("5000")
    assert locked(sandbox_account, "USDT") == Decimal(0)


def test_it_cancels_an_open_order_and_releases_the_reservation(sandbox_account):
    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.1"),
        limit_price=Decimal("40000.00"),
    )

    cancelled = services.order_cancel(
        account=sandbox_account, order_id=order.pk, idempotency_key=key(), now=NOW
    )

    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_at is not None
    assert spot(sandbox_account, "USDT") == Decimal("10000")
    assert locked(sandbox_account, "USDT") == Decimal(0)
    release = LedgerTransaction.objects.get(order=order, kind=TransactionKind.ORDER_RELEASE)
    assert release.memo == (
        "Cancelled: limit buy 0.1 BTC at 40,000.00 USDT; released 4,000.00 USDT"
    )


def test_it_refuses_to_cancel_twice(sandbox_account):
    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.1"),
        limit_price=Decimal("40000.00"),
    )
    services.order_cancel(
        account=sandbox_account, order_id=order.pk, idempotency_key=key(), now=NOW
    )

    with pytest.raises(OrderNotOpen) as error:
        services.order_cancel(
            account=sandbox_account, order_id=order.pk, idempotency_key=key(), now=NOW
        )

    assert error.value.message == "This order is no longer open."


def test_it_refuses_to_cancel_an_order_the_market_filled_meanwhile(sandbox_account, fixed_prices):
    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.1"),
        limit_price=Decimal("40000.00"),
    )
    fixed_prices["BTCUSDT"] = Decimal("39000.00")

    with pytest.raises(OrderNotOpen):
        services.order_cancel(
            account=sandbox_account,
            order_id=order.pk,
            idempotency_key=key(),
            now=NOW + timedelta(minutes=2),
        )

    # A refused service changes nothing, its catch-up included; the next sync (every page
    # does one) records the fill, at the minute the price crossed.
    order.refresh_from_db()
    assert order.status == "open"
    services.account_sync(user=sandbox_account.user, now=NOW + timedelta(minutes=2))
    order.refresh_from_db()
    assert order.status == "filled"
    assert order.fill_price == Decimal("40000.00")
    assert order.filled_minute == order.placed_minute + 1


def test_it_refuses_to_cancel_another_learners_order(sandbox_account, other_sandbox_account):
    theirs = place(
        other_sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.1"),
        limit_price=Decimal("40000.00"),
    )

    with pytest.raises(OrderNotOpen):
        services.order_cancel(
            account=sandbox_account, order_id=theirs.pk, idempotency_key=key(), now=NOW
        )

    theirs.refresh_from_db()
    assert theirs.status == "open"


# --- refusals ------------------------------------------------------------------------


def test_it_refuses_to_overspend_with_an_exact_message_and_changes_nothing(sandbox_account):
    before = (
        LedgerTransaction.objects.count(),
        Order.objects.count(),
        balances_of(sandbox_account),
    )

    with pytest.raises(InsufficientBalance) as error:
        place(
            sandbox_account,
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quantity=Decimal("0.3"),
        )

    assert error.value.message == (
        "Insufficient USDT in your Spot wallet: 10,000.00 available, 15,000.00 needed"
    )
    after = (LedgerTransaction.objects.count(), Order.objects.count(), balances_of(sandbox_account))
    assert after == before


def test_it_refuses_to_sell_what_the_learner_does_not_hold(sandbox_account):
    place(
        sandbox_account, symbol="BTCUSDT", side="buy", order_type="market", quantity=Decimal("0.1")
    )

    with pytest.raises(InsufficientBalance) as error:
        place(
            sandbox_account,
            symbol="BTCUSDT",
            side="sell",
            order_type="limit",
            quantity=Decimal("0.2"),
            limit_price=Decimal("60000.00"),
        )

    assert error.value.message == (
        "Insufficient BTC in your Spot wallet: 0.0999 available, 0.2 needed"
    )


def test_it_does_not_count_reserved_funds_as_available(sandbox_account):
    place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.15"),
        limit_price=Decimal("40000.00"),
    )

    with pytest.raises(InsufficientBalance) as error:
        place(
            sandbox_account,
            symbol="ETHUSDT",
            side="buy",
            order_type="market",
            quote_amount=Decimal("5000"),
        )

    assert error.value.message == (
        "Insufficient USDT in your Spot wallet: 4,000.00 available, 5,000.00 needed"
    )


def test_it_refuses_an_order_below_10_usdt(sandbox_account):
    with pytest.raises(OrderTooSmall) as error:
        place(
            sandbox_account,
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quantity=Decimal("0.000084"),
        )

    assert error.value.message == "Minimum order value is 10 USDT; this order is worth 4.20 USDT"
    assert not Order.objects.exists()


def test_it_accepts_an_order_of_exactly_10_usdt(sandbox_account):
    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quote_amount=Decimal("10"),
    )

    assert order.fill.quote_amount == Decimal("10")


def test_it_accepts_a_10_usdt_buy_although_its_quantity_rounds_down(sandbox_account, fixed_prices):
    # SPEC §6.5: an order sized in USDT counts the amount asked for. 10 USDT at 60,000
    # buys 0.00016666 BTC (rounded down), worth 9.9996 USDT - still a 10 USDT order.
    fixed_prices["BTCUSDT"] = Decimal("60000.00")

    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quote_amount=Decimal("10"),
    )

    assert order.status == "filled"
    assert order.quantity == Decimal("0.00016666")
    assert order.fill.quote_amount == Decimal("9.99960000")
    assert spot(sandbox_account, "USDT") == Decimal("9990.0004")


def test_it_refuses_a_usdt_sized_order_below_10_usdt_by_the_amount_asked(
    sandbox_account, fixed_prices
):
    fixed_prices["BTCUSDT"] = Decimal("60000.00")

    with pytest.raises(OrderTooSmall) as error:
        place(
            sandbox_account,
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quote_amount=Decimal("9.99"),
        )

    assert error.value.message == "Minimum order value is 10 USDT; this order is worth 9.99 USDT"
    assert not Order.objects.exists()


def test_it_refuses_a_usdt_amount_that_buys_nothing_at_its_limit(sandbox_account):
    with pytest.raises(OrderTooSmall) as error:
        place(
            sandbox_account,
            symbol="BTCUSDT",
            side="buy",
            order_type="limit",
            quote_amount=Decimal("10"),
            limit_price=Decimal("1000000000000000"),
        )

    assert error.value.message == (
        "At this price, 10.00 USDT buys less than the smallest quantity of BTC (0.00000001); "
        "raise the amount."
    )
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"symbol": "DOGEUSDT", "side": "buy", "order_type": "market", "quantity": Decimal(1)},
            "Choose one of these symbols: BTCUSDT, ETHUSDT, BNBUSDT, USDCUSDT.",
        ),
        (
            {"symbol": "BTCUSDT", "side": "hodl", "order_type": "market", "quantity": Decimal(1)},
            "Choose buy or sell.",
        ),
        (
            {"symbol": "BTCUSDT", "side": "buy", "order_type": "stop", "quantity": Decimal(1)},
            "Choose a market or a limit order.",
        ),
        (
            {"symbol": "BTCUSDT", "side": "buy", "order_type": "limit", "quantity": Decimal(1)},
            "A limit order needs a limit price.",
        ),
        (
            {"symbol": "BTCUSDT", "side": "buy", "order_type": "market"},
            "Enter an amount in BTC or an amount in USDT.",
        ),
        (
            {
                "symbol": "BTCUSDT",
                "side": "buy",
                "order_type": "market",
                "quantity": Decimal(1),
                "quote_amount": Decimal(100),
            },
            "Enter either an amount in BTC or an amount in USDT, not both.",
        ),
        (
            {"symbol": "BTCUSDT", "side": "buy", "order_type": "market", "quantity": Decimal(-1)},
            "The BTC amount must be more than zero.",
        ),
        (
            {"symbol": "BTCUSDT", "side": "buy", "order_type": "market", "quantity": 0.1},
            "The BTC amount must be a number.",
        ),
        (
            {
                "symbol": "BTCUSDT",
                "side": "buy",
                "order_type": "market",
                "quantity": Decimal("NaN"),
            },
            "The BTC amount must be more than zero.",
        ),
        (
            {
                "symbol": "BTCUSDT",
                "side": "buy",
                "order_type": "limit",
                "quantity": Decimal(1),
                "limit_price": Decimal("40000.005"),
            },
            "Limit prices for BTCUSDT go in steps of 0.01 USDT.",
        ),
        (
            {
                "symbol": "BTCUSDT",
                "side": "buy",
                "order_type": "market",
                "quantity": Decimal(1),
                "limit_price": Decimal("40000"),
            },
            "A market order fills at the market price; leave the limit price empty.",
        ),
        (
            {
                "symbol": "BTCUSDT",
                "side": "buy",
                "order_type": "market",
                "quantity": Decimal("1E20"),
            },
            "The BTC amount is too large.",
        ),
    ],
)
def test_it_rejects_malformed_orders(sandbox_account, kwargs, message):
    with pytest.raises(InvalidOrder) as error:
        place(sandbox_account, **kwargs)

    assert error.value.message == message
    assert not Order.objects.exists()


def test_it_refuses_a_missing_idempotency_key(sandbox_account):
    with pytest.raises(SandboxError) as error:
        place(
            sandbox_account,
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quantity=Decimal("0.1"),
            idempotency_key="",
        )

    assert error.value.message == "This form has expired. Reload the page and try again."


# --- idempotency ---------------------------------------------------------------------


def test_it_applies_a_double_submitted_order_once(sandbox_account):
    form_key = key()
    first = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quantity=Decimal("0.1"),
        idempotency_key=form_key,
    )
    second = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quantity=Decimal("0.1"),
        idempotency_key=form_key,
    )

    assert second.pk == first.pk
    assert Order.objects.count() == 1
    assert spot(sandbox_account, "USDT") == Decimal("5000")
    assert OperationKey.objects.filter(key=form_key).count() == 1


def test_it_applies_a_double_submitted_cancel_once(sandbox_account):
    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.1"),
        limit_price=Decimal("40000.00"),
    )
    form_key = key()

    first = services.order_cancel(
        account=sandbox_account, order_id=order.pk, idempotency_key=form_key, now=NOW
    )
    second = services.order_cancel(
        account=sandbox_account, order_id=order.pk, idempotency_key=form_key, now=NOW
    )

    assert first.pk == second.pk == order.pk
    assert LedgerTransaction.objects.filter(kind=TransactionKind.ORDER_RELEASE).count() == 1


def test_it_lets_the_learner_retry_a_refused_order_with_the_same_key(sandbox_account):
    form_key = key()
    with pytest.raises(InsufficientBalance):
        place(
            sandbox_account,
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quantity=Decimal("0.3"),
            idempotency_key=form_key,
        )

    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quantity=Decimal("0.1"),
        idempotency_key=form_key,
    )

    assert order.status == "filled"


def test_it_refuses_a_key_reused_for_another_action(sandbox_account):
    form_key = key()
    place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quantity=Decimal("0.1"),
        idempotency_key=form_key,
    )

    with pytest.raises(SandboxError) as error:
        services.clock_fast_forward(
            account=sandbox_account, hours=1, idempotency_key=form_key, now=NOW
        )

    assert "already used" in error.value.message
    assert Account.objects.get(pk=sandbox_account.pk).clock_offset_seconds == 0


def test_it_uses_the_fee_setting_at_fill_time(sandbox_account, fixed_prices):
    place(sandbox_account, symbol="BNBUSDT", side="buy", order_type="market", quantity=Decimal("1"))
    order = place(
        sandbox_account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.1"),
        limit_price=Decimal("40000.00"),
    )
    bnb_fees_on(sandbox_account)
    fixed_prices["BTCUSDT"] = Decimal("39000.00")

    services.account_sync(user=sandbox_account.user, now=NOW + timedelta(minutes=1))

    order.refresh_from_db()
    # 4,000 USDT × 0.075% = 3 USDT = 0.006 BNB.
    assert (order.fee, order.fee_asset) == (Decimal("0.006"), "BNB")
    assert SandboxSettings.objects.get(account=sandbox_account).use_bnb_for_fees
