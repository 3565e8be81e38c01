"""The one place money and prices are formatted for display.

Amounts are `Decimal` end to end; a float reaching a template is a bug upstream,
so these filters refuse it loudly instead of printing a rounded lie.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django import template

register = template.Library()

# Stablecoins are shown like cash; crypto assets keep all 8 ledger places.
DISPLAY_PLACES = {"USDT": 2, "USDC": 2}
LEDGER_PLACES = 8


def _as_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise TypeError("money filters refuse floats: pass a Decimal")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TypeError(f"not a decimal amount: {value!r}") from None


def format_decimal(value: Decimal, places: int, *, trim: bool = False) -> str:
    quantum = Decimal(1).scaleb(-places)
    text = f"{value.quantize(quantum, rounding=ROUND_HALF_EVEN):,.{places}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


@register.filter
def money(value, places: int | str = 2) -> str:
    """`{{ amount|money }}` → 1,234.50; `{{ amount|money:8 }}` for more places."""
    number = _as_decimal(value)
    if number is None:
        return "—"
    return format_decimal(number, int(places))


@register.filter
def amount(value, asset: str = "") -> str:
    """An asset amount with that asset's display places: USDT 2, BTC 8 (trailing zeros trimmed)."""
    number = _as_decimal(value)
    if number is None:
        return "—"
    places = DISPLAY_PLACES.get(str(asset).upper())
    if places is not None:
        return format_decimal(number, places)
    return format_decimal(number, LEDGER_PLACES, trim=True)


@register.filter
def number(value) -> str:
    """A plain decimal without exponent or trailing zeros (inputs echoed back, ratios)."""
    value = _as_decimal(value)
    if value is None:
        return "—"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
