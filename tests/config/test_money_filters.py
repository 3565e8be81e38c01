from __future__ import annotations

from decimal import Decimal

import pytest

from config.templatetags.money import amount, money, number


def test_money_rounds_half_even_with_thousands_separators():
    assert money(Decimal("1234.565")) == "1,234.56"
    assert money(Decimal("1234.575")) == "1,234.58"
    assert money(Decimal("0.5"), 8) == "0.50000000"


def test_amount_uses_the_assets_display_places():
    assert amount(Decimal("10000"), "USDT") == "10,000.00"
    assert amount(Decimal("0.12345678"), "BTC") == "0.12345678"
    assert amount(Decimal("1.50000000"), "ETH") == "1.5"
    assert amount(Decimal("0"), "BNB") == "0"


def test_filters_refuse_floats():
    with pytest.raises(TypeError):
        money(0.1)
    with pytest.raises(TypeError):
        amount(0.1, "BTC")


def test_none_is_shown_as_a_dash():
    assert money(None) == "—"
    assert number(None) == "—"


def test_number_has_no_exponent():
    assert number(Decimal("1E+3")) == "1000"
    assert number(Decimal("0.000000010")) == "0.00000001"
