"""Template filters for money and prices; the formatting itself is ``config.formatting``."""

from __future__ import annotations

from django import template

from config.formatting import format_amount, format_money, format_price

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
