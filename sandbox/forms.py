"""Forms of the sandbox pages: they parse and validate, the services move money.

Every form that changes something carries a hidden ``idempotency_key`` (a fresh
UUID per rendered form): the service stores it inside its transaction, so a
double-clicked button or a retried request applies once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from calculators.fields import StrictBooleanField, StrictChoiceField, StrictDecimalField
from sandbox import pricing

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

    # No clean(): which fields an order needs (a quantity or a USDT amount, a limit
    # price for a limit order and none for a market order) is the order service's rule
    # (services.orders.order_validate); the page shows its message as is.


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
