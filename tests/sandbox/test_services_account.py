"""account_sync: one account per learner, opened with 10,000 USDT from the treasury."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sandbox import pricing, services
from sandbox.clock import sandbox_now
from sandbox.ledger import balances_of
from sandbox.models import (
    Account,
    LedgerTransaction,
    Posting,
    SandboxSettings,
    SystemCode,
    TransactionKind,
    Wallet,
)
from tests.sandbox.factories import NOW


def test_it_opens_an_account_with_10000_usdt_from_the_treasury(learner):
    account = services.account_sync(user=learner, now=NOW)

    assert account.season == 1
    assert account.clock_offset_seconds == 0
    assert balances_of(account)[(Wallet.SPOT, "USDT")] == Decimal("10000")
    deposit = LedgerTransaction.objects.get(account=account)
    assert deposit.kind == TransactionKind.DEPOSIT
    assert deposit.memo == "Season 1 starting balance: 10,000.00 USDT"
    legs = {(p.account.system_code or "learner", p.amount) for p in deposit.postings.all()}
    assert legs == {(SystemCode.TREASURY, Decimal("-10000")), ("learner", Decimal("10000"))}


def test_it_starts_evaluated_at_its_creation_minute(learner):
    account = services.account_sync(user=learner, now=NOW)

    assert account.evaluated_minute == pricing.minute_of(NOW)
    assert account.created_at == NOW


def test_it_creates_default_settings(learner):
    account = services.account_sync(user=learner, now=NOW)

    settings = SandboxSettings.objects.get(account=account)
    assert settings.use_bnb_for_fees is False
    assert settings.margin_kind == "cross3x"
    assert settings.auto_topup_target == Decimal("1.5")


def test_it_deposits_only_once(learner):
    first = services.account_sync(user=learner, now=NOW)
    again = services.account_sync(user=learner, now=NOW + timedelta(minutes=5))

    assert again.pk == first.pk
    assert Account.objects.filter(user=learner).count() == 1
    assert LedgerTransaction.objects.filter(account=first).count() == 1
    assert again.evaluated_minute == pricing.minute_of(NOW) + 5


def test_it_gives_each_learner_their_own_account(learner, other_learner):
    mine = services.account_sync(user=learner, now=NOW)
    theirs = services.account_sync(user=other_learner, now=NOW)

    assert mine.pk != theirs.pk
    # Both deposits came out of the same treasury.
    treasury = Account.objects.get(system_code=SystemCode.TREASURY)
    total = sum(p.amount for p in Posting.objects.filter(account=treasury))
    assert total == Decimal("-20000")


def test_it_creates_the_system_accounts_once(learner, other_learner):
    services.account_sync(user=learner, now=NOW)
    services.account_sync(user=other_learner, now=NOW)

    codes = sorted(Account.objects.filter(user__isnull=True).values_list("system_code", flat=True))
    assert codes == sorted(SystemCode.values)


def test_it_reports_sandbox_time_as_real_time_plus_offset(sandbox_account):
    sandbox_account.clock_offset_seconds = 3600

    assert sandbox_now(sandbox_account, NOW) == NOW + timedelta(hours=1)


def test_it_never_evaluates_backwards_when_the_server_clock_steps_back(sandbox_account, learner):
    account = services.account_sync(user=learner, now=NOW + timedelta(minutes=10))
    account = services.account_sync(user=learner, now=NOW)

    assert account.evaluated_minute == pricing.minute_of(NOW) + 10
