"""Cross Margin scenarios on the real market path with scripted events (SPEC §6.4, §6.6).

A 3x long is pushed down by ``ScenarioEvent``s; every minute the engine acts at is
checked against ``Reference`` - the margin level valued minute by minute with
``pricing.index_price`` - and the numbers against the calculators' API. The ledger audit
runs after each test (tests/conftest.py).
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from calculators.formulas import quantize8, trade_value
from notifications.models import Notification
from sandbox import pricing
from sandbox.cross import cross_snapshot, threshold_price
from sandbox.ledger import balances_of
from sandbox.models import (
    Account,
    InterestCharge,
    LedgerTransaction,
    Liquidation,
    Order,
    OrderSide,
    OrderStatus,
    Posting,
    SystemCode,
    TransactionKind,
    Wallet,
)
from sandbox.operations.liquidation import LIQUIDATION_FEE_RATE
from tests.sandbox.factories import NOW, ScenarioEventFactory
from tests.sandbox.margin_setup import (
    Reference,
    at_minute,
    borrow_now,
    cross_limit,
    cross_market,
    cross_market_buy,
    refresh,
    set_settings,
    spot_buy,
    to_cross,
)

D = Decimal
pytestmark = pytest.mark.django_db
T0 = pricing.minute_of(NOW)
BTC = "BTCUSDT"


def index(symbol: str, minute: int) -> Decimal:
    from sandbox.market import load_market

    return pricing.index_price(symbol, minute, load_market().events, seed=settings.MARKET_SEED)


def prices_at(minute: int) -> dict[str, Decimal]:
    return {symbol: index(symbol, minute) for symbol in pricing.SYMBOLS}


def long_3x(account: Account) -> None:
    """1,000 USDT of the learner's own, 2,000 USDT borrowed, 3,000 USDT of BTC bought."""
    to_cross(account, "USDT", D(1000), now=NOW)
    borrow_now(account, "USDT", D(2000), now=NOW)
    cross_market_buy(account, BTC, D(3000), now=NOW)


def crash(minutes_after: int, duration: int, move: str, symbol: str = BTC):
    return ScenarioEventFactory(
        symbol=symbol,
        start=NOW + timedelta(minutes=minutes_after),
        duration_minutes=duration,
        move_percent=D(move),
    )


def notifications(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).order_by("id"))


def level_now(account: Account, minute: int) -> Decimal:
    return cross_snapshot(
        balances_of(Account.objects.get(pk=account.pk)), prices_at(minute), margin_kind="cross3x"
    ).margin_level


def system_balance(code: str, asset: str = "USDT") -> Decimal:
    return sum(
        (
            p.amount
            for p in Posting.objects.filter(
                account__system_code=code, asset=asset, wallet=Wallet.SPOT
            )
        ),
        D(0),
    )


def test_margin_call_then_auto_top_up_then_a_gap_liquidates(sandbox_account, client):
    account = sandbox_account
    spot_buy(account, "USDCUSDT", D(1000), now=NOW)
    long_3x(account)
    set_settings(account, auto_topup_enabled=True, auto_topup_assets=["USDC"])
    crash(60, 240, "-20")
    gap = crash(600, 0, "-28")
    reference = Reference(account)
    called = reference.first_at_or_below(D("1.3"), T0 + 1, T0 + 600)
    assert called is not None and T0 + 60 < called < T0 + 300

    # 1. The margin call and the auto top-up, at the first minute ML ≤ 1.3.
    account = refresh(account, at_minute(called))
    (call,) = notifications("margin_call")
    assert call.sandbox_time == pricing.datetime_of(called)
    assert call.link == "/sandbox/margin/"
    (top_up,) = LedgerTransaction.objects.filter(kind=TransactionKind.AUTO_TOP_UP)
    assert top_up.minute == called
    (moved,) = top_up.postings.filter(wallet=Wallet.CROSS)
    assert moved.asset == "USDC"
    restored = level_now(account, called)
    # The least that reaches the target (amounts are whole satoshis).
    assert D("1.5") <= restored < D("1.50000001")
    (topped,) = notifications("auto_top_up")
    assert topped.sandbox_time == pricing.datetime_of(called)

    # 2. No second top-up: the gap takes the level from above 1.3 straight past 1.1.
    after_top_up = Reference(account)
    liquidated_at = after_top_up.first_at_or_below(D("1.3"), called + 1, T0 + 1440)
    assert liquidated_at == pricing.minute_of(gap.start)
    assert Reference(account).level(liquidated_at - 1) > D("1.3")
    before = Reference(account)
    before.first_at_or_below(D(0), called + 1, liquidated_at - 1)  # interest up to then
    if liquidated_at % 60 == 0:
        before.charge_hour()  # fills → interest → margin check, within the minute
    expected_level = before.level(liquidated_at)

    account = refresh(account, NOW + timedelta(hours=12))

    assert LedgerTransaction.objects.filter(kind=TransactionKind.AUTO_TOP_UP).count() == 1
    (liquidation,) = Liquidation.objects.all()
    assert liquidation.trigger_minute == liquidated_at
    assert liquidation.trigger_time == pricing.datetime_of(liquidated_at)
    # (SQLite keeps 15 significant digits of the stored level; PostgreSQL all 20 places.)
    assert quantize8(liquidation.margin_level) == quantize8(expected_level)
    assert liquidation.margin_level <= D("1.1")
    prices = prices_at(liquidated_at)
    assert liquidation.prices == {s: f"{p:f}" for s, p in sorted(prices.items())}

    # 3. The report's numbers: each sale at the index, 2 % fee, what was kept.
    sales = list(liquidation.sales.order_by("id"))
    assert [s.side for s in sales] == [OrderSide.SELL] * len(sales)
    for sale in sales:
        assert sale.price == prices[sale.symbol]
        assert sale.value == trade_value(quantity=sale.quantity, price=sale.price)
        assert sale.fee == quantize8(sale.value * LIQUIDATION_FEE_RATE)
    assert sales[0].symbol == BTC
    assert liquidation.fee == sum(s.fee for s in sales)
    assert liquidation.sold_value == sum(s.value for s in sales)
    assert liquidation.insurance_cover == 0
    snapshot = cross_snapshot(balances_of(account), prices, margin_kind="cross3x")
    # It stopped as soon as the level was back above 1.5 (the learner keeps the rest).
    assert liquidation.margin_level_after > D("1.5")
    after_tx = (
        LedgerTransaction.objects.filter(minute__gt=liquidated_at).exclude(kind="interest").count()
    )
    assert after_tx == 0
    interest_after = sum(
        (
            p.amount
            for p in Posting.objects.filter(
                transaction__kind="interest",
                transaction__minute__gt=liquidated_at,
                account=account,
                wallet=Wallet.CROSS_INTEREST,
            )
        ),
        D(0),
    )
    assert liquidation.kept_value == snapshot.equity + interest_after
    fund = system_balance(SystemCode.INSURANCE_FUND)
    assert fund == liquidation.fee

    (note,) = notifications("liquidation")
    assert note.link == f"/sandbox/margin/liquidations/{liquidation.pk}/"
    assert note.sandbox_time == pricing.datetime_of(liquidated_at)

    # 4. The calculators agree: the margin level at the trigger, to the digit.
    response = client.get(
        "/api/calculators/margin-level/",
        {
            "total_assets": f"{liquidation.total_assets_before:f}",
            "total_liabilities": f"{liquidation.debt_before:f}",
        },
    )
    assert D(response.json()["results"]["margin_level"]) == quantize8(liquidation.margin_level)
    assert response.json()["results"]["state"] == "liquidation"
    # The chart's path ends at the trigger.
    assert liquidation.path[-1] == [liquidated_at, f"{quantize8(liquidation.margin_level):f}"]
    assert all(point[0] < liquidated_at for point in liquidation.path[:-1])


def test_a_slow_crash_liquidates_at_the_first_minute_at_the_calculators_price(
    sandbox_account, client
):
    account = sandbox_account
    long_3x(account)
    crash(60, 600, "-35")
    reference = Reference(account)
    called = reference.first_at_or_below(D("1.3"), T0 + 1, T0 + 1440)
    liquidated_at = reference.first_at_or_below(D("1.1"), called, T0 + 1440)
    assert called < liquidated_at

    account = refresh(account, NOW + timedelta(hours=24))

    assert [n.sandbox_time for n in notifications("margin_call")] == [pricing.datetime_of(called)]
    (liquidation,) = Liquidation.objects.all()
    assert liquidation.trigger_minute == liquidated_at
    # The calculator's liquidation price for the account's numbers at that minute: the
    # index reached it at the trigger minute, not the minute before.
    btc = reference.held["BTC"]
    debt = reference.principal["USDT"] + reference.interest["USDT"]
    response = client.get(
        "/api/calculators/margin-liquidation-price/",
        {
            "base_quantity": f"{btc:f}",
            "quote_quantity": f"{reference.held['USDT']:f}",
            "base_liability": "0",
            "quote_liability": f"{debt:f}",
        },
    )
    price = D(response.json()["results"]["liquidation_price"])
    assert index(BTC, liquidated_at) <= price < index(BTC, liquidated_at - 1)
    assert D(liquidation.prices[BTC]) == index(BTC, liquidated_at)
    # The engine's own threshold price (the margin page's) is the calculator's, to 8 places.
    amounts = {
        (Wallet.CROSS, "BTC"): btc,
        (Wallet.CROSS, "USDT"): reference.held["USDT"],
        (Wallet.CROSS_DEBT, "USDT"): reference.principal["USDT"],
        (Wallet.CROSS_INTEREST, "USDT"): reference.interest["USDT"],
    }
    snapshot = cross_snapshot(amounts, prices_at(liquidated_at), margin_kind="cross3x")
    assert quantize8(threshold_price(snapshot, "BTC", D("1.1"))) == price


def test_a_margin_call_is_repeated_every_24_hours_while_it_lasts(sandbox_account):
    account = sandbox_account
    long_3x(account)
    crash(60, 120, "-18")
    end = T0 + 3 * 1440
    reference = Reference(account)
    assert Reference(account).first_at_or_below(D("1.1"), T0 + 1, end) is None
    expected = []
    start = T0 + 1
    while (found := reference.first_at_or_below(D("1.3"), start, end)) is not None:
        expected.append(found)
        reference.first_at_or_below(D(0), found + 1, min(found + 1439, end))
        start = found + 1440
    assert len(expected) >= 2

    refresh(account, NOW + timedelta(days=3))

    calls = notifications("margin_call")
    assert [n.sandbox_time for n in calls] == [pricing.datetime_of(m) for m in expected]
    assert all(b - a >= 1440 for a, b in itertools.pairwise(expected))


def test_a_margin_call_repeats_also_across_separate_catch_ups(sandbox_account):
    account = sandbox_account
    long_3x(account)
    crash(60, 120, "-18")
    everything = Reference(account)
    first = everything.first_at_or_below(D("1.3"), T0 + 1, T0 + 1440)

    # Hour by hour, as a learner coming back every hour would.
    for hours in range(1, 50):
        account = refresh(account, NOW + timedelta(hours=hours))

    times = [n.sandbox_time for n in notifications("margin_call")]
    assert times[0] == pricing.datetime_of(first)
    assert len(times) >= 2
    assert times[1] - times[0] >= timedelta(hours=24)


def test_the_alert_level_calls_earlier_and_top_up_waits_for_the_margin_call(sandbox_account):
    account = sandbox_account
    spot_buy(account, "USDCUSDT", D(1000), now=NOW)
    long_3x(account)
    set_settings(
        account,
        margin_call_alert_level=D("1.45"),
        auto_topup_enabled=True,
        auto_topup_assets=["USDC"],
    )
    crash(60, 240, "-20")
    reference = Reference(account)
    alert = reference.first_at_or_below(D("1.45"), T0 + 1, T0 + 600)
    called = reference.first_at_or_below(D("1.3"), alert, T0 + 600)
    assert alert < called

    refresh(account, NOW + timedelta(hours=8))

    calls = notifications("margin_call")
    assert calls[0].sandbox_time == pricing.datetime_of(alert)
    (top_up,) = LedgerTransaction.objects.filter(kind=TransactionKind.AUTO_TOP_UP)
    assert top_up.minute == called


def test_a_deficit_is_covered_by_the_insurance_fund(sandbox_account):
    account = sandbox_account
    long_3x(account)
    gap = crash(120, 0, "-60")
    minute = pricing.minute_of(gap.start)
    usdt_left = Reference(account).held["USDT"]  # what buying 3,000 USDT of BTC left

    account = refresh(account, NOW + timedelta(hours=3))

    (liquidation,) = Liquidation.objects.all()
    assert liquidation.trigger_minute == minute
    assert liquidation.total_assets_before < liquidation.debt_before  # equity < 0
    (sale,) = liquidation.sales.all()
    assert (sale.symbol, sale.side) == (BTC, OrderSide.SELL)
    amounts = balances_of(account)
    assert (
        sale.quantity == Reference(account).held["BTC"] + 0 or amounts[(Wallet.CROSS, "BTC")] == 0
    )
    assert amounts[(Wallet.CROSS_DEBT, "USDT")] == 0
    assert amounts[(Wallet.CROSS_INTEREST, "USDT")] == 0
    # What the sale could not repay, the fund wrote off.
    repaid = sale.value - sale.fee + usdt_left
    assert liquidation.insurance_cover == liquidation.debt_before - repaid
    assert liquidation.kept_value == 0
    assert liquidation.margin_level_after is None
    cover = LedgerTransaction.objects.get(kind=TransactionKind.INSURANCE_COVER)
    assert cover.minute == minute
    assert system_balance(SystemCode.INSURANCE_FUND) == sale.fee - liquidation.insurance_cover
    assert all(v >= 0 for v in amounts.values())
    # Afterwards nothing is owed, so nothing more is charged or watched.
    refresh(account, NOW + timedelta(hours=30))
    assert LedgerTransaction.objects.filter(minute__gt=minute, kind="interest").count() == 0


def test_a_short_is_liquidated_by_buying_the_coin_back(sandbox_account):
    account = sandbox_account
    to_cross(account, "USDT", D(1000), now=NOW)
    price = index(BTC, T0)
    borrowed = quantize8(D(2000) / price)
    borrow_now(account, "BTC", borrowed, now=NOW)
    cross_market(account, BTC, OrderSide.SELL, now=NOW, quantity=borrowed)
    crash(60, 600, "35")
    reference = Reference(account)
    liquidated_at = reference.first_at_or_below(D("1.1"), T0 + 1, T0 + 1440)

    account = refresh(account, NOW + timedelta(hours=24))

    (liquidation,) = Liquidation.objects.all()
    assert liquidation.trigger_minute == liquidated_at
    (sale,) = liquidation.sales.all()
    assert (sale.symbol, sale.side) == (BTC, OrderSide.BUY)
    assert sale.fee == quantize8(sale.value * LIQUIDATION_FEE_RATE)
    assert liquidation.margin_level_after > D("1.5")


def test_liquidation_cancels_open_cross_orders_first(sandbox_account):
    account = sandbox_account
    long_3x(account)
    btc = balances_of(account)[(Wallet.CROSS, "BTC")]
    far = (index(BTC, T0) * 2).quantize(D("0.01"))
    order = cross_limit(account, BTC, OrderSide.SELL, btc, far, now=NOW)
    gap = crash(120, 0, "-40")

    account = refresh(account, NOW + timedelta(hours=3))

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    (liquidation,) = Liquidation.objects.all()
    assert liquidation.trigger_minute == pricing.minute_of(gap.start)
    assert balances_of(account)[(Wallet.CROSS_LOCKED, "BTC")] == 0
    assert Order.objects.filter(status=OrderStatus.OPEN).count() == 0


def test_the_cooling_off_end_is_notified_once(sandbox_account):
    account = sandbox_account
    until = NOW + timedelta(days=1)
    set_settings(account, cooling_off_until=until)

    refresh(account, NOW + timedelta(hours=24))
    assert notifications("cooling_off_ended") == []

    refresh(account, NOW + timedelta(hours=25))
    refresh(account, NOW + timedelta(hours=30))
    (ended,) = notifications("cooling_off_ended")
    # 12:00:30 + 1 day: over at the start of the next minute.
    assert ended.sandbox_time == pricing.datetime_of(pricing.minute_of(until) + 1)
    assert ended.user == account.user


def test_nothing_happens_without_debt(sandbox_account):
    account = sandbox_account
    spot_buy(account, BTC, D(3000), now=NOW)
    crash(60, 0, "-60")

    refresh(account, NOW + timedelta(hours=3))

    assert Notification.objects.count() == 0
    assert Liquidation.objects.count() == 0


def test_week_sized_price_chunks_find_the_same_minute(sandbox_account, monkeypatch):
    from sandbox import engine

    monkeypatch.setattr(engine.core, "CHUNK_MINUTES", 97)
    account = sandbox_account
    long_3x(account)
    crash(60, 600, "-35")
    reference = Reference(account)
    liquidated_at = reference.first_at_or_below(D("1.1"), T0 + 1, T0 + 1440)

    refresh(account, NOW + timedelta(hours=24))

    (liquidation,) = Liquidation.objects.all()
    assert liquidation.trigger_minute == liquidated_at


def test_the_limit_rule_never_fills_an_order_a_liquidation_cancelled(sandbox_account):
    from sandbox.engine.core import CatchUp
    from sandbox.engine.limit_orders import LimitOrderFills
    from sandbox.operations.session import Session

    to_cross(sandbox_account, "USDT", D(100), now=NOW)
    order = cross_limit(sandbox_account, BTC, OrderSide.BUY, D("0.001"), D("10000.00"), now=NOW)
    run = CatchUp(session=Session(sandbox_account), start=T0 + 1, end=T0 + 60)
    rule = LimitOrderFills()
    rule.pending = [(T0 + 5, order.pk, order)]
    assert rule.next_minute(run, T0 + 1) == T0 + 5

    run.cancelled_orders.add(order.pk)

    assert rule.next_minute(run, T0 + 1) is None


def test_cross_5x_calls_at_1_16_and_recovers_to_1_25(sandbox_account):
    account = sandbox_account
    set_settings(account, margin_kind="cross5x")
    to_cross(account, "USDT", D(1000), now=NOW)
    borrow_now(account, "USDT", D(4000), now=NOW)
    cross_market_buy(account, BTC, D(5000), now=NOW)
    crash(60, 600, "-15")
    reference = Reference(account)
    called = reference.first_at_or_below(D("1.16"), T0 + 1, T0 + 1440)
    liquidated_at = reference.first_at_or_below(D("1.1"), called, T0 + 1440)

    refresh(account, NOW + timedelta(hours=24))

    first_call = notifications("margin_call")[0]
    assert first_call.sandbox_time == pricing.datetime_of(called)
    (liquidation,) = Liquidation.objects.all()
    assert liquidation.trigger_minute == liquidated_at
    assert liquidation.margin_kind == "cross5x"
    assert D("1.25") < liquidation.margin_level_after < D("1.26")


def test_with_bnb_paid_interest_the_watch_still_finds_the_first_minute(sandbox_account):
    account = sandbox_account
    spot_buy(account, "BNBUSDT", D(200), now=NOW)
    to_cross(account, "BNB", balances_of(account)[(Wallet.SPOT, "BNB")], now=NOW)
    set_settings(account, use_bnb_for_interest=True)
    long_3x(account)
    crash(60, 900, "-40")
    reference = Reference(account, bnb_interest=True)
    liquidated_at = reference.first_at_or_below(D("1.1"), T0 + 1, T0 + 1440)
    assert liquidated_at is not None

    refresh(account, NOW + timedelta(hours=24))

    (liquidation,) = Liquidation.objects.all()
    assert liquidation.trigger_minute == liquidated_at
    paid = InterestCharge.objects.filter(
        source="hourly", paid_asset="BNB", minute__lte=liquidated_at
    )
    assert paid.count() == (liquidated_at - T0) // 60


def test_no_auto_top_up_during_a_cooling_off_period(sandbox_account):
    account = sandbox_account
    spot_buy(account, "USDCUSDT", D(1000), now=NOW)
    long_3x(account)
    set_settings(
        account,
        auto_topup_enabled=True,
        auto_topup_assets=["USDC"],
        cooling_off_until=NOW + timedelta(days=1),
    )
    crash(60, 240, "-20")
    called = Reference(account).first_at_or_below(D("1.3"), T0 + 1, T0 + 600)

    refresh(account, NOW + timedelta(hours=8))

    # The margin call is sent; the transfer into margin is not made.
    assert notifications("margin_call")[0].sandbox_time == pricing.datetime_of(called)
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.AUTO_TOP_UP).exists()


def test_notifications_are_written_in_the_learners_stored_language(sandbox_account):
    """The engine raises a margin call wherever it runs (a sweep, another request in
    English): the learner reads it in the language they chose."""
    from accounts.models import LearnerPreferences

    account = sandbox_account
    LearnerPreferences.objects.create(user=account.user, language="pl")
    long_3x(account)
    crash(60, 120, "-18")

    refresh(account, NOW + timedelta(days=1))  # runs in English (the tests' language)

    call = notifications("margin_call")[0]
    assert call.title.startswith("Wezwanie do uzupełnienia depozytu")
    assert "," in call.title  # the level with a decimal comma, e.g. 1,29
