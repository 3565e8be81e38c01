"""The only code that writes postings and balances.

``ledger_post`` records one balanced transaction: its legs must sum to zero per asset
(money is moved, never created or lost). Learner balances are cached in ``Balance`` and
changed here, in the same database transaction as the postings; a learner balance that
would go negative makes the whole transaction fail with ``InsufficientBalance``.

Callers hold the learner's ``Account`` row lock (``select_for_update``) before they read
balances and call ``ledger_post``; the balance rows are locked again here (a second
line of defence on PostgreSQL), and the ``Balance`` CHECK constraint is a third.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from calculators.formulas import quantize8
from config.formatting import format_amount
from sandbox.errors import InsufficientBalance
from sandbox.models import (
    Account,
    Asset,
    Balance,
    LedgerTransaction,
    Order,
    Posting,
    SystemCode,
    Wallet,
)

ZERO = Decimal(0)
# System accounts have no seasons; their postings all carry season 0.
SYSTEM_SEASON = 0
LEARNER_WALLETS = (
    Wallet.SPOT,
    Wallet.SPOT_LOCKED,
    Wallet.CROSS,
    Wallet.CROSS_LOCKED,
    Wallet.CROSS_DEBT,
    Wallet.CROSS_INTEREST,
)
WALLET_NAMES = {
    Wallet.SPOT: gettext_noop("Spot wallet"),
    Wallet.SPOT_LOCKED: gettext_noop("Spot wallet (in orders)"),
    Wallet.CROSS: gettext_noop("Cross Margin wallet"),
    Wallet.CROSS_LOCKED: gettext_noop("Cross Margin wallet (in orders)"),
    Wallet.CROSS_DEBT: gettext_noop("Cross Margin loans"),
    Wallet.CROSS_INTEREST: gettext_noop("Cross Margin interest owed"),
}
INSUFFICIENT = gettext_noop(
    "Insufficient {asset} in your {wallet}: {available} available, {needed} needed"
)


# The choices' codes once (``TextChoices.values`` builds a new list on every access).
_ASSET_CODES = frozenset(Asset.values)
_WALLET_CODES = frozenset(Wallet.values)


class LedgerError(ValueError):
    """A programming error: an unbalanced or malformed transaction. Never shown to learners."""


@dataclass(frozen=True)
class Leg:
    """One side of a movement: ``amount`` (signed) on ``account``'s ``wallet`` of ``asset``."""

    account: Account
    wallet: str
    asset: str
    amount: Decimal


def move(
    *,
    source: Account,
    source_wallet: str,
    target: Account,
    target_wallet: str,
    asset: str,
    amount: Decimal,
) -> list[Leg]:
    """The two legs that move ``amount`` of ``asset`` from source to target."""
    return [
        Leg(source, source_wallet, asset, -amount),
        Leg(target, target_wallet, asset, amount),
    ]


def exchange(
    *,
    account: Account,
    pay_wallet: str,
    receive_wallet: str,
    counterparty: Account,
    pays_asset: str,
    pays_amount: Decimal,
    receive_asset: str,
    receive_amount: Decimal,
) -> list[Leg]:
    """The four legs of a trade: ``account`` pays ``pays_amount`` of ``pays_asset`` from
    ``pay_wallet`` to the counterparty's Spot wallet and receives ``receive_amount`` of
    ``receive_asset`` into ``receive_wallet`` (fills and liquidation sales both trade
    against the market account this way)."""
    return move(
        source=account,
        source_wallet=pay_wallet,
        target=counterparty,
        target_wallet=Wallet.SPOT,
        asset=pays_asset,
        amount=pays_amount,
    ) + move(
        source=counterparty,
        source_wallet=Wallet.SPOT,
        target=account,
        target_wallet=receive_wallet,
        asset=receive_asset,
        amount=receive_amount,
    )


def insufficient_message(*, asset: str, wallet: str, available: Decimal, needed: Decimal) -> str:
    return gettext(INSUFFICIENT).format(
        asset=asset,
        wallet=gettext(WALLET_NAMES.get(wallet, wallet)),
        available=format_amount(available, asset),
        needed=format_amount(needed, asset),
    )


def insert_rows(model: type, columns: Sequence[str], rows: list[tuple]) -> None:
    """One prepared INSERT run for every row (``executemany``) of an append-only model.

    For rows written in numbers (a fill's postings, a week of interest charges):
    building a model instance per row and letting ``bulk_create`` prepare each value was
    most of their cost. ``columns`` must be every concrete column but the primary key (so
    no default or ``auto_now`` is silently skipped); values go to the driver as the ORM
    sends them (finite ``Decimal``s, ints, strings). On PostgreSQL the rows are sent with
    ``COPY`` (one round trip), elsewhere with ``executemany``.
    """
    meta = model._meta
    known = {f.attname for f in meta.concrete_fields if not f.primary_key}
    if known != set(columns):
        raise LedgerError(f"{model.__name__} has columns this insert does not know about.")
    fields = {f.attname: f for f in meta.concrete_fields}
    quote = connection.ops.quote_name
    names = ", ".join(quote(fields[name].column) for name in columns)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: the rows in one round trip (an INSERT per row cost ~60 µs each on
            # PostgreSQL, a week of interest rows ~20 ms). Constraints, foreign keys and
            # indexes apply to copied rows as to inserted ones.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        # Table and column names come from the model; every value is a query parameter.
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        cursor.executemany(sql, rows)


_POSTING_COLUMNS = ("transaction_id", "account_id", "season", "wallet", "asset", "amount")


def season_of(account: Account) -> int:
    return SYSTEM_SEASON if account.is_system else account.season


def ledger_post(
    *,
    kind: str,
    legs: Iterable[Leg],
    account: Account | None,
    memo: str,
    minute: int,
    sandbox_time: datetime,
    order: Order | None = None,
) -> LedgerTransaction:
    """Record one balanced transaction and update the learners' cached balances.

    Legs of zero are dropped. Amounts must already have at most 8 decimal places:
    rounding is the caller's decision (it knows who should get the odd satoshi).

    Everything that can refuse the transaction (the legs' checks, a balance that would go
    negative) is decided before anything is written, so a refusal leaves the caller's
    transaction as it was without a savepoint of its own (two statements per posting
    saved: the engine posts one per fill). Called outside a transaction, it opens one.
    """
    if not connection.in_atomic_block:
        with transaction.atomic():
            return ledger_post(
                kind=kind,
                legs=legs,
                account=account,
                memo=memo,
                minute=minute,
                sandbox_time=sandbox_time,
                order=order,
            )
    legs = [leg for leg in legs if leg.amount != 0]
    if not legs:
        raise LedgerError("A transaction needs at least one non-zero leg.")
    per_asset: dict[str, Decimal] = defaultdict(Decimal)
    for leg in legs:
        if not isinstance(leg.amount, Decimal) or not leg.amount.is_finite():
            raise LedgerError(f"Ledger amounts are finite Decimals, got {leg.amount!r}.")
        if quantize8(leg.amount) != leg.amount:
            raise LedgerError(f"Ledger amounts have at most 8 decimal places: {leg.amount}.")
        if leg.asset not in _ASSET_CODES or leg.wallet not in _WALLET_CODES:
            raise LedgerError(f"Unknown wallet/asset {leg.wallet}/{leg.asset}.")
        if leg.account.pk is None:
            raise LedgerError("Legs must be on saved accounts.")
        per_asset[leg.asset] += leg.amount
    unbalanced = {asset: total for asset, total in per_asset.items() if total != 0}
    if unbalanced:
        raise LedgerError(f"Unbalanced transaction: {unbalanced}.")

    deltas: dict[tuple[int, int, str, str], Decimal] = defaultdict(Decimal)
    for leg in legs:
        if not leg.account.is_system:
            deltas[(leg.account.pk, leg.account.season, leg.wallet, leg.asset)] += leg.amount
    # Read, lock and check the balances first: InsufficientBalance before any write.
    changes = _balance_changes({key: delta for key, delta in deltas.items() if delta != 0})

    season = account.season if account is not None else SYSTEM_SEASON
    tx = LedgerTransaction.objects.create(
        account=account,
        season=season,
        kind=kind,
        memo=memo[:255],
        order=order,
        minute=minute,
        sandbox_time=sandbox_time,
    )
    insert_rows(
        Posting,
        _POSTING_COLUMNS,
        [
            (tx.pk, leg.account.pk, season_of(leg.account), leg.wallet, leg.asset, leg.amount)
            for leg in legs
        ],
    )

    _write_balances(changes)
    return tx


@dataclass
class _BalanceChanges:
    updates: list[tuple[int, Decimal]]  # (balance row id, new amount)
    creates: list[tuple[tuple[int, int, str, str], Decimal]]  # (key, new amount)


def _balance_changes(deltas: dict[tuple[int, int, str, str], Decimal]) -> _BalanceChanges:
    """The new cached balances after ``deltas``; refuses to take one below zero.

    The new amounts are computed here in ``Decimal`` and written as values, not as
    ``amount + delta`` in SQL: SQLite does decimal arithmetic in binary floating point,
    which would slowly blur the cached balances. The caller's account lock is what makes
    this read-then-write safe; on PostgreSQL the rows are also locked (a second line of
    defence) and the CHECK constraint on ``Balance.amount`` is the third.
    """
    changes = _BalanceChanges(updates=[], creates=[])
    if not deltas:
        return changes
    # The season's rows of the accounts, wallets and assets involved (a superset of the
    # changed balances), as plain tuples: building model instances was a visible part of
    # each posting's cost (the engine posts one per fill).
    rows: dict[tuple[int, int, str, str], tuple[int, Decimal]] = {
        (account_id, season, wallet, asset): (pk, amount)
        # A fixed lock order: two transactions touching the same rows can never wait
        # on each other in opposite orders (a deadlock).
        for pk, account_id, season, wallet, asset, amount in Balance.objects.select_for_update()
        .filter(
            account_id__in={key[0] for key in deltas},
            season__in={key[1] for key in deltas},
            wallet__in={key[2] for key in deltas},
            asset__in={key[3] for key in deltas},
        )
        .order_by("pk")
        .values_list("pk", "account_id", "season", "wallet", "asset", "amount")
    }
    for key in sorted(deltas):
        _account, _season, wallet, asset = key
        delta = deltas[key]
        row = rows.get(key)
        current = row[1] if row is not None else ZERO
        new = current + delta
        if new < 0:
            raise InsufficientBalance(
                insufficient_message(asset=asset, wallet=wallet, available=current, needed=-delta)
            )
        if row is None:
            changes.creates.append((key, new))
        else:
            changes.updates.append((row[0], new))
    return changes


def _write_balances(changes: _BalanceChanges) -> None:
    for (account_id, season, wallet, asset), amount in changes.creates:
        Balance.objects.create(
            account_id=account_id, season=season, wallet=wallet, asset=asset, amount=amount
        )
    if changes.updates:
        # One prepared UPDATE run for every changed row (a trade touches three or four).
        # The engine posts a fill per crossed limit order, and building an ORM update per
        # row (or one CASE expression for all) was most of a fill's cost.
        amount_field = Balance._meta.get_field("amount")
        updated_at = Balance._meta.get_field("updated_at").get_db_prep_save(
            timezone.now(), connection
        )
        table = connection.ops.quote_name(Balance._meta.db_table)
        # The table name comes from the model; every value is a query parameter.
        sql = f"UPDATE {table} SET amount = %s, updated_at = %s WHERE id = %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(
                sql,
                [
                    (amount_field.get_db_prep_save(amount, connection), updated_at, pk)
                    for pk, amount in changes.updates
                ],
            )


def open_season(account: Account, season: int) -> None:
    """Create the zero balance rows of a learner's season (every wallet × asset)."""
    Balance.objects.bulk_create(
        [
            Balance(account=account, season=season, wallet=wallet, asset=asset, amount=ZERO)
            for wallet in LEARNER_WALLETS
            for asset in Asset.values
        ],
        ignore_conflicts=True,
    )


def balances_of(account: Account, *, season: int | None = None) -> dict[tuple[str, str], Decimal]:
    """(wallet, asset) → cached amount for a learner's season (default: the current one)."""
    rows = Balance.objects.filter(
        account=account, season=account.season if season is None else season
    ).values_list("wallet", "asset", "amount")
    return {(wallet, asset): amount for wallet, asset, amount in rows}


def balance_of(account: Account, wallet: str, asset: str) -> Decimal:
    value = (
        Balance.objects.filter(account=account, season=account.season, wallet=wallet, asset=asset)
        .values_list("amount", flat=True)
        .first()
    )
    return value if value is not None else ZERO


def system_accounts(codes: Sequence[str] = SystemCode.values) -> dict[str, Account]:
    """The system accounts by code, created on first use (one query when they exist)."""
    found = {a.system_code: a for a in Account.objects.filter(system_code__in=list(codes))}
    for code in codes:
        if code not in found:
            # Two first requests may race to create the same one: let the unique
            # constraint pick a winner and read it back.
            found[code] = _create_system_account(code)
    return found


def _create_system_account(code: str) -> Account:
    try:
        with transaction.atomic():
            return Account.objects.create(system_code=code, evaluated_minute=0)
    except IntegrityError:
        return Account.objects.get(system_code=code)
