"""One form per calculator: the page, the embeddable widget and the JSON API all parse
their input here and call the worked solutions (``calculators.worked``) through
:meth:`CalculatorForm.compute`.

Fields check what one value can say on its own (a number, its sign, its range); the
worked solutions check what values say together (wallet balance *or* leverage, a margin-call level
above the liquidation level) and raise ``CalculatorInputError``, which ``compute`` turns
into an error on the field it names. Either way the learner sees a message next to the
field and the API answers 400.
"""

from __future__ import annotations

import logging
from decimal import Decimal, DecimalException
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from calculators import formulas, instruments, terms, worked
from calculators.fields import (
    FILL_PRICE,
    FILL_QUANTITY,
    FILL_ROWS,
    EntryListField,
    NumberFormat,
    StrictBooleanField,
    StrictChoiceField,
    StrictDecimalField,
    StrictIntegerField,
    fill_query_names,
)

logger = logging.getLogger(__name__)

# The highest leverage any futures symbol allows (125× on BTCUSDT).
MAX_LEVERAGE = Decimal(max(formulas.symbol_max_leverage(s) for s in instruments.FUTURES_SYMBOLS))

SIDE_CHOICES = [(formulas.LONG, _("Long")), (formulas.SHORT, _("Short"))]
MARGIN_MODE_CHOICES = [(formulas.ISOLATED, _("Isolated")), (formulas.CROSS, _("Cross"))]
SYMBOL_CHOICES = [(symbol, symbol) for symbol in instruments.FUTURES_SYMBOLS]
# Labels are marked for translation where the kinds are declared (formulas.margin).
MARGIN_KIND_CHOICES = [(kind.name, _(kind.label)) for kind in formulas.MARGIN_KINDS.values()]
DEFAULT_KIND = formulas.MARGIN_KINDS[formulas.DEFAULT_MARGIN_KIND]


def _level(value: Decimal) -> str:
    """A threshold as written in a help text: ``1.3``, ``1.16``, ``2``."""
    return f"{value.normalize():f}"


def _margin_kind_help() -> str:
    return " ".join(
        gettext("%(kind)s: margin call at %(margin_call)s, liquidation at %(liquidation)s.")
        % {
            "kind": gettext(kind.label),
            "margin_call": _level(kind.margin_call),
            "liquidation": _level(kind.liquidation),
        }
        for kind in formulas.MARGIN_KINDS.values()
    )


# Evaluated when shown, in the learner's language, from the one declaration of the kinds.
MARGIN_KIND_HELP = lazy(_margin_kind_help, str)()


def positive(label: Any, help_text: Any = "", **kwargs: Any) -> StrictDecimalField:
    """A number that must be above zero: a price, a quantity, a level."""
    return StrictDecimalField(label=label, help_text=help_text, minimum="positive", **kwargs)


def non_negative(label: Any, help_text: Any = "", **kwargs: Any) -> StrictDecimalField:
    """A number that may be zero but not negative: a balance, a debt, a rate."""
    return StrictDecimalField(label=label, help_text=help_text, minimum="non_negative", **kwargs)


def leverage_field(**kwargs: Any) -> StrictDecimalField:
    kwargs.setdefault("label", _("Leverage (×)"))
    kwargs.setdefault(
        "help_text",
        format_lazy(
            _("How many times your margin the position is worth, from 1 to {max_leverage}."),
            max_leverage=MAX_LEVERAGE,
        ),
    )
    return StrictDecimalField(
        minimum="positive", min_value=Decimal(1), max_value=MAX_LEVERAGE, **kwargs
    )


def side_field() -> StrictChoiceField:
    return StrictChoiceField(
        label=_("Side"),
        choices=SIDE_CHOICES,
        help_text=_("Long profits when the price rises, short when it falls."),
    )


def margin_kind_field() -> StrictChoiceField:
    return StrictChoiceField(
        label=_("Account kind"),
        choices=MARGIN_KIND_CHOICES,
        required=False,
        help_text=MARGIN_KIND_HELP,
    )


class CalculatorBoundField(BoundField):
    """A calculator field whose input always points at its message element.

    With htmx only the message elements are swapped as the learner types (never the input
    being typed into), so each field keeps an element for its messages, empty or not, and
    the input's ``aria-describedby`` names it from the start. ``aria-invalid`` is left out:
    it sits on the input, which an htmx update does not touch, so it would go stale; the
    message itself is what a screen reader reads.
    """

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        attrs.pop("aria-invalid", None)
        return attrs

    @property
    def term(self) -> terms.Term | None:
        """The trading term this input is about, explained next to it (``calculators.terms``)."""
        return terms.field_term(self.name)

    @property
    def aria_describedby(self) -> str | None:
        if not self.auto_id:
            return None
        ids = [f"{self.auto_id}_helptext"] if self.help_text else []
        if self.term is not None:
            ids.append(f"{self.auto_id}_term")
        return " ".join([*ids, f"{self.auto_id}_error"])


class FillRowsBoundField(CalculatorBoundField):
    """The fills of the average-price calculator as rows of (price, quantity) boxes, each
    row knowing whether it is the one at fault (so only that row turns red)."""

    @property
    def fill_rows(self) -> list[dict[str, Any]]:
        widget = self.field.widget
        bad = {
            error.params["number"]
            for error in self.form.errors.as_data().get(self.name, [])
            if error.params and "number" in error.params
        }
        data = self.form.data if self.form.is_bound else None
        asked = data is not None and FILL_ROWS in data
        rows = widget.rows(self.value(), data)
        base = self.auto_id or self.html_name
        return [
            {
                "number": number,
                "price_name": FILL_PRICE.format(number),
                "quantity_name": FILL_QUANTITY.format(number),
                "price_id": f"{base}_{number}_price",
                "quantity_id": f"{base}_{number}_quantity",
                "flag_id": f"{base}_{number}_flag",
                "price": price,
                "quantity": quantity,
                "bad": number in bad,
                # After "Add a row", the new empty row is where the learner types next.
                "focus": asked and number == len(rows) and not (price or quantity),
            }
            for number, (price, quantity) in enumerate(rows, start=1)
        ]

    @property
    def sent_rows(self) -> list[dict[str, Any]]:
        """The rows the request's page has (each sent its boxes, blank or not): an htmx
        answer refreshes their flags, and only theirs, since others are not on the page."""
        data = self.form.data or {}
        present = [
            number
            for number in range(1, self.field.widget.maximum + 1)
            if FILL_PRICE.format(number) in data or FILL_QUANTITY.format(number) in data
        ]
        last = max(present, default=0)
        return [row for row in self.fill_rows if row["number"] <= last]

    @property
    def more_rows(self) -> int | None:
        """How many rows "Add a row" asks for (``None`` at the maximum)."""
        count = len(self.field.widget.rows(self.value(), self.form.data or None))
        return count + 1 if count < self.field.widget.maximum else None


class CalculatorForm(forms.Form):
    """Base of every calculator form: validate, then run the one formula of ``slug``."""

    slug: ClassVar[str]
    bound_field_class = CalculatorBoundField
    # Query parameters the page's form sends besides the fields' own names.
    extra_query_names: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def query_names(cls) -> tuple[str, ...]:
        """Every parameter that belongs to this calculator, in the order a shared link
        lists them."""
        return (*cls.base_fields, *cls.extra_query_names)

    def __init__(self, *args: Any, number_format: NumberFormat | None = None, **kwargs: Any):
        # Pages pass the number format they display in, so "60,000" typed (or copied from
        # the page) is read as 60000; the API passes none and stays strict (SPEC §7).
        self.number_format = number_format
        super().__init__(*args, **kwargs)

    def _clean_fields(self) -> None:
        # Django's version builds a BoundField per field first, and each one evaluates its
        # lazily translated help text: a dozen catalogue lookups per request that the API
        # never shows (a quarter of its time; docs/performance.md). Same rules otherwise:
        # the widget reads the value, the field cleans it, an error lands on the field.
        # (No field here is disabled and no form defines clean_<field>.)
        for name, field in self.fields.items():
            value = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            if (
                self.number_format
                and isinstance(field, StrictDecimalField)
                and isinstance(value, str)
            ):
                value = self.number_format.to_plain(value)
            elif self.number_format and isinstance(field, EntryListField):
                # The page's fill rows: (price, quantity) texts, written like the page.
                value = [
                    tuple(self.number_format.to_plain(text) for text in item)
                    if isinstance(item, tuple)
                    else item
                    for item in value
                ]
            try:
                self.cleaned_data[name] = field.clean(value)
            except ValidationError as error:
                self.add_error(name, error)

    def formula_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the formula; a blank optional field takes the formula's
        default (e.g. ``symbol`` → BTCUSDT, ``outstanding_interest`` → 0)."""
        return {k: v for k, v in self.cleaned_data.items() if v is not None and v != ""}

    def compute(self) -> worked.CalcResult | None:
        """The calculator's result, or ``None`` with the reasons attached to the fields."""
        if not self.is_valid():
            return None
        try:
            return worked.CALCULATORS[self.slug](**self.formula_kwargs())
        except formulas.CalculatorInputError as error:
            message = gettext(error.message)
            if error.params:
                message = message % error.params
            self.add_error(error.field if error.field in self.fields else None, message)
        except DecimalException:
            # The fields keep numbers in a range the formulas handle; reaching this means a
            # combination nobody foresaw. Say so instead of answering 500, and log it.
            logger.warning("calculator %s could not compute %r", self.slug, self.cleaned_data)
            self.add_error(None, _("These numbers cannot be worked out. Try other values."))
        return None

    def api_inputs(self) -> dict[str, Any]:
        """The parsed inputs as the API echoes them: decimals as plain strings."""
        echoed: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if value is None or value == "":
                continue
            echoed[name] = serialise(value)
        return echoed


def serialise(value: Any) -> Any:
    """A value in the API's JSON: numbers as decimal strings, booleans and text as they are."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return formulas.plain_decimal(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return [serialise(v) for v in value]
    raise TypeError(f"cannot serialise {type(value).__name__}")


class InitialMarginForm(CalculatorForm):
    slug = "initial-margin"

    quantity = positive(_("Quantity"), _("Size of the position in the base asset, e.g. 0.5 BTC."))
    entry_price = positive(_("Entry price (USDT)"), _("Price at which you open the position."))
    leverage = leverage_field()


class PnlForm(CalculatorForm):
    slug = "pnl"

    side = side_field()
    entry_price = positive(_("Entry price (USDT)"), _("Price at which you opened."))
    exit_price = positive(_("Exit price (USDT)"), _("Price at which you close."))
    quantity = positive(_("Quantity"), _("Size of the position in the base asset."))
    leverage = leverage_field()


class TargetPriceForm(CalculatorForm):
    slug = "target-price"

    side = side_field()
    entry_price = positive(_("Entry price (USDT)"), _("Price at which you opened."))
    leverage = leverage_field()
    roe_percent = StrictDecimalField(
        label=_("Target return on margin (%)"),
        help_text=_("The ROE you aim for; negative for a stop-loss, e.g. -50."),
        minimum="any",
    )


class LiquidationPriceForm(CalculatorForm):
    slug = "liquidation-price"

    side = side_field()
    entry_price = positive(_("Entry price (USDT)"), _("Average price of the open position."))
    quantity = positive(_("Quantity"), _("Position size in the base asset, e.g. 0.5 BTC."))
    margin_mode = StrictChoiceField(
        label=_("Margin mode"),
        choices=MARGIN_MODE_CHOICES,
        help_text=_("Isolated: only this position's margin is at risk. Cross: the whole wallet."),
    )
    symbol = StrictChoiceField(
        label=_("Symbol"),
        choices=SYMBOL_CHOICES,
        required=False,
        help_text=_("Its leverage brackets set the maintenance margin."),
    )
    leverage = leverage_field(
        required=False,
        help_text=_(
            "Isolated mode only: the margin is notional ÷ leverage. Leave empty if you "
            "enter a wallet balance."
        ),
    )
    wallet_balance = non_negative(
        _("Wallet balance (USDT)"),
        _(
            "Cross: your futures wallet balance. Isolated: the position's margin. Leave empty "
            "if you enter a leverage."
        ),
        required=False,
    )
    other_maintenance_margin = non_negative(
        _("Maintenance margin of your other positions (USDT)"),
        _("Cross mode only (TMM1). Leave empty for none."),
        required=False,
    )
    other_unrealized_pnl = StrictDecimalField(
        label=_("Unrealised PnL of your other positions (USDT)"),
        help_text=_("Cross mode only (UPNL1); negative for a loss. Leave empty for none."),
        minimum="any",
        required=False,
    )
    maintenance_margin_rate = non_negative(
        _("Maintenance margin rate (fraction)"),
        _(
            "Optional, with the amount below: replaces the bracket table with one bracket. "
            "Write it as a fraction: 0.025 means 2.5 %."
        ),
        required=False,
        below_value=Decimal(1),
    )
    maintenance_amount = non_negative(
        _("Maintenance amount (USDT)"),
        _("The bracket's cum; optional, with the rate above."),
        required=False,
    )


class MaxOpenForm(CalculatorForm):
    slug = "max-open"

    symbol = StrictChoiceField(label=_("Symbol"), choices=SYMBOL_CHOICES, required=False)
    entry_price = positive(_("Entry price (USDT)"), _("Price at which you would open."))
    available_balance = non_negative(
        _("Available balance (USDT)"), _("Margin you can put up for the new position.")
    )
    leverage = leverage_field(
        help_text=_("The symbol's brackets cap the notional at each leverage.")
    )


class OpenPriceForm(CalculatorForm):
    slug = "open-price"

    entry = EntryListField(
        label=_("Fills"),
        help_text=_(
            "Price (USDT) and quantity of each fill, two to twenty fills; leave spare rows empty."
        ),
        min_entries=worked.MIN_ENTRIES,
        max_entries=worked.MAX_ENTRIES,
        bound_field_class=FillRowsBoundField,
    )
    # The page's rows: price_1, quantity_1, … (fields.fill_query_names).
    extra_query_names = fill_query_names(worked.MAX_ENTRIES)

    def formula_kwargs(self) -> dict[str, Any]:
        return {"entries": self.cleaned_data["entry"]}

    def api_inputs(self) -> dict[str, Any]:
        return {"entry": [f"{p:f}@{q:f}" for p, q in self.cleaned_data["entry"]]}


class MarginLevelForm(CalculatorForm):
    slug = "margin-level"

    total_assets = non_negative(
        _("Total assets (USDT)"), _("Value of everything in the margin account.")
    )
    total_liabilities = non_negative(
        _("Total liabilities (USDT)"), _("Value of everything you borrowed (principal).")
    )
    outstanding_interest = non_negative(
        _("Outstanding interest (USDT)"), _("Interest owed but not yet paid."), required=False
    )
    collateral_value = non_negative(
        _("Collateral value (USDT)"),
        _("Σ asset value × collateral ratio; leave empty to use the total assets."),
        required=False,
    )
    margin_kind = margin_kind_field()


class MarginLiquidationPriceForm(CalculatorForm):
    slug = "margin-liquidation-price"

    base_quantity = non_negative(
        _("Base asset held (B)"), _("e.g. the BTC in the account, in BTC.")
    )
    quote_quantity = non_negative(
        _("Quote asset held (Q, USDT)"), _("e.g. the USDT in the account.")
    )
    base_liability = non_negative(
        _("Base asset owed (Lb)"), _("Borrowed base asset plus its interest, in BTC.")
    )
    quote_liability = non_negative(
        _("Quote asset owed (Lq, USDT)"), _("Borrowed USDT plus its interest.")
    )
    liquidation_level = positive(
        _("Liquidation level"),
        format_lazy(
            _("Margin level that triggers liquidation ({level} if left empty)."),
            level=_level(DEFAULT_KIND.liquidation),
        ),
        required=False,
    )
    margin_call_level = positive(
        _("Margin-call level"),
        format_lazy(
            _("Margin level that triggers a margin call ({level} if left empty)."),
            level=_level(DEFAULT_KIND.margin_call),
        ),
        required=False,
    )


class InterestForm(CalculatorForm):
    slug = "interest"

    principal = non_negative(_("Principal"), _("Amount borrowed, in the borrowed asset."))
    daily_rate_percent = non_negative(
        _("Daily interest rate (%)"),
        _("e.g. 0.02 for 0.02 % a day. Enter this or the hourly rate."),
        required=False,
    )
    hourly_rate_percent = non_negative(
        _("Hourly interest rate (%)"),
        _("Enter this or the daily rate, not both."),
        required=False,
    )
    hours = non_negative(_("Hours borrowed"), _("How long the loan stays open; fractions allowed."))
    borrow_minute = StrictIntegerField(
        label=_("Minute of the hour you borrow (0–59)"),
        help_text=_("Interest is charged at borrowing and at every full hour after."),
        low=0,
        high=59,
        required=False,
    )
    bnb_discount = StrictBooleanField(
        label=_("Pay interest in BNB (5 % off)"),
    )


class MaxBorrowForm(CalculatorForm):
    slug = "max-borrow"

    collateral_value = non_negative(
        _("Collateral value (USDT)"), _("Σ asset value × collateral ratio, before borrowing.")
    )
    total_liabilities = non_negative(
        _("Total liabilities (USDT)"), _("What you already owe."), required=False
    )
    outstanding_interest = non_negative(
        _("Outstanding interest (USDT)"), _("Interest owed but not yet paid."), required=False
    )
    margin_kind = margin_kind_field()
    collateral_ratio = non_negative(
        _("Collateral ratio of the borrowed asset"),
        _("1 for USDT, 0.95 for BTC or ETH; the borrowed coins count as collateral too."),
        required=False,
        max_value=Decimal(1),
    )
    hourly_rate_percent = non_negative(
        _("Hourly interest rate of the borrowed asset (%)"),
        _("One hour of interest is charged when you borrow; it counts against the limit."),
        required=False,
    )


class AutoBorrowForm(CalculatorForm):
    slug = "auto-borrow"

    wallet_balance = non_negative(
        _("Wallet balance"), _("What you hold of the asset the order spends.")
    )
    order_amount = non_negative(_("Order amount"), _("What the order needs of that asset."))


FORMS: dict[str, type[CalculatorForm]] = {  # slug → form
    form.slug: form
    for form in (
        InitialMarginForm,
        PnlForm,
        TargetPriceForm,
        LiquidationPriceForm,
        MaxOpenForm,
        OpenPriceForm,
        MarginLevelForm,
        MarginLiquidationPriceForm,
        InterestForm,
        MaxBorrowForm,
        AutoBorrowForm,
    )
}

# The calculator forms never change a field after start-up, so their instances can share
# the fields instead of deep-copying them per request (SharedFieldMixin).
for _form in FORMS.values():
    for _field in _form.base_fields.values():
        _field.share_between_forms = True
