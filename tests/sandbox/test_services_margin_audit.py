"""sandbox_audit's Cross Margin check: learner debt equals minus the pool's debt wallets."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from sandbox import services
from sandbox.clock import account_clock
from sandbox.ledger import ledger_post, move, system_accounts
from sandbox.models import SystemCode, TransactionKind
from tests.sandbox.factories import NOW, key
from tests.sandbox.margin_helpers import activate, deposit

D = Decimal
pytestmark = pytest.mark.usefixtures("fixed_prices")


def audit() -> str:
    out = StringIO()
    call_command("sandbox_audit", stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def borrowed(sandbox_account):
    account = activate(sandbox_account)
    deposit(account, "USDT", "1000")
    services.margin_borrow(
        account=account, asset="BTC", amount=D("0.01"), idempotency_key=key(), now=NOW
    )
    return account


def test_it_passes_with_loans_repayments_and_a_reset(borrowed):
    services.margin_repay(
        account=borrowed, asset="BTC", amount=D("0.005"), idempotency_key=key(), now=NOW
    )
    services.account_reset(account=borrowed, idempotency_key=key(), now=NOW)

    assert "Ledger OK" in audit()


@pytest.mark.breaks_ledger
def test_it_fails_when_debt_leaves_on_one_side_only(borrowed):
    # A balanced transaction that is still wrong: the learner's debt handed to the
    # treasury instead of back to the pool (what a reset that forgot loans would do).
    clock = account_clock(borrowed, NOW)
    ledger_post(
        kind=TransactionKind.RESET,
        legs=move(
            source=borrowed,
            source_wallet="cross_debt",
            target=system_accounts()[SystemCode.TREASURY],
            target_wallet="spot",
            asset="BTC",
            amount=D("0.01"),
        ),
        account=borrowed,
        memo="broken",
        minute=clock.minute,
        sandbox_time=clock.time,
    )

    with pytest.raises(CommandError) as error:
        audit()

    assert "1 debts not mirrored by the lending pool" in str(error.value)
