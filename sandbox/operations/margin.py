"""Cross Margin money movements: transfers, loans, repayments and interest (SPEC §6.5).

How a loan is recorded (docs/decisions.md): what a learner owes is a *positive* balance of
the learner's ``cross_debt`` (principal) and ``cross_interest`` (interest) wallets; the
lending pool holds the same amounts negative in its wallets of the same names (what it
is owed). So every movement stays one balanced ledger transaction, learner balances are
never negative, and "how much does this learner owe" is a cached balance like any other.

- borrow x:    pool spot −x → learner cross +x;   pool cross_debt −x → learner cross_debt +x
- interest i:  pool cross_interest −i → learner cross_interest +i   (owed, unpaid)
  in BNB b:    learner cross −b BNB → pool spot +b BNB              (paid at once)
- repay r:     learner cross −r → pool spot +r; then learner cross_interest and cross_debt
               go down by the interest part and the principal part (interest first), the
               pool's wallets back up by the same.

These functions assume the caller holds the account lock and has checked the rules of
§6.6 (the services and the engine do); they only refuse what the ledger itself cannot
record (a wallet going negative raises ``InsufficientBalance``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from calculators.formulas import divide, hourly_interest_charge, quantize8
from calculators.instruments import BNB
from config.formatting import format_amount
from sandbox.clock import Clock
from sandbox.ledger import LedgerError, Leg, balances_of, insert_rows, ledger_post, move
from sandbox.models import (
    DEBT_WALLETS,
    InterestCharge,
    InterestSource,
    LedgerTransaction,
    Order,
    SystemCode,
    TransactionKind,
    Wallet,
)
from sandbox.operations.session import Session

ZERO = Decimal(0)


def transfer(
    session: Session,
    clock: Clock,
    *,
    asset: str,
    amount: Decimal,
    source_wallet: str,
    target_wallet: str,
    kind: str = TransactionKind.TRANSFER,
    memo: str = "",
) -> LedgerTransaction:
    """Move ``amount`` of ``asset`` between two of the learner's wallets (Spot ⇄ Cross)."""
    account = session.account
    return ledger_post(
        kind=kind,
        legs=move(
            source=account,
            source_wallet=source_wallet,
            target=account,
            target_wallet=target_wallet,
            asset=asset,
            amount=amount,
        ),
        account=account,
        memo=memo
        or f"Transfer {format_amount(amount, asset)} {asset}: {source_wallet} → {target_wallet}",
        minute=clock.minute,
        sandbox_time=clock.time,
    )


def borrow_legs(session: Session, *, asset: str, amount: Decimal) -> list[Leg]:
    """The legs of a new loan of ``amount`` ``asset`` into the Cross Margin wallet."""
    pool = session.systems[SystemCode.LENDING_POOL]
    account = session.account
    return [
        *move(
            source=pool,
            source_wallet=Wallet.SPOT,
            target=account,
            target_wallet=Wallet.CROSS,
            asset=asset,
            amount=amount,
        ),
        *move(
            source=pool,
            source_wallet=Wallet.CROSS_DEBT,
            target=account,
            target_wallet=Wallet.CROSS_DEBT,
            asset=asset,
            amount=amount,
        ),
    ]


def borrow(
    session: Session, clock: Clock, *, asset: str, amount: Decimal, memo: str = ""
) -> LedgerTransaction:
    """Post a loan. The hour of interest charged at borrowing is a separate charge
    (``interest_charge`` + ``interest_post``) that the caller posts right after."""
    return ledger_post(
        kind=TransactionKind.BORROW,
        legs=borrow_legs(session, asset=asset, amount=amount),
        account=session.account,
        memo=memo or f"Borrow {format_amount(amount, asset)} {asset}",
        minute=clock.minute,
        sandbox_time=clock.time,
    )


def borrow_charged(
    session: Session,
    clock: Clock,
    *,
    asset: str,
    amount: Decimal,
    hourly_rate_percent: Decimal,
    bnb_kept: Decimal = ZERO,
    memo: str = "",
) -> tuple[LedgerTransaction, Charge]:
    """A loan and the hour of interest charged at borrowing (SPEC §6.5), both posted.

    The hour is charged on the amount borrowed at ``clock.minute``; the engine charges the
    following clock hours (never this one: it already evaluated this minute). With "use
    BNB for interest" the hour is paid from the Cross wallet's free BNB, less ``bnb_kept``
    (BNB an order about to be placed needs).
    """
    tx = borrow(session, clock, asset=asset, amount=amount, memo=memo)
    market = session.market
    free_bnb = balances_of(session.account).get((Wallet.CROSS, BNB), ZERO) - bnb_kept
    charge = interest_charge(
        asset=asset,
        principal=amount,
        hourly_rate_percent=hourly_rate_percent,
        minute=clock.minute,
        source=InterestSource.BORROW,
        use_bnb=session.settings.use_bnb_for_interest,
        free_bnb=max(free_bnb, ZERO),
        asset_price=market.asset_price(asset, clock.minute),
        bnb_price=market.asset_price(BNB, clock.minute),
    )
    interest_post(
        session,
        clock,
        charges=[charge],
        memo=f"Interest: the hour of borrowing {format_amount(amount, asset)} {asset}",
    )
    return tx, charge


@dataclass(frozen=True)
class RepaySplit:
    """How a repayment of ``amount`` divides: interest first, then principal."""

    asset: str
    interest: Decimal
    principal: Decimal

    @property
    def amount(self) -> Decimal:
        return self.interest + self.principal


def repay_split(
    *, asset: str, amount: Decimal, interest_owed: Decimal, principal_owed: Decimal
) -> RepaySplit:
    """Interest first, then principal (SPEC §6.5). ``amount`` may not exceed what is owed."""
    if amount > interest_owed + principal_owed:
        raise LedgerError(
            f"Repaying {amount} {asset} but only {interest_owed + principal_owed} is owed."
        )
    interest = min(amount, interest_owed)
    return RepaySplit(asset=asset, interest=interest, principal=amount - interest)


def repay_legs(
    session: Session, split: RepaySplit, *, from_wallet: str = Wallet.CROSS
) -> list[Leg]:
    pool = session.systems[SystemCode.LENDING_POOL]
    account = session.account
    asset = split.asset
    return [
        *move(
            source=account,
            source_wallet=from_wallet,
            target=pool,
            target_wallet=Wallet.SPOT,
            asset=asset,
            amount=split.amount,
        ),
        *move(
            source=account,
            source_wallet=Wallet.CROSS_INTEREST,
            target=pool,
            target_wallet=Wallet.CROSS_INTEREST,
            asset=asset,
            amount=split.interest,
        ),
        *move(
            source=account,
            source_wallet=Wallet.CROSS_DEBT,
            target=pool,
            target_wallet=Wallet.CROSS_DEBT,
            asset=asset,
            amount=split.principal,
        ),
    ]


def owed(session: Session, asset: str) -> tuple[Decimal, Decimal]:
    """(interest owed, principal owed) of ``asset`` from the cached balances."""
    amounts = balances_of(session.account)
    return (
        amounts.get((Wallet.CROSS_INTEREST, asset), ZERO),
        amounts.get((Wallet.CROSS_DEBT, asset), ZERO),
    )


def repay(
    session: Session,
    clock: Clock,
    *,
    asset: str,
    amount: Decimal,
    kind: str = TransactionKind.REPAY,
    memo: str = "",
    order: Order | None = None,
) -> tuple[LedgerTransaction, RepaySplit]:
    """Repay ``amount`` of ``asset`` from the Cross Margin wallet: interest first."""
    interest_owed, principal_owed = owed(session, asset)
    split = repay_split(
        asset=asset, amount=amount, interest_owed=interest_owed, principal_owed=principal_owed
    )
    tx = ledger_post(
        kind=kind,
        legs=repay_legs(session, split),
        account=session.account,
        memo=memo
        or (
            f"Repay {format_amount(amount, asset)} {asset}: "
            f"{format_amount(split.interest, asset)} interest, "
            f"{format_amount(split.principal, asset)} principal"
        ),
        minute=clock.minute,
        sandbox_time=clock.time,
        order=order,
    )
    return tx, split


def auto_repay(
    session: Session, clock: Clock, order: Order, *, asset: str, proceeds: Decimal
) -> tuple[LedgerTransaction, RepaySplit] | None:
    """An auto-repay order's fill (SPEC §6.5): its proceeds in ``asset`` repay the debt of
    that asset, interest first, up to what is owed. None when nothing is owed."""
    interest_owed, principal_owed = owed(session, asset)
    amount = min(proceeds, interest_owed + principal_owed)
    if amount <= 0:
        return None
    split = repay_split(
        asset=asset, amount=amount, interest_owed=interest_owed, principal_owed=principal_owed
    )
    return repay(
        session,
        clock,
        asset=asset,
        amount=amount,
        order=order,
        memo=(
            f"Auto-repay {format_amount(amount, asset)} {asset} from order #{order.pk}: "
            f"{format_amount(split.interest, asset)} interest, "
            f"{format_amount(split.principal, asset)} principal"
        ),
    )


def loans_settle(session: Session, clock: Clock) -> LedgerTransaction | None:
    """Close every open loan of the season against the lending pool, paid by the treasury
    (a season's reset, docs/decisions.md): the pool gets its coins back from the treasury
    and the learner's debt wallets go to zero, mirrored by the pool's. The learner's own
    balances then go back to the treasury with the rest of the season. None without debt.
    """
    account = session.account
    pool = session.systems[SystemCode.LENDING_POOL]
    treasury = session.systems[SystemCode.TREASURY]
    legs: list[Leg] = []
    for (wallet, asset), amount in sorted(balances_of(account).items()):
        if wallet not in DEBT_WALLETS or not amount:
            continue
        legs += move(
            source=treasury,
            source_wallet=Wallet.SPOT,
            target=pool,
            target_wallet=Wallet.SPOT,
            asset=asset,
            amount=amount,
        )
        legs += move(
            source=account,
            source_wallet=wallet,
            target=pool,
            target_wallet=wallet,
            asset=asset,
            amount=amount,
        )
    if not legs:
        return None
    return ledger_post(
        kind=TransactionKind.RESET,
        legs=legs,
        account=account,
        memo=f"Season {account.season} closed: open loans settled with the lending pool",
        minute=clock.minute,
        sandbox_time=clock.time,
    )


# ---------------------------------------------------------------------------------------
# Interest
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Charge:
    """One hour of interest on one asset's loan, decided but not yet posted."""

    asset: str
    source: str  # InterestSource
    hour: int
    minute: int
    principal: Decimal
    hourly_rate_percent: Decimal
    amount: Decimal  # in the borrowed asset, rounded once (the calculator's hourly charge)
    paid_in_bnb: Decimal  # BNB taken from the Cross wallet; 0 = owed as interest

    @property
    def paid_asset(self) -> str:
        return BNB if self.paid_in_bnb else self.asset


def interest_charge(
    *,
    asset: str,
    principal: Decimal,
    hourly_rate_percent: Decimal,
    minute: int,
    source: str,
    use_bnb: bool,
    free_bnb: Decimal,
    asset_price: Decimal,
    bnb_price: Decimal,
) -> Charge:
    """Decide one hour's charge (SPEC §5.2, §6.5): ``principal × hourly rate ÷ 100``
    rounded once to 8 places; with "use BNB for interest" and enough free BNB in the Cross
    Margin wallet, 95 % of it paid at once in BNB (its USDT value at the index prices,
    rounded half-even to 8 places of BNB); otherwise owed in full in the borrowed asset."""
    if use_bnb:
        discounted = hourly_interest_charge(
            principal=principal, hourly_rate_percent=hourly_rate_percent, bnb_discount=True
        )
        in_bnb = (
            discounted if asset == BNB else quantize8(divide(discounted * asset_price, bnb_price))
        )
        if ZERO < in_bnb <= free_bnb:
            return Charge(
                asset=asset,
                source=source,
                hour=minute // 60,
                minute=minute,
                principal=principal,
                hourly_rate_percent=hourly_rate_percent,
                amount=discounted,
                paid_in_bnb=in_bnb,
            )
    return Charge(
        asset=asset,
        source=source,
        hour=minute // 60,
        minute=minute,
        principal=principal,
        hourly_rate_percent=hourly_rate_percent,
        amount=hourly_interest_charge(principal=principal, hourly_rate_percent=hourly_rate_percent),
        paid_in_bnb=ZERO,
    )


def interest_post(
    session: Session, clock: Clock, *, charges: Sequence[Charge], memo: str = ""
) -> LedgerTransaction | None:
    """Post ``charges`` as ONE ledger transaction (sums per asset) plus one
    ``InterestCharge`` row per charge, in bulk: the engine posts a week of hours with one
    write instead of one per hour. ``clock`` is the minute the transaction is dated (the
    last charge's). Charges that round to zero are not recorded. None when nothing is due.
    """
    charges = [c for c in charges if c.amount > 0]
    if not charges:
        return None
    pool = session.systems[SystemCode.LENDING_POOL]
    account = session.account
    owed_sum: dict[str, Decimal] = defaultdict(Decimal)
    bnb_paid = ZERO
    for charge in charges:
        if charge.paid_in_bnb:
            bnb_paid += charge.paid_in_bnb
        else:
            owed_sum[charge.asset] += charge.amount
    legs: list[Leg] = []
    for asset, amount in sorted(owed_sum.items()):
        legs += move(
            source=pool,
            source_wallet=Wallet.CROSS_INTEREST,
            target=account,
            target_wallet=Wallet.CROSS_INTEREST,
            asset=asset,
            amount=amount,
        )
    if bnb_paid:
        legs += move(
            source=account,
            source_wallet=Wallet.CROSS,
            target=pool,
            target_wallet=Wallet.SPOT,
            asset=BNB,
            amount=bnb_paid,
        )
    if not memo:
        hours = len({(c.hour, c.source) for c in charges})
        assets = ", ".join(sorted({c.asset for c in charges}))
        memo = f"Interest: {hours} hour{'s' if hours != 1 else ''} on {assets} loans"
    tx = ledger_post(
        kind=TransactionKind.INTEREST,
        legs=legs,
        account=account,
        memo=memo,
        minute=clock.minute,
        sandbox_time=clock.time,
    )
    _insert_charges(account, charges, tx)
    return tx


_CHARGE_COLUMNS = (
    "account_id",
    "season",
    "asset",
    "source",
    "hour",
    "minute",
    "principal",
    "hourly_rate_percent",
    "amount",
    "paid_asset",
    "paid_amount",
    "transaction_id",
)


def _insert_charges(account, charges: Sequence[Charge], tx: LedgerTransaction) -> None:
    """Every charge's ``InterestCharge`` row with one prepared INSERT (``insert_rows``):
    a week of catch-up writes 168 rows per loan (``bulk_create`` cost about 15 ms for 336
    rows, the prepared statement about 2 ms; bench/catchup.py)."""
    # Decimals go to the driver as Decimals, as the ORM sends them (DecimalField's
    # get_db_prep_save returns a finite Decimal unchanged on every backend we support).
    for c in charges:
        for name in ("principal", "hourly_rate_percent", "amount", "paid_in_bnb"):
            raw = getattr(c, name)
            if not (isinstance(raw, Decimal) and raw.is_finite()):
                raise LedgerError(f"InterestCharge.{name} must be a finite Decimal, got {raw!r}.")
    rows = [
        (
            account.pk,
            account.season,
            c.asset,
            c.source,
            c.hour,
            c.minute,
            c.principal,
            c.hourly_rate_percent,
            c.amount,
            c.paid_asset,
            c.paid_in_bnb,
            tx.pk,
        )
        for c in charges
    ]
    if connection.vendor == "postgresql":
        # COPY sends every row in one round trip already.
        insert_rows(InterestCharge, _CHARGE_COLUMNS, rows)
        return
    # Elsewhere, a week of the same hourly charge (same loan, rate and payment, one clock
    # hour after another) is one INSERT … SELECT over the run of hours, generated by the
    # database: the rows are the same, without binding 12 values per row in Python.
    runs: dict[tuple, list[list[int]]] = defaultdict(list)
    singles = []
    for c, row in zip(charges, rows, strict=True):
        if c.source != InterestSource.HOURLY or c.minute != c.hour * 60:
            singles.append(row)
            continue
        key = (c.asset, c.principal, c.hourly_rate_percent, c.amount, c.paid_asset, c.paid_in_bnb)
        spans = runs[key]
        if spans and spans[-1][1] + 1 == c.hour:
            spans[-1][1] = c.hour
        else:
            spans.append([c.hour, c.hour])
    if singles:
        insert_rows(InterestCharge, _CHARGE_COLUMNS, singles)
    if runs:
        _insert_hour_runs(account, tx, runs)


def _insert_hour_runs(account, tx: LedgerTransaction, runs: dict[tuple, list[list[int]]]) -> None:
    meta = InterestCharge._meta
    quote = connection.ops.quote_name
    names = ", ".join(quote(meta.get_field(n.removesuffix("_id")).column) for n in _CHARGE_COLUMNS)
    # Table and column names come from the model; every value is a query parameter.
    sql = (
        "WITH RECURSIVE hours(h) AS (SELECT %s UNION ALL SELECT h + 1 FROM hours WHERE h < %s) "  # noqa: S608
        f"INSERT INTO {quote(meta.db_table)} ({names}) "
        "SELECT %s, %s, %s, %s, h, h * 60, %s, %s, %s, %s, %s, %s FROM hours"
    )
    with connection.cursor() as cursor:
        for (asset, principal, rate, amount, paid_asset, paid), spans in runs.items():
            for first, last in spans:
                cursor.execute(
                    sql,
                    [
                        first,
                        last,
                        account.pk,
                        account.season,
                        asset,
                        InterestSource.HOURLY,
                        principal,
                        rate,
                        amount,
                        paid_asset,
                        paid,
                        tx.pk,
                    ],
                )


__all__ = [
    "Charge",
    "InterestSource",
    "RepaySplit",
    "auto_repay",
    "borrow",
    "borrow_charged",
    "borrow_legs",
    "interest_charge",
    "interest_post",
    "loans_settle",
    "owed",
    "repay",
    "repay_legs",
    "repay_split",
    "transfer",
]
