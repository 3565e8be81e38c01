"""Admin: staff can read every sandbox row, and edit only the market scenarios.

Money moves only through services (balanced, locked, audited), so the ledger, balances,
orders and fills are read-only here: no add, change or delete permission, for anyone.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from sandbox import pricing
from sandbox.market import last_lived_minute
from sandbox.models import (
    Account,
    Balance,
    EngineState,
    Fill,
    InterestCharge,
    InterestRate,
    LedgerTransaction,
    Liquidation,
    LiquidationSale,
    OperationKey,
    Order,
    Posting,
    SandboxSettings,
    ScenarioEvent,
    SettingsChange,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by staff with view permission; nobody can add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "system_code", "season", "clock_offset_seconds", "created_at")
    list_filter = ("system_code",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ("account", "season", "wallet", "asset", "amount", "updated_at")
    list_filter = ("wallet", "asset")
    search_fields = ("account__user__username",)
    list_select_related = ("account__user",)


class PostingInline(ReadOnlyInline):
    model = Posting
    fields = ("account", "season", "wallet", "asset", "amount")


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "season", "kind", "memo", "sandbox_time", "created_at")
    list_filter = ("kind",)
    search_fields = ("account__user__username", "memo")
    list_select_related = ("account__user",)
    inlines = [PostingInline]


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction", "account", "season", "wallet", "asset", "amount")
    list_filter = ("wallet", "asset")
    search_fields = ("account__user__username",)
    list_select_related = ("transaction", "account__user")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "account",
        "season",
        "symbol",
        "side",
        "order_type",
        "quantity",
        "limit_price",
        "status",
        "placed_at",
    )
    list_filter = ("status", "symbol", "side", "order_type")
    search_fields = ("account__user__username",)
    list_select_related = ("account__user",)


@admin.register(Fill)
class FillAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "order",
        "account",
        "symbol",
        "side",
        "quantity",
        "price",
        "fee",
        "fee_asset",
        "sandbox_time",
    )
    list_filter = ("symbol", "side")
    search_fields = ("account__user__username",)
    list_select_related = ("order", "account__user")


@admin.register(SandboxSettings)
class SandboxSettingsAdmin(ReadOnlyAdmin):
    list_display = (
        "account",
        "margin_kind",
        "use_bnb_for_fees",
        "auto_topup_enabled",
        "cooling_off_until",
    )
    list_select_related = ("account__user",)


@admin.register(OperationKey)
class OperationKeyAdmin(ReadOnlyAdmin):
    list_display = ("account", "operation", "key", "created_at")
    list_filter = ("operation",)
    search_fields = ("account__user__username", "key")
    list_select_related = ("account__user",)


@admin.register(InterestCharge)
class InterestChargeAdmin(ReadOnlyAdmin):
    list_display = ("account", "season", "asset", "source", "hour", "amount", "paid_asset")
    list_filter = ("asset", "source")
    search_fields = ("account__user__username",)
    list_select_related = ("account__user",)


@admin.register(Liquidation)
class LiquidationAdmin(ReadOnlyAdmin):
    list_display = ("account", "season", "trigger_time", "margin_level", "fee", "insurance_cover")
    search_fields = ("account__user__username",)
    list_select_related = ("account__user",)


@admin.register(LiquidationSale)
class LiquidationSaleAdmin(ReadOnlyAdmin):
    list_display = ("liquidation", "symbol", "side", "quantity", "price", "value", "fee")


@admin.register(SettingsChange)
class SettingsChangeAdmin(ReadOnlyAdmin):
    list_display = ("account", "season", "setting", "old_value", "new_value", "sandbox_time")
    search_fields = ("account__user__username", "setting")
    list_select_related = ("account__user",)


@admin.register(EngineState)
class EngineStateAdmin(ReadOnlyAdmin):
    list_display = ("account", "last_margin_call_season", "last_margin_call_minute", "updated_at")
    search_fields = ("account__user__username",)
    list_select_related = ("account__user",)


@admin.register(InterestRate)
class InterestRateAdmin(admin.ModelAdmin):
    """Staff set each asset's yearly rate; a change applies to hours charged afterwards."""

    list_display = ("asset", "yearly_percent", "updated_at")
    ordering = ("asset",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Without a row the spec's default applies; keep the table complete instead.
        return False


# The fields that shape prices; the note does not.
PRICE_FIELDS = ("symbol", "start", "duration_minutes", "move_percent", "is_active")

TOO_EARLY = gettext_lazy(
    "This move would start at {start}, but a learner's account has already lived through "
    "the market up to {lived} (fast-forwarded clocks run ahead of real time), and prices "
    "someone has seen never change. The earliest allowed start is {earliest}."
)
ALREADY_LIVED = gettext_lazy(
    "This move started at {start}, and a learner's account has already lived through the "
    "market up to {lived}: changing, deactivating or deleting it would rewrite prices "
    "someone has seen. Only the note can still change; add a new move instead."
)


def _time_text(minute: int) -> str:
    return pricing.datetime_of(minute).strftime("%Y-%m-%d %H:%M UTC")


def _lived_through(event: ScenarioEvent, lived: int | None) -> bool:
    """Whether an active event already shaped prices some account has evaluated."""
    return (
        event.pk is not None
        and event.is_active
        and lived is not None
        and pricing.minute_of(event.start) <= lived
    )


class ScenarioEventForm(forms.ModelForm):
    """Refuses any change to prices an account has already lived through (SPEC §6.3)."""

    class Meta:
        model = ScenarioEvent
        fields = (*PRICE_FIELDS, "note")
        help_texts = {
            "start": gettext_lazy(
                "When the move starts, in market time (UTC). It must come after every "
                "minute a learner's account has already lived through; the form says "
                "which start is the earliest allowed."
            ),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        instance = self.instance
        changed = instance.pk is None or any(
            name in cleaned and cleaned[name] != getattr(instance, name) for name in PRICE_FIELDS
        )
        if not changed:
            return cleaned
        lived = last_lived_minute()
        if _lived_through(instance, lived):
            raise forms.ValidationError(
                ALREADY_LIVED.format(
                    start=_time_text(pricing.minute_of(instance.start)), lived=_time_text(lived)
                ),
                code="lived_through",
            )
        start = cleaned.get("start", instance.start)
        active = cleaned.get("is_active", instance.is_active)
        if active and lived is not None and pricing.minute_of(start) <= lived:
            message = TOO_EARLY.format(
                start=_time_text(pricing.minute_of(start)),
                lived=_time_text(lived),
                earliest=_time_text(lived + 1),
            )
            field = "start" if "start" in self.fields else None
            self.add_error(field, forms.ValidationError(message, code="too_early"))
        return cleaned


@admin.register(ScenarioEvent)
class ScenarioEventAdmin(admin.ModelAdmin):
    """Instructors set up market moves here; every learner's price path follows them."""

    form = ScenarioEventForm
    list_display = ("symbol", "start", "duration_minutes", "move_percent", "is_active", "note")
    list_filter = ("symbol", "is_active")
    list_editable = ("is_active",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "symbol",
                    "start",
                    "duration_minutes",
                    "move_percent",
                    "is_active",
                    "note",
                ),
                "description": (
                    "A scenario moves one symbol's price for every learner: the price slides "
                    "from its normal path to the path × (1 + move %) over the duration, and "
                    "stays moved afterwards. Example: −30 over 120 minutes is a 30% crash in "
                    "two hours. Prices before the start are unchanged. Learners who "
                    "fast-forwarded live ahead of real time, so a move must start after "
                    "every minute any account has already lived through; once it has "
                    "shaped prices someone saw, it can no longer be changed or removed "
                    "(only its note)."
                ),
            },
        ),
    )

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        # The list's "active" checkboxes go through the same rule as the change form.
        return super().get_changelist_form(request, form=ScenarioEventForm, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and _lived_through(obj, last_lived_minute()):
            return False
        return super().has_delete_permission(request, obj)
