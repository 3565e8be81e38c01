"""How numbers are written for people: the one home of display formatting.

Plain functions, no Django: domain code (ledger memos, service messages) and the
template filters in ``config/templatetags/money.py`` both call these, so a number is
written the same way in a message, a page and a chart.

Amounts are ``Decimal`` end to end; a float reaching here is a bug upstream, so these
functions refuse it loudly instead of printing a rounded lie.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

from calculators.instruments import INSTRUMENTS, USDC, USDT

# Stablecoins are shown like cash; crypto assets keep all 8 ledger places.
DISPLAY_PLACES = {USDT: 2, USDC: 2}
LEDGER_PLACES = 8
# Wide enough that quantizing any amount a form accepts (up to 1e15 and beyond) cannot
# overflow the precision, whatever the thread's default context is.
_CONTEXT = Context(prec=80, rounding=ROUND_HALF_EVEN)


def as_decimal(value) -> Decimal | None:
    """``value`` as a Decimal (``None``/"" → None); floats and garbage raise TypeError."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise TypeError("money formatting refuses floats: pass a Decimal")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TypeError(f"not a decimal amount: {value!r}") from None


def format_decimal(value: Decimal, places: int, *, trim: bool = False) -> str:
    """``value`` rounded half-even to ``places``, with thousands separators."""
    if not value.is_finite():
        raise TypeError("cannot format a non-finite number")
    rounded = value.quantize(Decimal(1).scaleb(-places), context=_CONTEXT)
    text = f"{rounded:,.{places}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def format_money(value, places: int = 2) -> str:
    """1,234.50 (``places`` decimals); "—" for no value."""
    number = as_decimal(value)
    if number is None:
        return "—"
    return format_decimal(number, int(places))


def format_amount(value, asset: str = "") -> str:
    """An asset amount with that asset's display places: USDT 2, BTC up to 8 (trimmed)."""
    number = as_decimal(value)
    if number is None:
        return "—"
    places = DISPLAY_PLACES.get(str(asset).upper())
    if places is not None:
        return format_decimal(number, places)
    return format_decimal(number, LEDGER_PLACES, trim=True)


def format_price(symbol: str, price) -> str:
    """A price at the symbol's tick places (2 for USDT pairs, 4 for USDC/USDT)."""
    return format_money(price, INSTRUMENTS[symbol].price_places)
