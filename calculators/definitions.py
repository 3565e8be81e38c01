"""What each calculator page shows: title, question, example inputs, how to present the
results, which chart to draw. The numbers themselves come from ``forms`` → ``worked``
(the worked solutions) → ``formulas``.

One :class:`CalculatorDefinition` per slug drives the one generic template
(``calculators/calculator.html``), the embeddable widget and the index page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from calculators import forms, formulas, instruments, pictures, terms, worked
from calculators.charts import RenderedChart
from calculators.fields import NumberFormat
from config import formatting as fmt

ChartBuilder = Callable[[Mapping[str, Any], worked.CalcResult, str], RenderedChart | None]
Explainer = Callable[[Mapping[str, Any]], Any]

STATE_LABELS: dict[str, Promise] = {
    formulas.STATE_SAFE: _("Safe"),
    formulas.STATE_NO_TRANSFER: _("No transfer out"),
    formulas.STATE_TRADE_ONLY: _("Trade only"),
    formulas.STATE_MARGIN_CALL: _("Margin call"),
    formulas.STATE_LIQUIDATION: _("Liquidation"),
}
LIMITED_BY_LABELS: dict[str, Promise] = {
    formulas.LIMITED_BY_BALANCE: _("your balance"),
    formulas.LIMITED_BY_BRACKET: _("the leverage bracket's cap"),
}


# Kinds of result that are not numbers: a §6.6 state badge, a word.
STATE = "state"
CHOICE = "choice"
# A most-you-can value (max borrow, max notional): 2 places rounded *down*, so the amount
# shown is one the sandbox accepts (rounding half-even could show a cent too much).
LIMIT = "limit"
# The unit written after each kind of number unless a row says otherwise.
DEFAULT_UNITS: dict[str, str] = {
    fmt.PRICE: "USDT",
    fmt.VALUE: "USDT",
    LIMIT: "USDT",
    fmt.PERCENT: "%",
    fmt.RATE: "%",
}
UnitText = Promise | str | Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True, slots=True)
class ResultRow:
    """How one result of the API is shown on the page.

    ``kind`` says how its number is written (SPEC §7; ``config.formatting.KINDS``, or
    ``LIMIT``), or that it is a ``STATE`` (§6.6 badge) or a ``CHOICE`` (a word). ``unit``
    defaults from the kind (USDT for prices and values, % for percentages); it may be a
    function of the inputs (a quantity's unit is the symbol's base asset).
    """

    key: str
    label: Promise
    kind: str
    unit: UnitText | None = None
    none_text: Promise | str = "—"
    signed: bool = False

    def unit_for(self, data: Mapping[str, Any]) -> str:
        if self.unit is None:
            return DEFAULT_UNITS.get(self.kind, "")
        if callable(self.unit) and not isinstance(self.unit, Promise):
            return self.unit(data)
        return str(self.unit)


@dataclass(frozen=True, slots=True)
class Note:
    """Why a legal but surprising result is what it is, with where to look next."""

    text: str
    link_text: str = ""
    link_url: str = ""


Query = dict[str, str]
# (the inputs as cleaned, the results) → the query string of the next step, or None when
# the numbers do not carry over (the link then opens that calculator's worked example).
Carry = Callable[[Mapping[str, Any], Mapping[str, Any]], Query | None]
NoteWriter = Callable[[Mapping[str, Any], worked.CalcResult], list[Note]]


@dataclass(frozen=True, slots=True)
class NextStep:
    """A link offered under a result: another calculator (``slug``) or a named URL (the
    sandbox's order form), with the learner's numbers carried where the target reads them."""

    text: Promise
    slug: str = ""
    url_name: str = ""
    carry: Carry | None = None

    def url(self, data: Mapping[str, Any], results: Mapping[str, Any]) -> str:
        base = (
            reverse("calculators:calculator", args=[self.slug])
            if self.slug
            else reverse(self.url_name)
        )
        query = self.carry(data, results) if self.carry else None
        return f"{base}?{urlencode(query)}" if query else base


@dataclass(frozen=True, slots=True)
class CalculatorDefinition:
    slug: str
    title: Promise
    question: Promise
    form_class: type[forms.CalculatorForm]
    # First-visit inputs: a worked example, so the page opens with a result to read.
    example: tuple[tuple[str, str], ...]
    results: tuple[ResultRow, ...]
    chart: ChartBuilder | None = None
    explainer_template: str = ""
    explainer: Explainer | None = None
    # Optional inputs most learners skip: shown folded under "More inputs".
    advanced: tuple[str, ...] = ()
    # Inputs that exclude each other: prefilling one in a widget drops the others' example.
    exclusive: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    # Results that are legal but surprising, explained (e.g. a max borrow of 0).
    notes: NoteWriter | None = None
    # Where to go from here: the related calculator, the sandbox.
    next_steps: tuple[NextStep, ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(self.form_class.base_fields)

    def example_query(self) -> QueryDict:
        query = QueryDict(mutable=True)
        for name, value in self.example:
            query.appendlist(name, value)
        return query

    def is_submitted(self, query: Mapping[str, Any]) -> bool:
        """Whether the query names any of this calculator's inputs (else: first visit)."""
        return any(name in query for name in self.form_class.query_names())

    def prefilled_query(self, prefill: Mapping[str, Any]) -> QueryDict:
        """The example, overridden by a lesson author's prefill (used by the widget)."""
        dropped = {
            other
            for group in self.exclusive
            if any(name in prefill for name in group)
            for other in group
            if other not in prefill
        }
        query = QueryDict(mutable=True)
        for name, value in self.example:
            if name not in prefill and name not in dropped:
                query.appendlist(name, value)
        for name, value in prefill.items():
            values = value if isinstance(value, list | tuple) else [value]
            if name == "entry" and isinstance(value, str):
                values = value.split()
            query.setlist(name, [_as_text(v) for v in values])
        return query

    def clean_query(self, query: QueryDict, number_format: NumberFormat | None = None) -> str:
        """The shareable query string: this calculator's non-empty inputs, nothing else.

        Numbers written the page's way ("60 000,5" in Polish, "60,000.5" in English) are
        shared as plain decimals, so the link means the same number in every language;
        anything else is shared as typed (the strict parser explains it to whoever opens
        the link).
        """
        plain = number_format.to_plain if number_format else str
        pairs = [
            (name, plain(str(value)))
            for name in self.form_class.query_names()
            for value in query.getlist(name)
            if str(value).strip() != ""
        ]
        return urlencode(pairs)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        raise TypeError("prefill decimals as strings or Decimal, not float")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


_TRANSLATED: dict[tuple[str | None, str], str] = {}


def translate(message: str) -> str:
    """``gettext`` for the formulas' fixed labels, remembered per language.

    A step's label and formula come from a small fixed set (marked with ``gettext_noop``);
    looking each up in the catalogues on every request was a measurable share of the API's
    time. Catalogues do not change while the process runs, so the answer can be kept.
    """
    key = (get_language(), message)
    try:
        return _TRANSLATED[key]
    except KeyError:
        _TRANSLATED[key] = text = gettext(message)
        return text


def explain_initial_margin(data: Mapping[str, Any]) -> worked.InitialMarginMixUp:
    """The numbers of the common misconception, with the learner's inputs."""
    return worked.initial_margin_mix_up(
        quantity=data["quantity"], entry_price=data["entry_price"], leverage=data["leverage"]
    )


def _plain(value: Decimal) -> str:
    """A number for a query string: plain digits, no exponent, no trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _usdt(value: Decimal) -> str:
    return f"{fmt.format_value(value)} USDT"


def _step_value(result: worked.CalcResult, label: str) -> Decimal | None:
    return next((step.value for step in result.steps if step.label == label), None)


def _calculator_url(slug: str, query: Query | None = None) -> str:
    base = reverse("calculators:calculator", args=[slug])
    return f"{base}?{urlencode(query)}" if query else base


def auto_borrow_notes(data: Mapping[str, Any], result: worked.CalcResult) -> list[Note]:
    """Auto-borrow lends the whole shortfall, however large: say the account's limit applies."""
    amount = result.results["borrow_amount"]
    if not amount:
        return []
    wallet, order = data["wallet_balance"], data["order_amount"]
    text = gettext(
        "Auto-borrow covers only the shortfall: %(amount)s = order %(order)s − wallet "
        "%(wallet)s. It is still a loan, so the account's maximum borrow applies: the order "
        "is refused if your collateral cannot back that much."
    ) % {
        "amount": fmt.format_quantity(amount),
        "order": fmt.format_quantity(order),
        "wallet": fmt.format_quantity(wallet),
    }
    if amount > wallet:
        text += " " + gettext(
            "Here the loan is larger than what you hold: it would leverage your own money."
        )
    return [
        Note(
            text,
            gettext("How much may I borrow against %(wallet)s?")
            % {"wallet": fmt.format_quantity(wallet)},
            _calculator_url("max-borrow", {"collateral_value": _plain(wallet)}),
        )
    ]


def max_borrow_notes(data: Mapping[str, Any], result: worked.CalcResult) -> list[Note]:
    """A maximum of 0 says why: the collateral does not exceed I × (debt + interest)."""
    if result.results["max_borrow"] != 0:
        return []
    kind = formulas.margin_kind_for(data.get("margin_kind") or formulas.DEFAULT_MARGIN_KIND)
    collateral = data["collateral_value"]
    if collateral == 0:
        return [Note(gettext("You have no collateral, so there is nothing to borrow against."))]
    cml = formulas.margin_level_value(
        total_assets=collateral,
        total_liabilities=data.get("total_liabilities") or Decimal(0),
        outstanding_interest=data.get("outstanding_interest") or Decimal(0),
    )
    return [
        Note(
            gettext(
                "Nothing can be borrowed: the collateral value %(collateral)s does not exceed "
                "I × (liabilities + interest). Your collateral margin level is %(cml)s, at or "
                "below the borrow threshold I = %(threshold)s of %(kind)s, and any loan would "
                "lower it further. Repay or add collateral first."
            )
            % {
                "collateral": _usdt(collateral),
                "cml": "∞" if cml is None else fmt.format_ratio(cml),
                "threshold": _plain(kind.borrow_threshold),
                "kind": gettext(kind.label),
            },
            gettext("Check the margin level of this account"),
            _calculator_url(
                "margin-level",
                {
                    "total_assets": _plain(collateral),
                    "total_liabilities": _plain(data.get("total_liabilities") or Decimal(0)),
                    "outstanding_interest": _plain(data.get("outstanding_interest") or Decimal(0)),
                    "margin_kind": kind.name,
                },
            ),
        )
    ]


def max_open_notes(data: Mapping[str, Any], result: worked.CalcResult) -> list[Note]:
    """When the bracket, not the balance, limits the position, say so and what to change."""
    if result.results["limited_by"] != formulas.LIMITED_BY_BRACKET:
        return []
    allowed = _step_value(result, "Notional the balance allows")
    return [
        Note(
            gettext(
                "Your balance × leverage would allow %(allowed)s, but at %(leverage)s× "
                "%(symbol)s's leverage brackets cap the position at %(cap)s. A lower "
                "leverage allows a bigger position."
            )
            % {
                "allowed": _usdt(allowed) if allowed is not None else "—",
                "leverage": _plain(data["leverage"]),
                "symbol": data.get("symbol") or formulas.DEFAULT_SYMBOL,
                "cap": _usdt(result.results["max_notional"]),
            }
        )
    ]


def pnl_notes(data: Mapping[str, Any], result: worked.CalcResult) -> list[Note]:
    """A loss beyond the margin cannot happen to an isolated position: it is liquidated first."""
    if result.results["roe_percent"] > -100:
        return []
    return [
        Note(
            gettext(
                "This loss is more than the %(margin)s margin you put up. An isolated "
                "position would have been liquidated before the price got there."
            )
            % {"margin": _usdt(result.results["initial_margin"])},
            gettext("Find its liquidation price"),
            _calculator_url("liquidation-price", _isolated_position(data, data)),
        )
    ]


def _isolated_position(data: Mapping[str, Any], results: Mapping[str, Any]) -> Query | None:
    """The same position in the liquidation-price calculator, isolated at its leverage."""
    if "quantity" not in data or not data.get("leverage"):
        return None
    return {
        "side": data.get("side") or formulas.LONG,
        "entry_price": _plain(data["entry_price"]),
        "quantity": _plain(data["quantity"]),
        "margin_mode": formulas.ISOLATED,
        "symbol": data.get("symbol") or formulas.DEFAULT_SYMBOL,
        "leverage": _plain(data["leverage"]),
    }


def _max_open_from_margin(data: Mapping[str, Any], results: Mapping[str, Any]) -> Query:
    return {
        "entry_price": _plain(data["entry_price"]),
        "available_balance": _plain(results["initial_margin"]),
        "leverage": _plain(data["leverage"]),
    }


def _target_from_pnl(data: Mapping[str, Any], results: Mapping[str, Any]) -> Query:
    return {
        "side": data["side"],
        "entry_price": _plain(data["entry_price"]),
        "leverage": _plain(data["leverage"]),
        "roe_percent": _plain(results["roe_percent"]),
    }


def _pnl_at_liquidation(data: Mapping[str, Any], results: Mapping[str, Any]) -> Query | None:
    if results["liquidation_price"] is None or not data.get("leverage"):
        return None
    return {
        "side": data["side"],
        "entry_price": _plain(data["entry_price"]),
        "exit_price": _plain(results["liquidation_price"]),
        "quantity": _plain(data["quantity"]),
        "leverage": _plain(data["leverage"]),
    }


def _margin_for_max(data: Mapping[str, Any], results: Mapping[str, Any]) -> Query | None:
    if not results["max_quantity"]:
        return None
    return {
        "quantity": _plain(results["max_quantity"]),
        "entry_price": _plain(data["entry_price"]),
        "leverage": _plain(data["leverage"]),
    }


def _liquidation_for_max(data: Mapping[str, Any], results: Mapping[str, Any]) -> Query | None:
    if not results["max_quantity"]:
        return None
    return _isolated_position({**data, "quantity": results["max_quantity"]}, results)


def _max_borrow_from_level(data: Mapping[str, Any], results: Mapping[str, Any]) -> Query:
    collateral = data.get("collateral_value")
    return {
        "collateral_value": _plain(data["total_assets"] if collateral is None else collateral),
        "total_liabilities": _plain(data["total_liabilities"]),
        "outstanding_interest": _plain(data.get("outstanding_interest") or Decimal(0)),
        "margin_kind": data.get("margin_kind") or formulas.DEFAULT_MARGIN_KIND,
    }


def _interest_on_max(data: Mapping[str, Any], results: Mapping[str, Any]) -> Query | None:
    if not results["max_borrow"] or not data.get("hourly_rate_percent"):
        return None
    return {
        "principal": _plain(results["max_borrow"]),
        "hourly_rate_percent": _plain(data["hourly_rate_percent"]),
        "hours": "24",
    }


def _max_borrow_for_wallet(data: Mapping[str, Any], results: Mapping[str, Any]) -> Query:
    return {"collateral_value": _plain(data["wallet_balance"])}


def _sandbox_limit_buy(data: Mapping[str, Any], results: Mapping[str, Any]) -> Query:
    """The spot order form, prefilled: a limit buy of the total at the average price (at the
    default symbol's tick, which the order form requires)."""
    tick = instruments.INSTRUMENTS[formulas.DEFAULT_SYMBOL].tick
    return {
        "symbol": formulas.DEFAULT_SYMBOL,
        "side": "buy",
        "order_type": "limit",
        "quantity": _plain(results["total_quantity"]),
        "limit_price": _plain(results["average_price"].quantize(tick)),
    }


def base_asset(data: Mapping[str, Any]) -> str:
    """The base asset of the chosen futures symbol (BTC for BTCUSDT)."""
    symbol = data.get("symbol") or formulas.DEFAULT_SYMBOL
    return instruments.INSTRUMENTS[symbol].base


# Calculators that ask for no asset name their quantities' unit in words.
BASE_UNIT = _("(base asset)")
BORROWED_UNIT = _("(borrowed asset)")
SPENT_UNIT = _("(asset the order spends)")

DEFINITIONS: dict[str, CalculatorDefinition] = {
    d.slug: d
    for d in (
        CalculatorDefinition(
            slug="initial-margin",
            title=_("Initial margin and leverage"),
            question=_("How much of my own money does a leveraged position tie up?"),
            form_class=forms.InitialMarginForm,
            next_steps=(
                NextStep(
                    _("Its liquidation price"), slug="liquidation-price", carry=_isolated_position
                ),
                NextStep(
                    _("The largest position this margin opens"),
                    slug="max-open",
                    carry=_max_open_from_margin,
                ),
            ),
            example=(("quantity", "0.5"), ("entry_price", "60000"), ("leverage", "10")),
            results=(
                ResultRow("initial_margin", _("Initial margin"), fmt.VALUE),
                ResultRow("notional", _("Notional value"), fmt.VALUE),
                ResultRow("borrowed", _("Borrowed from the exchange"), fmt.VALUE),
            ),
            explainer_template="calculators/explainers/initial_margin.html",
            explainer=explain_initial_margin,
        ),
        CalculatorDefinition(
            slug="pnl",
            title=_("Profit, loss and ROE"),
            question=_("What do I make or lose if I close at this price, as a return on margin?"),
            form_class=forms.PnlForm,
            notes=pnl_notes,
            next_steps=(
                NextStep(
                    _("The price for a return you aim for"),
                    slug="target-price",
                    carry=_target_from_pnl,
                ),
                NextStep(
                    _("Its liquidation price"), slug="liquidation-price", carry=_isolated_position
                ),
            ),
            example=(
                ("side", "long"),
                ("entry_price", "60000"),
                ("exit_price", "63000"),
                ("quantity", "0.5"),
                ("leverage", "10"),
            ),
            results=(
                ResultRow("pnl", _("Profit or loss"), fmt.VALUE, signed=True),
                ResultRow("roe_percent", _("Return on margin (ROE)"), fmt.PERCENT, signed=True),
                ResultRow("initial_margin", _("Initial margin"), fmt.VALUE),
            ),
            chart=pictures.pnl_chart,
        ),
        CalculatorDefinition(
            slug="target-price",
            title=_("Target price"),
            question=_("At what price do I reach the return I am aiming for?"),
            form_class=forms.TargetPriceForm,
            next_steps=(
                NextStep(_("Profit and loss of a position"), slug="pnl"),
                NextStep(_("Where such a position is liquidated"), slug="liquidation-price"),
            ),
            example=(
                ("side", "long"),
                ("entry_price", "60000"),
                ("leverage", "10"),
                ("roe_percent", "50"),
            ),
            results=(
                ResultRow(
                    "target_price",
                    _("Target price"),
                    fmt.PRICE,
                    none_text=_("none: no positive price gives this return"),
                ),
            ),
            chart=pictures.target_price_chart,
        ),
        CalculatorDefinition(
            slug="liquidation-price",
            title=_("Futures liquidation price"),
            question=_("At what price does the exchange close my USDT-margined futures position?"),
            form_class=forms.LiquidationPriceForm,
            next_steps=(
                NextStep(
                    _("What you lose at the liquidation price"),
                    slug="pnl",
                    carry=_pnl_at_liquidation,
                ),
                NextStep(_("The largest position a balance opens"), slug="max-open"),
            ),
            example=(
                ("side", "long"),
                ("entry_price", "60000"),
                ("quantity", "0.5"),
                ("margin_mode", "isolated"),
                ("symbol", formulas.DEFAULT_SYMBOL),
                ("leverage", "10"),
            ),
            results=(
                ResultRow(
                    "liquidation_price",
                    _("Liquidation price"),
                    fmt.PRICE,
                    none_text=_("none: no price move liquidates this position"),
                ),
                ResultRow("bracket", _("Leverage bracket at that price"), fmt.COUNT),
                ResultRow("maintenance_margin_rate", _("Maintenance margin rate"), fmt.FRACTION),
                ResultRow("maintenance_amount", _("Maintenance amount (cum)"), fmt.VALUE),
            ),
            chart=pictures.liquidation_chart,
            advanced=(
                "other_maintenance_margin",
                "other_unrealized_pnl",
                "maintenance_margin_rate",
                "maintenance_amount",
            ),
            exclusive=(("wallet_balance", "leverage"),),
        ),
        CalculatorDefinition(
            slug="max-open",
            title=_("Maximum position size"),
            question=_("How big a position can my balance and leverage open?"),
            form_class=forms.MaxOpenForm,
            notes=max_open_notes,
            next_steps=(
                NextStep(
                    _("The margin this position ties up"),
                    slug="initial-margin",
                    carry=_margin_for_max,
                ),
                NextStep(
                    _("Its liquidation price"),
                    slug="liquidation-price",
                    carry=_liquidation_for_max,
                ),
            ),
            example=(
                ("symbol", formulas.DEFAULT_SYMBOL),
                ("entry_price", "60000"),
                ("available_balance", "1000"),
                ("leverage", "20"),
            ),
            results=(
                ResultRow("max_notional", _("Maximum notional"), LIMIT),
                ResultRow("max_quantity", _("Maximum quantity"), fmt.QUANTITY, unit=base_asset),
                ResultRow("limited_by", _("Limited by"), CHOICE),
            ),
        ),
        CalculatorDefinition(
            slug="open-price",
            title=_("Average open price"),
            question=_("What is my average entry price after several fills?"),
            form_class=forms.OpenPriceForm,
            next_steps=(
                NextStep(
                    _("Try this in the sandbox: a limit buy of this quantity at this price"),
                    url_name="sandbox:order_preview",
                    carry=_sandbox_limit_buy,
                ),
                NextStep(_("Profit and loss from an entry price"), slug="pnl"),
            ),
            example=(("entry", "60000@0.1"), ("entry", "58000@0.2"), ("entry", "55000@0.2")),
            results=(
                ResultRow("average_price", _("Average open price"), fmt.PRICE),
                ResultRow("total_quantity", _("Total quantity"), fmt.QUANTITY, unit=BASE_UNIT),
                ResultRow("total_notional", _("Total notional"), fmt.VALUE),
            ),
        ),
        CalculatorDefinition(
            slug="margin-level",
            title=_("Margin level"),
            question=_("How safe is my cross margin account right now?"),
            form_class=forms.MarginLevelForm,
            next_steps=(
                NextStep(
                    _("How much more this account may borrow"),
                    slug="max-borrow",
                    carry=_max_borrow_from_level,
                ),
                NextStep(
                    _("At what coin price the margin call comes"), slug="margin-liquidation-price"
                ),
            ),
            example=(
                ("total_assets", "16000"),
                ("total_liabilities", "10000"),
                ("outstanding_interest", "50"),
                ("margin_kind", "cross3x"),
            ),
            results=(
                ResultRow(
                    "margin_level",
                    _("Margin level (ML)"),
                    fmt.RATIO,
                    none_text=_("∞ (you owe nothing)"),
                ),
                ResultRow(
                    "collateral_margin_level",
                    _("Collateral margin level (CML)"),
                    fmt.RATIO,
                    none_text=_("∞ (you owe nothing)"),
                ),
                ResultRow("state", _("Account state"), STATE),
            ),
            chart=pictures.margin_level_chart,
        ),
        CalculatorDefinition(
            slug="margin-liquidation-price",
            title=_("Margin liquidation price"),
            question=_("At what coin price do I get a margin call, and when am I liquidated?"),
            form_class=forms.MarginLiquidationPriceForm,
            next_steps=(
                NextStep(_("The margin level of an account"), slug="margin-level"),
                NextStep(_("How much an account may borrow"), slug="max-borrow"),
            ),
            example=(
                ("base_quantity", "1"),
                ("quote_quantity", "0"),
                ("base_liability", "0"),
                ("quote_liability", "40000"),
                ("liquidation_level", f"{forms.DEFAULT_KIND.liquidation:f}"),
                ("margin_call_level", f"{forms.DEFAULT_KIND.margin_call:f}"),
            ),
            results=(
                ResultRow(
                    "liquidation_price",
                    _("Liquidation price"),
                    fmt.PRICE,
                    none_text=_("none: no positive price reaches this level"),
                ),
                ResultRow(
                    "margin_call_price",
                    _("Margin-call price"),
                    fmt.PRICE,
                    none_text=_("none: no positive price reaches this level"),
                ),
            ),
            chart=pictures.margin_liquidation_chart,
            advanced=("liquidation_level", "margin_call_level"),
        ),
        CalculatorDefinition(
            slug="interest",
            title=_("Margin interest"),
            question=_("How much interest will my margin loan cost?"),
            form_class=forms.InterestForm,
            next_steps=(
                NextStep(_("How much an account may borrow"), slug="max-borrow"),
                NextStep(_("The margin level with the interest owed"), slug="margin-level"),
            ),
            example=(
                ("principal", "10000"),
                ("daily_rate_percent", "0.02"),
                ("hours", "24"),
                ("borrow_minute", "30"),
            ),
            results=(
                ResultRow("total_interest", _("Total interest"), fmt.QUANTITY, unit=BORROWED_UNIT),
                ResultRow(
                    "hourly_charge",
                    _("Interest per hour (as posted)"),
                    fmt.QUANTITY,
                    unit=BORROWED_UNIT,
                ),
                ResultRow("charged_hours", _("Hours charged"), fmt.COUNT, unit=_("h")),
                ResultRow("hourly_rate_percent", _("Hourly rate"), fmt.RATE),
                ResultRow("daily_rate_percent", _("Daily rate"), fmt.RATE),
                ResultRow("yearly_rate_percent", _("Yearly rate (no compounding)"), fmt.RATE),
            ),
            exclusive=(("daily_rate_percent", "hourly_rate_percent"),),
        ),
        CalculatorDefinition(
            slug="max-borrow",
            title=_("Maximum borrow"),
            question=_("How much more can I borrow and still be allowed to borrow?"),
            form_class=forms.MaxBorrowForm,
            notes=max_borrow_notes,
            next_steps=(
                NextStep(
                    _("The interest on this loan for a day"),
                    slug="interest",
                    carry=_interest_on_max,
                ),
                NextStep(_("What auto-borrow lends for an order"), slug="auto-borrow"),
            ),
            example=(
                ("collateral_value", "10000"),
                ("total_liabilities", "2000"),
                ("margin_kind", "cross3x"),
                ("collateral_ratio", "1"),
            ),
            results=(ResultRow("max_borrow", _("Maximum you can borrow"), LIMIT),),
        ),
        CalculatorDefinition(
            slug="auto-borrow",
            title=_("Auto-borrow"),
            question=_("How much does auto-borrow lend me for this order?"),
            form_class=forms.AutoBorrowForm,
            notes=auto_borrow_notes,
            next_steps=(
                NextStep(
                    _("How much this wallet may borrow"),
                    slug="max-borrow",
                    carry=_max_borrow_for_wallet,
                ),
                NextStep(_("The interest on a loan"), slug="interest"),
            ),
            example=(("wallet_balance", "500"), ("order_amount", "2000")),
            results=(
                ResultRow("borrow_amount", _("Amount borrowed"), fmt.QUANTITY, unit=SPENT_UNIT),
            ),
        ),
    )
}


@dataclass(frozen=True, slots=True)
class CalculatorGroup:
    """A section of the calculators index; ``slugs`` in the order a beginner meets them."""

    name: str
    title: Promise
    intro: Promise
    slugs: tuple[str, ...]

    @property
    def calculators(self) -> list[CalculatorDefinition]:
        return [DEFINITIONS[slug] for slug in self.slugs]


# The index, grouped by the kind of trading, each group in the order the lessons meet them:
# what a leveraged position costs, what it earns, where it ends; then borrowing.
GROUPS: tuple[CalculatorGroup, ...] = (
    CalculatorGroup(
        "futures",
        _("Futures (USDT-margined)"),
        _("Leverage on a futures position. New here? Start with initial margin."),
        ("initial-margin", "pnl", "target-price", "liquidation-price", "max-open"),
    ),
    CalculatorGroup(
        "margin",
        _("Cross Margin"),
        _("Borrowing in a margin account. Start with the margin level."),
        ("margin-level", "interest", "max-borrow", "auto-borrow", "margin-liquidation-price"),
    ),
    CalculatorGroup(
        "spot",
        _("Spot"),
        _("Buying and selling what you own."),
        ("open-price",),
    ),
)


# How each step's value is written: the same kind as the result it computes, so a number
# reads the same in the result and in its steps (SPEC §7). Keyed by the step's label as the
# worked solutions write it (untranslated); a step without a number is not listed. A test
# runs every calculator's example and checks that each numbered step has a kind here.
STEP_KINDS: dict[str, str] = {
    # futures
    "Notional value": fmt.VALUE,
    "Initial margin": fmt.VALUE,
    "Borrowed": fmt.VALUE,
    "Profit and loss": fmt.VALUE,
    "Return on equity": fmt.PERCENT,
    "Price move needed": fmt.PERCENT,
    "Target price": fmt.PRICE,
    "Notional at entry": fmt.VALUE,
    "Isolated margin (wallet balance)": fmt.VALUE,
    "Liquidation price in the bracket": fmt.PRICE,
    "Notional at the liquidation price": fmt.VALUE,
    "Bracket check": fmt.COUNT,
    "Notional the balance allows": fmt.VALUE,
    "Notional the brackets allow": fmt.VALUE,
    "Maximum notional": LIMIT,
    "Maximum quantity": fmt.QUANTITY,
    # margin
    "Margin level": fmt.RATIO,
    "Collateral margin level": fmt.RATIO,
    "Liquidation price": fmt.PRICE,
    "Margin-call price": fmt.PRICE,
    "Check: margin level at the liquidation price": fmt.RATIO,
    "Hourly rate (%)": fmt.RATE,
    "Daily rate (%)": fmt.RATE,
    "Yearly rate (%)": fmt.RATE,
    "Charged hours": fmt.COUNT,
    "Interest per hour": fmt.QUANTITY,
    "Total interest": fmt.QUANTITY,
    "Maximum borrow": LIMIT,
    # spot
    "Total notional": fmt.VALUE,
    "Total quantity": fmt.QUANTITY,
    "Average open price": fmt.PRICE,
    "Amount borrowed": fmt.QUANTITY,
}


def write_number(value: Any, kind: str, *, symbol: str = formulas.DEFAULT_SYMBOL) -> str:
    """A result or step value as the page writes it (no unit)."""
    if kind == LIMIT:
        return fmt.format_decimal(value, fmt.VALUE_PLACES, rounding=ROUND_FLOOR)
    return fmt.format_number(value, kind, symbol=symbol)


@dataclass(slots=True)
class Presentation:
    """Everything the result partial needs, already translated and shaped."""

    rows: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    state: dict[str, Any] | None
    chart: RenderedChart | None
    explain: Any
    announcement: str
    notes: list[Note] = field(default_factory=list)
    next_steps: list[dict[str, str]] = field(default_factory=list)


def present(
    definition: CalculatorDefinition,
    form: forms.CalculatorForm,
    result: worked.CalcResult,
    *,
    prefix: str,
) -> Presentation:
    data = form.cleaned_data
    symbol = data.get("symbol") or formulas.DEFAULT_SYMBOL
    rows = []
    state = None
    for spec in definition.results:
        value = result.results.get(spec.key)
        row: dict[str, Any] = {
            "key": spec.key,
            "label": spec.label,
            "value": value,
            "unit": spec.unit_for(data),
            "kind": spec.kind,
            "none_text": spec.none_text,
            "sign": "",
            "text": "",
            "term": terms.TERMS.get(terms.RESULT_TERMS.get(spec.key, "")),
        }
        if spec.signed and isinstance(value, Decimal) and value != 0:
            row["sign"] = "positive" if value > 0 else "negative"
        if spec.kind == CHOICE and isinstance(value, str):
            row["text"] = LIMITED_BY_LABELS.get(value, value)
        elif spec.kind == STATE and isinstance(value, str):
            state = {
                "name": value,
                "label": STATE_LABELS[value],
                "advice": translate(formulas.STATE_ADVICE[value]),
            }
            row["state"] = state
            row["text"] = state["label"]
        elif value is not None:
            row["text"] = write_number(value, spec.kind, symbol=symbol)
            if spec.kind == fmt.FRACTION:
                row["percent"] = fmt.format_percent(value * 100)
        rows.append(row)
    # A step's quantity is in the same unit as the calculator's quantity result.
    quantity_unit = next((r["unit"] for r in rows if r["kind"] == fmt.QUANTITY), "")
    steps = []
    for step in result.steps:
        kind = STEP_KINDS.get(step.label, fmt.QUANTITY)
        shown = None
        if step.value is not None:
            shown = write_number(step.value, kind, symbol=symbol)
            unit = quantity_unit if kind == fmt.QUANTITY else DEFAULT_UNITS.get(kind, "")
            shown = f"{shown} {unit}".rstrip()
        steps.append(
            {
                "label": translate(step.label),
                "formula": translate(step.formula),
                "substituted": step.substituted,
                "value": step.value,
                "text": shown,
            }
        )
    chart = None
    if definition.chart is not None:
        chart = definition.chart(form.cleaned_data, result, f"{prefix}-chart")
    explain = definition.explainer(form.cleaned_data) if definition.explainer else None
    return Presentation(
        rows=rows,
        steps=steps,
        state=state,
        chart=chart,
        explain=explain,
        announcement=_announce(rows[0]),
        notes=definition.notes(data, result) if definition.notes else [],
        next_steps=[
            {"text": str(step.text), "url": step.url(data, result.results)}
            for step in definition.next_steps
        ],
    )


def _announce(row: Mapping[str, Any]) -> str:
    """One sentence for screen readers when the result changes (the first result row)."""
    if row["value"] is None:
        shown = str(row["none_text"])
    else:
        shown = f"{row['text']} {row['unit']}".strip()
    return f"{row['label']}: {shown}"
