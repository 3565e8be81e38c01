"""Every trading formula of Margin Lab, in one place.

The calculator pages, the JSON API and the sandbox's risk engine all import this module, so
the number a learner works out by hand, the number a calculator shows and the number the
sandbox acts on are the same to the last digit.

House rules
- Pure Python: nothing from Django, no binary floating point. ``Decimal`` in, ``Decimal`` out.
- Arithmetic runs in one fixed decimal context (50 significant digits, half-even, traps on),
  whatever context the caller has set, so every process produces the same digits.
- Building blocks (``notional``, ``maintenance_margin``, ``liquidation_price_value`` …) return
  unrounded values. Calculators round each result once, at output, with :func:`quantize8`
  (8 decimal places, half-even, always exactly 8 places). A rounded value is never fed back
  into a later step; states (``margin_state``) are decided on unrounded levels.
- Rates named ``*_percent`` are percentages (2 means 2 %). ``maintenance_margin_rate`` and
  ``Bracket.mmr`` are fractions (0.025 means 2.5 %), as in the exchange's bracket tables — as
  input of the liquidation-price calculator and in its result.
- A combination of inputs that parses but makes no sense raises :class:`CalculatorInputError`
  naming the field to blame; the view shows it next to that field (HTTP 400 in the API).
- Labels, formulas and messages are wrapped in ``gettext_noop`` so ``makemessages`` finds them;
  the view translates them when it renders. The ``substituted`` text of a step holds only the
  learner's numbers and operators, so it is never translated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from functools import wraps
from itertools import pairwise
from pathlib import Path
from typing import ParamSpec, TypeVar


def gettext_noop(s: str) -> str:
    """Mark ``s`` for translation without translating it (``makemessages`` looks for this name)."""
    return s


# ---------------------------------------------------------------------------------------------
# Precision and rounding

_PRECISION = 50
_CONTEXT = Context(
    prec=_PRECISION,
    rounding=ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
_EIGHT_PLACES = Decimal("1E-8")
_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _exact(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``func`` in the module's fixed context, so the caller's context cannot change digits."""

    @wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(_CONTEXT):
            return func(*args, **kwargs)

    return wrapper


def quantize8(x: Decimal) -> Decimal:
    """Round to exactly 8 decimal places, half-even; ``-0`` becomes ``0``.

    The one rounding step of every result (and of every ledger amount in the sandbox).
    """
    if not x.is_finite():
        raise ValueError("cannot round a non-finite number")
    with localcontext(_CONTEXT) as ctx:
        # quantize needs room for every integer digit plus the 8 places, or it traps.
        ctx.prec = max(_PRECISION, x.adjusted() + 10)
        rounded = x.quantize(_EIGHT_PLACES, rounding=ROUND_HALF_EVEN)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def floor8(x: Decimal) -> Decimal:
    """Round *down* to 8 places: a quantity derived from money (an order sized in USDT)
    must never spend more than asked, so it is never rounded up."""
    if not x.is_finite():
        raise ValueError("cannot round a non-finite number")
    with localcontext(_CONTEXT) as ctx:
        ctx.prec = max(_PRECISION, x.adjusted() + 10)
        return x.quantize(_EIGHT_PLACES, rounding=ROUND_DOWN)


def plain_decimal(x: Decimal) -> str:
    """``x`` as a plain decimal string, never in exponent form (``str(Decimal("0E-8"))`` is
    ``"0E-8"``); the form the JSON API uses for numbers."""
    return f"{x:f}"


def _num(x: Decimal | int) -> str:
    """A number as the learner would write it: grouped, no exponent, no trailing zeros.

    Values are shown rounded to 8 places like the results; negatives are wrapped in
    parentheses so they read well inside a substituted formula.
    """
    value = Decimal(x) if isinstance(x, int) else quantize8(x)
    with localcontext(_CONTEXT):
        text = f"{value.normalize():,f}"
    return f"(−{text[1:]})" if text.startswith("-") else text


def _side_text(sign: int) -> str:
    return "(+1)" if sign > 0 else "(−1)"


# ---------------------------------------------------------------------------------------------
# Results and errors


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a worked solution: what is computed, the rule, the learner's numbers, the value.

    ``label`` and ``formula`` are marked for translation; ``value`` is rounded like a result
    (``None`` when the step has no number, e.g. "no liquidation price").
    """

    label: str
    formula: str
    substituted: str
    value: Decimal | None


@dataclass(frozen=True, slots=True)
class CalcResult:
    """What every calculator returns: results keyed by the API's result names, and the steps."""

    results: dict[str, Decimal | int | str | None]
    steps: list[Step]


class CalculatorInputError(ValueError):
    """Inputs that parse but make no sense together; ``field`` names the input to blame.

    ``message`` is the untranslated English template (marked with ``gettext_noop``) and
    ``params`` fills its ``%(name)s`` placeholders after translation. ``str(error)`` is the
    filled-in English message.
    """

    def __init__(self, field: str, message: str, params: Mapping[str, str] | None = None) -> None:
        self.field = field
        self.message = message
        self.params = dict(params or {})
        super().__init__(message % self.params if self.params else message)


def _step(label: str, formula: str, substituted: str, value: Decimal | int | None) -> Step:
    # Counts (a bracket number, charged hours) stay whole; amounts get the results' rounding.
    if isinstance(value, int):
        shown: Decimal | None = Decimal(value)
    else:
        shown = None if value is None else quantize8(value)
    return Step(label=label, formula=formula, substituted=substituted, value=shown)


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else quantize8(value)


def _require_finite(field: str, value: Decimal) -> None:
    if not isinstance(value, Decimal | int) or not Decimal(value).is_finite():
        raise CalculatorInputError(field, gettext_noop("Enter a finite number."))


def _require_positive(field: str, value: Decimal) -> None:
    _require_finite(field, value)
    if value <= 0:
        raise CalculatorInputError(field, gettext_noop("Enter a number greater than zero."))


def _require_non_negative(field: str, value: Decimal) -> None:
    _require_finite(field, value)
    if value < 0:
        raise CalculatorInputError(field, gettext_noop("Enter zero or a positive number."))


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


_BRACKETS_FILE = Path(__file__).resolve().parent / "data" / "brackets.json"


def _load_brackets(path: Path) -> dict[str, tuple[Bracket, ...]]:
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
    return table


def _check_table(symbol: str, brackets: tuple[Bracket, ...]) -> None:
    # The liquidation solver relies on this shape (contiguous, rates rising); a broken data
    # file must stop the app at start-up rather than price a position wrongly.
    if not brackets or brackets[0].floor != 0:
        raise ValueError(f"{symbol}: the first bracket must start at 0")
    for lower, upper in pairwise(brackets):
        if lower.cap != upper.floor or upper.mmr <= lower.mmr:
            raise ValueError(f"{symbol}: bracket {upper.index} does not continue {lower.index}")


BRACKETS: dict[str, tuple[Bracket, ...]] = _load_brackets(_BRACKETS_FILE)
SYMBOLS: tuple[str, ...] = tuple(BRACKETS)
DEFAULT_SYMBOL = "BTCUSDT"


def brackets_for_symbol(symbol: str) -> tuple[Bracket, ...]:
    """The bracket table of ``symbol``; an unknown symbol is an input error on ``symbol``."""
    try:
        return BRACKETS[symbol]
    except KeyError:
        raise CalculatorInputError("symbol", gettext_noop("Choose a listed symbol.")) from None


def symbol_max_leverage(symbol: str) -> int:
    """The highest leverage ``symbol`` allows (that of its first bracket)."""
    return max(b.max_leverage or 0 for b in brackets_for_symbol(symbol))


@_exact
def fixed_bracket(
    *, maintenance_margin_rate: Decimal, maintenance_amount: Decimal
) -> tuple[Bracket]:
    """A one-bracket table (0 to unbounded) from a rate and amount the learner types in.

    The rate must be below 1: at 100 % a long's margin balance and maintenance margin move
    together and no price solves the liquidation equation.
    """
    _require_non_negative("maintenance_margin_rate", maintenance_margin_rate)
    _require_non_negative("maintenance_amount", maintenance_amount)
    if maintenance_margin_rate >= 1:
        raise CalculatorInputError(
            "maintenance_margin_rate",
            gettext_noop("Enter the rate as a fraction below 1, e.g. 0.025 for 2.5 percent."),
        )
    return (
        Bracket(
            index=1,
            floor=_ZERO,
            cap=None,
            max_leverage=None,
            mmr=maintenance_margin_rate,
            cum=maintenance_amount,
        ),
    )


def _upper_bound(bracket: Bracket, brackets: Sequence[Bracket]) -> Decimal | None:
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


@_exact
def maintenance_margin(*, notional: Decimal, brackets: Sequence[Bracket]) -> Decimal:
    """Maintenance margin of a position: ``notional × MMR_b − cum_b`` in the notional's bracket."""
    bracket = bracket_for_notional(notional=notional, brackets=brackets)
    return notional * bracket.mmr - bracket.cum


# ---------------------------------------------------------------------------------------------
# Positions: notional, margin, PnL, ROE, target price


@_exact
def notional(*, quantity: Decimal, price: Decimal) -> Decimal:
    """Position value in the quote asset: ``quantity × price``."""
    return quantity * price


@_exact
def initial_margin_value(*, notional: Decimal, leverage: Decimal) -> Decimal:
    """Margin put up to open a position: ``notional ÷ leverage``."""
    return notional / leverage


@_exact
def unrealized_pnl(
    *, side: str, entry_price: Decimal, mark_price: Decimal, quantity: Decimal
) -> Decimal:
    """Profit (or loss) if closed at ``mark_price``: ``side × (mark − entry) × quantity``."""
    return side_sign(side) * (mark_price - entry_price) * quantity


@_exact
def roe_percent_value(*, pnl: Decimal, initial_margin: Decimal) -> Decimal:
    """Return on equity in percent: ``pnl ÷ initial margin × 100``."""
    return pnl / initial_margin * _HUNDRED


@_exact
def target_price_value(
    *, side: str, entry_price: Decimal, leverage: Decimal, roe_percent: Decimal
) -> Decimal:
    """Exit price that earns ``roe_percent``: ``entry × (1 + side × ROE ÷ 100 ÷ leverage)``.

    Unrounded and possibly ≤ 0 (a loss no price can reach); callers decide what that means.
    """
    return entry_price * (_ONE + side_sign(side) * roe_percent / _HUNDRED / leverage)


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


@_exact
def liquidation_price_in_bracket(
    *,
    side: str,
    entry_price: Decimal,
    quantity: Decimal,
    wallet_balance: Decimal,
    bracket: Bracket,
    other_maintenance_margin: Decimal = _ZERO,
    other_unrealized_pnl: Decimal = _ZERO,
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


@_exact
def liquidation_price_value(
    *,
    side: str,
    entry_price: Decimal,
    quantity: Decimal,
    wallet_balance: Decimal,
    brackets: Sequence[Bracket],
    other_maintenance_margin: Decimal = _ZERO,
    other_unrealized_pnl: Decimal = _ZERO,
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
        cap = _upper_bound(bracket, brackets)
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
# Cross margin levels (SPEC §6.6)


@dataclass(frozen=True, slots=True)
class MarginKind:
    """Thresholds of a Cross Margin account kind.

    ``liquidation`` and ``margin_call`` apply to the margin level (ML); ``trade_only`` and
    ``no_transfer`` to the collateral margin level (CML). ``borrow_threshold`` is the CML a
    borrow must leave (``I`` of max-borrow); ``recover_to`` the ML a liquidation restores.
    """

    name: str
    liquidation: Decimal
    margin_call: Decimal
    trade_only: Decimal
    no_transfer: Decimal
    borrow_threshold: Decimal
    recover_to: Decimal


MARGIN_KINDS: dict[str, MarginKind] = {
    "cross3x": MarginKind(
        name="cross3x",
        liquidation=Decimal("1.1"),
        margin_call=Decimal("1.3"),
        trade_only=Decimal("1.5"),
        no_transfer=Decimal("2"),
        borrow_threshold=Decimal("1.5"),
        recover_to=Decimal("1.5"),
    ),
    "cross5x": MarginKind(
        name="cross5x",
        liquidation=Decimal("1.1"),
        margin_call=Decimal("1.16"),
        trade_only=Decimal("1.25"),
        no_transfer=Decimal("2"),
        borrow_threshold=Decimal("1.25"),
        recover_to=Decimal("1.25"),
    ),
}
DEFAULT_MARGIN_KIND = "cross3x"

STATE_SAFE = "safe"
STATE_NO_TRANSFER = "no_transfer"
STATE_TRADE_ONLY = "trade_only"
STATE_MARGIN_CALL = "margin_call"
STATE_LIQUIDATION = "liquidation"
# Safest first.
STATES = (STATE_SAFE, STATE_NO_TRANSFER, STATE_TRADE_ONLY, STATE_MARGIN_CALL, STATE_LIQUIDATION)

STATE_ADVICE: dict[str, str] = {
    STATE_SAFE: gettext_noop("Safe: you can trade, borrow and transfer out."),
    STATE_NO_TRANSFER: gettext_noop(
        "No transfer out: you can still trade and borrow, but keep your assets in the account."
    ),
    STATE_TRADE_ONLY: gettext_noop(
        "Trade only: repay or add collateral before you borrow or transfer out again."
    ),
    STATE_MARGIN_CALL: gettext_noop("Margin call: add collateral or reduce the loan."),
    STATE_LIQUIDATION: gettext_noop(
        "Liquidation: the account is locked and collateral is sold to repay the loan."
    ),
}


def margin_kind_for(name: str) -> MarginKind:
    """The thresholds of ``name``; an unknown kind is an input error on ``margin_kind``."""
    try:
        return MARGIN_KINDS[name]
    except KeyError:
        raise CalculatorInputError(
            "margin_kind", gettext_noop("Choose Cross 3x or Cross 5x.")
        ) from None


@_exact
def margin_level_value(
    *, total_assets: Decimal, total_liabilities: Decimal, outstanding_interest: Decimal = _ZERO
) -> Decimal | None:
    """``total assets ÷ (total liabilities + outstanding interest)``; ``None`` without debt.

    Pass the collateral value (Σ value × collateral ratio) as ``total_assets`` to get the
    collateral margin level.
    """
    debt = total_liabilities + outstanding_interest
    if debt == 0:
        return None
    return total_assets / debt


def margin_state(
    *,
    margin_level: Decimal | None,
    collateral_margin_level: Decimal | None,
    margin_kind: str,
) -> str:
    """The account state of §6.6, checked from the bottom row up.

    Liquidation when ML ≤ 1.1; margin call when ML ≤ the kind's margin-call level; trade only
    when CML ≤ the kind's ``I``; no transfer when CML ≤ 2; otherwise safe. No debt (``None``)
    is safe. A missing CML next to a known ML falls back to the ML.
    """
    kind = margin_kind_for(margin_kind)
    if margin_level is None:
        return STATE_SAFE
    cml = margin_level if collateral_margin_level is None else collateral_margin_level
    if margin_level <= kind.liquidation:
        return STATE_LIQUIDATION
    if margin_level <= kind.margin_call:
        return STATE_MARGIN_CALL
    if cml <= kind.trade_only:
        return STATE_TRADE_ONLY
    if cml <= kind.no_transfer:
        return STATE_NO_TRANSFER
    return STATE_SAFE


@_exact
def price_at_margin_level(
    *,
    base_quantity: Decimal,
    quote_quantity: Decimal,
    base_liability: Decimal,
    quote_liability: Decimal,
    level: Decimal,
) -> Decimal | None:
    """Price ``P`` of the base asset at which ``(B × P + Q) ÷ (Lb × P + Lq) = level``.

    ``P = (level × Lq − Q) ÷ (B − level × Lb)``; ``None`` when the denominator is 0 (the level
    never changes with price) or ``P`` is not positive (no price reaches the level).
    """
    denominator = base_quantity - level * base_liability
    if denominator == 0:
        return None
    price = (level * quote_liability - quote_quantity) / denominator
    return price if price > 0 else None


# ---------------------------------------------------------------------------------------------
# Interest and borrowing (SPEC §5.2, §6.5)

HOURS_PER_DAY = Decimal(24)
DAYS_PER_YEAR = Decimal(365)
BNB_INTEREST_FACTOR = Decimal("0.95")


@_exact
def hourly_rate_from_yearly(*, yearly_percent: Decimal) -> Decimal:
    """Hourly rate in percent from a yearly one: ``yearly ÷ 365 ÷ 24`` (no compounding)."""
    return yearly_percent / DAYS_PER_YEAR / HOURS_PER_DAY


@_exact
def hourly_rate_from_daily(*, daily_percent: Decimal) -> Decimal:
    """Hourly rate in percent from a daily one: ``daily ÷ 24``."""
    return daily_percent / HOURS_PER_DAY


@_exact
def charged_hours(*, borrow_minute: int, hours: Decimal) -> int:
    """Hours of interest for a loan borrowed at ``borrow_minute`` past the hour and held
    ``hours``: ``1 + ⌊(borrow_minute + 60 × hours) ÷ 60⌋``.

    One hour is charged at borrowing and one at every clock hour that starts while the loan
    is open. ``hours`` may be fractional (0.5 h from minute 40 crosses one clock hour).
    """
    minutes = Decimal(borrow_minute) + 60 * hours
    return 1 + int((minutes / 60).to_integral_value(rounding=ROUND_FLOOR))


@_exact
def hourly_interest(
    *, principal: Decimal, hourly_rate_percent: Decimal, bnb_discount: bool = False
) -> Decimal:
    """Interest of one charged hour, unrounded: ``principal × hourly rate ÷ 100`` (× 0.95 when
    paid in BNB). The sandbox rounds each charge with :func:`quantize8` as it posts it."""
    charge = principal * hourly_rate_percent / _HUNDRED
    return charge * BNB_INTEREST_FACTOR if bnb_discount else charge


@_exact
def max_borrow_amount(
    *,
    collateral_value: Decimal,
    total_liabilities: Decimal = _ZERO,
    outstanding_interest: Decimal = _ZERO,
    margin_kind: str = DEFAULT_MARGIN_KIND,
    collateral_ratio: Decimal = _ONE,
) -> Decimal:
    """Most (in quote value) that keeps CML ≥ ``I`` after borrowing an asset of ratio ``r``:
    ``max(0, (CV − I × (L + interest)) ÷ (I − r))``.

    The borrowed asset lands in the account and counts as collateral at its own ratio, hence
    the ``− r``. ``I ≤ r`` would let a loan finance itself and is an input error.
    """
    threshold = margin_kind_for(margin_kind).borrow_threshold
    if threshold - collateral_ratio <= 0:
        raise CalculatorInputError(
            "collateral_ratio",
            gettext_noop("The collateral ratio must be below the borrow threshold %(threshold)s."),
            {"threshold": _num(threshold)},
        )
    room = collateral_value - threshold * (total_liabilities + outstanding_interest)
    return max(_ZERO, room / (threshold - collateral_ratio))


# The exchange's spot fee: 0.1% of what you receive, or 0.075% of the trade value paid in
# BNB (a 25% discount) with "use BNB for fees" (SPEC §6.5).
SPOT_FEE_RATE = Decimal("0.001")
SPOT_BNB_FEE_RATE = Decimal("0.00075")


@_exact
def spot_fee(*, received: Decimal) -> Decimal:
    """The normal spot fee, taken from what the trade delivers: ``received × 0.1%``."""
    return received * SPOT_FEE_RATE


@_exact
def spot_fee_in_bnb(*, trade_value: Decimal, bnb_price: Decimal) -> Decimal:
    """The discounted fee paid in BNB: ``trade value × 0.075% ÷ BNB index price``."""
    return trade_value * SPOT_BNB_FEE_RATE / bnb_price


@_exact
def auto_borrow_amount(*, wallet_balance: Decimal, order_amount: Decimal) -> Decimal:
    """What auto-borrow lends for a margin order: exactly the shortfall, never less than 0."""
    return max(_ZERO, order_amount - wallet_balance)


# ---------------------------------------------------------------------------------------------
# Max open and average price


@dataclass(frozen=True, slots=True)
class MaxOpen:
    """Unrounded max-open answer: the notional, what limits it, the bracket whose cap applies."""

    max_notional: Decimal
    limited_by: str
    balance_notional: Decimal
    bracket: Bracket


LIMITED_BY_BALANCE = "balance"
LIMITED_BY_BRACKET = "bracket"


@_exact
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
    bracket = max(allowed, key=lambda b: b.cap or _ZERO)
    cap = bracket.cap if bracket.cap is not None else _ZERO
    balance_notional = available_balance * leverage
    limited_by = LIMITED_BY_BALANCE if balance_notional <= cap else LIMITED_BY_BRACKET
    return MaxOpen(
        max_notional=min(balance_notional, cap),
        limited_by=limited_by,
        balance_notional=balance_notional,
        bracket=bracket,
    )


MIN_ENTRIES = 2
MAX_ENTRIES = 20


@_exact
def average_price_value(*, entries: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """Quantity-weighted average of ``(price, quantity)`` fills: ``Σ(p × q) ÷ Σq``."""
    total_notional = sum((notional(quantity=q, price=p) for p, q in entries), _ZERO)
    return total_notional / sum((q for _, q in entries), _ZERO)


# =============================================================================================
# Calculators (one per slug of SPEC §5.2). Each validates what the view cannot (cross-field
# rules), computes with the building blocks above and rounds once, at output.


@_exact
def initial_margin(*, quantity: Decimal, entry_price: Decimal, leverage: Decimal) -> CalcResult:
    """``initial-margin``: notional, the margin the trader puts up, and what is borrowed."""
    _require_positive("quantity", quantity)
    _require_positive("entry_price", entry_price)
    _require_positive("leverage", leverage)
    value = notional(quantity=quantity, price=entry_price)
    margin = initial_margin_value(notional=value, leverage=leverage)
    borrowed = value - margin
    return CalcResult(
        results={
            "notional": quantize8(value),
            "initial_margin": quantize8(margin),
            "borrowed": quantize8(borrowed),
        },
        steps=[
            _step(
                gettext_noop("Notional value"),
                gettext_noop("notional = quantity × entry price"),
                f"{_num(quantity)} × {_num(entry_price)}",
                value,
            ),
            _step(
                gettext_noop("Initial margin"),
                gettext_noop("initial margin = notional ÷ leverage"),
                f"{_num(value)} ÷ {_num(leverage)}",
                margin,
            ),
            _step(
                gettext_noop("Borrowed"),
                gettext_noop("borrowed = notional − initial margin"),
                f"{_num(value)} − {_num(margin)}",
                borrowed,
            ),
        ],
    )


@_exact
def pnl(
    *,
    side: str,
    entry_price: Decimal,
    exit_price: Decimal,
    quantity: Decimal,
    leverage: Decimal,
) -> CalcResult:
    """``pnl``: profit or loss of closing at ``exit_price`` and its return on the margin."""
    sign = side_sign(side)
    _require_positive("entry_price", entry_price)
    _require_positive("exit_price", exit_price)
    _require_positive("quantity", quantity)
    _require_positive("leverage", leverage)
    value = notional(quantity=quantity, price=entry_price)
    margin = initial_margin_value(notional=value, leverage=leverage)
    profit = unrealized_pnl(
        side=side, entry_price=entry_price, mark_price=exit_price, quantity=quantity
    )
    roe = roe_percent_value(pnl=profit, initial_margin=margin)
    return CalcResult(
        results={
            "initial_margin": quantize8(margin),
            "pnl": quantize8(profit),
            "roe_percent": quantize8(roe),
        },
        steps=[
            _step(
                gettext_noop("Initial margin"),
                gettext_noop("initial margin = quantity × entry price ÷ leverage"),
                f"{_num(quantity)} × {_num(entry_price)} ÷ {_num(leverage)}",
                margin,
            ),
            _step(
                gettext_noop("Profit and loss"),
                gettext_noop("PnL = side × (exit price − entry price) × quantity"),
                f"{_side_text(sign)} × ({_num(exit_price)} − {_num(entry_price)}) × "
                f"{_num(quantity)}",
                profit,
            ),
            _step(
                gettext_noop("Return on equity"),
                gettext_noop("ROE % = PnL ÷ initial margin × 100"),
                f"{_num(profit)} ÷ {_num(margin)} × 100",
                roe,
            ),
        ],
    )


@_exact
def target_price(
    *, side: str, entry_price: Decimal, leverage: Decimal, roe_percent: Decimal
) -> CalcResult:
    """``target-price``: the exit price that earns ``roe_percent``.

    A loss larger than the margin itself (e.g. −1,000 % at 10x for a long) needs a price ≤ 0,
    so ``target_price`` is ``None`` then.
    """
    sign = side_sign(side)
    _require_positive("entry_price", entry_price)
    _require_positive("leverage", leverage)
    _require_finite("roe_percent", roe_percent)
    price = target_price_value(
        side=side, entry_price=entry_price, leverage=leverage, roe_percent=roe_percent
    )
    reachable = price > 0
    steps = [
        _step(
            gettext_noop("Price move needed"),
            gettext_noop("price change % = side × ROE % ÷ leverage"),
            f"{_side_text(sign)} × {_num(roe_percent)} ÷ {_num(leverage)}",
            sign * roe_percent / leverage,
        ),
        _step(
            gettext_noop("Target price"),
            gettext_noop("target price = entry price × (1 + side × ROE % ÷ 100 ÷ leverage)"),
            f"{_num(entry_price)} × (1 + {_side_text(sign)} × {_num(roe_percent)} ÷ 100 ÷ "
            f"{_num(leverage)})",
            price if reachable else None,
        ),
    ]
    if not reachable:
        steps.append(
            _step(
                gettext_noop("No target price"),
                gettext_noop("target price ≤ 0: no price gives this return"),
                f"{_num(price)} ≤ 0",
                None,
            )
        )
    return CalcResult(results={"target_price": _q(price) if reachable else None}, steps=steps)


@_exact
def liquidation_price(
    *,
    side: str,
    entry_price: Decimal,
    quantity: Decimal,
    margin_mode: str,
    wallet_balance: Decimal | None = None,
    leverage: Decimal | None = None,
    symbol: str = DEFAULT_SYMBOL,
    other_maintenance_margin: Decimal = _ZERO,
    other_unrealized_pnl: Decimal = _ZERO,
    maintenance_margin_rate: Decimal | None = None,
    maintenance_amount: Decimal | None = None,
) -> CalcResult:
    """``liquidation-price``: USDⓈ-M liquidation price in one-way mode (SPEC §5.3).

    Input rules: exactly one of ``wallet_balance`` and ``leverage`` (``leverage`` only in
    isolated mode, giving ``WB = notional ÷ leverage``); ``other_*`` only in cross mode
    (isolated mode takes them as 0 and refuses anything else rather than silently ignore it);
    ``maintenance_margin_rate`` (a fraction) and ``maintenance_amount`` both or neither — given,
    they replace ``symbol``'s table with one bracket from 0 upwards.

    Results: ``liquidation_price`` (``None`` when ≤ 0); ``bracket`` (1-based),
    ``maintenance_margin_rate`` (fraction) and ``maintenance_amount`` of the bracket at the
    liquidation price, or of the bracket at entry when there is no liquidation price.
    """
    sign = side_sign(side)
    _require_positive("entry_price", entry_price)
    _require_positive("quantity", quantity)
    if margin_mode not in MARGIN_MODES:
        raise CalculatorInputError("margin_mode", gettext_noop("Choose isolated or cross."))
    if margin_mode == ISOLATED:
        for field, value in (
            ("other_maintenance_margin", other_maintenance_margin),
            ("other_unrealized_pnl", other_unrealized_pnl),
        ):
            if value != 0:
                raise CalculatorInputError(
                    field, gettext_noop("Other positions count only in cross margin mode.")
                )
    else:
        _require_non_negative("other_maintenance_margin", other_maintenance_margin)
        _require_finite("other_unrealized_pnl", other_unrealized_pnl)
    if wallet_balance is not None and leverage is not None:
        raise CalculatorInputError(
            "leverage", gettext_noop("Enter the wallet balance or the leverage, not both.")
        )
    if wallet_balance is None and leverage is None:
        raise CalculatorInputError(
            "wallet_balance",
            gettext_noop("Enter the wallet balance (or, in isolated mode, the leverage)."),
        )
    if leverage is not None and margin_mode != ISOLATED:
        raise CalculatorInputError(
            "leverage", gettext_noop("Cross margin uses the wallet balance, not a leverage.")
        )
    if leverage is not None:
        _require_positive("leverage", leverage)
    if wallet_balance is not None:
        _require_non_negative("wallet_balance", wallet_balance)
    if (maintenance_margin_rate is None) != (maintenance_amount is None):
        missing = "maintenance_amount" if maintenance_amount is None else "maintenance_margin_rate"
        raise CalculatorInputError(
            missing,
            gettext_noop("Enter both the maintenance margin rate and amount, or neither."),
        )
    if maintenance_margin_rate is not None and maintenance_amount is not None:
        brackets: Sequence[Bracket] = fixed_bracket(
            maintenance_margin_rate=maintenance_margin_rate,
            maintenance_amount=maintenance_amount,
        )
    else:
        brackets = brackets_for_symbol(symbol)

    value = notional(quantity=quantity, price=entry_price)
    steps = [
        _step(
            gettext_noop("Notional at entry"),
            gettext_noop("notional = quantity × entry price"),
            f"{_num(quantity)} × {_num(entry_price)}",
            value,
        )
    ]
    if wallet_balance is not None:
        balance = wallet_balance
    elif leverage is not None:
        balance = initial_margin_value(notional=value, leverage=leverage)
        steps.append(
            _step(
                gettext_noop("Isolated margin (wallet balance)"),
                gettext_noop("WB = notional ÷ leverage"),
                f"{_num(value)} ÷ {_num(leverage)}",
                balance,
            )
        )

    solution = liquidation_price_value(
        side=side,
        entry_price=entry_price,
        quantity=quantity,
        wallet_balance=balance,
        brackets=brackets,
        other_maintenance_margin=other_maintenance_margin,
        other_unrealized_pnl=other_unrealized_pnl,
    )
    bracket = solution.bracket
    steps.append(
        _step(
            gettext_noop("Liquidation price in the bracket"),
            gettext_noop("LP = (WB − TMM1 + UPNL1 + cum − side × Q × EP) ÷ (Q × MMR − side × Q)"),
            f"({_num(balance)} − {_num(other_maintenance_margin)} + "
            f"{_num(other_unrealized_pnl)} + {_num(bracket.cum)} − {_side_text(sign)} × "
            f"{_num(quantity)} × {_num(entry_price)}) ÷ ({_num(quantity)} × {_num(bracket.mmr)} "
            f"− {_side_text(sign)} × {_num(quantity)})",
            solution.candidate,
        )
    )
    if solution.price is None:
        steps.append(
            _step(
                gettext_noop("No liquidation price"),
                gettext_noop("LP ≤ 0: no price move liquidates this position"),
                f"{_num(solution.candidate)} ≤ 0",
                None,
            )
        )
    else:
        at_price = notional(quantity=quantity, price=solution.price)
        cap = _upper_bound(bracket, brackets)
        steps.append(
            _step(
                gettext_noop("Notional at the liquidation price"),
                gettext_noop("notional = Q × LP"),
                f"{_num(quantity)} × {_num(solution.price)}",
                at_price,
            )
        )
        steps.append(
            _step(
                gettext_noop("Bracket check"),
                gettext_noop("bracket floor ≤ notional at LP < bracket cap"),
                f"{_num(bracket.floor)} ≤ {_num(at_price)} < {'∞' if cap is None else _num(cap)}",
                bracket.index,
            )
        )
    return CalcResult(
        results={
            "liquidation_price": _q(solution.price),
            "bracket": bracket.index,
            "maintenance_margin_rate": quantize8(bracket.mmr),
            "maintenance_amount": quantize8(bracket.cum),
        },
        steps=steps,
    )


@_exact
def max_open(
    *,
    entry_price: Decimal,
    available_balance: Decimal,
    leverage: Decimal,
    symbol: str = DEFAULT_SYMBOL,
) -> CalcResult:
    """``max-open``: the largest position the balance and the leverage brackets allow."""
    _require_positive("entry_price", entry_price)
    _require_non_negative("available_balance", available_balance)
    _require_positive("leverage", leverage)
    brackets = brackets_for_symbol(symbol)
    if leverage > symbol_max_leverage(symbol):
        raise CalculatorInputError(
            "leverage",
            gettext_noop("%(symbol)s allows at most %(max_leverage)s× leverage."),
            {"symbol": symbol, "max_leverage": str(symbol_max_leverage(symbol))},
        )
    answer = max_open_notional(
        available_balance=available_balance, leverage=leverage, brackets=brackets
    )
    quantity = answer.max_notional / entry_price
    cap = answer.bracket.cap if answer.bracket.cap is not None else _ZERO
    return CalcResult(
        results={
            "max_notional": quantize8(answer.max_notional),
            "max_quantity": quantize8(quantity),
            "limited_by": answer.limited_by,
        },
        steps=[
            _step(
                gettext_noop("Notional the balance allows"),
                gettext_noop("balance × leverage"),
                f"{_num(available_balance)} × {_num(leverage)}",
                answer.balance_notional,
            ),
            _step(
                gettext_noop("Notional the brackets allow"),
                gettext_noop("cap of the highest bracket whose max leverage ≥ leverage"),
                f"{answer.bracket.max_leverage}× ≥ {_num(leverage)}× → {_num(cap)}",
                cap,
            ),
            _step(
                gettext_noop("Maximum notional"),
                gettext_noop("max notional = min(balance × leverage, bracket cap)"),
                f"min({_num(answer.balance_notional)}, {_num(cap)})",
                answer.max_notional,
            ),
            _step(
                gettext_noop("Maximum quantity"),
                gettext_noop("max quantity = max notional ÷ entry price"),
                f"{_num(answer.max_notional)} ÷ {_num(entry_price)}",
                quantity,
            ),
        ],
    )


@_exact
def open_price(*, entries: Sequence[tuple[Decimal, Decimal]]) -> CalcResult:
    """``open-price``: average entry of 2–20 fills given as ``(price, quantity)`` pairs."""
    if not MIN_ENTRIES <= len(entries) <= MAX_ENTRIES:
        raise CalculatorInputError(
            "entry",
            gettext_noop("Enter between %(min)s and %(max)s entries."),
            {"min": str(MIN_ENTRIES), "max": str(MAX_ENTRIES)},
        )
    for price, quantity in entries:
        _require_positive("entry", price)
        _require_positive("entry", quantity)
    total_notional = sum((notional(quantity=q, price=p) for p, q in entries), _ZERO)
    total_quantity = sum((q for _, q in entries), _ZERO)
    average = average_price_value(entries=entries)
    return CalcResult(
        results={
            "average_price": quantize8(average),
            "total_quantity": quantize8(total_quantity),
            "total_notional": quantize8(total_notional),
        },
        steps=[
            _step(
                gettext_noop("Total notional"),
                gettext_noop("total notional = Σ price × quantity"),
                " + ".join(f"{_num(p)} × {_num(q)}" for p, q in entries),
                total_notional,
            ),
            _step(
                gettext_noop("Total quantity"),
                gettext_noop("total quantity = Σ quantity"),
                " + ".join(_num(q) for _, q in entries),
                total_quantity,
            ),
            _step(
                gettext_noop("Average open price"),
                gettext_noop("average price = total notional ÷ total quantity"),
                f"{_num(total_notional)} ÷ {_num(total_quantity)}",
                average,
            ),
        ],
    )


def _state_reason(*, ml: Decimal | None, cml: Decimal | None, kind: MarginKind, state: str) -> str:
    """The one comparison that decided the state, with the learner's numbers."""
    if ml is None:
        return "ML = ∞"
    cml = ml if cml is None else cml
    if state == STATE_LIQUIDATION:
        return f"ML {_num(ml)} ≤ {_num(kind.liquidation)}"
    if state == STATE_MARGIN_CALL:
        return f"ML {_num(ml)} ≤ {_num(kind.margin_call)}"
    if state == STATE_TRADE_ONLY:
        return f"CML {_num(cml)} ≤ {_num(kind.trade_only)}"
    if state == STATE_NO_TRANSFER:
        return f"CML {_num(cml)} ≤ {_num(kind.no_transfer)}"
    return f"CML {_num(cml)} > {_num(kind.no_transfer)}"


@_exact
def margin_level(
    *,
    total_assets: Decimal,
    total_liabilities: Decimal,
    outstanding_interest: Decimal = _ZERO,
    collateral_value: Decimal | None = None,
    margin_kind: str = DEFAULT_MARGIN_KIND,
) -> CalcResult:
    """``margin-level``: margin level, collateral margin level and the account state (§6.6)."""
    kind = margin_kind_for(margin_kind)
    _require_non_negative("total_assets", total_assets)
    _require_non_negative("total_liabilities", total_liabilities)
    _require_non_negative("outstanding_interest", outstanding_interest)
    if collateral_value is not None:
        _require_non_negative("collateral_value", collateral_value)
    ml = margin_level_value(
        total_assets=total_assets,
        total_liabilities=total_liabilities,
        outstanding_interest=outstanding_interest,
    )
    cml = (
        ml
        if collateral_value is None
        else margin_level_value(
            total_assets=collateral_value,
            total_liabilities=total_liabilities,
            outstanding_interest=outstanding_interest,
        )
    )
    state = margin_state(margin_level=ml, collateral_margin_level=cml, margin_kind=kind.name)
    debt = f"({_num(total_liabilities)} + {_num(outstanding_interest)})"
    steps = [
        _step(
            gettext_noop("Margin level"),
            gettext_noop("ML = total assets ÷ (total liabilities + outstanding interest)"),
            f"{_num(total_assets)} ÷ {debt}",
            ml,
        )
    ]
    if collateral_value is not None:
        steps.append(
            _step(
                gettext_noop("Collateral margin level"),
                gettext_noop("CML = collateral value ÷ (total liabilities + outstanding interest)"),
                f"{_num(collateral_value)} ÷ {debt}",
                cml,
            )
        )
    steps.append(
        _step(
            gettext_noop("Account state"),
            gettext_noop(
                "checked bottom-up: ML ≤ liquidation level, ML ≤ margin-call level, "
                "CML ≤ borrow threshold, CML ≤ 2, otherwise safe"
            ),
            _state_reason(ml=ml, cml=cml, kind=kind, state=state),
            None,
        )
    )
    return CalcResult(
        results={
            "margin_level": _q(ml),
            "collateral_margin_level": _q(cml),
            "state": state,
        },
        steps=steps,
    )


@_exact
def margin_liquidation_price(
    *,
    base_quantity: Decimal,
    quote_quantity: Decimal,
    base_liability: Decimal,
    quote_liability: Decimal,
    liquidation_level: Decimal = MARGIN_KINDS[DEFAULT_MARGIN_KIND].liquidation,
    margin_call_level: Decimal = MARGIN_KINDS[DEFAULT_MARGIN_KIND].margin_call,
) -> CalcResult:
    """``margin-liquidation-price``: base-asset prices at which the margin level reaches the
    liquidation and the margin-call level (``None`` where no positive price does)."""
    for field, value in (
        ("base_quantity", base_quantity),
        ("quote_quantity", quote_quantity),
        ("base_liability", base_liability),
        ("quote_liability", quote_liability),
    ):
        _require_non_negative(field, value)
    _require_positive("liquidation_level", liquidation_level)
    _require_positive("margin_call_level", margin_call_level)
    if margin_call_level <= liquidation_level:
        raise CalculatorInputError(
            "margin_call_level",
            gettext_noop("The margin-call level must be above the liquidation level."),
        )
    steps: list[Step] = []
    prices: dict[str, Decimal | None] = {}
    for key, label, level in (
        ("liquidation_price", gettext_noop("Liquidation price"), liquidation_level),
        ("margin_call_price", gettext_noop("Margin-call price"), margin_call_level),
    ):
        price = price_at_margin_level(
            base_quantity=base_quantity,
            quote_quantity=quote_quantity,
            base_liability=base_liability,
            quote_liability=quote_liability,
            level=level,
        )
        prices[key] = price
        steps.append(
            _step(
                label,
                gettext_noop("P = (k × Lq − Q) ÷ (B − k × Lb), null when not positive"),
                f"({_num(level)} × {_num(quote_liability)} − {_num(quote_quantity)}) ÷ "
                f"({_num(base_quantity)} − {_num(level)} × {_num(base_liability)})",
                price,
            )
        )
    check = prices["liquidation_price"]
    if check is not None:
        steps.append(
            _step(
                gettext_noop("Check: margin level at the liquidation price"),
                gettext_noop("ML = (B × P + Q) ÷ (Lb × P + Lq)"),
                f"({_num(base_quantity)} × {_num(check)} + {_num(quote_quantity)}) ÷ "
                f"({_num(base_liability)} × {_num(check)} + {_num(quote_liability)})",
                margin_level_value(
                    total_assets=base_quantity * check + quote_quantity,
                    total_liabilities=base_liability * check + quote_liability,
                ),
            )
        )
    return CalcResult(results={k: _q(v) for k, v in prices.items()}, steps=steps)


@_exact
def interest(
    *,
    principal: Decimal,
    hours: Decimal,
    daily_rate_percent: Decimal | None = None,
    hourly_rate_percent: Decimal | None = None,
    borrow_minute: int = 0,
    bnb_discount: bool = False,
) -> CalcResult:
    """``interest``: hourly interest of a margin loan held ``hours`` (fractions allowed).

    Exactly one of ``daily_rate_percent`` and ``hourly_rate_percent``. ``total_interest`` is
    ``principal × hourly rate ÷ 100 × charged hours`` (× 0.95 with BNB), rounded once — the
    sandbox rounds each hourly charge as it posts it, so its running total can differ from
    this by at most half a unit in the 8th place per charged hour.
    """
    _require_non_negative("principal", principal)
    _require_non_negative("hours", hours)
    if (daily_rate_percent is None) == (hourly_rate_percent is None):
        raise CalculatorInputError(
            "daily_rate_percent", gettext_noop("Enter the daily rate or the hourly rate.")
        )
    if isinstance(borrow_minute, bool) or not 0 <= borrow_minute <= 59:
        raise CalculatorInputError("borrow_minute", gettext_noop("Enter a minute from 0 to 59."))
    steps: list[Step] = []
    if daily_rate_percent is not None:
        _require_non_negative("daily_rate_percent", daily_rate_percent)
        daily: Decimal = daily_rate_percent
        hourly = hourly_rate_from_daily(daily_percent=daily)
        steps.append(
            _step(
                gettext_noop("Hourly rate (%)"),
                gettext_noop("hourly rate = daily rate ÷ 24"),
                f"{_num(daily)} ÷ 24",
                hourly,
            )
        )
    elif hourly_rate_percent is not None:
        _require_non_negative("hourly_rate_percent", hourly_rate_percent)
        hourly = hourly_rate_percent
        daily = hourly * HOURS_PER_DAY
        steps.append(
            _step(
                gettext_noop("Daily rate (%)"),
                gettext_noop("daily rate = hourly rate × 24"),
                f"{_num(hourly)} × 24",
                daily,
            )
        )
    yearly = daily * DAYS_PER_YEAR
    hours_charged = charged_hours(borrow_minute=borrow_minute, hours=hours)
    per_hour = hourly_interest(
        principal=principal, hourly_rate_percent=hourly, bnb_discount=bnb_discount
    )
    total = per_hour * hours_charged
    steps += [
        _step(
            gettext_noop("Yearly rate (%)"),
            gettext_noop("yearly rate = daily rate × 365"),
            f"{_num(daily)} × 365",
            yearly,
        ),
        _step(
            gettext_noop("Charged hours"),
            gettext_noop("charged hours = 1 + ⌊(borrow minute + 60 × hours) ÷ 60⌋"),
            f"1 + ⌊({borrow_minute} + 60 × {_num(hours)}) ÷ 60⌋",
            hours_charged,
        ),
        _step(
            gettext_noop("Interest per hour"),
            gettext_noop("interest per hour = principal × hourly rate ÷ 100 × 0.95 (BNB)")
            if bnb_discount
            else gettext_noop("interest per hour = principal × hourly rate ÷ 100"),
            f"{_num(principal)} × {_num(hourly)} ÷ 100"
            + (f" × {_num(BNB_INTEREST_FACTOR)}" if bnb_discount else ""),
            per_hour,
        ),
        _step(
            gettext_noop("Total interest"),
            gettext_noop("total interest = interest per hour × charged hours"),
            f"{_num(per_hour)} × {hours_charged}",
            total,
        ),
    ]
    return CalcResult(
        results={
            "hourly_rate_percent": quantize8(hourly),
            "daily_rate_percent": quantize8(daily),
            "charged_hours": hours_charged,
            "total_interest": quantize8(total),
            "yearly_rate_percent": quantize8(yearly),
        },
        steps=steps,
    )


@_exact
def max_borrow(
    *,
    collateral_value: Decimal,
    total_liabilities: Decimal = _ZERO,
    outstanding_interest: Decimal = _ZERO,
    margin_kind: str = DEFAULT_MARGIN_KIND,
    collateral_ratio: Decimal = _ONE,
) -> CalcResult:
    """``max-borrow``: the most one can borrow and keep CML ≥ ``I`` (1.5 for 3x, 1.25 for 5x)."""
    kind = margin_kind_for(margin_kind)
    _require_non_negative("collateral_value", collateral_value)
    _require_non_negative("total_liabilities", total_liabilities)
    _require_non_negative("outstanding_interest", outstanding_interest)
    _require_non_negative("collateral_ratio", collateral_ratio)
    amount = max_borrow_amount(
        collateral_value=collateral_value,
        total_liabilities=total_liabilities,
        outstanding_interest=outstanding_interest,
        margin_kind=kind.name,
        collateral_ratio=collateral_ratio,
    )
    threshold = kind.borrow_threshold
    return CalcResult(
        results={"max_borrow": quantize8(amount)},
        steps=[
            _step(
                gettext_noop("Maximum borrow"),
                gettext_noop("max borrow = max(0, (CV − I × (L + interest)) ÷ (I − r))"),
                f"max(0, ({_num(collateral_value)} − {_num(threshold)} × "
                f"({_num(total_liabilities)} + {_num(outstanding_interest)})) ÷ "
                f"({_num(threshold)} − {_num(collateral_ratio)}))",
                amount,
            )
        ],
    )


@_exact
def auto_borrow(*, wallet_balance: Decimal, order_amount: Decimal) -> CalcResult:
    """``auto-borrow``: what a margin order with auto-borrow borrows (the exact shortfall)."""
    _require_non_negative("wallet_balance", wallet_balance)
    _require_non_negative("order_amount", order_amount)
    amount = auto_borrow_amount(wallet_balance=wallet_balance, order_amount=order_amount)
    return CalcResult(
        results={"borrow_amount": quantize8(amount)},
        steps=[
            _step(
                gettext_noop("Amount borrowed"),
                gettext_noop("borrow amount = max(0, order amount − wallet balance)"),
                f"max(0, {_num(order_amount)} − {_num(wallet_balance)})",
                amount,
            )
        ],
    )


# Slug of SPEC §5.2 → calculator, for the views and the API.
CALCULATORS: dict[str, Callable[..., CalcResult]] = {
    "initial-margin": initial_margin,
    "pnl": pnl,
    "target-price": target_price,
    "liquidation-price": liquidation_price,
    "max-open": max_open,
    "open-price": open_price,
    "margin-level": margin_level,
    "margin-liquidation-price": margin_liquidation_price,
    "interest": interest,
    "max-borrow": max_borrow,
    "auto-borrow": auto_borrow,
}


# --- added by the sandbox branch (to move into the formulas package at merge)
# Money arithmetic the sandbox did inline (its own Decimal context, its valuation and 24-hour
# change, the average entry of a holding). Pure like everything above.


@_exact
def divide(numerator: Decimal, denominator: Decimal) -> Decimal:
    """``numerator ÷ denominator`` in the module's context (50 significant digits, half-even):
    exact to far more places than the 8 any result keeps."""
    return numerator / denominator


def quantity_for_amount(*, amount: Decimal, price: Decimal) -> Decimal:
    """How much of the base asset ``amount`` of the quote asset buys at ``price``, rounded
    **down** to 8 places: an order sized in money never spends more than was asked."""
    return floor8(divide(amount, price))


def trade_value(*, quantity: Decimal, price: Decimal) -> Decimal:
    """What a trade is worth in the quote asset, as the ledger books it: ``quantity × price``
    rounded half-even to 8 places (a resting buy reserves exactly this at its limit)."""
    return quantize8(notional(quantity=quantity, price=price))


def holding_value(*, amount: Decimal, index_price: Decimal) -> Decimal:
    """The value of a holding in USDT at the index price, 8 places."""
    return quantize8(notional(quantity=amount, price=index_price))


_CENT = Decimal("0.01")


@_exact
def percent_change(*, before: Decimal, after: Decimal) -> Decimal:
    """``(after − before) ÷ before × 100``, half-even to 2 places (the 24-hour change)."""
    return ((after - before) * _HUNDRED / before).quantize(_CENT, rounding=ROUND_HALF_EVEN)


@_exact
def average_entry_after_buy(
    *,
    previous_average: Decimal | None,
    held: Decimal,
    cost: Decimal,
    received: Decimal,
) -> Decimal:
    """The average entry price of a holding after a buy, 8 places (average-cost method).

    One convention throughout: a buy's cost includes its fee, and it is spread over the
    quantity actually received. ``cost`` = what the buy paid in the quote asset plus a fee
    paid in another asset (valued in the quote asset); ``received`` = the quantity that
    reached the wallet (after a fee taken in the asset bought). The ``held`` units already
    there count at ``previous_average``; holding nothing starts afresh.
    """
    if previous_average is None or held <= 0:
        return quantize8(cost / received)
    return quantize8((previous_average * held + cost) / (held + received))
