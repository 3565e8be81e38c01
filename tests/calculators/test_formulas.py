"""The formulas every calculator and the sandbox share: published check values, hand-worked
examples, and properties that must hold for any input."""

from __future__ import annotations

import json
from decimal import Decimal, DivisionByZero, localcontext
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from calculators import formulas, instruments
from calculators.formulas import (
    BRACKETS,
    FUTURES_SYMBOLS,
    MARGIN_KINDS,
    STATE_ADVICE,
    STATES,
    Bracket,
    CalculatorInputError,
    average_price_value,
    bracket_for_notional,
    charged_hours,
    fixed_bracket,
    hourly_rate_from_yearly,
    initial_margin_value,
    liquidation_price_in_bracket,
    liquidation_price_value,
    maintenance_margin,
    margin_level_value,
    margin_state,
    notional,
    plain_decimal,
    price_at_margin_level,
    quantize8,
    roe_percent_value,
    side_sign,
    target_price_value,
    unrealized_pnl,
)
from calculators.worked import (
    CALCULATORS,
    auto_borrow,
    initial_margin,
    interest,
    liquidation_price,
    margin_level,
    margin_liquidation_price,
    max_borrow,
    max_open,
    open_price,
    pnl,
    target_price,
)

# Property tests run no database; the project's autouse settings fixture is harmless to share
# between examples.
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def decimals(low: int, high: int, places: int) -> st.SearchStrategy[Decimal]:
    """Decimals in [low, high] with ``places`` decimals, built from integers (never NaN)."""
    return st.integers(low * 10**places, high * 10**places).map(
        lambda i: Decimal(i).scaleb(-places)
    )


def two_places(x: Decimal | None) -> Decimal:
    assert x is not None
    return x.quantize(Decimal("0.01"))


# ---------------------------------------------------------------------------------------------
# Rounding, side, brackets


def test_it_rounds_half_even_to_eight_places():
    assert quantize8(Decimal("0.000000005")) == Decimal("0.00000000")
    assert quantize8(Decimal("0.000000015")) == Decimal("0.00000002")
    assert quantize8(Decimal("2.675")) == Decimal("2.67500000")
    assert str(quantize8(Decimal("-0.000000001"))) == "0E-8"  # not "-0E-8"
    assert quantize8(Decimal("1E+40")) == Decimal("1E+40")


def test_it_writes_plain_decimals():
    assert plain_decimal(quantize8(Decimal(0))) == "0.00000000"
    assert plain_decimal(Decimal("1E-8")) == "0.00000001"


def test_it_maps_sides():
    assert side_sign("long") == 1
    assert side_sign("short") == -1
    with pytest.raises(ValueError):
        side_sign("sideways")


def test_it_loads_three_symbols_with_their_tables():
    assert FUTURES_SYMBOLS == ("BTCUSDT", "ETHUSDT", "BNBUSDT")
    assert [len(BRACKETS[s]) for s in FUTURES_SYMBOLS] == [12, 9, 8]
    assert BRACKETS["BTCUSDT"][0] == Bracket(
        index=1,
        floor=Decimal(0),
        cap=Decimal(50_000),
        max_leverage=125,
        mmr=Decimal("0.004"),
        cum=Decimal(0),
    )
    assert BRACKETS["ETHUSDT"][5].cum == Decimal(135_365)
    assert BRACKETS["BNBUSDT"][-1].cap == Decimal(1_000_000_000)


def test_the_bracket_tables_are_the_futures_instruments_declared_once():
    assert FUTURES_SYMBOLS == instruments.FUTURES_SYMBOLS
    assert set(BRACKETS) == {s for s, i in instruments.INSTRUMENTS.items() if i.futures}
    assert instruments.DEFAULT_SYMBOL in BRACKETS


def _write_tables(path, symbols):
    rows = [{"floor": "0", "cap": "10", "max_leverage": 10, "mmr": "0.01", "cum": "0"}]
    path.write_text(json.dumps({"symbols": {s: rows for s in symbols}}), encoding="utf-8")
    return path


def test_a_bracket_table_for_an_unknown_symbol_stops_the_import(tmp_path):
    path = _write_tables(tmp_path / "b.json", [*instruments.FUTURES_SYMBOLS, "DOGEUSDT"])
    with pytest.raises(ValueError, match="not a futures instrument: DOGEUSDT"):
        formulas.load_brackets(path)
    # A spot-only instrument has no futures either.
    path = _write_tables(tmp_path / "c.json", [*instruments.FUTURES_SYMBOLS, "USDCUSDT"])
    with pytest.raises(ValueError, match="USDCUSDT"):
        formulas.load_brackets(path)


def test_a_futures_instrument_without_a_bracket_table_stops_the_import(tmp_path):
    path = _write_tables(tmp_path / "b.json", instruments.FUTURES_SYMBOLS[1:])
    with pytest.raises(ValueError, match=f"no leverage brackets for {FUTURES_SYMBOLS[0]}"):
        formulas.load_brackets(path)


@pytest.mark.parametrize("symbol", ["BTCUSDT", "ETHUSDT", "BNBUSDT"])
def test_it_makes_every_cum_continue_the_previous_bracket(symbol):
    brackets = BRACKETS[symbol]
    assert brackets[0].cum == 0
    for previous, bracket in pairwise(brackets):
        assert bracket.index == previous.index + 1
        assert bracket.floor == previous.cap
        assert bracket.cum == bracket.floor * (bracket.mmr - previous.mmr) + previous.cum


@PROPERTY
@given(
    symbol=st.sampled_from(FUTURES_SYMBOLS),
    position=st.integers(1, 11),
    epsilon=decimals(0, 1000, 8).filter(lambda e: e > 0),
)
def test_it_keeps_maintenance_margin_continuous_at_each_floor(symbol, position, epsilon):
    brackets = BRACKETS[symbol]
    assume(position < len(brackets))
    floor = brackets[position].floor
    below = brackets[position - 1]
    at_floor = maintenance_margin(notional=floor, brackets=brackets)
    just_below = maintenance_margin(notional=floor - epsilon, brackets=brackets)
    # The left-hand line, run up to the floor, lands exactly on the right-hand one.
    assert at_floor - just_below == epsilon * below.mmr


def test_it_picks_the_bracket_of_a_notional():
    btc = BRACKETS["BTCUSDT"]
    assert bracket_for_notional(notional=Decimal(0), brackets=btc).index == 1
    assert bracket_for_notional(notional=Decimal("49999.99"), brackets=btc).index == 1
    assert bracket_for_notional(notional=Decimal(50_000), brackets=btc).index == 2
    # Past the last cap the last bracket carries on (only a price move can get there).
    assert bracket_for_notional(notional=Decimal(5_000_000_000), brackets=btc).index == 12
    # 100,000 × 0.5% − 50 = 450
    assert maintenance_margin(notional=Decimal(100_000), brackets=btc) == Decimal(450)


# ---------------------------------------------------------------------------------------------
# Liquidation price: the published check values (SPEC §5.3)

WALLET = Decimal("1535443.01")
BTC_QTY, BTC_ENTRY, BTC_MARK = Decimal("109.488"), Decimal("32481.98"), Decimal("31967.27")
ETH_QTY, ETH_ENTRY, ETH_MARK = Decimal("3683.979"), Decimal("1456.84"), Decimal("1335.18")
BTC_FIXED = fixed_bracket(
    maintenance_margin_rate=Decimal("0.025"), maintenance_amount=Decimal(16_300)
)


def test_it_matches_the_published_isolated_btc_price():
    result = liquidation_price(
        side="long",
        entry_price=BTC_ENTRY,
        quantity=BTC_QTY,
        margin_mode="isolated",
        wallet_balance=WALLET,
        maintenance_margin_rate=Decimal("0.025"),
        maintenance_amount=Decimal(16_300),
    ).results
    assert two_places(result["liquidation_price"]) == Decimal("18778.73")
    assert result["bracket"] == 1
    assert result["maintenance_margin_rate"] == Decimal("0.025")
    assert result["maintenance_amount"] == Decimal(16_300)


def test_it_matches_the_published_isolated_eth_price_in_bracket_6():
    result = liquidation_price(
        side="long",
        entry_price=ETH_ENTRY,
        quantity=ETH_QTY,
        margin_mode="isolated",
        wallet_balance=WALLET,
        symbol="ETHUSDT",
    ).results
    assert two_places(result["liquidation_price"]) == Decimal("1114.78")
    # Entry notional 5.37M sits in bracket 7; at 1,114.78 it is 4.11M, bracket 6 (2M–5M).
    assert result["bracket"] == 6
    assert result["maintenance_margin_rate"] == Decimal("0.1")
    assert result["maintenance_amount"] == Decimal(135_365)


def test_it_matches_the_published_cross_btc_price():
    # The other position (ETH) is valued at its mark: notional 4,918,775.08 is in ETH
    # bracket 6, so TMM1 = 4,918,775.08122 × 10% − 135,365 = 356,512.508122 and
    # UPNL1 = (1,335.18 − 1,456.84) × 3,683.979 = −448,192.88514.
    eth_at_mark = notional(quantity=ETH_QTY, price=ETH_MARK)
    other_mm = maintenance_margin(notional=eth_at_mark, brackets=BRACKETS["ETHUSDT"])
    other_pnl = unrealized_pnl(
        side="long", entry_price=ETH_ENTRY, mark_price=ETH_MARK, quantity=ETH_QTY
    )
    assert other_mm == Decimal("356512.508122")
    assert other_pnl == Decimal("-448192.88514")
    result = liquidation_price(
        side="long",
        entry_price=BTC_ENTRY,
        quantity=BTC_QTY,
        margin_mode="cross",
        wallet_balance=WALLET,
        other_maintenance_margin=other_mm,
        other_unrealized_pnl=other_pnl,
        maintenance_margin_rate=Decimal("0.025"),
        maintenance_amount=Decimal(16_300),
    ).results
    assert two_places(result["liquidation_price"]) == Decimal("26316.89")


def test_it_matches_the_published_cross_eth_price():
    # BTC at its mark under the published fixed bracket: TMM1 = 3,500,032.45776 × 2.5% −
    # 16,300 = 71,200.811444; UPNL1 = (31,967.27 − 32,481.98) × 109.488 = −56,354.56848.
    btc_at_mark = notional(quantity=BTC_QTY, price=BTC_MARK)
    other_mm = maintenance_margin(notional=btc_at_mark, brackets=BTC_FIXED)
    other_pnl = unrealized_pnl(
        side="long", entry_price=BTC_ENTRY, mark_price=BTC_MARK, quantity=BTC_QTY
    )
    assert other_mm == Decimal("71200.811444")
    assert other_pnl == Decimal("-56354.56848")
    result = liquidation_price(
        side="long",
        entry_price=ETH_ENTRY,
        quantity=ETH_QTY,
        margin_mode="cross",
        wallet_balance=WALLET,
        symbol="ETHUSDT",
        other_maintenance_margin=other_mm,
        other_unrealized_pnl=other_pnl,
    ).results
    assert two_places(result["liquidation_price"]) == Decimal("1153.26")
    assert result["bracket"] == 6


# ---------------------------------------------------------------------------------------------
# Liquidation price: hand-worked examples and input rules


def test_it_prices_an_isolated_long_from_its_leverage():
    # WB = 1 × 10,000 ÷ 10 = 1,000; bracket 1 (0.4%, cum 0):
    # LP = (1,000 + 0 − 10,000) ÷ (0.004 − 1) = −9,000 ÷ −0.996 = 9,036.144578313…
    # Q × LP = 9,036 < 50,000, so bracket 1 holds.
    result = liquidation_price(
        side="long",
        entry_price=Decimal(10_000),
        quantity=Decimal(1),
        margin_mode="isolated",
        leverage=Decimal(10),
    )
    assert result.results == {
        "liquidation_price": Decimal("9036.14457831"),
        "bracket": 1,
        "maintenance_margin_rate": Decimal("0.004"),
        "maintenance_amount": Decimal(0),
    }
    assert result.steps[1].substituted == "10,000 ÷ 10"
    assert result.steps[1].value == Decimal(1000)


def test_it_prices_an_isolated_short():
    # WB = 1,000; LP = (1,000 + 0 + 10,000) ÷ (0.004 + 1) = 11,000 ÷ 1.004 = 10,956.17529880…
    result = liquidation_price(
        side="short",
        entry_price=Decimal(10_000),
        quantity=Decimal(1),
        margin_mode="isolated",
        leverage=Decimal(10),
    )
    assert result.results["liquidation_price"] == Decimal("10956.17529880")


def test_it_has_no_liquidation_price_for_an_unleveraged_long():
    # 1x long: LP = (10,000 − 10,000) ÷ (0.004 − 1) = 0 → no price liquidates it; the
    # bracket reported is the one at entry.
    result = liquidation_price(
        side="long",
        entry_price=Decimal(10_000),
        quantity=Decimal(1),
        margin_mode="isolated",
        leverage=Decimal(1),
    )
    assert result.results["liquidation_price"] is None
    assert result.results["bracket"] == 1
    assert result.steps[-1].value is None


@pytest.mark.parametrize(("side", "entry"), [("long", Decimal(60_000)), ("short", Decimal(40_000))])
def test_it_takes_the_upper_bracket_when_liquidation_sits_on_a_floor(side, entry):
    # 1 BTC with WB 10,200: at 50,000 the margin balance is 10,200 ∓ 10,000 = 200, and
    # 50,000 × 0.4% − 0 = 50,000 × 0.5% − 50 = 200, so brackets 1 and 2 both solve at 50,000;
    # [floor, cap) gives it to bracket 2.
    solution = liquidation_price_value(
        side=side,
        entry_price=entry,
        quantity=Decimal(1),
        wallet_balance=Decimal(10_200),
        brackets=BRACKETS["BTCUSDT"],
    )
    assert solution.price == Decimal(50_000)
    assert solution.bracket.index == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"margin_mode": "isolated"}, "wallet_balance"),
        (
            {"margin_mode": "isolated", "wallet_balance": Decimal(1), "leverage": Decimal(5)},
            "leverage",
        ),
        ({"margin_mode": "cross", "leverage": Decimal(5)}, "leverage"),
        ({"margin_mode": "hedge", "wallet_balance": Decimal(1)}, "margin_mode"),
        (
            {
                "margin_mode": "isolated",
                "wallet_balance": Decimal(1),
                "other_unrealized_pnl": Decimal(5),
            },
            "other_unrealized_pnl",
        ),
        (
            {
                "margin_mode": "cross",
                "wallet_balance": Decimal(1),
                "maintenance_margin_rate": Decimal("0.01"),
            },
            "maintenance_amount",
        ),
        (
            {
                "margin_mode": "cross",
                "wallet_balance": Decimal(1),
                "maintenance_amount": Decimal(10),
            },
            "maintenance_margin_rate",
        ),
        (
            {
                "margin_mode": "cross",
                "wallet_balance": Decimal(1),
                "maintenance_margin_rate": Decimal(1),
                "maintenance_amount": Decimal(0),
            },
            "maintenance_margin_rate",
        ),
        ({"margin_mode": "cross", "wallet_balance": Decimal(1), "symbol": "DOGEUSDT"}, "symbol"),
        ({"margin_mode": "cross", "wallet_balance": Decimal(1), "side": "up"}, "side"),
    ],
)
def test_it_refuses_liquidation_inputs_that_do_not_fit_together(kwargs, field):
    arguments = {"side": "long", "entry_price": Decimal(100), "quantity": Decimal(1), **kwargs}
    with pytest.raises(CalculatorInputError) as error:
        liquidation_price(**arguments)
    assert error.value.field == field


# ---------------------------------------------------------------------------------------------
# Liquidation price: properties

SIDES = st.sampled_from(["long", "short"])


@PROPERTY
@given(
    symbol=st.sampled_from(FUTURES_SYMBOLS),
    side=SIDES,
    mode=st.sampled_from(["isolated", "cross"]),
    entry=decimals(1, 100_000, 2),
    quantity=decimals(0, 10_000, 3).filter(lambda q: q > 0),
    margin_share=decimals(0, 2, 4),
    other_mm_share=decimals(0, 1, 4),
    other_pnl_share=decimals(-1, 1, 4),
)
def test_it_balances_margin_and_maintenance_at_the_liquidation_price(
    symbol, side, mode, entry, quantity, margin_share, other_mm_share, other_pnl_share
):
    brackets = BRACKETS[symbol]
    entry_notional = quantity * entry
    wallet = entry_notional * margin_share
    cross = mode == "cross"
    other_mm = entry_notional * other_mm_share / 10 if cross else Decimal(0)
    other_pnl = entry_notional * other_pnl_share / 10 if cross else Decimal(0)
    solution = liquidation_price_value(
        side=side,
        entry_price=entry,
        quantity=quantity,
        wallet_balance=wallet,
        brackets=brackets,
        other_maintenance_margin=other_mm,
        other_unrealized_pnl=other_pnl,
    )
    assume(solution.price is not None)
    price = solution.price
    margin_balance = (
        wallet
        - other_mm
        + other_pnl
        + unrealized_pnl(side=side, entry_price=entry, mark_price=price, quantity=quantity)
    )
    at_price = notional(quantity=quantity, price=price)
    required = maintenance_margin(notional=at_price, brackets=brackets)
    scale = wallet + other_mm + abs(other_pnl) + entry_notional + at_price
    assert abs(margin_balance - required) <= scale * Decimal("1E-12")
    # The winning bracket's own line agrees too (so it is the notional's bracket, up to the
    # floor itself where both lines meet).
    own_line = at_price * solution.bracket.mmr - solution.bracket.cum
    assert abs(margin_balance - own_line) <= scale * Decimal("1E-12")
    # Maintenance margin is the highest of the brackets' lines, so the answer is also the
    # extreme per-bracket candidate: the highest for a long, the lowest for a short.
    candidates = [
        liquidation_price_in_bracket(
            side=side,
            entry_price=entry,
            quantity=quantity,
            wallet_balance=wallet,
            bracket=b,
            other_maintenance_margin=other_mm,
            other_unrealized_pnl=other_pnl,
        )
        for b in brackets
    ]
    assert price == (max(candidates) if side == "long" else min(candidates))


@PROPERTY
@given(
    symbol=st.sampled_from(FUTURES_SYMBOLS),
    entry=decimals(1, 100_000, 2),
    quantity=decimals(0, 10_000, 3).filter(lambda q: q > 0),
    leverage_share=decimals(0, 1, 4),
)
def test_it_puts_the_entry_between_the_long_and_short_liquidation_prices(
    symbol, entry, quantity, leverage_share
):
    # Leverage from 1x up to the entry bracket's maximum. In every table
    # max_leverage × MMR ≤ 0.5, so at entry the margin (notional ÷ leverage) exceeds the
    # maintenance margin: the position is safe at its own entry price. A long's margin
    # balance falls faster than its maintenance margin as the price drops, a short's as it
    # rises, so a long is liquidated below entry and a short above. A long may have no
    # liquidation price at all (1x), which is also "below".
    brackets = BRACKETS[symbol]
    entry_notional = quantity * entry
    top = bracket_for_notional(notional=entry_notional, brackets=brackets).max_leverage
    assert top is not None
    leverage = 1 + (top - 1) * leverage_share
    wallet = initial_margin_value(notional=entry_notional, leverage=leverage)
    common = {"entry_price": entry, "quantity": quantity, "wallet_balance": wallet}
    long = liquidation_price_value(side="long", brackets=brackets, **common).price
    short = liquidation_price_value(side="short", brackets=brackets, **common).price
    assert short is not None
    assert short > entry
    if long is not None:
        assert long < entry


# ---------------------------------------------------------------------------------------------
# initial-margin, pnl, target-price


def test_it_computes_initial_margin():
    # notional = 0.5 × 30,000 = 15,000; margin = 15,000 ÷ 10 = 1,500; borrowed = 13,500
    result = initial_margin(
        quantity=Decimal("0.5"), entry_price=Decimal(30_000), leverage=Decimal(10)
    )
    assert result.results == {
        "notional": Decimal(15_000),
        "initial_margin": Decimal(1_500),
        "borrowed": Decimal(13_500),
    }
    assert [s.substituted for s in result.steps] == [
        "0.5 × 30,000",
        "15,000 ÷ 10",
        "15,000 − 1,500",
    ]


def test_it_rounds_initial_margin_once_at_the_end():
    # 15,000 ÷ 7 = 2,142.857142857…; borrowed = 15,000 − 2,142.857142857… = 12,857.142857142…
    result = initial_margin(
        quantity=Decimal("0.5"), entry_price=Decimal(30_000), leverage=Decimal(7)
    )
    assert result.results["initial_margin"] == Decimal("2142.85714286")
    assert result.results["borrowed"] == Decimal("12857.14285714")


def test_it_computes_pnl_and_roe_for_both_sides():
    # margin = 0.5 × 30,000 ÷ 10 = 1,500; long: (33,000 − 30,000) × 0.5 = 1,500 → ROE 100%
    common = {
        "entry_price": Decimal(30_000),
        "exit_price": Decimal(33_000),
        "quantity": Decimal("0.5"),
        "leverage": Decimal(10),
    }
    assert pnl(side="long", **common).results == {
        "initial_margin": Decimal(1_500),
        "pnl": Decimal(1_500),
        "roe_percent": Decimal(100),
    }
    short = pnl(side="short", **common)
    assert short.results["pnl"] == Decimal(-1_500)
    assert short.results["roe_percent"] == Decimal(-100)
    assert short.steps[1].substituted == "(−1) × (33,000 − 30,000) × 0.5"


def test_it_computes_target_prices():
    # long: 30,000 × (1 + 50 ÷ 100 ÷ 10) = 31,500; short: 30,000 × (1 − 0.05) = 28,500
    common = {"entry_price": Decimal(30_000), "leverage": Decimal(10), "roe_percent": Decimal(50)}
    assert target_price(side="long", **common).results == {"target_price": Decimal(31_500)}
    assert target_price(side="short", **common).results == {"target_price": Decimal(28_500)}


def test_it_has_no_target_price_for_a_loss_beyond_the_margin():
    # 30,000 × (1 − 1,000 ÷ 100 ÷ 10) = 0: a 10x long cannot lose 1,000%
    result = target_price(
        side="long",
        entry_price=Decimal(30_000),
        leverage=Decimal(10),
        roe_percent=Decimal(-1_000),
    )
    assert result.results == {"target_price": None}


@PROPERTY
@given(
    side=SIDES,
    entry=decimals(1, 100_000, 2),
    quantity=decimals(0, 1_000, 4).filter(lambda q: q > 0),
    leverage=decimals(1, 125, 1),
    roe=decimals(-90, 90, 2),
)
def test_it_gets_the_roe_back_from_the_target_price(side, entry, quantity, leverage, roe):
    # |ROE| < 100% at leverage ≥ 1 keeps the target price positive for both sides.
    price = target_price_value(side=side, entry_price=entry, leverage=leverage, roe_percent=roe)
    margin = initial_margin_value(
        notional=notional(quantity=quantity, price=entry), leverage=leverage
    )
    profit = unrealized_pnl(side=side, entry_price=entry, mark_price=price, quantity=quantity)
    assert abs(roe_percent_value(pnl=profit, initial_margin=margin) - roe) <= Decimal("1E-30")
    # Through the rounded calculators the error is the target's last-place rounding,
    # magnified by leverage ÷ entry: ≤ 0.5E-8 × 125 ÷ 1 × 100 < 1E-4.
    shown = target_price(side=side, entry_price=entry, leverage=leverage, roe_percent=roe)
    back = pnl(
        side=side,
        entry_price=entry,
        exit_price=shown.results["target_price"],
        quantity=quantity,
        leverage=leverage,
    )
    assert abs(back.results["roe_percent"] - roe) <= Decimal("1E-4")


# ---------------------------------------------------------------------------------------------
# max-open


def test_it_limits_max_open_by_the_balance():
    # 1,000 × 20 = 20,000; 20x is allowed up to bracket 6 (cap 100M); min = 20,000;
    # quantity = 20,000 ÷ 50,000 = 0.4
    result = max_open(
        entry_price=Decimal(50_000), available_balance=Decimal(1_000), leverage=Decimal(20)
    )
    assert result.results == {
        "max_notional": Decimal(20_000),
        "max_quantity": Decimal("0.4"),
        "limited_by": "balance",
    }


def test_it_limits_max_open_by_the_bracket():
    # 10,000,000 × 20 = 200M > 100M (cap of bracket 6, the last allowing 20x);
    # quantity = 100,000,000 ÷ 50,000 = 2,000
    result = max_open(
        entry_price=Decimal(50_000), available_balance=Decimal(10_000_000), leverage=Decimal(20)
    )
    assert result.results == {
        "max_notional": Decimal(100_000_000),
        "max_quantity": Decimal(2_000),
        "limited_by": "bracket",
    }
    # 125x only in the first bracket: 1,000 × 125 = 125,000 > 50,000
    top = max_open(
        entry_price=Decimal(50_000), available_balance=Decimal(1_000), leverage=Decimal(125)
    )
    assert top.results["max_notional"] == Decimal(50_000)


def test_it_refuses_leverage_above_the_symbols_maximum():
    with pytest.raises(CalculatorInputError) as error:
        max_open(
            entry_price=Decimal(1_000),
            available_balance=Decimal(1_000),
            leverage=Decimal(101),
            symbol="ETHUSDT",
        )
    assert error.value.field == "leverage"
    assert str(error.value) == "ETHUSDT allows at most 100× leverage."


# ---------------------------------------------------------------------------------------------
# open-price


def test_it_averages_open_prices():
    # (30,000 × 1 + 20,000 × 3) ÷ (1 + 3) = 90,000 ÷ 4 = 22,500
    result = open_price(entries=[(Decimal(30_000), Decimal(1)), (Decimal(20_000), Decimal(3))])
    assert result.results == {
        "average_price": Decimal(22_500),
        "total_quantity": Decimal(4),
        "total_notional": Decimal(90_000),
    }
    assert result.steps[0].substituted == "30,000 × 1 + 20,000 × 3"


@pytest.mark.parametrize("count", [1, 21])
def test_it_needs_two_to_twenty_entries(count):
    with pytest.raises(CalculatorInputError) as error:
        open_price(entries=[(Decimal(1), Decimal(1))] * count)
    assert error.value.field == "entry"


@PROPERTY
@given(
    entries=st.lists(
        st.tuples(decimals(0, 100_000, 2), decimals(0, 1_000, 4)).filter(
            lambda e: e[0] > 0 and e[1] > 0
        ),
        min_size=2,
        max_size=20,
    )
)
def test_it_keeps_the_average_between_the_lowest_and_highest_price(entries):
    prices = [p for p, _ in entries]
    assert min(prices) <= average_price_value(entries=entries) <= max(prices)
    shown = open_price(entries=entries).results["average_price"]
    assert min(prices) <= shown <= max(prices)


# ---------------------------------------------------------------------------------------------
# margin-level and states (SPEC §6.6)


def test_it_computes_margin_levels_and_state():
    # ML = 13,000 ÷ (10,000 + 0) = 1.3 → margin call in 3x; CML = 12,350 ÷ 10,000 = 1.235
    result = margin_level(
        total_assets=Decimal(13_000),
        total_liabilities=Decimal(10_000),
        collateral_value=Decimal(12_350),
    )
    assert result.results == {
        "margin_level": Decimal("1.3"),
        "collateral_margin_level": Decimal("1.235"),
        "state": "margin_call",
    }


def test_it_uses_the_margin_level_when_no_collateral_value_is_given():
    # 30,000 ÷ (9,990 + 10) = 3 → safe
    result = margin_level(
        total_assets=Decimal(30_000),
        total_liabilities=Decimal(9_990),
        outstanding_interest=Decimal(10),
    )
    assert result.results == {
        "margin_level": Decimal(3),
        "collateral_margin_level": Decimal(3),
        "state": "safe",
    }


def test_it_calls_an_account_without_debt_safe():
    result = margin_level(total_assets=Decimal(500), total_liabilities=Decimal(0))
    assert result.results == {
        "margin_level": None,
        "collateral_margin_level": None,
        "state": "safe",
    }
    assert margin_level_value(total_assets=Decimal(1), total_liabilities=Decimal(0)) is None


@pytest.mark.parametrize(
    ("kind", "ml", "cml", "state"),
    [
        ("cross3x", "1.1", "5", "liquidation"),
        ("cross3x", "1.10000001", "1.10000001", "margin_call"),
        ("cross3x", "1.3", "5", "margin_call"),
        ("cross3x", "1.30000001", "1.5", "trade_only"),
        ("cross3x", "3", "1.5", "trade_only"),
        ("cross3x", "3", "1.50000001", "no_transfer"),
        ("cross3x", "3", "2", "no_transfer"),
        ("cross3x", "3", "2.00000001", "safe"),
        ("cross5x", "1.1", "5", "liquidation"),
        ("cross5x", "1.16", "5", "margin_call"),
        ("cross5x", "1.2", "1.25", "trade_only"),
        ("cross5x", "1.3", "1.3", "no_transfer"),
        ("cross5x", "1.3", "2", "no_transfer"),
        ("cross5x", "2.5", "2.1", "safe"),
    ],
)
def test_it_draws_state_boundaries_where_the_rules_say(kind, ml, cml, state):
    assert (
        margin_state(
            margin_level=Decimal(ml), collateral_margin_level=Decimal(cml), margin_kind=kind
        )
        == state
    )


def test_it_calls_no_debt_safe_and_advises_on_every_state():
    assert margin_state(margin_level=None, collateral_margin_level=None, margin_kind="cross5x") == (
        "safe"
    )
    assert set(STATE_ADVICE) == set(STATES)
    assert STATE_ADVICE["margin_call"] == "Margin call: add collateral or reduce the loan."
    assert MARGIN_KINDS["cross5x"].margin_call == Decimal("1.16")


# ---------------------------------------------------------------------------------------------
# margin-liquidation-price


def test_it_prices_a_long_margin_position():
    # 1 BTC held against 20,000 USDT owed: P = (1.1 × 20,000 − 0) ÷ (1 − 1.1 × 0) = 22,000;
    # margin call at 1.3 × 20,000 = 26,000
    result = margin_liquidation_price(
        base_quantity=Decimal(1),
        quote_quantity=Decimal(0),
        base_liability=Decimal(0),
        quote_liability=Decimal(20_000),
    )
    assert result.results == {
        "liquidation_price": Decimal(22_000),
        "margin_call_price": Decimal(26_000),
    }
    assert result.steps[-1].value == Decimal("1.1")


def test_it_prices_a_short_margin_position():
    # 30,000 USDT held against 1 BTC owed: P = (0 − 30,000) ÷ (0 − 1.1) = 27,272.7272…;
    # margin call: 30,000 ÷ 1.3 = 23,076.923076…
    result = margin_liquidation_price(
        base_quantity=Decimal(0),
        quote_quantity=Decimal(30_000),
        base_liability=Decimal(1),
        quote_liability=Decimal(0),
    )
    assert result.results == {
        "liquidation_price": Decimal("27272.72727273"),
        "margin_call_price": Decimal("23076.92307692"),
    }


def test_it_has_no_margin_liquidation_price_without_exposure():
    # Only USDT held and owed: B − k × Lb = 0, the level never moves with the price → null.
    result = margin_liquidation_price(
        base_quantity=Decimal(0),
        quote_quantity=Decimal(200),
        base_liability=Decimal(0),
        quote_liability=Decimal(100),
    )
    assert result.results == {"liquidation_price": None, "margin_call_price": None}


def test_it_wants_the_margin_call_level_above_the_liquidation_level():
    with pytest.raises(CalculatorInputError) as error:
        margin_liquidation_price(
            base_quantity=Decimal(1),
            quote_quantity=Decimal(0),
            base_liability=Decimal(0),
            quote_liability=Decimal(100),
            liquidation_level=Decimal("1.3"),
            margin_call_level=Decimal("1.3"),
        )
    assert error.value.field == "margin_call_level"


@PROPERTY
@given(
    base=decimals(0, 1_000, 4),
    quote=decimals(0, 1_000_000, 2),
    base_owed=decimals(0, 1_000, 4),
    quote_owed=decimals(0, 1_000_000, 2),
    level=decimals(1, 3, 3),
)
def test_it_reaches_the_level_at_the_margin_liquidation_price(
    base, quote, base_owed, quote_owed, level
):
    price = price_at_margin_level(
        base_quantity=base,
        quote_quantity=quote,
        base_liability=base_owed,
        quote_liability=quote_owed,
        level=level,
    )
    assume(price is not None)
    reached = margin_level_value(
        total_assets=base * price + quote, total_liabilities=base_owed * price + quote_owed
    )
    assert reached is not None
    # The test's own sums run at Python's default 28 digits, hence the looser tolerance.
    assert abs(reached - level) <= Decimal("1E-20")
    # The formulas' own inverse, at 50 digits, lands on the level far more closely.
    at_price = formulas.margin_level_at_price(
        base_quantity=base,
        quote_quantity=quote,
        base_liability=base_owed,
        quote_liability=quote_owed,
        price=price,
    )
    assert abs(at_price - level) <= Decimal("1E-40")


# ---------------------------------------------------------------------------------------------
# interest


def test_it_computes_interest():
    # hourly = 0.02 ÷ 24 = 0.000833…%; borrowed at :40 for 2 h → 1 + ⌊(40 + 120) ÷ 60⌋ = 3;
    # each charge = 10,000 × 0.000833…% = 0.0833333… → 0.08333333 as posted (8 places,
    # half-even); total = 3 × 0.08333333 = 0.24999999 (SPEC §5.2); yearly = 0.02 × 365 = 7.3
    result = interest(
        principal=Decimal(10_000),
        daily_rate_percent=Decimal("0.02"),
        hours=Decimal(2),
        borrow_minute=40,
    )
    assert result.results == {
        "hourly_rate_percent": Decimal("0.00083333"),
        "daily_rate_percent": Decimal("0.02"),
        "charged_hours": 3,
        "hourly_charge": Decimal("0.08333333"),
        "total_interest": Decimal("0.24999999"),
        "yearly_rate_percent": Decimal("7.3"),
    }


def test_it_discounts_interest_paid_in_bnb():
    # hourly 0.001% given: 10,000 × 0.001% = 0.1 per hour × 0.95 = 0.095; 1 + ⌊60 ÷ 60⌋ = 2
    # hours → 0.19; daily = 0.001 × 24 = 0.024
    result = interest(
        principal=Decimal(10_000),
        hourly_rate_percent=Decimal("0.001"),
        hours=Decimal(1),
        bnb_discount=True,
    )
    assert result.results["total_interest"] == Decimal("0.19")
    assert result.results["daily_rate_percent"] == Decimal("0.024")
    assert result.results["charged_hours"] == 2


@pytest.mark.parametrize(
    ("minute", "hours", "charged"),
    [
        (0, "0", 1),  # charged at borrowing, repaid at once
        (0, "0.99", 1),
        (0, "1", 2),  # the next clock hour starts
        (59, "0.02", 2),  # borrowed at :59, held past the hour
        (40, "0.5", 2),
        (10, "0.5", 1),
        (0, "24", 25),
    ],
)
def test_it_charges_an_hour_at_borrowing_and_at_every_clock_hour(minute, hours, charged):
    assert charged_hours(borrow_minute=minute, hours=Decimal(hours)) == charged


def test_it_turns_yearly_rates_into_hourly_ones():
    # 8.76% a year = 0.024% a day = 0.001% an hour
    assert hourly_rate_from_yearly(yearly_percent=Decimal("8.76")) == Decimal("0.001")
    assert formulas.daily_rate_from_hourly(hourly_percent=Decimal("0.001")) == Decimal("0.024")
    assert formulas.yearly_rate_from_daily(daily_percent=Decimal("0.024")) == Decimal("8.76")


def test_it_wants_exactly_one_interest_rate_and_a_real_minute():
    with pytest.raises(CalculatorInputError) as error:
        interest(principal=Decimal(1), hours=Decimal(1))
    assert error.value.field == "daily_rate_percent"
    with pytest.raises(CalculatorInputError) as error:
        interest(
            principal=Decimal(1),
            hours=Decimal(1),
            daily_rate_percent=Decimal(1),
            borrow_minute=60,
        )
    assert error.value.field == "borrow_minute"


# ---------------------------------------------------------------------------------------------
# max-borrow, auto-borrow


def test_it_computes_max_borrow():
    # 3x, USDT (r = 1): (15,000 − 1.5 × 5,000) ÷ (1.5 − 1) = 15,000; after borrowing it,
    # CML = (15,000 + 15,000) ÷ (5,000 + 15,000) = 1.5
    common = {"collateral_value": Decimal(15_000), "total_liabilities": Decimal(5_000)}
    assert max_borrow(**common).results == {"max_borrow": Decimal(15_000)}
    # BTC (r = 0.95): 7,500 ÷ 0.55 = 13,636.3636…
    assert max_borrow(**common, collateral_ratio=Decimal("0.95")).results == {
        "max_borrow": Decimal("13636.36363636")
    }
    # 5x: (15,000 − 1.25 × 5,000) ÷ 0.25 = 35,000
    assert max_borrow(**common, margin_kind="cross5x").results == {"max_borrow": Decimal(35_000)}
    # Already below the threshold: (1,000 − 1.5 × 1,000) ÷ 0.5 < 0 → 0
    assert max_borrow(
        collateral_value=Decimal(1_000), total_liabilities=Decimal(1_000)
    ).results == {"max_borrow": Decimal(0)}


def test_max_borrow_counts_the_hour_of_interest_charged_at_borrowing():
    # 3x, USDT, 1 %/h: 7,500 ÷ (1.5 × 1.01 − 1) = 14,563.10679611…; after borrowing it and
    # charging 145.6310679… of interest, CML = 29,563.1… ÷ 19,708.7… = 1.5
    result = max_borrow(
        collateral_value=Decimal(15_000),
        total_liabilities=Decimal(5_000),
        hourly_rate_percent=Decimal(1),
    )
    assert result.results == {"max_borrow": Decimal("14563.10679612")}
    assert "(1 + 1 ÷ 100)" in result.steps[0].substituted


def test_the_sandbox_can_give_max_borrow_a_threshold_instead_of_a_kind():
    by_kind = formulas.max_borrow_amount(
        collateral_value=Decimal(15_000), margin_kind="cross5x", collateral_ratio=Decimal("0.95")
    )
    by_threshold = formulas.max_borrow_amount(
        collateral_value=Decimal(15_000),
        threshold=MARGIN_KINDS["cross5x"].borrow_threshold,
        collateral_ratio=Decimal("0.95"),
    )
    assert by_kind == by_threshold == Decimal(50_000)
    with pytest.raises(TypeError):
        formulas.max_borrow_amount(
            collateral_value=Decimal(1), margin_kind="cross3x", threshold=Decimal("1.5")
        )


@PROPERTY
@given(
    kind=st.sampled_from(sorted(MARGIN_KINDS)),
    ratio=st.sampled_from([Decimal(1), Decimal("0.95"), Decimal("0.9"), Decimal("0.8")]),
    hourly=decimals(0, 1, 8),
    collateral=decimals(1_000, 1_000_000_000, 2),
    share=decimals(0, 1, 4),
    interest_owed=decimals(0, 100, 8),
)
def test_borrowing_the_maximum_and_its_first_hour_of_interest_leaves_cml_at_the_threshold(
    kind, ratio, hourly, collateral, share, interest_owed
):
    threshold = MARGIN_KINDS[kind].borrow_threshold
    # Debt somewhere between none and the most the collateral allows.
    liabilities = quantize8(collateral / threshold * share)
    assume(collateral - threshold * (liabilities + interest_owed) > 0)
    amount = quantize8(
        formulas.max_borrow_amount(
            collateral_value=collateral,
            total_liabilities=liabilities,
            outstanding_interest=interest_owed,
            margin_kind=kind,
            collateral_ratio=ratio,
            hourly_rate_percent=hourly,
        )
    )
    assume(amount > 0)

    def cml_after(borrowed: Decimal) -> Decimal:
        # What the sandbox will post: the loan, then the hour charged at borrowing.
        charge = formulas.hourly_interest_charge(principal=borrowed, hourly_rate_percent=hourly)
        return (collateral + ratio * borrowed) / (liabilities + borrowed + interest_owed + charge)

    assert quantize8(cml_after(amount)) == quantize8(threshold)
    # It is the maximum: one percent more would leave CML below the threshold.
    assert cml_after(amount * Decimal("1.01")) < threshold


def test_it_refuses_a_collateral_ratio_at_the_threshold():
    with pytest.raises(CalculatorInputError) as error:
        max_borrow(collateral_value=Decimal(1_000), collateral_ratio=Decimal("1.5"))
    assert error.value.field == "collateral_ratio"


def test_it_auto_borrows_the_shortfall():
    # 10 USDC held, 30 USDC order → 20 borrowed; a 5 USDC order borrows nothing
    assert auto_borrow(wallet_balance=Decimal(10), order_amount=Decimal(30)).results == {
        "borrow_amount": Decimal(20)
    }
    assert auto_borrow(wallet_balance=Decimal(10), order_amount=Decimal(5)).results == {
        "borrow_amount": Decimal(0)
    }


# ---------------------------------------------------------------------------------------------
# Every calculator


def test_it_has_one_calculator_per_slug():
    assert sorted(CALCULATORS) == sorted(
        [
            "initial-margin",
            "pnl",
            "target-price",
            "liquidation-price",
            "max-open",
            "open-price",
            "margin-level",
            "margin-liquidation-price",
            "interest",
            "max-borrow",
            "auto-borrow",
        ]
    )


def test_it_shows_steps_with_plain_numbers_and_at_most_eight_places():
    result = liquidation_price(
        side="short",
        entry_price=Decimal("0.00012345"),
        quantity=Decimal(100_000_000),
        margin_mode="isolated",
        leverage=Decimal(3),
        symbol="BNBUSDT",
    )
    for step in result.steps:
        assert "E" not in step.substituted
        assert step.value is None or step.value.as_tuple().exponent >= -8
    for value in result.results.values():
        if isinstance(value, Decimal):
            assert value.as_tuple().exponent >= -8


def test_floor8_rounds_down_so_an_order_never_spends_more_than_asked():
    # Half-even would round 2 ÷ 3 = 0.6666666666… up to …67; an order must not.
    assert formulas.floor8(Decimal(2) / Decimal(3)) == Decimal("0.66666666")
    assert formulas.floor8(Decimal("0.123456789")) == Decimal("0.12345678")
    assert formulas.floor8(Decimal("5")) == Decimal("5.00000000")


def test_spot_fees_are_a_tenth_of_a_percent_or_three_quarters_of_that_in_bnb():
    # Buying 0.5 BTC: fee 0.5 × 0.001 = 0.0005 BTC.
    assert formulas.spot_fee(received=Decimal("0.5")) == Decimal("0.0005")
    # A 30,000 USDT trade with BNB at 600: 30,000 × 0.00075 ÷ 600 = 0.0375 BNB.
    assert formulas.spot_fee_in_bnb(
        trade_value=Decimal("30000"), bnb_price=Decimal("600")
    ) == Decimal("0.0375")


def test_divide_keeps_fifty_digits_whatever_the_callers_context():
    with localcontext() as ctx:
        ctx.prec = 5
        third = formulas.divide(Decimal(1), Decimal(3))
    assert third == Decimal("0." + "3" * 50)
    with pytest.raises(DivisionByZero):
        formulas.divide(Decimal(1), Decimal(0))
