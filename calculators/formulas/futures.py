"""USDⓈ-M futures: sides, leverage brackets (SPEC §5.4), margin, PnL, ROE, target price,
the bracket-aware liquidation price (SPEC §5.3) and the largest position one can open.

Building blocks return unrounded values; callers round once, at output.
``maintenance_margin_rate`` and ``Bracket.mmr`` are fractions (0.025 means 2.5 %), as in the
exchange's bracket tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from calculators import instruments
from calculators.formulas.errors import CalculatorInputError, gettext_noop, require_non_negative
from calculators.formulas.rounding import HUNDRED, ONE, ZERO, exact

# ---------------------------------------------------------------------------------------------
# Side

LONG = "long"
SHORT = "short"
SIDES = (LONG, SHORT)


def side_sign(side: str) -> int:
    """+1 for ``"long"``, −1 for ``"short"``; anything else is an input error on ``side``."""
    if side == LONG:
        return 1
    if side == SHORT:
        return -1
    raise CalculatorInputError("side", gettext_noop("Choose long or short."))


# ---------------------------------------------------------------------------------------------
# Leverage brackets (SPEC §5.4)


@dataclass(frozen=True, slots=True)
class Bracket:
    """One row of a leverage-bracket table: it covers notionals ``floor ≤ n < cap``.

    ``mmr`` is the maintenance margin rate as a fraction, ``cum`` the maintenance amount.
    ``cap`` and ``max_leverage`` are ``None`` for a fixed bracket the learner types in.
    """

    index: int
    floor: Decimal
    cap: Decimal | None
    max_leverage: int | None
    mmr: Decimal
    cum: Decimal


BRACKETS_FILE = Path(__file__).resolve().parent.parent / "data" / "brackets.json"


def load_brackets(path: Path) -> dict[str, tuple[Bracket, ...]]:
    """The bracket tables of ``path``, checked against :mod:`calculators.instruments`.

    A table for a symbol that is not a futures instrument, or a futures instrument without a
    table, raises ``ValueError``: the two declarations must agree before anything is priced.
    """
    # parse_float keeps any unquoted decimal in the file out of binary floating point.
    raw = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    table: dict[str, tuple[Bracket, ...]] = {}
    for symbol, rows in raw["symbols"].items():
        brackets = tuple(
            Bracket(
                index=index,
                floor=Decimal(row["floor"]),
                cap=Decimal(row["cap"]),
                max_leverage=int(row["max_leverage"]),
                mmr=Decimal(row["mmr"]),
                cum=Decimal(row["cum"]),
            )
            for index, row in enumerate(rows, start=1)
        )
        _check_table(symbol, brackets)
        table[symbol] = brackets
    unknown = sorted(set(table) - set(instruments.FUTURES_SYMBOLS))
    if unknown:
        raise ValueError(f"{path.name}: not a futures instrument: {', '.join(unknown)}")
    missing = [s for s in instruments.FUTURES_SYMBOLS if s not in table]
    if missing:
        raise ValueError(f"{path.name}: no leverage brackets for {', '.join(missing)}")
    # In the instruments' order, so every list of symbols reads the same.
    return {symbol: table[symbol] for symbol in instruments.FUTURES_SYMBOLS}


def _check_table(symbol: str, brackets: tuple[Bracket, ...]) -> None:
    # The liquidation solver relies on this shape (contiguous, rates rising); a broken data
    # file must stop the app at start-up rather than price a position wrongly.
    if not brackets or brackets[0].floor != 0:
        raise ValueError(f"{symbol}: the first bracket must start at 0")
    for lower, upper in pairwise(brackets):
        if lower.cap != upper.floor or upper.mmr <= lower.mmr:
            raise ValueError(f"{symbol}: bracket {upper.index} does not continue {lower.index}")


BRACKETS: dict[str, tuple[Bracket, ...]] = load_brackets(BRACKETS_FILE)
FUTURES_SYMBOLS = instruments.FUTURES_SYMBOLS
DEFAULT_SYMBOL = instruments.DEFAULT_SYMBOL


def brackets_for_symbol(symbol: str) -> tuple[Bracket, ...]:
    """The bracket table of ``symbol``; an unknown symbol is an input error on ``symbol``."""
    try:
        return BRACKETS[symbol]
    except KeyError:
        raise CalculatorInputError("symbol", gettext_noop("Choose a listed symbol.")) from None


def symbol_max_leverage(symbol: str) -> int:
    """The highest leverage ``symbol`` allows (that of its first bracket)."""
    return max(b.max_leverage or 0 for b in brackets_for_symbol(symbol))


@exact
def fixed_bracket(
    *, maintenance_margin_rate: Decimal, maintenance_amount: Decimal
) -> tuple[Bracket]:
    """A one-bracket table (0 to unbounded) from a rate and amount the learner types in.

    The rate must be below 1: at 100 % a long's margin balance and maintenance margin move
    together and no price solves the liquidation equation.
    """
    require_non_negative("maintenance_margin_rate", maintenance_margin_rate)
    require_non_negative("maintenance_amount", maintenance_amount)
    if maintenance_margin_rate >= 1:
        raise CalculatorInputError(
            "maintenance_margin_rate",
            gettext_noop("Enter the rate as a fraction below 1, e.g. 0.025 for 2.5 percent."),
        )
    return (
        Bracket(
            index=1,
            floor=ZERO,
            cap=None,
            max_leverage=None,
            mmr=maintenance_margin_rate,
            cum=maintenance_amount,
        ),
    )


def upper_bound(bracket: Bracket, brackets: Sequence[Bracket]) -> Decimal | None:
    # The last bracket is open-ended: a notional past the table's last cap (reachable only by
    # a price move, never by opening) keeps that bracket's rate, which keeps the maintenance
    # margin continuous and the liquidation price defined.
    return None if bracket is brackets[-1] else bracket.cap


def bracket_for_notional(*, notional: Decimal, brackets: Sequence[Bracket]) -> Bracket:
    """The bracket with ``floor ≤ notional < cap`` (the last bracket beyond the table's end)."""
    if notional < 0:
        raise ValueError("a notional is never negative")
    for bracket in brackets[:-1]:
        if bracket.cap is None or notional < bracket.cap:
            return bracket
    return brackets[-1]


@exact
def maintenance_margin(*, notional: Decimal, brackets: Sequence[Bracket]) -> Decimal:
    """Maintenance margin of a position: ``notional × MMR_b − cum_b`` in the notional's bracket."""
    bracket = bracket_for_notional(notional=notional, brackets=brackets)
    return notional * bracket.mmr - bracket.cum


# ---------------------------------------------------------------------------------------------
# Positions: margin, PnL, ROE, target price


@exact
def initial_margin_value(*, notional: Decimal, leverage: Decimal) -> Decimal:
    """Margin put up to open a position: ``notional ÷ leverage``."""
    return notional / leverage


@exact
def unrealized_pnl(
    *, side: str, entry_price: Decimal, mark_price: Decimal, quantity: Decimal
) -> Decimal:
    """Profit (or loss) if closed at ``mark_price``: ``side × (mark − entry) × quantity``."""
    return side_sign(side) * (mark_price - entry_price) * quantity


@exact
def roe_percent_value(*, pnl: Decimal, initial_margin: Decimal) -> Decimal:
    """Return on equity in percent: ``pnl ÷ initial margin × 100``."""
    return pnl / initial_margin * HUNDRED


@exact
def target_price_value(
    *, side: str, entry_price: Decimal, leverage: Decimal, roe_percent: Decimal
) -> Decimal:
    """Exit price that earns ``roe_percent``: ``entry × (1 + side × ROE ÷ 100 ÷ leverage)``.

    Unrounded and possibly ≤ 0 (a loss no price can reach); callers decide what that means.
    """
    return entry_price * (ONE + side_sign(side) * roe_percent / HUNDRED / leverage)


@exact
def price_move_percent(*, side: str, leverage: Decimal, roe_percent: Decimal) -> Decimal:
    """The price change (in percent of the entry) that earns ``roe_percent`` at ``leverage``:
    ``side × ROE ÷ leverage`` — leverage multiplies every move of the price."""
    return side_sign(side) * roe_percent / leverage


@exact
def borrowed_value(*, notional: Decimal, initial_margin: Decimal) -> Decimal:
    """The part of a leveraged position the trader does not pay: ``notional − initial margin``."""
    return notional - initial_margin


# ---------------------------------------------------------------------------------------------
# USDⓈ-M liquidation price (SPEC §5.3)

ISOLATED = "isolated"
CROSS = "cross"
MARGIN_MODES = (ISOLATED, CROSS)


@dataclass(frozen=True, slots=True)
class LiquidationSolution:
    """Unrounded solution of the liquidation equation.

    ``price`` is ``None`` when the solution is ≤ 0. ``bracket`` is the bracket of the notional
    at ``price``; without a price it is the bracket at the entry notional (the one in force
    now). ``candidate`` is the equation's value in ``bracket`` — the liquidation price, or the
    non-positive number that shows why there is none.
    """

    price: Decimal | None
    bracket: Bracket
    candidate: Decimal


@exact
def liquidation_price_in_bracket(
    *,
    side: str,
    entry_price: Decimal,
    quantity: Decimal,
    wallet_balance: Decimal,
    bracket: Bracket,
    other_maintenance_margin: Decimal = ZERO,
    other_unrealized_pnl: Decimal = ZERO,
) -> Decimal:
    """Binance's one-way formula with one bracket's rate and amount, unrounded:

    ``LP = (WB − TMM1 + UPNL1 + cum − side × Q × EP) ÷ (Q × MMR − side × Q)``.
    """
    sign = side_sign(side)
    numerator = (
        wallet_balance
        - other_maintenance_margin
        + other_unrealized_pnl
        + bracket.cum
        - sign * quantity * entry_price
    )
    return numerator / (quantity * bracket.mmr - sign * quantity)


@exact
def liquidation_price_value(
    *,
    side: str,
    entry_price: Decimal,
    quantity: Decimal,
    wallet_balance: Decimal,
    brackets: Sequence[Bracket],
    other_maintenance_margin: Decimal = ZERO,
    other_unrealized_pnl: Decimal = ZERO,
) -> LiquidationSolution:
    """The price at which margin balance equals maintenance margin, with the bracket of the
    notional *at that price* (not at entry).

    The equation is solved in every bracket and the bracket whose notional ``Q × LP`` lies in
    ``[floor, cap)`` wins. Because the ``cum`` values make maintenance margin continuous and
    rates rise with the bracket, maintenance margin is the largest of the brackets' lines, so
    exactly one bracket matches; it is also the highest candidate for a long and the lowest
    for a short. That extreme is used when rounding in the 50th digit puts a solution sitting
    exactly on a bracket floor a hair outside both neighbours.
    """
    sign = side_sign(side)
    candidates = [
        (
            bracket,
            liquidation_price_in_bracket(
                side=side,
                entry_price=entry_price,
                quantity=quantity,
                wallet_balance=wallet_balance,
                bracket=bracket,
                other_maintenance_margin=other_maintenance_margin,
                other_unrealized_pnl=other_unrealized_pnl,
            ),
        )
        for bracket in brackets
    ]
    for bracket, price in candidates:
        at_price = quantity * price
        cap = upper_bound(bracket, brackets)
        if bracket.floor <= at_price and (cap is None or at_price < cap):
            chosen = (bracket, price)
            break
    else:
        pick = max if sign > 0 else min
        chosen = pick(candidates, key=lambda pair: pair[1])
    bracket, price = chosen
    if price > 0:
        return LiquidationSolution(price=price, bracket=bracket, candidate=price)
    at_entry = bracket_for_notional(notional=quantity * entry_price, brackets=brackets)
    return LiquidationSolution(
        price=None,
        bracket=at_entry,
        candidate=liquidation_price_in_bracket(
            side=side,
            entry_price=entry_price,
            quantity=quantity,
            wallet_balance=wallet_balance,
            bracket=at_entry,
            other_maintenance_margin=other_maintenance_margin,
            other_unrealized_pnl=other_unrealized_pnl,
        ),
    )


# ---------------------------------------------------------------------------------------------
# Max open


@dataclass(frozen=True, slots=True)
class MaxOpen:
    """Unrounded max-open answer: the notional, what limits it, the bracket whose cap applies."""

    max_notional: Decimal
    limited_by: str
    balance_notional: Decimal
    bracket: Bracket


LIMITED_BY_BALANCE = "balance"
LIMITED_BY_BRACKET = "bracket"


@exact
def max_open_notional(
    *, available_balance: Decimal, leverage: Decimal, brackets: Sequence[Bracket]
) -> MaxOpen:
    """Largest notional one can open: ``min(balance × leverage, cap)`` where cap is the largest
    cap among brackets whose max leverage ≥ ``leverage``.

    A tie counts as limited by the balance. Leverage above the table's maximum has no bracket
    and raises an input error on ``leverage``.
    """
    allowed = [b for b in brackets if b.max_leverage is not None and b.max_leverage >= leverage]
    if not allowed:
        highest = max((b.max_leverage or 0) for b in brackets)
        raise CalculatorInputError(
            "leverage",
            gettext_noop("This symbol allows at most %(max_leverage)s× leverage."),
            {"max_leverage": str(highest)},
        )
    bracket = max(allowed, key=lambda b: b.cap or ZERO)
    cap = bracket.cap if bracket.cap is not None else ZERO
    balance_notional = available_balance * leverage
    limited_by = LIMITED_BY_BALANCE if balance_notional <= cap else LIMITED_BY_BRACKET
    return MaxOpen(
        max_notional=min(balance_notional, cap),
        limited_by=limited_by,
        balance_notional=balance_notional,
        bracket=bracket,
    )
