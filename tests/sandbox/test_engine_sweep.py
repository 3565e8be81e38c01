"""sandbox_sweep runs the whole engine (interest, margin calls, liquidations) for every
account, at a number of queries per account that does not grow with its history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from sandbox import services
from sandbox.models import Account, InterestCharge, Liquidation
from tests.factories import UserFactory
from tests.sandbox.factories import NOW, ScenarioEventFactory, key
from tests.sandbox.margin_setup import borrow_now, cross_market_buy, spot_buy, to_cross

D = Decimal
pytestmark = pytest.mark.django_db


def margin_account(name: str, *, past_trades: int) -> Account:
    account = services.account_sync(user=UserFactory(username=name), now=NOW)
    for n in range(past_trades):
        side = "buy" if n % 2 == 0 else "sell"
        services.order_place(
            account=account,
            symbol="ETHUSDT",
            side=side,
            order_type="market",
            quantity=D("0.01"),
            idempotency_key=key(),
            now=NOW,
        ) if side == "sell" else spot_buy(account, "ETHUSDT", D(40 + n), now=NOW)
    to_cross(account, "USDT", D(1000), now=NOW)
    borrow_now(account, "USDT", D(1000), now=NOW)
    return account


def sweep_queries(shard: str, at) -> int:
    with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as captured:
        call_command("sandbox_sweep", "--shard", shard, stdout=StringIO(), stderr=StringIO())
    return len(captured.captured_queries)


def test_queries_per_account_do_not_grow_with_history(db):
    small = margin_account("small", past_trades=1)
    large = margin_account("large", past_trades=40)
    assert (small.pk % 2) != (large.pk % 2)
    shard = {small.pk: f"{small.pk % 2 + 1}/2", large.pk: f"{large.pk % 2 + 1}/2"}

    later = NOW + timedelta(hours=30)
    assert sweep_queries(shard[small.pk], later) == sweep_queries(shard[large.pk], later)
    # ... and the sweep did the engine's work: 30 hours of interest each.
    assert InterestCharge.objects.filter(account=small, source="hourly").count() == 30
    assert InterestCharge.objects.filter(account=large, source="hourly").count() == 30


def test_the_sweep_liquidates_and_notifies_while_the_learner_is_away(db):
    account = services.account_sync(user=UserFactory(username="away"), now=NOW)
    to_cross(account, "USDT", D(1000), now=NOW)
    borrow_now(account, "USDT", D(2000), now=NOW)
    cross_market_buy(account, "BTCUSDT", D(3000), now=NOW)
    ScenarioEventFactory(start=NOW + timedelta(hours=1), duration_minutes=0, move_percent=D(-40))

    out = StringIO()
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        call_command("sandbox_sweep", stdout=out, stderr=StringIO())

    assert Liquidation.objects.filter(account=account).count() == 1
    assert Notification.objects.filter(kind="liquidation", user=account.user).count() == 1
    assert "1 liquidation(s)" in out.getvalue()
