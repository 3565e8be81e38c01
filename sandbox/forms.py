"""Forms of the sandbox pages: they parse and validate, the services move money.

Every form that changes something carries a hidden ``idempotency_key`` (a fresh
UUID per rendered form): the service stores it inside its transaction, so a
double-clicked button or a retried request applies once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from calculators.fields import StrictBooleanField, StrictChoiceField, StrictDecimalField
from sandbox import pricing
from sandbox.engine import choose_fee, plan_order, spot_bnb_after
from sandbox.services import MIN_ORDER_VALUE

LEDGER_PLACES = 8

SYMBOL_CHOICES = [(symbol, symbol) for symbol in pricing.SYMBOLS]
SIDE_CHOICES = [("buy", _("Buy")), ("sell", _("Sell"))]
TYPE_CHOICES = [("market", _("Market")), ("limit", _("Limit"))]
FAST_FORWARD_CHOICES = [(1, _("1 hour")), (24, _("1 day")), (168, _("1 week"))]


class AmountField(StrictDecimalField):
    """The calculators' strict decimal (no NaN, exponent, sign games or > 1e15), positive,
    with at most the ledger's 8 decimal places: anything finer could not be booked."""

    default_error_messages = {"ledger_places": _("Use at most 8 digits after the decimal point.")}

    def __init__(self, **kwargs):
        super().__init__(minimum="positive", **kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and value != value.quantize(Decimal(1).scaleb(-LEDGER_PLACES)):
            raise ValidationError(self.error_messages["ledger_places"], code="ledger_places")


class IdempotentForm(forms.Form):
    """A form whose submission the service applies at most once."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        # Each rendered form gets its own key; a re-rendered form (after an error or a
        # success) gets a new one, because the next submission is a new intention.
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        # The key is hidden, so its own error would show nowhere: say it at the top.
        if "idempotency_key" in self.errors:
            self.add_error(None, _("This form has expired. Reload the page and try again."))
        return data

    def renew_key(self) -> None:
        """Give a re-rendered bound form a new key (its data is immutable by default)."""
        if self.is_bound:
            self.data = self.data.copy()
            self.data["idempotency_key"] = str(uuid.uuid4())


class OrderForm(IdempotentForm):
    symbol = StrictChoiceField(label=_("Symbol"), choices=SYMBOL_CHOICES)
    side = StrictChoiceField(label=_("Side"), choices=SIDE_CHOICES)
    order_type = StrictChoiceField(label=_("Order type"), choices=TYPE_CHOICES)
    quantity = AmountField(
        label=_("Quantity (base asset)"),
        required=False,
        help_text=_("How much BTC, ETH, BNB or USDC to buy or sell."),
    )
    quote_amount = AmountField(
        label=_("Or amount in USDT"),
        required=False,
        help_text=_("Leave the quantity empty to trade this much USDT worth instead."),
    )
    limit_price = AmountField(
        label=_("Limit price (USDT)"),
        required=False,
        help_text=_("Limit orders only: buy at or below, sell at or above this price."),
    )

    field_order = ["symbol", "side", "order_type", "quantity", "quote_amount", "limit_price"]

    def clean(self):
        data = super().clean()
        quantity, quote_amount = data.get("quantity"), data.get("quote_amount")
        # Only judge the combination when each field parsed on its own.
        if "quantity" in data and "quote_amount" in data:
            if quantity is None and quote_amount is None:
                self.add_error(None, _("Enter a quantity or an amount in USDT."))
            elif quantity is not None and quote_amount is not None:
                self.add_error(None, _("Enter a quantity or an amount in USDT, not both."))
        order_type = data.get("order_type")
        if "limit_price" in data:
            if order_type == "limit" and data.get("limit_price") is None:
                self.add_error("limit_price", _("A limit order needs a limit price."))
            elif order_type == "market" and data.get("limit_price") is not None:
                # A market order fills at the index price; a stray limit price would
                # only suggest a protection the order does not have.
                data["limit_price"] = None
        return data


class OrderPreviewForm(OrderForm):
    """The same fields without the key: a preview changes nothing."""

    idempotency_key = None


class CancelOrderForm(IdempotentForm):
    pass


class FastForwardForm(IdempotentForm):
    hours = forms.TypedChoiceField(
        label=_("Fast-forward by"), choices=FAST_FORWARD_CHOICES, coerce=int
    )


class FeeSettingsForm(IdempotentForm):
    # Strict: "on"/"off" and friends only, where Django's BooleanField reads any word as True.
    use_bnb_for_fees = StrictBooleanField(
        label=_("Use BNB for fees"),
        help_text=_(
            "Pay trading fees in BNB at a 25% discount (0.075% instead of 0.1%) whenever "
            "your Spot wallet holds enough BNB. Applies to every fill from now on, "
            "including your resting limit orders."
        ),
    )


class ResetForm(IdempotentForm):
    confirm = forms.BooleanField(
        label=_("I understand my balances go back to 10,000 USDT and this season is archived."),
        error_messages={"required": _("Tick the box to confirm the reset.")},
    )


class HistoryFilterForm(forms.Form):
    """?season=&page= of the history page; bad values fall back to the defaults."""

    season = forms.IntegerField(label=_("Season"), required=False, min_value=1, max_value=10**6)
    page = forms.IntegerField(required=False, min_value=1, max_value=10**6)


class SymbolForm(forms.Form):
    symbol = forms.ChoiceField(label=_("Symbol"), choices=SYMBOL_CHOICES, required=False)


# --- Order preview ------------------------------------------------------------------


@dataclass(frozen=True)
class OrderEstimate:
    """What an order would do at today's index price, for the preview panel."""

    symbol: str
    base_asset: str
    side: str
    order_type: str
    price: Decimal
    quantity: Decimal
    value: Decimal
    fee: Decimal
    fee_asset: str
    reserved: Decimal | None
    reserved_asset: str | None
    pays_asset: str
    available: Decimal
    needed: Decimal
    below_minimum: bool
    limit_price: Decimal | None
    fills_now: bool

    @property
    def insufficient(self) -> bool:
        return self.needed > self.available


def estimate_order(data, *, overview, use_bnb_for_fees: bool) -> OrderEstimate | None:
    """Estimate an order from a valid OrderForm's cleaned data and an account overview.

    Uses the engine's own ``plan_order`` and ``choose_fee`` - the functions that place and
    fill the order for real - at the current index price, so the preview shows the price,
    the fee and the reservation the service will apply.
    """
    symbol = data["symbol"]
    index = overview.index_prices.get(symbol)
    if not index:
        return None
    plan = plan_order(
        symbol=symbol,
        side=data["side"],
        order_type=data["order_type"],
        quantity=data["quantity"],
        quote_amount=data["quote_amount"],
        limit_price=data["limit_price"] if data["order_type"] == "limit" else None,
        index=index,
    )
    available = {row.asset: row.available for row in overview.balances}
    fee = choose_fee(
        plan=plan,
        use_bnb_for_fees=use_bnb_for_fees,
        bnb_price=overview.index_prices.get("BNBUSDT"),
        free_bnb=spot_bnb_after(
            plan, spot_bnb=available.get("BNB", Decimal(0)), paid_from_spot=plan.marketable
        ),
    )
    resting = not plan.marketable
    return OrderEstimate(
        symbol=symbol,
        base_asset=plan.base,
        side=plan.side,
        order_type=plan.order_type,
        price=plan.price,
        quantity=plan.quantity,
        value=plan.value,
        fee=fee.amount,
        fee_asset=fee.asset,
        reserved=plan.pays_amount if resting else None,
        reserved_asset=plan.pays_asset if resting else None,
        pays_asset=plan.pays_asset,
        available=available.get(plan.pays_asset, Decimal(0)),
        needed=plan.pays_amount,
        below_minimum=plan.value < MIN_ORDER_VALUE,
        limit_price=plan.limit_price,
        fills_now=plan.marketable,
    )
