"""The strict fields every calculator input goes through."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from calculators.fields import (
    EntryListField,
    NumberFormat,
    StrictBooleanField,
    StrictDecimalField,
    display_number_format,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30000", Decimal("30000")),
        ("+0.5", Decimal("0.5")),
        (".25", Decimal("0.25")),
        ("  12.5 ", Decimal("12.5")),
        ("1000000000000000", Decimal("1e15")),
        ("0.000000000000000001", Decimal("1e-18")),
    ],
)
def test_it_reads_plain_decimals(text, value):
    assert StrictDecimalField().clean(text) == value


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("NaN", "invalid"),
        ("sNaN", "invalid"),
        ("Infinity", "invalid"),
        ("inf", "invalid"),
        ("1e3", "invalid"),
        ("1_000", "invalid"),
        ("1,000", "invalid"),
        ("٣", "invalid"),
        ("", "required"),
        ("1000000000000000.1", "too_large"),
        ("0.0000000000000000001", "places"),
        ("1" * 41, "too_long"),
        ("-1", "positive"),
        ("0", "positive"),
    ],
)
def test_it_refuses_everything_else_with_a_reason(text, code):
    with pytest.raises(ValidationError) as caught:
        StrictDecimalField().clean(text)
    assert caught.value.code == code


def test_the_minimum_rule_decides_about_zero_and_negatives():
    assert StrictDecimalField(minimum="non_negative").clean("0") == 0
    assert StrictDecimalField(minimum="any").clean("-12.5") == Decimal("-12.5")
    with pytest.raises(ValidationError):
        StrictDecimalField(minimum="non_negative").clean("-0.1")


def test_ranges_narrow_the_field():
    leverage = StrictDecimalField(min_value=Decimal(1), max_value=Decimal(125))
    assert leverage.clean("125") == 125
    for text in ("0.5", "125.01"):
        with pytest.raises(ValidationError):
            leverage.clean(text)
    rate = StrictDecimalField(minimum="non_negative", below_value=Decimal(1))
    with pytest.raises(ValidationError):
        rate.clean("1")


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=0, max_value=10**15))
def test_any_plain_decimal_in_range_round_trips(value):
    assert StrictDecimalField(minimum="non_negative").clean(f"{value:f}") == value


@pytest.mark.parametrize(
    ("text", "value"), [("true", True), ("ON", True), ("0", False), ("", False)]
)
def test_booleans(text, value):
    assert StrictBooleanField().clean(text) is value


def test_a_boolean_refuses_other_words():
    with pytest.raises(ValidationError):
        StrictBooleanField().clean("maybe")


def test_fills_skip_blank_boxes_and_name_the_bad_one():
    field = EntryListField()
    assert field.clean(["100@1", "", " 200@3 "]) == [
        (Decimal(100), Decimal(1)),
        (Decimal(200), Decimal(3)),
    ]
    with pytest.raises(ValidationError) as caught:
        field.clean(["100@1", "200@-3"])
    assert "Fill 2" in caught.value.messages[0]


def test_only_calculator_forms_share_their_fields_between_instances():
    from django import forms

    from calculators.forms import PnlForm

    class OtherForm(forms.Form):
        amount = StrictDecimalField()

    assert OtherForm().fields["amount"] is not OtherForm.base_fields["amount"]
    assert PnlForm().fields["quantity"] is PnlForm.base_fields["quantity"]
    # Sharing is safe because nothing per-request lives on the field.
    first, second = PnlForm({"quantity": "1"}), PnlForm({"quantity": "-1"})
    assert first.is_valid() is False and second.is_valid() is False
    assert "quantity" not in first.errors
    assert "quantity" in second.errors


def test_the_fill_boxes_never_outnumber_the_fills_the_field_takes():
    field = EntryListField(min_entries=2, max_entries=5)
    assert len(field.widget.rows(["1@1"] * 5, None)) == 5
    assert len(field.widget.rows(["1@1"] * 3, {"rows": "9"})) == 5


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("60,000", "60000"),
        ("60,000.50", "60000.50"),
        ("1,234,567.125", "1234567.125"),
        ("-1,500", "-1500"),
        (" +2,000 ", "+2000"),
        ("60000", "60000"),
        ("0.5", "0.5"),
        # Not a number written the page's way: left alone for the strict parser to refuse.
        ("6,00", "6,00"),
        ("60,0000", "60,0000"),
        ("1,2,3", "1,2,3"),
        (",5", ",5"),
        ("1e3", "1e3"),
    ],
)
def test_the_page_number_format_reads_what_the_pages_print(text, plain):
    assert display_number_format("en").to_plain(text) == plain


def test_a_language_can_plug_in_its_own_separators():
    polish = NumberFormat(decimal=",", group="\u00a0")
    assert polish.to_plain("60\u00a0000,5") == "60000.5"
    assert polish.to_plain("60,5") == "60.5"
    assert polish.to_plain("60.5") == "60.5"  # a plain decimal still reads as itself
    assert display_number_format("xx-yy") == display_number_format("en")
    with pytest.raises(ValueError):
        NumberFormat(decimal=",", group=",")
