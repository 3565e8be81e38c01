"""sandbox_sweep: brings every learner's account up to its clock, optionally in shards."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from sandbox import pricing, services
from sandbox.models import Account, Order
from tests.factories import UserFactory
from tests.sandbox.factories import NOW, key

pytestmark = pytest.mark.usefixtures("fixed_prices")


@pytest.fixture
def accounts(db) -> list[Account]:
    made = []
    for n in range(4):
        account = services.account_sync(user=UserFactory(username=f"sweep{n}"), now=NOW)
        services.order_place(
            account=account,
            symbol="BTCUSDT",
            side="buy",
            order_type="limit",
            quantity=Decimal("0.01"),
            limit_price=Decimal("40000.00"),
            idempotency_key=key(),
            now=NOW,
        )
        made.append(account)
    return made


def sweep(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        call_command("sandbox_sweep", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_sweeps_every_learner(accounts, fixed_prices):
    fixed_prices["BTCUSDT"] = Decimal("39000.00")

    output = sweep()

    assert "Swept 4 account(s) in shard 1/1: 4 limit order(s) filled, 0 failure(s)" in output
    assert set(Order.objects.values_list("status", flat=True)) == {"filled"}
    target = pricing.minute_of(NOW) + 120
    assert set(
        Account.objects.filter(user__isnull=False).values_list("evaluated_minute", flat=True)
    ) == {target}


def test_its_shards_split_the_accounts_without_overlap(accounts):
    start = pricing.minute_of(NOW)
    swept_by = {}
    for shard in ("1/3", "2/3", "3/3"):
        sweep("--shard", shard)
        for account in Account.objects.filter(user__isnull=False):
            if account.evaluated_minute != start and account.pk not in swept_by:
                swept_by[account.pk] = shard

    assert sorted(swept_by) == sorted(a.pk for a in accounts)
    for pk, shard in swept_by.items():
        assert pk % 3 == int(shard[0]) - 1


def test_a_shard_touches_only_its_accounts(accounts):
    sweep("--shard", "2/2")

    start = pricing.minute_of(NOW)
    for account in Account.objects.filter(user__isnull=False):
        swept = account.evaluated_minute != start
        assert swept == (account.pk % 2 == 1)


@pytest.mark.parametrize("shard", ["0/2", "3/2", "2", "a/b", "1/0", "-1/2", ""])
def test_it_rejects_a_bad_shard(db, shard):
    with pytest.raises(CommandError) as error:
        sweep(f"--shard={shard}")

    assert "--shard takes I/N with 1 ≤ I ≤ N" in str(error.value)
