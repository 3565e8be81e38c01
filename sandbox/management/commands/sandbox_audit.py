"""``python manage.py sandbox_audit``: prove the ledger invariants of SPEC §6.2.

1. Every transaction balances: its postings sum to zero per asset, and it has postings.
2. Every cached learner balance equals the sum of its postings, per (account, season,
   wallet, asset), and no learner posting lacks its balance row.
3. No learner balance is negative.
4. System accounts have no cached balances (they are always the sum of postings).
5. What learners owe in Cross Margin (their ``cross_debt`` and ``cross_interest``
   wallets) equals, per wallet and asset, minus the lending pool's same wallets: a loan
   is never created, repaid or written off on one side only.

Prints a summary and exits with status 1 (``CommandError``) on any break. All checks
run as grouped SQL, so memory does not grow with the ledger.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import (
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Abs, Coalesce

from calculators.formulas import quantize8
from sandbox.models import (
    AMOUNT,
    DEBT_WALLETS,
    Balance,
    LedgerTransaction,
    Posting,
    SystemCode,
)

# SQLite sums decimals in binary floating point, so a balanced transaction may sum to
# 1e-12 there. Any real break is at least one unit of the 8th place.
HALF_UNIT = Decimal("0.000000005")
SHOWN = 20


class Command(BaseCommand):
    help = "Check that the sandbox ledger balances and cached balances match their postings."

    def handle(self, *args: Any, **options: Any) -> None:
        problems: list[str] = []
        amount_field = DecimalField(**AMOUNT)

        unbalanced = (
            Posting.objects.order_by()
            .values("transaction_id", "asset")
            .annotate(total=Sum("amount"))
            .filter(Q(total__gt=HALF_UNIT) | Q(total__lt=-HALF_UNIT))
            .order_by("transaction_id", "asset")
        )
        for row in unbalanced[:SHOWN]:
            problems.append(
                f"Transaction #{row['transaction_id']} does not balance in {row['asset']}: "
                f"its postings sum to {quantize8(row['total'])}."
            )
        unbalanced_count = unbalanced.count()

        empty = LedgerTransaction.objects.filter(
            ~Exists(Posting.objects.filter(transaction=OuterRef("pk")))
        )
        for tx_id in empty.values_list("pk", flat=True)[:SHOWN]:
            problems.append(f"Transaction #{tx_id} has no postings.")
        empty_count = empty.count()

        posted = (
            Posting.objects.filter(
                account=OuterRef("account"),
                season=OuterRef("season"),
                wallet=OuterRef("wallet"),
                asset=OuterRef("asset"),
            )
            .order_by()
            .values("account")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        mismatched = (
            Balance.objects.annotate(
                posted=Coalesce(
                    Subquery(posted, output_field=amount_field),
                    Value(Decimal(0)),
                    output_field=amount_field,
                )
            )
            .annotate(gap=Abs(F("amount") - F("posted")))
            .filter(gap__gt=HALF_UNIT)
            .select_related("account")
            .order_by("account_id", "season", "wallet", "asset")
        )
        for row in mismatched[:SHOWN]:
            problems.append(
                f"Balance of account #{row.account_id} season {row.season} {row.wallet} "
                f"{row.asset} is {row.amount}, but its postings sum to {quantize8(row.posted)}."
            )
        mismatched_count = mismatched.count()

        orphans = (
            Posting.objects.filter(account__user__isnull=False)
            .exclude(
                Exists(
                    Balance.objects.filter(
                        account=OuterRef("account"),
                        season=OuterRef("season"),
                        wallet=OuterRef("wallet"),
                        asset=OuterRef("asset"),
                    )
                )
            )
            .order_by()
            .values("account_id", "season", "wallet", "asset")
            .distinct()
        )
        for row in orphans[:SHOWN]:
            problems.append(
                f"Account #{row['account_id']} season {row['season']} has {row['wallet']} "
                f"{row['asset']} postings but no cached balance."
            )
        orphan_count = orphans.count()

        negative = Balance.objects.filter(account__user__isnull=False, amount__lt=0)
        for row in negative.order_by("pk")[:SHOWN]:
            problems.append(
                f"Learner balance is negative: account #{row.account_id} season {row.season} "
                f"{row.wallet} {row.asset} = {row.amount}."
            )
        negative_count = negative.count()

        system_cached = Balance.objects.filter(account__user__isnull=True).count()
        if system_cached:
            problems.append(f"{system_cached} cached balance row(s) belong to system accounts.")

        debt = self.debt_mismatches()
        problems += debt[:SHOWN]

        transactions = LedgerTransaction.objects.count()
        postings = Posting.objects.count()
        balances = Balance.objects.count()
        self.stdout.write(
            f"Checked {transactions} transactions, {postings} postings, {balances} balances."
        )
        counts = {
            "unbalanced transaction/asset pairs": unbalanced_count,
            "transactions without postings": empty_count,
            "balances not equal to their postings": mismatched_count,
            "posting groups without a balance": orphan_count,
            "negative learner balances": negative_count,
            "system-account balance rows": system_cached,
            "debts not mirrored by the lending pool": len(debt),
        }
        if not problems:
            self.stdout.write(self.style.SUCCESS("Ledger OK: every invariant holds."))
            return
        for problem in problems:
            self.stderr.write(problem)
        summary = ", ".join(f"{count} {what}" for what, count in counts.items() if count)
        raise CommandError(f"Ledger audit failed: {summary}.")

    def debt_mismatches(self) -> list[str]:
        """Learner debt per (wallet, asset) against minus the lending pool's: two grouped
        queries over the postings of the debt wallets."""

        def sums(postings) -> dict[tuple[str, str], Decimal]:
            rows = (
                postings.filter(wallet__in=DEBT_WALLETS)
                .order_by()
                .values("wallet", "asset")
                .annotate(total=Sum("amount"))
            )
            return {(row["wallet"], row["asset"]): row["total"] for row in rows}

        learners = sums(Posting.objects.filter(account__user__isnull=False))
        pool = sums(Posting.objects.filter(account__system_code=SystemCode.LENDING_POOL))
        problems = []
        for wallet, asset in sorted(set(learners) | set(pool)):
            owed = learners.get((wallet, asset), Decimal(0))
            lent = pool.get((wallet, asset), Decimal(0))
            # Many postings summed: allow SQLite's floating-point sums a unit per 10^8.
            if abs(owed + lent) > HALF_UNIT * 2:
                problems.append(
                    f"Learners owe {quantize8(owed)} {asset} in {wallet}, but the lending "
                    f"pool's {wallet} holds {quantize8(lent)} {asset}."
                )
        return problems
