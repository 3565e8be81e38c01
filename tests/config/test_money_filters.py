from __future__ import annotations

from decimal import Decimal, localcontext

import pytest

from config.formatting import format_amount, format_price
from config.templatetags.money import amount, money, price


def test_money_rounds_half_even_with_thousands_separators():
    assert money(Decimal("1234.565")) == "1,234.56"
    assert money(Decimal("1234.575")) == "1,234.58"
    assert money(Decimal("0.5"), 8) == "0.50000000"


def test_amount_uses_the_assets_display_places():
    assert amount(Decimal("10000"), "USDT") == "10,000.00"
    assert amount(Decimal("0.12345678"), "BTC") == "0.12345678"
    assert amount(Decimal("1.50000000"), "ETH") == "1.5"
    assert amount(Decimal("0"), "BNB") == "0"


def test_price_uses_the_symbols_tick():
    assert price(Decimal("60000"), "BTCUSDT") == "60,000.00"
    assert format_price("USDCUSDT", Decimal("0.99995")) == "1.0000"
    assert format_price("USDCUSDT", Decimal("0.99985")) == "0.9998"


def test_filters_refuse_floats():
    with pytest.raises(TypeError):
        money(0.1)
    with pytest.raises(TypeError):
        amount(0.1, "BTC")


def test_none_is_shown_as_a_dash():
    assert money(None) == "—"
    assert amount(None, "BTC") == "—"


def test_huge_amounts_format_whatever_the_callers_context():
    # A 1e15-sized value at 8 places needs 24 digits: more than a small default
    # context holds. The formatter must not raise InvalidOperation (it did: a 500).
    with localcontext() as ctx:
        ctx.prec = 10
        assert money(Decimal("999999999999999.9999"), 2) == "1,000,000,000,000,000.00"
        assert format_amount(Decimal("999999999999999.12345678"), "BTC") == (
            "999,999,999,999,999.12345678"
        )
