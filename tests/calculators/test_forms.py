"""The calculator forms read symbols, margin kinds and thresholds from their one declaration."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from calculators import fields, forms, formulas, instruments


def test_symbol_choices_are_the_futures_instruments():
    for form in (forms.LiquidationPriceForm, forms.MaxOpenForm):
        choices = [value for value, _label in form.base_fields["symbol"].choices]
        assert choices == list(instruments.FUTURES_SYMBOLS)


def test_margin_kind_choices_are_the_declared_kinds():
    for form in (forms.MarginLevelForm, forms.MaxBorrowForm):
        field = form.base_fields["margin_kind"]
        assert [value for value, _label in field.choices] == list(formulas.MARGIN_KINDS)
        assert [str(label) for _value, label in field.choices] == ["Cross 3x", "Cross 5x"]


def test_threshold_help_texts_follow_the_declaration(monkeypatch):
    help_text = forms.MarginLevelForm.base_fields["margin_kind"].help_text
    assert str(help_text) == (
        "Cross 3x: margin call at 1.3, liquidation at 1.1. "
        "Cross 5x: margin call at 1.16, liquidation at 1.1."
    )
    # Change the declaration: the help text follows, because it is read from there.
    changed = replace(formulas.MARGIN_KINDS["cross3x"], margin_call=Decimal("1.35"))
    monkeypatch.setitem(formulas.MARGIN_KINDS, "cross3x", changed)
    assert "Cross 3x: margin call at 1.35," in str(help_text)


def test_level_help_texts_state_the_default_kinds_levels():
    fields = forms.MarginLiquidationPriceForm.base_fields
    kind = formulas.MARGIN_KINDS[formulas.DEFAULT_MARGIN_KIND]
    assert f"({kind.liquidation:f} if left empty)" in str(fields["liquidation_level"].help_text)
    assert f"({kind.margin_call:f} if left empty)" in str(fields["margin_call_level"].help_text)


def test_the_leverage_help_text_states_the_highest_leverage_of_the_brackets():
    help_text = str(forms.InitialMarginForm.base_fields["leverage"].help_text)
    highest = max(formulas.symbol_max_leverage(s) for s in instruments.FUTURES_SYMBOLS)
    assert help_text.endswith(f"from 1 to {highest}.")


def test_a_page_form_reads_thousands_separators_and_the_api_form_does_not():
    data = {"quantity": "1,000", "entry_price": "60,000.50", "leverage": "10"}
    page = forms.InitialMarginForm(data, number_format=fields.display_number_format("en"))
    assert page.compute() is not None
    assert page.cleaned_data["entry_price"] == Decimal("60000.50")
    assert page.cleaned_data["quantity"] == Decimal("1000")

    api = forms.InitialMarginForm(data)
    assert api.compute() is None
    assert "Enter a plain number" in api.errors["entry_price"][0]


def test_a_badly_grouped_number_is_refused_on_pages_too():
    data = {"quantity": "1", "entry_price": "6,00", "leverage": "10"}
    page = forms.InitialMarginForm(data, number_format=fields.display_number_format("en"))
    assert page.compute() is None
    assert "entry_price" in page.errors
