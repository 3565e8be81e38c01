"""The one decimal context and the one place where numbers are rounded.

Every formula runs in :data:`CONTEXT` (50 significant digits, half-even, traps on), whatever
context the caller has set, so every process produces the same digits. Building blocks
return unrounded values; a result is rounded once, at output, with :func:`quantize8`
(amounts a learner or the ledger sees) or :func:`floor8` (a quantity bought with a sum of
money, which must never cost more than asked).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from functools import wraps
from typing import ParamSpec, TypeVar

PRECISION = 50
CONTEXT = Context(
    prec=PRECISION,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
EIGHT_PLACES = Decimal("1E-8")
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def exact(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` in :data:`CONTEXT`, so the caller's context cannot change a digit."""

    @wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(CONTEXT):
            return func(*args, **kwargs)

    return wrapper


def _to_eight_places(x: Decimal, rounding: str) -> Decimal:
    if not x.is_finite():
        raise ValueError("cannot round a non-finite number")
    with localcontext(CONTEXT) as ctx:
        # quantize needs room for every integer digit plus the 8 places, or it traps.
        ctx.prec = max(PRECISION, x.adjusted() + 10)
        return x.quantize(EIGHT_PLACES, rounding=rounding)


def quantize8(x: Decimal) -> Decimal:
    """Round to exactly 8 decimal places, half-even; ``-0`` becomes ``0``.

    The one rounding step of every result, of every ledger amount and of every interest
    charge the sandbox posts.
    """
    rounded = _to_eight_places(x, ROUND_HALF_EVEN)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def floor8(x: Decimal) -> Decimal:
    """Round *down* to 8 places: a quantity derived from money (an order sized in USDT)
    must never spend more than asked, so it is never rounded up."""
    return _to_eight_places(x, ROUND_DOWN)


def ceil8(x: Decimal) -> Decimal:
    """Round *up* to 8 places: an amount that must be enough (a transfer that has to
    reach a margin level, a quantity that has to cover a debt)."""
    return _to_eight_places(x, ROUND_CEILING)


@exact
def divide(numerator: Decimal, denominator: Decimal) -> Decimal:
    """``numerator ÷ denominator`` to 50 significant digits — far past the 8 places anything
    keeps — for callers outside the formulas (the sandbox engine) that must not depend on
    the thread's context. Division by zero raises ``decimal.DivisionByZero``."""
    return numerator / denominator


def plain_decimal(x: Decimal) -> str:
    """``x`` as a plain decimal string, never in exponent form (``str(Decimal("0E-8"))`` is
    ``"0E-8"``); the form the JSON API uses for numbers."""
    return f"{x:f}"
