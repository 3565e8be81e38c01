"""Cross Margin: account kinds and their thresholds, margin levels and states (SPEC §6.6),
the price at which a margin level is reached, interest and the most one can borrow (§5.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from calculators.formulas.errors import CalculatorInputError, gettext_noop
from calculators.formulas.rounding import HUNDRED, ONE, ZERO, exact, quantize8
from calculators.instruments import CollateralTier

# ---------------------------------------------------------------------------------------------
# Cross margin levels (SPEC §6.6)


@dataclass(frozen=True, slots=True)
class MarginKind:
    """Thresholds of a Cross Margin account kind — their one declaration: the calculators'
    choices and help texts, the charts' bands and the sandbox read them from here.

    ``liquidation`` and ``margin_call`` apply to the margin level (ML); ``trade_only`` and
    ``no_transfer`` to the collateral margin level (CML). ``borrow_threshold`` is the CML a
    borrow must leave (``I`` of max-borrow); ``recover_to`` the ML a liquidation restores.
    """

    name: str
    label: str
    liquidation: Decimal
    margin_call: Decimal
    trade_only: Decimal
    no_transfer: Decimal
    borrow_threshold: Decimal
    recover_to: Decimal


MARGIN_KINDS: dict[str, MarginKind] = {
    "cross3x": MarginKind(
        name="cross3x",
        label=gettext_noop("Cross 3x"),
        liquidation=Decimal("1.1"),
        margin_call=Decimal("1.3"),
        trade_only=Decimal("1.5"),
        no_transfer=Decimal("2"),
        borrow_threshold=Decimal("1.5"),
        recover_to=Decimal("1.5"),
    ),
    "cross5x": MarginKind(
        name="cross5x",
        label=gettext_noop("Cross 5x"),
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
            "margin_kind",
            gettext_noop("Choose one of: %(kinds)s."),
            {"kinds": ", ".join(MARGIN_KINDS)},
        ) from None


@exact
def margin_level_value(
    *, total_assets: Decimal, total_liabilities: Decimal, outstanding_interest: Decimal = ZERO
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


@exact
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


@exact
def margin_level_at_price(
    *,
    base_quantity: Decimal,
    quote_quantity: Decimal,
    base_liability: Decimal,
    quote_liability: Decimal,
    price: Decimal,
) -> Decimal | None:
    """Margin level of a base/quote account when the base asset is at ``price``:
    ``(B × P + Q) ÷ (Lb × P + Lq)``; ``None`` without debt. The inverse of
    :func:`price_at_margin_level`."""
    return margin_level_value(
        total_assets=base_quantity * price + quote_quantity,
        total_liabilities=base_liability * price + quote_liability,
    )


# Liquidation fee (SPEC §6.6): 2 % of the value of each liquidation trade, paid to the
# insurance fund.
LIQUIDATION_FEE_RATE = Decimal("0.02")


@exact
def liquidation_fee(value: Decimal) -> Decimal:
    """The fee on a liquidation trade worth ``value``: 2 % of it, rounded half-even to 8
    places."""
    return quantize8(value * LIQUIDATION_FEE_RATE)


# ---------------------------------------------------------------------------------------------
# Interest and borrowing (SPEC §5.2, §6.5)

HOURS_PER_DAY = Decimal(24)
DAYS_PER_YEAR = Decimal(365)
BNB_INTEREST_FACTOR = Decimal("0.95")


@exact
def hourly_rate_from_yearly(*, yearly_percent: Decimal) -> Decimal:
    """Hourly rate in percent from a yearly one: ``yearly ÷ 365 ÷ 24`` (no compounding)."""
    return yearly_percent / DAYS_PER_YEAR / HOURS_PER_DAY


@exact
def daily_rate_from_hourly(*, hourly_percent: Decimal) -> Decimal:
    """Daily rate in percent from an hourly one: ``hourly × 24``."""
    return hourly_percent * HOURS_PER_DAY


@exact
def yearly_rate_from_daily(*, daily_percent: Decimal) -> Decimal:
    """Yearly rate in percent from a daily one: ``daily × 365`` (no compounding)."""
    return daily_percent * DAYS_PER_YEAR


@exact
def hourly_rate_from_daily(*, daily_percent: Decimal) -> Decimal:
    """Hourly rate in percent from a daily one: ``daily ÷ 24``."""
    return daily_percent / HOURS_PER_DAY


@exact
def charged_hours(*, borrow_minute: int, hours: Decimal) -> int:
    """Hours of interest for a loan borrowed at ``borrow_minute`` past the hour and held
    ``hours``: ``1 + ⌊(borrow_minute + 60 × hours) ÷ 60⌋``.

    One hour is charged at borrowing and one at every clock hour that starts while the loan
    is open. ``hours`` may be fractional (0.5 h from minute 40 crosses one clock hour).
    """
    minutes = Decimal(borrow_minute) + 60 * hours
    return 1 + int((minutes / 60).to_integral_value(rounding=ROUND_FLOOR))


@exact
def hourly_interest_charge(
    *, principal: Decimal, hourly_rate_percent: Decimal, bnb_discount: bool = False
) -> Decimal:
    """Interest of one charged hour, as the sandbox posts it: ``principal × hourly rate ÷ 100``
    (× 0.95 when paid in BNB), rounded half-even to 8 places — once per charge, so the
    calculator's total is exactly the sum of the charges the ledger will hold (SPEC §5.2)."""
    charge = principal * hourly_rate_percent / HUNDRED
    return quantize8(charge * BNB_INTEREST_FACTOR if bnb_discount else charge)


@exact
def total_interest(*, hourly_charge: Decimal, charged_hours: int) -> Decimal:
    """Interest of a loan: the (rounded) hourly charge times the hours charged."""
    return hourly_charge * charged_hours


@exact
def max_borrow_amount(
    *,
    collateral_value: Decimal,
    total_liabilities: Decimal = ZERO,
    outstanding_interest: Decimal = ZERO,
    margin_kind: str | None = None,
    threshold: Decimal | None = None,
    collateral_ratio: Decimal = ONE,
    hourly_rate_percent: Decimal = ZERO,
) -> Decimal:
    """Most (in quote value) one can borrow of an asset with collateral ratio ``r`` and keep
    CML ≥ ``I`` after borrowing *and* after the hour of interest charged at borrowing:
    ``max(0, (CV − I × (L + interest)) ÷ (I × (1 + h) − r))`` with ``h = hourly rate ÷ 100``.

    Borrowing ``x`` adds ``r × x`` to the collateral value (the coins land in the account),
    ``x`` to the liabilities and ``h × x`` to the outstanding interest; solving
    ``(CV + r x) ÷ (L + x + interest + h x) = I`` for ``x`` gives the formula. ``I`` is the
    kind's ``borrow_threshold`` (``margin_kind``, default Cross 3x) or ``threshold`` when
    given (not both). ``I × (1 + h) ≤ r`` would let a loan finance itself: an input error.
    """
    if margin_kind is not None and threshold is not None:
        raise TypeError("pass margin_kind or threshold, not both")
    if threshold is None:
        threshold = margin_kind_for(margin_kind or DEFAULT_MARGIN_KIND).borrow_threshold
    denominator = threshold * (ONE + hourly_rate_percent / HUNDRED) - collateral_ratio
    if denominator <= 0:
        raise CalculatorInputError(
            "collateral_ratio",
            gettext_noop("The collateral ratio must be below the borrow threshold %(threshold)s."),
            {"threshold": f"{threshold.normalize():f}"},
        )
    room = collateral_value - threshold * (total_liabilities + outstanding_interest)
    return max(ZERO, room / denominator)


# ---------------------------------------------------------------------------------------------
# Collateral (SPEC §6.6): tiered collateral ratios, and max borrow across the tiers (§6.5)


@exact
def tiered_collateral_value(*, value: Decimal, tiers: Sequence[CollateralTier]) -> Decimal:
    """The collateral value of a holding worth ``value``: each tier's ratio times the part
    of the value in that tier (BNB: 0.9 × the first 50,000 USDT + 0.8 × the rest)."""
    total = ZERO
    floor = ZERO
    for tier in tiers:
        if value <= floor:
            break
        top = value if tier.up_to is None else min(value, tier.up_to)
        total += (top - floor) * tier.ratio
        if tier.up_to is None:
            break
        floor = tier.up_to
    return total


@exact
def max_borrow_tiered(
    *,
    collateral_value: Decimal,
    total_liabilities: Decimal = ZERO,
    outstanding_interest: Decimal = ZERO,
    margin_kind: str | None = None,
    held_value: Decimal = ZERO,
    tiers: Sequence[CollateralTier],
    hourly_rate_percent: Decimal = ZERO,
) -> Decimal:
    """:func:`max_borrow_amount` for an asset whose collateral ratio is tiered (BNB), solved
    piecewise: the borrowed coins join the ``held_value`` already in the account, so each
    tier the new holding reaches counts at its own ratio.

    For the tier the holding would end in, the collateral value is linear in the amount
    borrowed; the collateral value is rewritten as if that tier's ratio applied from the
    current holding, and the same formula the calculator uses solves it. A flat ratio (one
    tier) is exactly :func:`max_borrow_amount`.
    """
    others = collateral_value - tiered_collateral_value(value=held_value, tiers=tiers)
    rate = hourly_rate_percent / HUNDRED
    floor = ZERO
    for tier in tiers:
        top = tier.up_to
        if top is not None and held_value >= top:
            floor = top
            continue
        # The holding enters this tier at ``start``; reaching it took ``before`` of borrowing.
        start = max(floor, held_value)
        before = start - held_value
        # Inside the tier the collateral value grows by ``ratio`` per unit borrowed, so the
        # calculator's formula solves it, with what was borrowed to get here (and its hour
        # of interest) counted as a liability.
        more = max_borrow_amount(
            collateral_value=others + tiered_collateral_value(value=start, tiers=tiers),
            total_liabilities=total_liabilities + before * (ONE + rate),
            outstanding_interest=outstanding_interest,
            margin_kind=margin_kind,
            collateral_ratio=tier.ratio,
            hourly_rate_percent=hourly_rate_percent,
        )
        if top is None or start + more <= top:
            return before + more
        floor = top
    return ZERO
