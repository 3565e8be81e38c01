"""Factories and small helpers for sandbox tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import factory

from sandbox.models import ScenarioEvent

# A fixed real time for tests that pass ``now=``: mid-minute, so rounding down to the
# minute is exercised.
NOW = datetime(2025, 3, 1, 12, 0, 30, tzinfo=UTC)
# View tests run at real (frozen) time, since views take no `now`.
VIEW_NOW = datetime(2025, 3, 3, 12, 0, 30, tzinfo=UTC)

# Round prices for tests that pin the market with the ``fixed_prices`` fixture.
FIXED_PRICES = {
    "BTCUSDT": Decimal("50000.00"),
    "ETHUSDT": Decimal("2500.00"),
    "BNBUSDT": Decimal("500.00"),
    "USDCUSDT": Decimal("1.0000"),
}


def key() -> str:
    """A fresh idempotency key, as every form carries."""
    return str(uuid.uuid4())


class ScenarioEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScenarioEvent

    symbol = "BTCUSDT"
    start = NOW
    duration_minutes = 120
    move_percent = Decimal("-30")
    note = "Flash crash for the class"
