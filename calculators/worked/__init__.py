"""Worked solutions: one per calculator slug of SPEC §5.2, with every step written out.

Each takes keyword arguments (the API's parameters, parsed), validates what the form cannot
(cross-field rules, raising :class:`~calculators.formulas.CalculatorInputError` on the field
to blame), computes with :mod:`calculators.formulas`, rounds each result once and returns a
:class:`CalcResult`. The forms call them through :data:`CALCULATORS`.
"""

from __future__ import annotations

from collections.abc import Callable

from calculators.formulas import CalculatorInputError
from calculators.worked.base import CalcResult, Step
from calculators.worked.futures import (
    InitialMarginMixUp,
    initial_margin,
    initial_margin_mix_up,
    liquidation_price,
    max_open,
    pnl,
    target_price,
)
from calculators.worked.margin import interest, margin_level, margin_liquidation_price, max_borrow
from calculators.worked.spot import MAX_ENTRIES, MIN_ENTRIES, auto_borrow, open_price

# Slug of SPEC §5.2 → worked solution, for the forms (pages, widget and API alike).
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

__all__ = [
    "CALCULATORS",
    "MAX_ENTRIES",
    "MIN_ENTRIES",
    "CalcResult",
    "CalculatorInputError",
    "InitialMarginMixUp",
    "Step",
    "auto_borrow",
    "initial_margin",
    "initial_margin_mix_up",
    "interest",
    "liquidation_price",
    "margin_level",
    "margin_liquidation_price",
    "max_borrow",
    "max_open",
    "open_price",
    "pnl",
    "target_price",
]
