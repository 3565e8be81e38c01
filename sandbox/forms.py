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
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from calculators.fields import (
    StrictBooleanField,
    StrictChoiceField,
    StrictDecimalField,
    display_number_format,
)
from calculators.formulas import MARGIN_KINDS
from calculators.instruments import ASSETS, INSTRUMENTS, SYMBOLS, VALUE_ASSET
from config.formatting import LEDGER_PLACES, format_round_amount
from sandbox.models import MAX_TOPUP_ASSETS, SPOT_ASSETS, OrderSide, OrderType, SideEffect
from sandbox.operations.trades import BNB_DISCOUNT_PERCENT, BNB_FEE_PERCENT, FEE_PERCENT
from sandbox.services import (
    COOLING_OFF_DAYS,
    FAST_FORWARD_STEPS,
    MIN_BORROW_VALUE,
    MIN_ORDER_VALUE,
    STARTING_ASSET,
    STARTING_BALANCE,
)

# Every choice and help text below is read from where the rule or the list is declared
# (instruments, models, services), never restated.
SYMBOL_CHOICES = [(symbol, symbol) for symbol in SYMBOLS]
SIDE_CHOICES = OrderSide.choices
TYPE_CHOICES = OrderType.choices
FAST_FORWARD_CHOICES = list(FAST_FORWARD_STEPS.items())
# "BTC, ETH, BNB or USDC"
_BASES = [i.base for i in INSTRUMENTS.values()]
BASE_ASSETS_TEXT = format_lazy(
    _("{first} or {last}"), first=", ".join(_BASES[:-1]), last=_BASES[-1]
)


# Round amounts as people write a rule ("10,000 USDT", pl "10 000 USDT"), written in the
# language of the page that shows them (lazy: resolved when rendered, not at import).
_round_amount = lazy(format_round_amount, str)
STARTING_TEXT = _round_amount(STARTING_BALANCE, STARTING_ASSET)
MIN_ORDER_TEXT = _round_amount(MIN_ORDER_VALUE, VALUE_ASSET)
MIN_BORROW_TEXT = _round_amount(MIN_BORROW_VALUE, VALUE_ASSET)
ASSET_CHOICES = [(asset, asset) for asset in ASSETS]


class AmountField(StrictDecimalField):
    """The calculators' strict decimal (no NaN, exponent, sign games or > 1e15), positive,
    with at most the ledger's 8 decimal places: anything finer could not be booked."""

    default_error_messages = {
        "ledger_places": format_lazy(
            _("Use at most {places} digits after the decimal point."), places=LEDGER_PLACES
        )
    }

    def __init__(self, **kwargs):
        super().__init__(minimum="positive", **kwargs)

    def to_python(self, value):
        # The pages print "1,000.00 USDT": an amount typed the way the page writes it is
        # read as that number (SPEC §7), in the page's language.
        if isinstance(value, str):
            value = display_number_format(get_language()).to_plain(value)
        return super().to_python(value)

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
        help_text=format_lazy(_("How much {assets} to buy or sell."), assets=BASE_ASSETS_TEXT),
    )
    quote_amount = AmountField(
        label=format_lazy(_("Or amount in {asset}"), asset=VALUE_ASSET),
        required=False,
        help_text=format_lazy(
            _("Leave the quantity empty to trade this much {asset} worth instead."),
            asset=VALUE_ASSET,
        ),
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The page names the asset it trades: "Quantity in BTC", not "base asset".
        instrument = INSTRUMENTS.get(str(self["symbol"].value() or ""))
        if instrument is not None:
            self.fields["quantity"].label = format_lazy(
                _("Quantity in {asset}"), asset=instrument.base
            )
            self.fields["quantity"].help_text = format_lazy(
                _("How much {asset} to buy or sell."), asset=instrument.base
            )
        # The page shows the limit price only on the limit form, where it is needed: a
        # hint for screen readers; which fields an order needs stays the service's rule.
        self.fields["limit_price"].widget.attrs["aria-required"] = "true"


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
        help_text=format_lazy(
            _(
                "Pay trading fees in BNB at a {discount}% discount ({bnb_fee}% instead of "
                "{fee}%) whenever your Spot wallet holds enough BNB. Applies to every fill "
                "from now on, including your resting limit orders."
            ),
            discount=BNB_DISCOUNT_PERCENT,
            bnb_fee=BNB_FEE_PERCENT,
            fee=FEE_PERCENT,
        ),
    )


class ResetForm(IdempotentForm):
    confirm = forms.BooleanField(
        label=format_lazy(
            _("I understand my balances go back to {starting} and this season is archived."),
            starting=STARTING_TEXT,
        ),
        error_messages={"required": _("Tick the box to confirm the reset.")},
    )


class HistoryFilterForm(forms.Form):
    """?season=&page= of the history page; bad values fall back to the defaults."""

    season = forms.IntegerField(label=_("Season"), required=False, min_value=1, max_value=10**6)
    page = forms.IntegerField(required=False, min_value=1, max_value=10**6)


class OrderKindForm(forms.Form):
    """?side=&order_type= of the dashboard's order tabs; bad values fall back to the
    defaults (a buy at market)."""

    side = forms.ChoiceField(choices=SIDE_CHOICES, required=False)
    order_type = forms.ChoiceField(choices=TYPE_CHOICES, required=False)


class SymbolForm(forms.Form):
    symbol = forms.ChoiceField(label=_("Symbol"), choices=SYMBOL_CHOICES, required=False)


# ---------------------------------------------------------------------------------------
# Cross Margin (SPEC §6.5, §6.6): transfer, borrow, repay, margin orders, settings
# ---------------------------------------------------------------------------------------


class MarginTransferForm(IdempotentForm):
    direction = StrictChoiceField(
        label=_("Direction"),
        choices=[
            ("in", _("Spot → Cross Margin (transfer in)")),
            ("out", _("Cross Margin → Spot (transfer out)")),
        ],
    )
    asset = StrictChoiceField(label=_("Asset"), choices=ASSET_CHOICES)
    amount = AmountField(
        label=_("Amount"),
        help_text=_(
            "While you have a loan, a transfer out must leave your collateral margin level above 2."
        ),
    )


class BorrowForm(IdempotentForm):
    asset = StrictChoiceField(label=_("Asset to borrow"), choices=ASSET_CHOICES)
    amount = AmountField(
        label=_("Amount"),
        help_text=format_lazy(
            _(
                "At least {minimum} worth. One hour of interest is charged at once, then one "
                "at the start of every hour while the loan is open."
            ),
            minimum=MIN_BORROW_TEXT,
        ),
    )


class RepayForm(IdempotentForm):
    asset = StrictChoiceField(label=_("Asset to repay"), choices=ASSET_CHOICES)
    amount = AmountField(
        label=_("Amount"),
        required=False,
        help_text=_(
            "Interest is repaid first, then the loan. Leave empty to repay everything you "
            "owe in this asset, as far as your Cross Margin wallet allows."
        ),
    )


class MarginOrderForm(OrderForm):
    """The order form of the Cross Margin page: the Spot order's fields and a side effect.
    The order trades from the Cross Margin wallet (the view passes ``wallet="cross"``)."""

    side_effect = StrictChoiceField(
        label=_("Side effect"),
        choices=SideEffect.choices,
        initial=SideEffect.NONE,
        help_text=_(
            "Auto-borrow borrows exactly what your wallet lacks to pay for the order. "
            "Auto-repay uses what the order brings in to repay the debt in that asset, "
            "interest first."
        ),
    )

    field_order = [*OrderForm.field_order, "side_effect"]


class MarginOrderPreviewForm(MarginOrderForm):
    """The same fields without the key: a preview changes nothing."""

    idempotency_key = None


TOPUP_ASSET_CHOICES = [("", _("—")), *((asset, asset) for asset in SPOT_ASSETS)]
TOPUP_ASSET_FIELDS = tuple(f"auto_topup_asset_{n}" for n in range(1, MAX_TOPUP_ASSETS + 1))
KIND_CHOICES = [(name, _(kind.label)) for name, kind in MARGIN_KINDS.items()]


class MarginSettingsForm(IdempotentForm):
    """Every setting of SPEC §6.1 but the cooling-off period (its own form). It parses;
    the rules (levels against the margin kind, the kind only without debt, distinct
    assets) are ``services.settings_update``'s, whose ``InvalidSettings.field`` names the
    field to show the message next to (the asset fields share ``auto_topup_assets``)."""

    use_bnb_for_fees = FeeSettingsForm.base_fields["use_bnb_for_fees"]
    use_bnb_for_interest = StrictBooleanField(
        label=_("Use BNB for interest"),
        help_text=_(
            "Pay each hour of interest in BNB at 95 % of its value whenever your Cross "
            "Margin wallet holds enough free BNB."
        ),
    )
    margin_kind = StrictChoiceField(label=_("Cross Margin kind"), choices=KIND_CHOICES)
    margin_call_alert_level = AmountField(
        label=_("Margin-call alert level"),
        required=False,
        help_text=_(
            "Leave empty to be alerted at your margin kind's margin-call level, or set a "
            "higher margin level to be warned earlier."
        ),
    )
    auto_topup_enabled = StrictBooleanField(
        label=_("Auto top-up"),
        help_text=_(
            "At a margin call, move assets from your Spot wallet into Cross Margin until the "
            "target level. It can save a position, but it puts more of your money at risk "
            "and can enlarge a loss."
        ),
    )
    auto_topup_asset_1 = StrictChoiceField(
        label=_("Top up with, first"), choices=TOPUP_ASSET_CHOICES, required=False
    )
    auto_topup_asset_2 = StrictChoiceField(
        label=_("then"), choices=TOPUP_ASSET_CHOICES, required=False
    )
    auto_topup_asset_3 = StrictChoiceField(
        label=_("then"), choices=TOPUP_ASSET_CHOICES, required=False
    )
    auto_topup_target = AmountField(
        label=_("Top-up target margin level"),
        help_text=_("Must be above your margin kind's margin-call level."),
    )

    def changes(self) -> dict:
        """The cleaned data as ``services.settings_update`` takes it."""
        data = self.cleaned_data
        return {
            "use_bnb_for_fees": data["use_bnb_for_fees"],
            "use_bnb_for_interest": data["use_bnb_for_interest"],
            "margin_kind": data["margin_kind"],
            "margin_call_alert_level": data["margin_call_alert_level"],
            "auto_topup_enabled": data["auto_topup_enabled"],
            "auto_topup_assets": [data[name] for name in TOPUP_ASSET_FIELDS if data.get(name)],
            "auto_topup_target": data["auto_topup_target"],
        }

    @classmethod
    def initial_from(cls, settings) -> dict:
        """The form's initial values from a ``SandboxSettings`` row."""
        assets = list(settings.auto_topup_assets or [])
        initial = {
            "use_bnb_for_fees": settings.use_bnb_for_fees,
            "use_bnb_for_interest": settings.use_bnb_for_interest,
            "margin_kind": settings.margin_kind,
            "margin_call_alert_level": settings.margin_call_alert_level,
            "auto_topup_enabled": settings.auto_topup_enabled,
            "auto_topup_target": settings.auto_topup_target,
        }
        for index, name in enumerate(TOPUP_ASSET_FIELDS):
            initial[name] = assets[index] if index < len(assets) else ""
        return initial


class CoolingOffForm(IdempotentForm):
    days = forms.TypedChoiceField(
        label=_("Cooling-off period"),
        choices=list(COOLING_OFF_DAYS.items()),
        coerce=int,
        help_text=_(
            "Sandbox time. While it runs you cannot borrow, open new margin positions or "
            "transfer into Cross Margin; you can still repay, close positions and transfer out."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I understand a cooling-off period cannot be cancelled or shortened."),
        error_messages={"required": _("Tick the box to confirm the cooling-off period.")},
    )
