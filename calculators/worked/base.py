"""What every worked solution is made of: steps, the result, and how numbers are written.

A worked solution (one per calculator slug, SPEC §5.2) validates what the form cannot
(cross-field rules), computes with :mod:`calculators.formulas`, rounds each result once and
writes every step with the learner's own numbers. Pages and the JSON API show them.

Labels and formulas of steps are marked with ``gettext_noop`` so ``makemessages`` finds them;
the view translates them when it renders. The ``substituted`` text holds only the learner's
numbers and operators, so it is never translated; its numbers use the separators of the
language active when it is worked out (the JSON API works it out in English).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from calculators.formulas import CONTEXT, quantize8
from config.formatting import format_ratio, localize_separators


def num(x: Decimal | int) -> str:
    """A number as the learner would write it in the active language: grouped, no
    exponent, no trailing zeros.

    Values are shown rounded to 8 places like the results; negatives are wrapped in
    parentheses so they read well inside a substituted formula.
    """
    value = Decimal(x) if isinstance(x, int) else quantize8(x)
    with localcontext(CONTEXT):
        text = localize_separators(f"{value.normalize():,f}")
    return f"(−{text[1:]})" if text.startswith("-") else text


def ratio(x: Decimal) -> str:
    """A margin level in a step's text, as the result shows it: 2 places rounded down, so
    "ML 1.29 ≤ 1.3" reads true where rounding would write "ML 1.30 ≤ 1.3" (SPEC §7)."""
    return format_ratio(x)


def side_text(sign: int) -> str:
    return "(+1)" if sign > 0 else "(−1)"


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


def step(label: str, formula: str, substituted: str, value: Decimal | int | None) -> Step:
    # Counts (a bracket number, charged hours) stay whole; amounts get the results' rounding.
    if isinstance(value, int):
        shown: Decimal | None = Decimal(value)
    else:
        shown = None if value is None else quantize8(value)
    return Step(label=label, formula=formula, substituted=substituted, value=shown)


def rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else quantize8(value)
