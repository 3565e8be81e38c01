"""Admin: staff can read every sandbox row, and edit only the market scenarios.

Money moves only through services (balanced, locked, audited), so the ledger, balances,
orders and fills are read-only here: no add, change or delete permission, for anyone.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sandbox.models import (
    Account,
    Balance,
    Fill,
    LedgerTransaction,
    OperationKey,
    Order,
    Posting,
    SandboxSettings,
    ScenarioEvent,
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


@admin.register(ScenarioEvent)
class ScenarioEventAdmin(admin.ModelAdmin):
    """Instructors set up market moves here; every learner's price path follows them."""

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
                    "two hours. Prices before the start are unchanged. Untick “active” to "
                    "take a move back out (that changes prices learners may already have "
                    "seen; their orders already filled stay filled)."
                ),
            },
        ),
    )
