"""How numbers are written for people: the one home of display formatting (SPEC §7).

Plain functions: domain code (ledger memos, service messages), the template filters in
``config/templatetags/money.py``, the calculator results, their steps and their charts
all call these, so a number is written the same way everywhere.

The language decides the separators (docs/i18n.md): English and Traditional Chinese
write 60,000.50, Polish writes 60 000,50 (a no-break space between thousands, a decimal
comma). The symbols come from Babel's copy of the Unicode CLDR data for the language
active in Django's translation machinery (``language=`` overrides it); the rounding
rules below are ours and the same in every language.

The rules, one function each:

- prices at the symbol's tick (USDT pairs 2 places, USDC 4): ``format_price``
- USDT (and other stablecoin) values at 2 places: ``format_value``
- quantities of a coin up to 8 places without trailing zeros: ``format_quantity``
- ratios (margin level) at 2 places **rounded down**, so a level just under a
  threshold never reads as the threshold: ``format_ratio``
- percentages at 2 places: ``format_percent``; interest rates as quoted, up to 8
  places (0.00083333 %/h would read "0.00" at 2): ``format_rate``
- whole numbers (a bracket, charged hours): ``format_count``
- ``format_number(value, kind)`` picks one of the above from a kind name (``KINDS``).

Negative numbers use the minus sign "−" (U+2212), never a hyphen; the JSON API does not
come through here (it keeps plain "-" and 8 places).

Amounts are ``Decimal`` end to end; a float reaching here is a bug upstream, so these
functions refuse it loudly instead of printing a rounded lie.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

from babel import Locale, UnknownLocaleError
from babel.numbers import get_decimal_symbol, get_group_symbol
from django.utils.translation import get_language, to_locale

from calculators.instruments import DEFAULT_SYMBOL, INSTRUMENTS, USDC, USDT

MINUS = "\u2212"
NO_VALUE = "—"
# Stablecoins are shown like cash; crypto assets keep all 8 ledger places.
DISPLAY_PLACES = {USDT: 2, USDC: 2}
LEDGER_PLACES = 8
VALUE_PLACES = 2
RATIO_PLACES = 2
PERCENT_PLACES = 2
# Wide enough that quantizing any amount a form accepts (up to 1e15 and beyond) cannot
# overflow the precision, whatever the thread's default context is.
_CONTEXT = Context(prec=80, rounding=ROUND_HALF_EVEN)

# The kinds of number a page shows (calculators/definitions.py declares one per result).
PRICE = "price"
VALUE = "value"
QUANTITY = "quantity"
RATIO = "ratio"
PERCENT = "percent"
RATE = "rate"
COUNT = "count"
FRACTION = "fraction"
KINDS = frozenset({PRICE, VALUE, QUANTITY, RATIO, PERCENT, RATE, COUNT, FRACTION})


class NumberSymbols(NamedTuple):
    """How a language writes a number: its decimal mark and its thousands separator."""

    decimal: str
    group: str


ENGLISH_SYMBOLS = NumberSymbols(decimal=".", group=",")


@lru_cache(maxsize=32)
def _symbols_of(language: str) -> NumberSymbols:
    try:
        locale = Locale.parse(to_locale(language))
    except (UnknownLocaleError, ValueError):
        return ENGLISH_SYMBOLS
    return NumberSymbols(
        decimal=get_decimal_symbol(locale, numbering_system="latn"),
        group=get_group_symbol(locale, numbering_system="latn"),
    )


# Set by ``numbers_in``: the language numbers are written in, whatever the language of
# the words (the JSON API writes its numbers the English way for every client).
_NUMBERS_LANGUAGE: ContextVar[str | None] = ContextVar("numbers_language", default=None)


@contextmanager
def numbers_in(language: str) -> Iterator[None]:
    """Within the block, numbers are written in ``language``; words keep theirs."""
    token = _NUMBERS_LANGUAGE.set(language)
    try:
        yield
    finally:
        _NUMBERS_LANGUAGE.reset(token)


def number_symbols(language: str | None = None) -> NumberSymbols:
    """The separators of ``language`` (default: ``numbers_in``'s, else the active
    language; English if none)."""
    code = language or _NUMBERS_LANGUAGE.get() or get_language() or "en"
    return _symbols_of(code.lower())


def as_decimal(value) -> Decimal | None:
    """``value`` as a Decimal (``None``/"" → None); floats and garbage raise TypeError."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise TypeError("money formatting refuses floats: pass a Decimal")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("not a decimal amount: a boolean")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise TypeError(f"not a decimal amount: {value!r}") from None


def with_minus(text: str) -> str:
    """``text`` with a leading hyphen-minus written as the minus sign "−"."""
    return MINUS + text[1:] if text.startswith("-") else text


def format_decimal(
    value: Decimal,
    places: int,
    *,
    trim: bool = False,
    rounding: str = ROUND_HALF_EVEN,
    language: str | None = None,
) -> str:
    """``value`` rounded to ``places`` (half-even unless told), thousands separators of the
    language, "−"."""
    if not value.is_finite():
        raise TypeError("cannot format a non-finite number")
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=rounding, context=_CONTEXT)
    # Python groups by threes, as CLDR does for every language we serve (a test checks
    # this against Babel's own formatter); then the language's symbols replace ours.
    text = f"{rounded:,.{places}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.lstrip("-").strip("0.,") == "":
        # A value that rounds to zero is zero: never "−0.00".
        text = text.lstrip("-")
    return with_minus(localize_separators(text, language)) or "0"


def localize_separators(text: str, language: str | None = None) -> str:
    """``text`` written with "," between thousands and "." before the fraction (Python's
    ``f"{x:,f}"``), rewritten with the separators of ``language`` (default: active)."""
    symbols = number_symbols(language)
    if symbols == ENGLISH_SYMBOLS:
        return text
    return text.translate({ord(","): symbols.group, ord("."): symbols.decimal})


def _format(value, places: int, **options) -> str:
    number = as_decimal(value)
    if number is None:
        return NO_VALUE
    return format_decimal(number, places, **options)


def format_money(value, places: int = 2) -> str:
    """1,234.50 (``places`` decimals); "—" for no value."""
    return _format(value, int(places))


def format_value(value, asset: str = USDT) -> str:
    """A value in a stablecoin (USDT, USDC): 2 places, half-even."""
    return _format(value, DISPLAY_PLACES.get(str(asset).upper(), VALUE_PLACES))


def format_quantity(value) -> str:
    """A quantity of a coin: up to 8 places, no trailing zeros (0.5, 0.00012345, 3)."""
    return _format(value, LEDGER_PLACES, trim=True)


def format_amount(value, asset: str = "") -> str:
    """An asset amount with that asset's display places: USDT 2, BTC up to 8 (trimmed)."""
    if str(asset).upper() in DISPLAY_PLACES:
        return format_value(value, asset)
    return format_quantity(value)


def format_round_amount(value, asset: str) -> str:
    """A round amount as people write a rule: "10,000 USDT" (pl "10 000 USDT"), not
    "10,000.00 USDT"; an amount with a fraction keeps it."""
    text = format_amount(value, asset)
    return f"{text.removesuffix(number_symbols().decimal + '00')} {asset}"


def format_price(symbol: str, price) -> str:
    """A price at the symbol's tick places (2 for USDT pairs, 4 for USDC/USDT)."""
    return format_money(price, INSTRUMENTS[symbol].price_places)


def format_ratio(value) -> str:
    """A ratio such as a margin level: 2 places, rounded **down** (1.29999 → 1.29), so a
    level under a threshold (1.3) never reads as the threshold."""
    return _format(value, RATIO_PLACES, rounding=ROUND_FLOOR)


def format_percent(value) -> str:
    """A percentage (ROE, a price move): 2 places, half-even; the caller adds "%"."""
    return _format(value, PERCENT_PLACES)


def format_rate(value) -> str:
    """An interest rate in percent as exchanges quote it: up to 8 places, trimmed."""
    return _format(value, LEDGER_PLACES, trim=True)


def format_count(value) -> str:
    """A whole number: 1, 25, 1,440."""
    return _format(value, 0)


def format_number(value, kind: str, *, symbol: str = DEFAULT_SYMBOL) -> str:
    """``value`` written the way its kind is written (``KINDS``); "—" for no value.

    ``fraction`` (a rate such as 0.004) is written as given, up to 8 places; pages show
    its percentage beside it with ``format_percent``.
    """
    if kind == PRICE:
        return format_price(symbol, value)
    if kind == VALUE:
        return format_value(value)
    if kind in {QUANTITY, RATE, FRACTION}:
        return format_quantity(value)
    if kind == RATIO:
        return format_ratio(value)
    if kind == PERCENT:
        return format_percent(value)
    if kind == COUNT:
        return format_count(value)
    raise ValueError(f"unknown kind of number {kind!r}")
