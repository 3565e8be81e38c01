"""The margin watch rules hours out with the shared hourly extremes and prices minute by
minute only the hours that may cross a level (the issue's "Performance")."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from sandbox import pricing
from sandbox.market import Market
from sandbox.models import Liquidation
from tests.sandbox.factories import NOW, ScenarioEventFactory
from tests.sandbox.margin_setup import (
    Reference,
    borrow_now,
    cross_market_buy,
    refresh,
    to_cross,
)

D = Decimal
pytestmark = pytest.mark.django_db
T0 = pricing.minute_of(NOW)


@pytest.fixture
def priced(monkeypatch):
    """Counts what the engine asks the market for."""
    calls = {"index_ticks": 0, "index_price": 0}
    for name in calls:
        real = getattr(Market, name)

        def counting(self, *args, _real=real, _name=name):
            calls[_name] += 1
            return _real(self, *args)

        monkeypatch.setattr(Market, name, counting)
    return calls


def position(account, borrowed: str):
    to_cross(account, "USDT", D(1000), now=NOW)
    borrow_now(account, "USDT", D(borrowed), now=NOW)
    cross_market_buy(account, "BTCUSDT", D(1000) + D(borrowed), now=NOW)


def test_a_safe_week_prices_no_minute(sandbox_account, priced):
    position(sandbox_account, "500")  # margin level about 3
    priced.update(index_ticks=0, index_price=0)

    refresh(sandbox_account, NOW + timedelta(days=7))

    assert priced == {"index_ticks": 0, "index_price": 0}


def test_only_the_hours_near_a_level_are_priced(sandbox_account, priced):
    position(sandbox_account, "2000")
    ScenarioEventFactory(start=NOW + timedelta(hours=30), duration_minutes=600, move_percent=D(-35))
    reference = Reference(sandbox_account)
    liquidated_at = reference.first_at_or_below(D("1.1"), T0 + 1, T0 + 7 * 1440)
    priced.update(index_ticks=0, index_price=0)

    refresh(sandbox_account, NOW + timedelta(days=7))

    (liquidation,) = Liquidation.objects.all()
    assert liquidation.trigger_minute == liquidated_at
    # A few hours of minute prices (3 when written) around the margin call and the
    # liquidation, not 168.
    assert 0 < priced["index_ticks"] <= 6
