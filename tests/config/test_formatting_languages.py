"""Numbers and dates written per language (SPEC §7): Polish with a decimal comma and a
no-break space between thousands, Traditional Chinese like English; our own rounding in
every language; what a page prints can be typed back into a form."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from babel.numbers import format_decimal as babel_format_decimal
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from calculators.fields import StrictDecimalField, display_number_format, parse_decimal
from config.formatting import (
    format_number,
    format_price,
    format_quantity,
    format_ratio,
    format_value,
    number_symbols,
)

NBSP = "\u00a0"
LANGUAGES = ("en", "zh-hant", "pl")


@pytest.mark.parametrize(
    ("language", "value", "ratio", "quantity", "price"),
    [
        ("en", "60,000.00", "1.29", "−0.000123", "60,000.00"),
        ("zh-hant", "60,000.00", "1.29", "−0.000123", "60,000.00"),
        ("pl", f"60{NBSP}000,00", "1,29", "−0,000123", f"60{NBSP}000,00"),
    ],
)
def test_each_language_writes_numbers_its_own_way_with_our_rounding(
    language, value, ratio, quantity, price
):
    with translation.override(language):
        assert format_value(Decimal("60000")) == value
        # A level just under the 1.3 threshold never reads as 1.3, in any language.
        assert format_ratio(Decimal("1.29999")) == ratio
        assert format_quantity(Decimal("-0.00012300")) == quantity
        assert format_price("BTCUSDT", Decimal("59999.995")) == price


def test_polish_groups_every_three_digits_and_keeps_the_minus_sign():
    with translation.override("pl"):
        assert format_value(Decimal("-1234567.891")) == f"−1{NBSP}234{NBSP}567,89"
        assert format_value(Decimal("-0.001")) == "0,00"  # never "−0,00"
        assert format_number(Decimal("1440"), "count") == f"1{NBSP}440"
        assert format_price("USDCUSDT", Decimal("0.99985")) == "0,9998"


def test_the_money_filter_writes_the_pages_language():
    template = Template(
        '{% load money %}{{ amount|usdt }} USDT · {{ when|date:"DATETIME_FORMAT" }}'
    )
    context = Context(
        {"amount": Decimal("60000"), "when": datetime(2026, 12, 6, 14, 5, tzinfo=UTC)}
    )
    with translation.override("pl"):
        assert template.render(context) == f"60{NBSP}000,00 USDT · 6 grudnia 2026, 14:05"
    with translation.override("zh-hant"):
        assert template.render(context) == "60,000.00 USDT · 2026年12月6日 14:05"
    with translation.override("en"):
        assert template.render(context) == "60,000.00 USDT · 6 Dec 2026, 14:05"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "value", ["0", "0.5", "999.99", "1000", "12345.67", "-60000.5", "1234567890.12"]
)
def test_our_separators_agree_with_babels_own_formatter(language, value):
    # We round ourselves and group with Python's threes; CLDR (through Babel) must agree
    # on where the separators go for every language we serve.
    locale = translation.to_locale(language)
    expected = babel_format_decimal(Decimal(value), format="#,##0.00", locale=locale)
    with translation.override(language):
        ours = format_value(Decimal(value))
    assert ours.replace("−", "-") == expected


def test_the_symbols_come_from_the_active_language():
    assert number_symbols("pl") == (",", NBSP)
    assert number_symbols("zh-hant") == (".", ",")
    assert number_symbols("xx") == (".", ",")


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("60 000,5", "60000.5"),  # a plain space, as a learner types it
        (f"60{NBSP}000,50", "60000.50"),  # copied from the page
        ("60\u202f000,5", "60000.5"),  # a narrow no-break space
        ("1234,56", "1234.56"),
        ("1 234 567,8", "1234567.8"),
        ("60000.5", "60000.5"),  # the plain form is accepted in every language
        ("−1 000,25", "-1000.25"),  # the page's minus sign
        ("0,025", "0.025"),
    ],
)
def test_polish_forms_accept_numbers_written_the_polish_way(typed, plain):
    assert display_number_format("pl").to_plain(typed) == plain


def test_polish_does_not_read_an_english_thousands_comma_as_thousands():
    # In Polish "60,000" is sixty (a decimal comma), never sixty thousand.
    assert display_number_format("pl").to_plain("60,000") == "60.000"
    # And a grouping no Polish page prints is left for the strict parser to refuse.
    assert display_number_format("pl").to_plain("60 00,5") == "60 00,5"


@pytest.mark.parametrize("language", LANGUAGES)
@given(
    value=st.decimals(
        min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False
    )
)
def test_what_a_page_prints_reads_back_as_the_same_number(language, value):
    with translation.override(language):
        shown = format_value(value)
    plain = display_number_format(language).to_plain(shown)
    messages = StrictDecimalField().error_messages
    assert parse_decimal(plain, messages) == value.quantize(Decimal("0.01"))
