"""Forms of the Cross Margin and settings pages: they parse and validate, the services
(``sandbox.services.margin``, ``sandbox.services.settings``) decide and move money.

Like ``sandbox.forms``, every form that changes something carries a one-time
``idempotency_key``. Which amounts are allowed (max borrow, minimum 10 USDT, what a §6.6
state permits, cooling-off) is the services' rule: the page shows their message as is.

Stand-in until the services branch is merged: its ``sandbox.forms`` has the same classes
with the same names and fields (``MarginTransferForm``, ``BorrowForm``, ``RepayForm``,
``MarginOrderForm``, ``MarginOrderPreviewForm``, ``MarginSettingsForm`` with
``changes()``/``initial_from()``, ``CoolingOffForm``, ``TOPUP_ASSET_FIELDS``); after the
merge this module goes and ``sandbox.margin_views`` imports them from ``sandbox.forms``.
"""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from calculators.fields import StrictBooleanField, StrictChoiceField, StrictDecimalField
from calculators.formulas import MARGIN_KINDS
from calculators.instruments import ASSETS
from sandbox.forms import AmountField, FeeSettingsForm, IdempotentForm, OrderForm
from sandbox.models import MAX_TOPUP_ASSETS, SPOT_ASSETS

ASSET_CHOICES = [(asset, asset) for asset in ASSETS]
DIRECTION_IN = "in"
DIRECTION_OUT = "out"
DIRECTION_CHOICES = [
    (DIRECTION_IN, _("Spot → Cross Margin (transfer in)")),
    (DIRECTION_OUT, _("Cross Margin → Spot (transfer out)")),
]
SIDE_EFFECT_NONE = "none"
SIDE_EFFECT_CHOICES = [
    (SIDE_EFFECT_NONE, _("None: trade with what the wallet holds")),
    ("auto_borrow", _("Auto-borrow: borrow the shortfall when the order is placed")),
    ("auto_repay", _("Auto-repay: repay the debt of what you receive")),
]
MARGIN_KIND_CHOICES = [(kind.name, _(kind.label)) for kind in MARGIN_KINDS.values()]
# Cooling-off lengths in days (SPEC §6.6): 1 day, 3 days, 1 week.
COOLING_OFF_CHOICES = [
    (1, _("1 day")),
    (3, _("3 days")),
    (7, _("1 week")),
]
# The auto top-up assets are three ordered choice fields; the service takes one list.
TOPUP_ASSET_FIELDS = tuple(f"auto_topup_asset_{n}" for n in range(1, MAX_TOPUP_ASSETS + 1))


class MarginTransferForm(IdempotentForm):
    direction = StrictChoiceField(label=_("Direction"), choices=DIRECTION_CHOICES)
    asset = StrictChoiceField(label=_("Asset"), choices=ASSET_CHOICES)
    amount = AmountField(label=_("Amount"))


class BorrowForm(IdempotentForm):
    asset = StrictChoiceField(label=_("Asset to borrow"), choices=ASSET_CHOICES)
    amount = AmountField(label=_("Amount to borrow"))


class RepayForm(IdempotentForm):
    asset = StrictChoiceField(label=_("Asset to repay"), choices=ASSET_CHOICES)
    # Empty = everything owed in the asset (the service repays as far as the wallet allows).
    amount = AmountField(
        label=_("Amount to repay"),
        required=False,
        help_text=_("Interest is repaid first, then the loan. Empty: repay everything owed."),
    )


class MarginOrderForm(OrderForm):
    """The dashboard's order fields plus what the order does to the loan."""

    side_effect = StrictChoiceField(
        label=_("Borrow or repay with the order"),
        choices=SIDE_EFFECT_CHOICES,
        required=False,
    )

    field_order = [
        "symbol",
        "side",
        "order_type",
        "quantity",
        "quote_amount",
        "limit_price",
        "side_effect",
    ]


class MarginOrderPreviewForm(MarginOrderForm):
    """The same fields without the key: a preview changes nothing."""

    idempotency_key = None


def _topup_choice(n: int) -> StrictChoiceField:
    return StrictChoiceField(
        label=format_lazy(_("Top-up asset {n}"), n=n),
        choices=[("", _("— none —"))] + [(a, a) for a in SPOT_ASSETS],
        required=False,
    )


class MarginSettingsForm(IdempotentForm):
    """Every setting of SPEC §6.1 but the cooling-off period (its own form), "use BNB for
    fees" included: a margin learner's settings page has this one form instead of the
    fee form. The view sends the service only what changed."""

    use_bnb_for_fees = FeeSettingsForm.base_fields["use_bnb_for_fees"]
    margin_kind = StrictChoiceField(
        label=_("Cross Margin kind"),
        choices=MARGIN_KIND_CHOICES,
        help_text=_("3x or 5x: each has its own thresholds. You can switch only without debt."),
    )
    margin_call_alert_level = StrictDecimalField(
        label=_("Margin-call alert level"),
        minimum="positive",
        required=False,
        help_text=_(
            "We notify you when your margin level reaches this. Empty: your kind's "
            "margin-call level. It can only be higher."
        ),
    )
    auto_topup_enabled = StrictBooleanField(
        label=_("Auto top-up"),
        help_text=_(
            "At a margin call, move assets from your Spot wallet into Cross Margin, in the "
            "order chosen below, until the margin level reaches the target."
        ),
    )
    auto_topup_asset_1 = _topup_choice(1)
    auto_topup_asset_2 = _topup_choice(2)
    auto_topup_asset_3 = _topup_choice(3)
    auto_topup_target = StrictDecimalField(
        label=_("Top-up target margin level"),
        minimum="positive",
        help_text=_("Must be above the margin-call level."),
    )
    use_bnb_for_interest = StrictBooleanField(
        label=_("Use BNB for interest"),
        help_text=_(
            "Pay each hour's interest in BNB from your Cross Margin wallet at 95 % of its "
            "value, when it holds enough BNB."
        ),
    )

    def topup_assets(self) -> list[str]:
        """The chosen assets in priority order, blanks skipped (duplicates are left for the
        service to refuse with its message)."""
        return [
            self.cleaned_data[name] for name in TOPUP_ASSET_FIELDS if self.cleaned_data.get(name)
        ]

    def changes(self) -> dict:
        """The cleaned data as ``services.settings_update`` takes it."""
        data = self.cleaned_data
        return {
            "use_bnb_for_fees": data["use_bnb_for_fees"],
            "margin_kind": data["margin_kind"],
            "margin_call_alert_level": data.get("margin_call_alert_level"),
            "auto_topup_enabled": data["auto_topup_enabled"],
            "auto_topup_assets": self.topup_assets(),
            "auto_topup_target": data["auto_topup_target"],
            "use_bnb_for_interest": data["use_bnb_for_interest"],
        }

    @classmethod
    def initial_from(cls, settings) -> dict:
        assets = list(settings.auto_topup_assets or [])
        initial = {
            "margin_kind": settings.margin_kind,
            "margin_call_alert_level": settings.margin_call_alert_level,
            "auto_topup_enabled": settings.auto_topup_enabled,
            "auto_topup_target": settings.auto_topup_target,
            "use_bnb_for_interest": settings.use_bnb_for_interest,
            "use_bnb_for_fees": settings.use_bnb_for_fees,
        }
        for name, asset in zip(TOPUP_ASSET_FIELDS, assets, strict=False):
            initial[name] = asset
        return initial


class CoolingOffForm(IdempotentForm):
    days = forms.TypedChoiceField(label=_("Length"), choices=COOLING_OFF_CHOICES, coerce=int)
    confirm = forms.BooleanField(
        label=_(
            "I understand that a cooling-off period cannot be cancelled or shortened once "
            "it starts."
        ),
        error_messages={"required": _("Tick the box to confirm: it cannot be cancelled.")},
    )
