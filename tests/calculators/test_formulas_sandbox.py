"""Formulas the sandbox brought home (the marked section at the end of formulas.py)."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calculators.formulas import (
    average_entry_after_buy,
    divide,
    holding_value,
    percent_change,
    quantity_for_amount,
    trade_value,
)

D = Decimal


def test_it_divides_in_its_own_context_whatever_the_callers():
    with localcontext() as ctx:
        ctx.prec = 3
        assert divide(D(1), D(3)) == D("0." + "3" * 50)


def test_it_sizes_a_usdt_amount_down_so_it_never_spends_more():
    assert quantity_for_amount(amount=D(10), price=D(60000)) == D("0.00016666")
    assert quantity_for_amount(amount=D(100), price=D(30000)) == D("0.00333333")


@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("1E9"), places=2),
    price=st.decimals(min_value=D("0.0001"), max_value=D("1E7"), places=4),
)
def test_a_usdt_sized_quantity_never_costs_more_than_the_amount(amount, price):
    quantity = quantity_for_amount(amount=amount, price=price)
    assert quantity * price <= amount


def test_it_values_trades_and_holdings_half_even_at_8_places():
    assert trade_value(quantity=D("0.00016666"), price=D(60000)) == D("9.99960000")
    assert holding_value(amount=D("0.123456789"), index_price=D(1)) == D("0.12345679")


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [("100", "103.456", "3.46"), ("200", "100", "-50.00"), ("3", "3.00015", "0.00")],
)
def test_it_gives_the_percent_change_at_2_places(before, after, change):
    assert percent_change(before=D(before), after=D(after)) == D(change)


def test_the_average_entry_is_cost_with_fees_over_quantity_received():
    first = average_entry_after_buy(
        previous_average=None, held=D(0), cost=D(100), received=D("0.999")
    )
    second = average_entry_after_buy(
        previous_average=first, held=D("0.999"), cost=D(200), received=D("0.999")
    )
    assert (first, second) == (D("100.10010010"), D("150.15015015"))


def test_the_average_entry_starts_afresh_when_nothing_is_held():
    assert average_entry_after_buy(
        previous_average=D(50000), held=D(0), cost=D(420), received=D("0.00999")
    ) == D("42042.04204204")
