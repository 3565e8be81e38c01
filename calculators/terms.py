"""The trading terms the calculator pages explain in place, and where the glossary has them.

One home for the mapping: each field and each result of a calculator names a term here
(``FIELD_TERMS``, ``RESULT_TERMS``); the page shows the term's short definition next to it
with a link to the Learn glossary entry. The glossary's anchors are the slugified English
term names (``learn/parsing.py``: ``slugify(term)``), so a term here is written exactly as
the lesson that defines it writes it ("Collateral margin level" → ``collateral-margin-level``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from calculators import formulas

# SPEC §7: /learn/glossary/ (the Learn app's page; each term is an anchor on it).
GLOSSARY_URL = "/learn/glossary/"


@dataclass(frozen=True, slots=True)
class Term:
    """A glossary term: its English name (the anchor) and a one- or two-line definition."""

    name: str
    definition: object  # a lazily translated string

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def url(self) -> str:
        return f"{GLOSSARY_URL}#{self.slug}"

    @property
    def label(self) -> str:
        return gettext(self.name)


def _borrow_thresholds() -> str:
    return ", ".join(
        f"{gettext(kind.label)} {kind.borrow_threshold.normalize():f}"
        for kind in formulas.MARGIN_KINDS.values()
    )


BORROW_THRESHOLDS = lazy(_borrow_thresholds, str)()

TERMS: dict[str, Term] = {
    term.name: term
    for term in (
        Term(
            gettext_noop("Leverage"),
            _(
                "How many times your own money the position is worth: 10× means "
                "1 USDT of margin carries 10 USDT of position."
            ),
        ),
        Term(
            gettext_noop("Notional"),
            _("The full value of a position: quantity × price, whatever the leverage."),
        ),
        Term(
            gettext_noop("Initial margin"),
            _("Your own money tied up to open a position: notional ÷ leverage."),
        ),
        Term(
            gettext_noop("Maintenance margin"),
            _("The least margin a position must keep; at it, the position is liquidated."),
        ),
        Term(
            gettext_noop("Maintenance margin rate"),
            _(
                "The share of the notional that is maintenance "
                "margin; it rises with the position's size."
            ),
        ),
        Term(
            gettext_noop("Maintenance amount"),
            _(
                "A fixed amount (cum) subtracted from notional × rate, "
                "so the maintenance margin has no jump where the rate "
                "steps up."
            ),
        ),
        Term(
            gettext_noop("Leverage bracket"),
            _(
                "A band of position sizes with its own maximum leverage "
                "and maintenance rate; bigger positions sit in higher "
                "brackets."
            ),
        ),
        Term(
            gettext_noop("Margin mode"),
            _(
                "Isolated: only this position's margin can be lost. Cross: "
                "the whole futures wallet backs every position."
            ),
        ),
        Term(
            gettext_noop("Wallet balance"),
            _("What the wallet holds, before the open positions' unrealised profit or loss."),
        ),
        Term(
            gettext_noop("Unrealized PnL"),
            _("The profit or loss of a position still open, at today's price."),
        ),
        Term(gettext_noop("PnL"), _("Profit and loss: side × (exit − entry) × quantity.")),
        Term(
            gettext_noop("ROE"),
            _(
                "Return on equity: the PnL as a percentage of the initial margin you "
                "put up, so leverage multiplies it."
            ),
        ),
        Term(
            gettext_noop("Liquidation price"),
            _(
                "The price at which the exchange closes the position "
                "because its margin has fallen to the maintenance "
                "margin."
            ),
        ),
        Term(
            gettext_noop("Long"),
            _("A position that profits when the price rises; a short profits when it falls."),
        ),
        Term(
            gettext_noop("Margin level"),
            _(
                "Total assets ÷ (debt + interest) of a margin account; the "
                "lower, the closer to a margin call and liquidation."
            ),
        ),
        Term(
            gettext_noop("Collateral margin level"),
            _(
                "Like the margin level, with each asset counted "
                "at its collateral ratio; it decides whether you "
                "may borrow or transfer out (CML)."
            ),
        ),
        Term(
            gettext_noop("Collateral ratio"),
            _(
                "The share of an asset's value that counts as "
                "collateral: 1 for USDT, less for coins whose price "
                "swings."
            ),
        ),
        Term(
            gettext_noop("Liabilities"),
            _("What the margin account owes: borrowed principal, before interest."),
        ),
        Term(
            gettext_noop("Interest"),
            _("The hourly cost of a loan, charged when you borrow and at every full hour after."),
        ),
        Term(
            gettext_noop("Margin kind"),
            _(
                "The kind of Cross Margin account: it sets the margin-call "
                "and liquidation levels and the borrow threshold."
            ),
        ),
        Term(
            gettext_noop("Margin call"),
            _(
                "The margin level at which you are warned to add collateral "
                "or repay, before liquidation."
            ),
        ),
        Term(
            gettext_noop("Liquidation"),
            _(
                "The exchange sells your assets to repay the debt once the "
                "margin level falls to the liquidation level."
            ),
        ),
        Term(gettext_noop("BNB discount"), _("Interest paid in BNB costs 5 % less.")),
        Term(
            gettext_noop("Auto-borrow"),
            _(
                "An order that needs more than the wallet holds borrows just "
                "the shortfall, if the account may borrow that much."
            ),
        ),
        Term(
            gettext_noop("Collateral"),
            _("What backs a loan: the assets in the margin account, each at its collateral ratio."),
        ),
    )
}
# The max-borrow formula's "I", with the thresholds read from their one declaration.
TERMS["Borrow"] = Term(
    gettext_noop("Borrow"),
    format_lazy(
        _(
            "You may borrow while the collateral margin level stays at or above the borrow "
            "threshold I ({thresholds})."
        ),
        thresholds=BORROW_THRESHOLDS,
    ),
)

# field name → term (the same name means the same thing on every calculator). Fields whose
# help text already says what the term means (side, margin mode) are left out, and so is a
# field whose term the result below explains (auto-borrow).
FIELD_TERMS: dict[str, str] = {
    "leverage": "Leverage",
    "symbol": "Leverage bracket",
    "wallet_balance": "Wallet balance",
    "other_maintenance_margin": "Maintenance margin",
    "other_unrealized_pnl": "Unrealized PnL",
    "maintenance_margin_rate": "Maintenance margin rate",
    "maintenance_amount": "Maintenance amount",
    "roe_percent": "ROE",
    "total_liabilities": "Liabilities",
    "outstanding_interest": "Interest",
    "collateral_value": "Collateral",
    "margin_kind": "Margin kind",
    "base_liability": "Liabilities",
    "quote_liability": "Liabilities",
    "liquidation_level": "Liquidation",
    "margin_call_level": "Margin call",
    "daily_rate_percent": "Interest",
    "collateral_ratio": "Collateral ratio",
    "bnb_discount": "BNB discount",
}

# result key → term
RESULT_TERMS: dict[str, str] = {
    "initial_margin": "Initial margin",
    "notional": "Notional",
    "max_notional": "Notional",
    "total_notional": "Notional",
    "pnl": "PnL",
    "roe_percent": "ROE",
    "liquidation_price": "Liquidation price",
    "bracket": "Leverage bracket",
    "maintenance_margin_rate": "Maintenance margin rate",
    "maintenance_amount": "Maintenance amount",
    "limited_by": "Leverage bracket",
    "margin_level": "Margin level",
    "collateral_margin_level": "Collateral margin level",
    "margin_call_price": "Margin call",
    "total_interest": "Interest",
    "max_borrow": "Borrow",
    "borrow_amount": "Auto-borrow",
}


def field_term(name: str) -> Term | None:
    key = FIELD_TERMS.get(name)
    return TERMS[key] if key else None


def result_terms(keys: list[str]) -> list[Term]:
    """The distinct terms of these results, in order (each defined once on a page)."""
    seen: dict[str, Term] = {}
    for key in keys:
        name = RESULT_TERMS.get(key)
        if name and name not in seen:
            seen[name] = TERMS[name]
    return list(seen.values())
