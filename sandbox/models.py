"""Sandbox data: accounts, the append-only ledger, orders and fills, market scenarios.

The design is written up in docs/sandbox.md. In short: every balance change is one
``LedgerTransaction`` whose ``Posting`` rows sum to zero per asset; ``Balance`` caches
the sum of a learner's postings per (season, wallet, asset) and is written only by
``sandbox.ledger.ledger_post``, in the same database transaction as the postings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calculators import instruments
from calculators.formulas import MARGIN_KINDS
from calculators.instruments import ASSETS, INSTRUMENTS

AMOUNT = {"max_digits": 30, "decimal_places": 8}
ZERO = Decimal(0)


# The assets and symbols are declared once, in calculators/instruments.py; these choices
# (and the CHECK constraints built from them) follow that declaration.
Asset = models.TextChoices("Asset", [(asset, (asset, asset)) for asset in ASSETS])


class Wallet(models.TextChoices):
    SPOT = "spot", _("Spot")
    # Funds reserved by open orders live in their own wallet, so a reservation is a
    # normal balanced ledger transaction instead of a number kept on the side.
    SPOT_LOCKED = "spot_locked", _("Spot (in orders)")
    CROSS = "cross", _("Cross Margin")
    CROSS_LOCKED = "cross_locked", _("Cross Margin (in orders)")
    # Debt is recorded as positive balances of what the learner owes (never negative),
    # balanced by the lending pool's same wallets, which go negative (what it is owed).
    # See docs/decisions.md, "How a Cross Margin loan is recorded".
    CROSS_DEBT = "cross_debt", _("Cross Margin loans (principal owed)")
    CROSS_INTEREST = "cross_interest", _("Cross Margin interest owed")


# Each wallet an order can trade from, and the wallet that holds what its open orders
# reserve (a reservation is a normal ledger move into it, visible in the history).
LOCKED_WALLET: dict[str, str] = {
    Wallet.SPOT: Wallet.SPOT_LOCKED,
    Wallet.CROSS: Wallet.CROSS_LOCKED,
}
# The wallets that record what a learner owes in Cross Margin.
DEBT_WALLETS: tuple[str, ...] = (Wallet.CROSS_DEBT, Wallet.CROSS_INTEREST)


class SystemCode(models.TextChoices):
    TREASURY = "treasury", "Treasury (starting money)"
    MARKET = "market", "Market (trade counterparty)"
    LENDING_POOL = "lending_pool", "Lending pool"
    FEE_INCOME = "fee_income", "Fee income"
    INSURANCE_FUND = "insurance_fund", "Insurance fund"
    REWARDS = "rewards", "Rewards (learn and earn)"


Symbol = models.TextChoices(
    "Symbol", [(i.symbol, (i.symbol, i.label)) for i in INSTRUMENTS.values()]
)

# symbol → (base asset, quote asset)
SYMBOL_ASSETS: dict[str, tuple[str, str]] = {
    i.symbol: (i.base, i.quote) for i in INSTRUMENTS.values()
}
# base asset → the symbol that prices it in USDT
ASSET_SYMBOL: dict[str, str] = instruments.ASSET_SYMBOL


class OrderSide(models.TextChoices):
    BUY = "buy", _("Buy")
    SELL = "sell", _("Sell")


class OrderType(models.TextChoices):
    MARKET = "market", _("Market")
    LIMIT = "limit", _("Limit")


class SideEffect(models.TextChoices):
    """What a Cross Margin order does besides trading (SPEC §6.5)."""

    NONE = "none", _("None")
    # Borrow exactly the shortfall of the asset the order pays with, at placement.
    AUTO_BORROW = "auto_borrow", _("Auto-borrow")
    # At the fill, repay the debt of the asset received from the proceeds, interest first.
    AUTO_REPAY = "auto_repay", _("Auto-repay")


class OrderStatus(models.TextChoices):
    OPEN = "open", "Open"
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"


class TransactionKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    # A fill: both legs of the trade and its fee, in one balanced transaction.
    TRADE = "trade", "Trade"
    ORDER_HOLD = "order_hold", "Funds reserved for an order"
    ORDER_RELEASE = "order_release", "Reserved funds released"
    REWARD = "reward", "Reward"
    RESET = "reset", "Account reset"
    TRANSFER = "transfer", "Transfer"
    # A transfer the engine made from Spot to Cross Margin at a margin call (§6.6).
    AUTO_TOP_UP = "auto_top_up", "Auto top-up transfer"
    BORROW = "borrow", "Borrow"
    REPAY = "repay", "Repay"
    INTEREST = "interest", "Interest"
    LIQUIDATION = "liquidation", "Liquidation"
    # The insurance fund writes off what a liquidation could not repay.
    INSURANCE_COVER = "insurance_cover", "Insurance fund cover"


# The margin kinds and their thresholds live with the margin-level formulas.
MarginKind = models.TextChoices(
    "MarginKind",
    [(name.upper(), (name, f"Cross {name.removeprefix('cross')}")) for name in MARGIN_KINDS],
)


def _choices_check(
    field: str, choices: type[models.TextChoices], name: str
) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


# ---------------------------------------------------------------------------------------
# Append-only rows
# ---------------------------------------------------------------------------------------


class AppendOnlyError(Exception):
    """Someone tried to change or remove a ledger row; the ledger only grows."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: no update().")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: no delete().")


class AppendOnlyModel(models.Model):
    """A row that can be inserted once and never changed or deleted through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only: no update.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only: no delete.")


# ---------------------------------------------------------------------------------------
# Accounts and balances
# ---------------------------------------------------------------------------------------


class Account(models.Model):
    """A learner's sandbox account, or one of the system accounts (user is null)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # A learner with sandbox history is never silently deleted with it.
        on_delete=models.PROTECT,
        related_name="sandbox_account",
    )
    system_code = models.CharField(max_length=20, choices=SystemCode.choices, blank=True)
    season = models.PositiveIntegerField(default=1)
    # Sandbox time = real time + this offset. Fast-forward only ever adds to it.
    clock_offset_seconds = models.BigIntegerField(default=0)
    # The last market minute (pricing.minute_of) the risk engine has processed.
    evaluated_minute = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(system_code=""))
                | (Q(user__isnull=True) & Q(system_code__in=SystemCode.values)),
                name="sandbox_account_learner_xor_system",
            ),
            models.UniqueConstraint(
                fields=["system_code"],
                condition=~Q(system_code=""),
                name="sandbox_account_unique_system_code",
            ),
            models.CheckConstraint(
                condition=Q(clock_offset_seconds__gte=0), name="sandbox_account_clock_forward"
            ),
            models.CheckConstraint(condition=Q(season__gte=1), name="sandbox_account_season_1"),
        ]

    def __str__(self) -> str:
        if self.system_code:
            return f"system: {self.system_code}"
        return f"sandbox of {self.user}" if self.user_id else "sandbox account"

    @property
    def is_system(self) -> bool:
        return bool(self.system_code)


class Balance(models.Model):
    """Cached sum of a learner's postings for one (season, wallet, asset).

    Only learner balances are cached. System accounts are counterparties of every
    learner; caching their balances would make one row that every trade in the app
    must lock. Their balance is the sum of their postings.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balances")
    season = models.PositiveIntegerField()
    wallet = models.CharField(max_length=20, choices=Wallet.choices)
    asset = models.CharField(max_length=10, choices=Asset.choices)
    amount = models.DecimalField(**AMOUNT, default=ZERO)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "season", "wallet", "asset"], name="sandbox_balance_unique"
            ),
            # The database's own backstop for "a learner balance never goes negative".
            models.CheckConstraint(condition=Q(amount__gte=0), name="sandbox_balance_not_negative"),
            _choices_check("wallet", Wallet, "sandbox_balance_wallet_valid"),
            _choices_check("asset", Asset, "sandbox_balance_asset_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.account} s{self.season} {self.wallet} {self.amount} {self.asset}"


# ---------------------------------------------------------------------------------------
# Orders (mutable: status moves open → filled/cancelled)
# ---------------------------------------------------------------------------------------


class Order(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="orders")
    season = models.PositiveIntegerField()
    wallet = models.CharField(max_length=20, choices=Wallet.choices, default=Wallet.SPOT)
    symbol = models.CharField(max_length=10, choices=Symbol.choices)
    side = models.CharField(max_length=4, choices=OrderSide.choices)
    order_type = models.CharField(max_length=6, choices=OrderType.choices)
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    quantity = models.DecimalField(**AMOUNT, help_text="Base asset, 8 decimal places.")
    quote_amount = models.DecimalField(
        **AMOUNT, null=True, blank=True, help_text="USDT amount asked for, when sized in USDT."
    )
    limit_price = models.DecimalField(**AMOUNT, null=True, blank=True)
    reserved_asset = models.CharField(max_length=10, choices=Asset.choices, blank=True)
    reserved_amount = models.DecimalField(**AMOUNT, default=ZERO)
    placed_minute = models.BigIntegerField()
    placed_at = models.DateTimeField(help_text="Sandbox time.")
    filled_minute = models.BigIntegerField(null=True, blank=True)
    filled_at = models.DateTimeField(null=True, blank=True, help_text="Sandbox time.")
    fill_price = models.DecimalField(**AMOUNT, null=True, blank=True)
    fee = models.DecimalField(**AMOUNT, null=True, blank=True)
    fee_asset = models.CharField(max_length=10, choices=Asset.choices, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, help_text="Sandbox time.")
    note = models.CharField(max_length=255, blank=True)
    side_effect = models.CharField(
        max_length=12, choices=SideEffect.choices, default=SideEffect.NONE
    )
    # What auto-borrow borrowed when the order was placed (0: nothing).
    auto_borrowed = models.DecimalField(**AMOUNT, default=ZERO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "season", "status"])]
        constraints = [
            _choices_check("side_effect", SideEffect, "sandbox_order_side_effect_valid"),
            models.CheckConstraint(
                condition=Q(wallet="cross") | Q(side_effect="none"),
                name="sandbox_order_side_effect_cross_only",
            ),
            models.CheckConstraint(
                condition=Q(auto_borrowed__gte=0), name="sandbox_order_auto_borrowed_not_negative"
            ),
            _choices_check("wallet", Wallet, "sandbox_order_wallet_valid"),
            _choices_check("symbol", Symbol, "sandbox_order_symbol_valid"),
            _choices_check("side", OrderSide, "sandbox_order_side_valid"),
            _choices_check("order_type", OrderType, "sandbox_order_type_valid"),
            _choices_check("status", OrderStatus, "sandbox_order_status_valid"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sandbox_order_quantity_pos"),
            models.CheckConstraint(
                condition=~Q(order_type=OrderType.LIMIT) | Q(limit_price__gt=0),
                name="sandbox_order_limit_has_price",
            ),
            models.CheckConstraint(
                condition=Q(reserved_amount__gte=0), name="sandbox_order_reserved_not_negative"
            ),
        ]

    def __str__(self) -> str:
        price = f" @ {self.limit_price}" if self.limit_price is not None else ""
        return f"#{self.pk} {self.order_type} {self.side} {self.quantity} {self.symbol}{price}"

    @property
    def base_asset(self) -> str:
        return SYMBOL_ASSETS[self.symbol][0]

    @property
    def quote_asset(self) -> str:
        return SYMBOL_ASSETS[self.symbol][1]


# ---------------------------------------------------------------------------------------
# The ledger (append-only)
# ---------------------------------------------------------------------------------------


class LedgerTransaction(AppendOnlyModel):
    """One balanced change: its postings sum to zero per asset."""

    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
        help_text="The learner the change concerns.",
    )
    season = models.PositiveIntegerField(default=0, help_text="The learner's season; 0 = none.")
    kind = models.CharField(max_length=20, choices=TransactionKind.choices)
    memo = models.CharField(max_length=255, blank=True)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    minute = models.BigIntegerField(help_text="Market minute of the sandbox time.")
    sandbox_time = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "season", "-id"])]
        constraints = [_choices_check("kind", TransactionKind, "sandbox_tx_kind_valid")]

    def __str__(self) -> str:
        return f"tx #{self.pk} {self.kind} {self.memo}"


class Posting(AppendOnlyModel):
    """One signed amount on one (account, season, wallet, asset). System accounts use season 0."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="postings"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    season = models.PositiveIntegerField()
    wallet = models.CharField(max_length=20, choices=Wallet.choices)
    asset = models.CharField(max_length=10, choices=Asset.choices)
    amount = models.DecimalField(**AMOUNT)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "season", "wallet", "asset"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="sandbox_posting_not_zero"),
            _choices_check("wallet", Wallet, "sandbox_posting_wallet_valid"),
            _choices_check("asset", Asset, "sandbox_posting_asset_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.wallet} {self.amount} {self.asset}"


class Fill(AppendOnlyModel):
    """The execution of an order. Orders fill whole, so an order has at most one fill."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="fill")
    transaction = models.OneToOneField(
        LedgerTransaction, on_delete=models.PROTECT, related_name="fill"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="fills")
    season = models.PositiveIntegerField()
    symbol = models.CharField(max_length=10, choices=Symbol.choices)
    side = models.CharField(max_length=4, choices=OrderSide.choices)
    quantity = models.DecimalField(**AMOUNT)
    price = models.DecimalField(**AMOUNT)
    quote_amount = models.DecimalField(**AMOUNT, help_text="quantity × price, 8 places.")
    fee = models.DecimalField(**AMOUNT)
    fee_asset = models.CharField(max_length=10, choices=Asset.choices)
    bnb_fee_fallback = models.BooleanField(
        default=False, help_text="BNB fees were on but the spot wallet lacked BNB."
    )
    # Average buy price of the holding right after this fill (see selectors.account_overview).
    average_entry_after = models.DecimalField(**AMOUNT, null=True, blank=True)
    minute = models.BigIntegerField()
    sandbox_time = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "season", "symbol"])]

    def __str__(self) -> str:
        return f"fill of #{self.order_id}: {self.side} {self.quantity} @ {self.price}"


# ---------------------------------------------------------------------------------------
# Market scenarios, settings, idempotency keys
# ---------------------------------------------------------------------------------------


class ScenarioEvent(models.Model):
    """An instructor's market move that overlays the simulated price path for everyone."""

    symbol = models.CharField(max_length=10, choices=Symbol.choices)
    start = models.DateTimeField(
        help_text=(
            "When the move starts, in market time (UTC). Learners who fast-forwarded are "
            "ahead of real time and meet it sooner; accounts already past this time are "
            "not re-evaluated."
        )
    )
    duration_minutes = models.PositiveIntegerField(
        help_text="How long the move takes; 0 is an instant gap. The price stays moved after."
    )
    move_percent = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        help_text="Total move in percent over the duration, e.g. -30 for a 30% drop. Above -100.",
    )
    note = models.CharField(max_length=255, blank=True, help_text="Why: shown to staff only.")
    is_active = models.BooleanField(
        default=True, help_text="Untick to remove the move from the market without deleting it."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            _choices_check("symbol", Symbol, "sandbox_event_symbol_valid"),
            models.CheckConstraint(
                condition=Q(move_percent__gt=-100), name="sandbox_event_move_above_minus_100"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.symbol} {self.move_percent:+}% over {self.duration_minutes} min at {self.start}"
        )


MARGIN_CALL_LEVELS: dict[str, Decimal] = {
    name: kind.margin_call for name, kind in MARGIN_KINDS.items()
}
SPOT_ASSETS: tuple[str, ...] = tuple(Asset.values)
MAX_TOPUP_ASSETS = 3


def _per_kind(field_lookup: str, *, allow_null: str | None = None) -> Q:
    """A condition that holds for the margin-call level of whichever kind the row has."""
    condition = Q()
    for name, level in MARGIN_CALL_LEVELS.items():
        condition |= Q(margin_kind=name, **{field_lookup: level})
    if allow_null:
        condition |= Q(**{f"{allow_null}__isnull": True})
    return condition


class SandboxSettings(models.Model):
    """A learner's sandbox settings (SPEC §6.1). Cross Margin ones act from a later release."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="settings")
    cooling_off_until = models.DateTimeField(
        null=True, blank=True, help_text="Sandbox time the cooling-off period ends."
    )
    auto_topup_enabled = models.BooleanField(default=False)
    auto_topup_assets = models.JSONField(
        default=list, blank=True, help_text="Up to 3 spot assets, in priority order."
    )
    auto_topup_target = models.DecimalField(max_digits=8, decimal_places=4, default=Decimal("1.5"))
    margin_call_alert_level = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Empty = the margin kind's margin-call level.",
    )
    margin_kind = models.CharField(
        max_length=10, choices=MarginKind.choices, default=MarginKind.CROSS3X
    )
    use_bnb_for_interest = models.BooleanField(default=False)
    use_bnb_for_fees = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "sandbox settings"
        constraints = [
            _choices_check("margin_kind", MarginKind, "sandbox_settings_kind_valid"),
            models.CheckConstraint(
                condition=_per_kind("auto_topup_target__gt"),
                name="sandbox_settings_topup_above_margin_call",
            ),
            models.CheckConstraint(
                condition=_per_kind(
                    "margin_call_alert_level__gte", allow_null="margin_call_alert_level"
                ),
                name="sandbox_settings_alert_at_least_margin_call",
            ),
        ]

    def __str__(self) -> str:
        return f"settings of {self.account}"

    @property
    def margin_call_level(self) -> Decimal:
        return MARGIN_CALL_LEVELS[self.margin_kind]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.margin_kind not in MARGIN_CALL_LEVELS:
            errors["margin_kind"] = f"Choose {' or '.join(MarginKind.labels)}."
        else:
            level = self.margin_call_level
            if self.auto_topup_target is not None and self.auto_topup_target <= level:
                errors["auto_topup_target"] = (
                    f"The top-up target must be above the margin-call level ({level})."
                )
            alert = self.margin_call_alert_level
            if alert is not None and alert < level:
                errors["margin_call_alert_level"] = (
                    f"The alert level cannot be below the margin-call level ({level})."
                )
        assets = self.auto_topup_assets
        if not isinstance(assets, list) or not all(isinstance(a, str) for a in assets):
            errors["auto_topup_assets"] = f"Choose up to {MAX_TOPUP_ASSETS} spot assets."
        elif len(assets) > MAX_TOPUP_ASSETS:
            errors["auto_topup_assets"] = (
                f"Choose at most {MAX_TOPUP_ASSETS} assets for auto top-up."
            )
        elif len(set(assets)) != len(assets):
            errors["auto_topup_assets"] = "Each asset can be chosen once."
        elif any(a not in SPOT_ASSETS for a in assets):
            errors["auto_topup_assets"] = (
                f"Auto top-up can use only these spot assets: {', '.join(SPOT_ASSETS)}."
            )
        if errors:
            raise ValidationError(errors)


class InterestRate(models.Model):
    """The yearly interest rate of Cross Margin loans in one asset (a sandbox parameter).

    Staff edit it in the admin; a change applies to the hours charged from then on. The
    defaults (SPEC §6.5) are in ``calculators.instruments.DEFAULT_YEARLY_INTEREST_PERCENT``
    and are written by a data migration.
    """

    asset = models.CharField(max_length=10, choices=Asset.choices, unique=True)
    yearly_percent = models.DecimalField(
        max_digits=12,
        decimal_places=8,
        help_text="Yearly rate in percent; hourly = yearly ÷ 365 ÷ 24.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["asset"]
        constraints = [
            _choices_check("asset", Asset, "sandbox_interest_rate_asset_valid"),
            models.CheckConstraint(
                condition=Q(yearly_percent__gte=0) & Q(yearly_percent__lt=1000),
                name="sandbox_interest_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset}: {self.yearly_percent}% a year"


class InterestSource(models.TextChoices):
    BORROW = "borrow", "Charged at borrowing"
    HOURLY = "hourly", "Charged at the start of an hour"


class InterestCharge(AppendOnlyModel):
    """One hour of interest on a Cross Margin loan (SPEC §6.5), as posted.

    ``amount`` is in the borrowed asset, rounded once (``hourly_interest_charge``), which
    is what the interest calculator shows. Paid in BNB, ``paid_asset``/``paid_amount`` say
    what left the wallet; otherwise the charge became outstanding interest
    (``paid_asset`` = the borrowed asset, ``paid_amount`` = 0). The engine charges an hour
    once per (account, season, asset): the unique constraint is the backstop.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="interest_charges")
    season = models.PositiveIntegerField()
    asset = models.CharField(max_length=10, choices=Asset.choices)
    source = models.CharField(max_length=10, choices=InterestSource.choices)
    hour = models.BigIntegerField(help_text="Market hour (minute ÷ 60) the charge is for.")
    minute = models.BigIntegerField()
    principal = models.DecimalField(**AMOUNT)
    hourly_rate_percent = models.DecimalField(max_digits=30, decimal_places=16)
    amount = models.DecimalField(**AMOUNT)
    paid_asset = models.CharField(max_length=10, choices=Asset.choices)
    paid_amount = models.DecimalField(**AMOUNT, default=ZERO)
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="interest_charges"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "season", "asset", "hour"])]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "season", "asset", "hour"],
                condition=Q(source="hourly"),
                name="sandbox_interest_hourly_once",
            ),
            _choices_check("source", InterestSource, "sandbox_interest_source_valid"),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="sandbox_interest_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} interest hour {self.hour}: {self.amount}"


class Liquidation(AppendOnlyModel):
    """One liquidation of a learner's Cross Margin wallet (SPEC §6.6), for its report.

    Written once by the engine at the trigger minute. Values are in USDT at the trigger
    minute's index prices (``prices``: symbol → price as a decimal string). ``path`` is the
    margin-level path up to the trigger for the report's chart: a list of
    ``[minute, margin level as a decimal string]`` pairs.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="liquidations")
    season = models.PositiveIntegerField()
    margin_kind = models.CharField(max_length=10, choices=MarginKind.choices)
    trigger_minute = models.BigIntegerField()
    trigger_time = models.DateTimeField(help_text="Sandbox time.")
    margin_level = models.DecimalField(
        max_digits=40, decimal_places=20, help_text="Margin level at the trigger minute."
    )
    margin_level_after = models.DecimalField(
        max_digits=40, decimal_places=20, null=True, blank=True, help_text="None: no debt left."
    )
    prices = models.JSONField(default=dict)
    path = models.JSONField(default=list, blank=True)
    total_assets_before = models.DecimalField(**AMOUNT)
    debt_before = models.DecimalField(**AMOUNT, help_text="Liabilities + interest, USDT.")
    sold_value = models.DecimalField(**AMOUNT, default=ZERO)
    fee = models.DecimalField(**AMOUNT, default=ZERO, help_text="Paid to the insurance fund, USDT.")
    insurance_cover = models.DecimalField(
        **AMOUNT, default=ZERO, help_text="Debt the insurance fund wrote off, USDT."
    )
    kept_value = models.DecimalField(
        **AMOUNT, default=ZERO, help_text="What the learner kept, USDT."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-trigger_minute", "-id"]
        indexes = [models.Index(fields=["account", "season", "-trigger_minute"])]

    def __str__(self) -> str:
        return f"liquidation of {self.account} at minute {self.trigger_minute}"


class LiquidationSale(AppendOnlyModel):
    """One trade a liquidation made at the trigger minute's index price: collateral sold
    (or, to cover a borrowed coin, bought), its value and the 2 % fee on it."""

    liquidation = models.ForeignKey(Liquidation, on_delete=models.PROTECT, related_name="sales")
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="liquidation_sales"
    )
    symbol = models.CharField(max_length=10, choices=Symbol.choices)
    side = models.CharField(max_length=4, choices=OrderSide.choices)
    quantity = models.DecimalField(**AMOUNT)
    price = models.DecimalField(**AMOUNT)
    value = models.DecimalField(**AMOUNT, help_text="quantity × price, USDT.")
    fee = models.DecimalField(**AMOUNT, help_text="USDT paid to the insurance fund.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.side} {self.quantity} {self.symbol} @ {self.price}"


class SettingsChange(AppendOnlyModel):
    """One change of a sandbox setting, for the history page (settings are not money, so
    they have no ledger transaction). Values are stored as the learner saw them."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="settings_changes")
    season = models.PositiveIntegerField()
    setting = models.CharField(max_length=40, help_text="SandboxSettings field name.")
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    minute = models.BigIntegerField()
    sandbox_time = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "season", "-id"])]

    def __str__(self) -> str:
        return f"{self.setting}: {self.old_value} → {self.new_value}"


class OperationKey(models.Model):
    """An idempotency key: a form's one-time token, stored in the transaction it caused.

    Learn-and-earn rewards store ``reward:<reason>`` here, which is what makes a reward
    payable once per account, whatever the season.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="operation_keys")
    key = models.CharField(max_length=120)
    operation = models.CharField(max_length=30)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transaction = models.ForeignKey(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the operation did when it has no order or transaction to show for it (a
    # fast-forward's hours), so a replayed key reports what really happened.
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="sandbox_operation_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


class EngineState(models.Model):
    """What the risk engine must remember between catch-ups (SPEC §6.4), one row per
    account, created the first time the margin watch needs it.

    ``last_margin_call_minute`` (of ``last_margin_call_season``): margin calls are
    repeated every 24 hours of sandbox time while the account stays in margin call, so
    the engine must know when it last sent one, also after the learner was away.
    """

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="engine_state")
    last_margin_call_season = models.PositiveIntegerField(default=0)
    last_margin_call_minute = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"engine state of {self.account}"

    def last_margin_call(self, season: int) -> int | None:
        """The minute of the season's last margin call (None: none yet this season)."""
        if self.last_margin_call_season != season:
            return None
        return self.last_margin_call_minute
