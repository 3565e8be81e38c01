"""Template filters for money, prices and the other kinds of number (SPEC §7); the
formatting itself is ``config.formatting``."""

from __future__ import annotations

from django import template

from config.formatting import (
    format_amount,
    format_money,
    format_number,
    format_percent,
    format_price,
    format_quantity,
    format_ratio,
    format_value,
)

register = template.Library()


@register.filter
def money(value, places: int | str = 2) -> str:
    """`{{ amount|money }}` → 1,234.50; `{{ amount|money:8 }}` for more places."""
    return format_money(value, int(places))


@register.filter
def amount(value, asset: str = "") -> str:
    """An asset amount with that asset's display places: USDT 2, BTC 8 (trailing zeros trimmed)."""
    return format_amount(value, asset)


@register.filter
def price(value, symbol: str) -> str:
    """`{{ index|price:"BTCUSDT" }}` → the price at the symbol's tick places."""
    return format_price(symbol, value)


@register.filter
def usdt(value) -> str:
    """`{{ margin|usdt }}` → a USDT value at 2 places."""
    return format_value(value)


@register.filter
def quantity(value) -> str:
    """`{{ qty|quantity }}` → up to 8 places without trailing zeros."""
    return format_quantity(value)


@register.filter
def ratio(value) -> str:
    """`{{ level|ratio }}` → 2 places rounded down (1.29999 → 1.29)."""
    return format_ratio(value)


@register.filter
def percent(value) -> str:
    """`{{ roe|percent }}` → 2 places (the template writes the "%")."""
    return format_percent(value)


@register.filter
def number(value, kind: str) -> str:
    """`{{ value|number:"ratio" }}` → ``value`` written as its kind (config.formatting.KINDS)."""
    return format_number(value, kind)
