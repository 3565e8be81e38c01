"""What each calculator page shows: title, question, example inputs, how to present the
results, which chart to draw. The numbers themselves come from ``forms`` → ``worked``
(the worked solutions) → ``formulas``.

One :class:`CalculatorDefinition` per slug drives the one generic template
(``calculators/calculator.html``), the embeddable widget and the index page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from calculators import forms, formulas, pictures, worked
from calculators.charts import RenderedChart

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


@dataclass(frozen=True, slots=True)
class ResultRow:
    """How one result of the API is shown on the page.

    ``kind``: ``amount`` (a decimal), ``count`` (a whole number), ``fraction`` (a rate
    shown with its percentage too), ``state`` (§6.6 badge) or ``choice`` (a word).
    """

    key: str
    label: Promise
    unit: str = ""
    kind: str = "amount"
    none_text: Promise | str = "—"
    signed: bool = False


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

    def clean_query(self, query: QueryDict) -> str:
        """The shareable query string: this calculator's non-empty inputs, nothing else."""
        pairs = [
            (name, value)
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


USDT = "USDT"
PERCENT = "%"

DEFINITIONS: dict[str, CalculatorDefinition] = {
    d.slug: d
    for d in (
        CalculatorDefinition(
            slug="initial-margin",
            title=_("Initial margin and leverage"),
            question=_("How much of my own money does a leveraged position tie up?"),
            form_class=forms.InitialMarginForm,
            example=(("quantity", "0.5"), ("entry_price", "60000"), ("leverage", "10")),
            results=(
                ResultRow("initial_margin", _("Initial margin"), USDT),
                ResultRow("notional", _("Notional value"), USDT),
                ResultRow("borrowed", _("Borrowed from the exchange"), USDT),
            ),
            explainer_template="calculators/explainers/initial_margin.html",
            explainer=explain_initial_margin,
        ),
        CalculatorDefinition(
            slug="pnl",
            title=_("Profit, loss and ROE"),
            question=_("What do I make or lose if I close at this price, as a return on margin?"),
            form_class=forms.PnlForm,
            example=(
                ("side", "long"),
                ("entry_price", "60000"),
                ("exit_price", "63000"),
                ("quantity", "0.5"),
                ("leverage", "10"),
            ),
            results=(
                ResultRow("pnl", _("Profit or loss"), USDT, signed=True),
                ResultRow("roe_percent", _("Return on margin (ROE)"), PERCENT, signed=True),
                ResultRow("initial_margin", _("Initial margin"), USDT),
            ),
            chart=pictures.pnl_chart,
        ),
        CalculatorDefinition(
            slug="target-price",
            title=_("Target price"),
            question=_("At what price do I reach the return I am aiming for?"),
            form_class=forms.TargetPriceForm,
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
                    USDT,
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
                    USDT,
                    none_text=_("none: no price move liquidates this position"),
                ),
                ResultRow("bracket", _("Leverage bracket at that price"), kind="count"),
                ResultRow("maintenance_margin_rate", _("Maintenance margin rate"), kind="fraction"),
                ResultRow("maintenance_amount", _("Maintenance amount (cum)"), USDT),
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
            example=(
                ("symbol", formulas.DEFAULT_SYMBOL),
                ("entry_price", "60000"),
                ("available_balance", "1000"),
                ("leverage", "20"),
            ),
            results=(
                ResultRow("max_notional", _("Maximum notional"), USDT),
                ResultRow("max_quantity", _("Maximum quantity")),
                ResultRow("limited_by", _("Limited by"), kind="choice"),
            ),
        ),
        CalculatorDefinition(
            slug="open-price",
            title=_("Average open price"),
            question=_("What is my average entry price after several fills?"),
            form_class=forms.OpenPriceForm,
            example=(("entry", "60000@0.1"), ("entry", "58000@0.2"), ("entry", "55000@0.2")),
            results=(
                ResultRow("average_price", _("Average open price"), USDT),
                ResultRow("total_quantity", _("Total quantity")),
                ResultRow("total_notional", _("Total notional"), USDT),
            ),
        ),
        CalculatorDefinition(
            slug="margin-level",
            title=_("Margin level"),
            question=_("How safe is my cross margin account right now?"),
            form_class=forms.MarginLevelForm,
            example=(
                ("total_assets", "16000"),
                ("total_liabilities", "10000"),
                ("outstanding_interest", "50"),
                ("margin_kind", "cross3x"),
            ),
            results=(
                ResultRow(
                    "margin_level", _("Margin level (ML)"), none_text=_("∞ (you owe nothing)")
                ),
                ResultRow(
                    "collateral_margin_level",
                    _("Collateral margin level (CML)"),
                    none_text=_("∞ (you owe nothing)"),
                ),
                ResultRow("state", _("Account state"), kind="state"),
            ),
            chart=pictures.margin_level_chart,
        ),
        CalculatorDefinition(
            slug="margin-liquidation-price",
            title=_("Margin liquidation price"),
            question=_("At what coin price do I get a margin call, and when am I liquidated?"),
            form_class=forms.MarginLiquidationPriceForm,
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
                    USDT,
                    none_text=_("none: no positive price reaches this level"),
                ),
                ResultRow(
                    "margin_call_price",
                    _("Margin-call price"),
                    USDT,
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
            example=(
                ("principal", "10000"),
                ("daily_rate_percent", "0.02"),
                ("hours", "24"),
                ("borrow_minute", "30"),
            ),
            results=(
                ResultRow("total_interest", _("Total interest")),
                ResultRow("hourly_charge", _("Interest per hour (as posted)")),
                ResultRow("charged_hours", _("Hours charged"), kind="count"),
                ResultRow("hourly_rate_percent", _("Hourly rate"), PERCENT),
                ResultRow("daily_rate_percent", _("Daily rate"), PERCENT),
                ResultRow("yearly_rate_percent", _("Yearly rate (no compounding)"), PERCENT),
            ),
            exclusive=(("daily_rate_percent", "hourly_rate_percent"),),
        ),
        CalculatorDefinition(
            slug="max-borrow",
            title=_("Maximum borrow"),
            question=_("How much more can I borrow and still be allowed to borrow?"),
            form_class=forms.MaxBorrowForm,
            example=(
                ("collateral_value", "10000"),
                ("total_liabilities", "2000"),
                ("margin_kind", "cross3x"),
                ("collateral_ratio", "1"),
            ),
            results=(ResultRow("max_borrow", _("Maximum you can borrow"), USDT),),
        ),
        CalculatorDefinition(
            slug="auto-borrow",
            title=_("Auto-borrow"),
            question=_("How much does auto-borrow lend me for this order?"),
            form_class=forms.AutoBorrowForm,
            example=(("wallet_balance", "500"), ("order_amount", "2000")),
            results=(ResultRow("borrow_amount", _("Amount borrowed")),),
        ),
    )
}


@dataclass(slots=True)
class Presentation:
    """Everything the result partial needs, already translated and shaped."""

    rows: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    state: dict[str, Any] | None
    chart: RenderedChart | None
    explain: Any
    announcement: str


def present(
    definition: CalculatorDefinition,
    form: forms.CalculatorForm,
    result: worked.CalcResult,
    *,
    prefix: str,
) -> Presentation:
    rows = []
    state = None
    for spec in definition.results:
        value = result.results.get(spec.key)
        row: dict[str, Any] = {
            "key": spec.key,
            "label": spec.label,
            "value": value,
            "unit": spec.unit,
            "kind": spec.kind,
            "none_text": spec.none_text,
            "sign": "",
        }
        if spec.signed and isinstance(value, Decimal) and value != 0:
            row["sign"] = "positive" if value > 0 else "negative"
        if spec.kind == "fraction" and isinstance(value, Decimal):
            row["percent"] = formulas.quantize8(value * 100)
        if spec.kind == "choice" and isinstance(value, str):
            row["text"] = LIMITED_BY_LABELS.get(value, value)
        if spec.kind == "state" and isinstance(value, str):
            state = {
                "name": value,
                "label": STATE_LABELS[value],
                "advice": translate(formulas.STATE_ADVICE[value]),
            }
            row["state"] = state
        rows.append(row)
    steps = [
        {
            "label": translate(step.label),
            "formula": translate(step.formula),
            "substituted": step.substituted,
            "value": step.value,
        }
        for step in result.steps
    ]
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
    )


def _announce(row: Mapping[str, Any]) -> str:
    """One sentence for screen readers when the result changes (the first result row)."""
    from config.formatting import format_amount as amount

    value = row["value"]
    if value is None:
        shown = str(row["none_text"])
    elif row["kind"] == "state":
        shown = str(row["state"]["label"])
    elif row["kind"] == "choice":
        shown = str(row.get("text", value))
    else:
        shown = f"{amount(value)} {row['unit']}".strip()
    return f"{row['label']}: {shown}"
