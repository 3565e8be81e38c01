"""Fixtures for the sandbox's domain tests (services, engine, ledger, selectors)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox import pricing, services
from sandbox.market import Market
from sandbox.models import Account
from tests.sandbox.factories import FIXED_PRICES, NOW, VIEW_NOW


@pytest.fixture
def sandbox_account(learner) -> Account:
    """The learner's sandbox account, opened at ``NOW`` with 10,000 USDT."""
    return services.account_sync(user=learner, now=NOW)


@pytest.fixture
def other_sandbox_account(other_learner) -> Account:
    return services.account_sync(user=other_learner, now=NOW)


@pytest.fixture
def fixed_prices(monkeypatch) -> dict[str, Decimal]:
    """Pin every index price (the returned dict; change an entry to move the market).

    Exact-amount tests should not depend on the simulated path; the engine tests use
    the real one.
    """
    prices = dict(FIXED_PRICES)
    monkeypatch.setattr(Market, "index_price", lambda self, symbol, minute: prices[symbol])
    monkeypatch.setattr(
        Market,
        "index_prices",
        lambda self, symbol, start, end: [prices[symbol]] * (end - start),
    )

    # What scans read: the same pinned prices in whole ticks.
    def ticks(symbol: str) -> int:
        return pricing.ticks_at_most(symbol, prices[symbol])

    monkeypatch.setattr(
        Market, "index_ticks", lambda self, symbol, start, end: [ticks(symbol)] * (end - start)
    )
    monkeypatch.setattr(
        Market,
        "hour_extremes",
        lambda self, symbol, first, end: [(ticks(symbol), ticks(symbol))] * (end - first),
    )
    return prices


@pytest.fixture
def frozen_clock(time_machine):
    """Freeze real time for view tests: the sandbox clock is real time plus an offset,
    so this pins every price a page shows."""
    time_machine.move_to(VIEW_NOW, tick=False)
    return VIEW_NOW


@pytest.fixture
def account(learner, frozen_clock) -> Account:
    """The learner's account as the pages create it (at the frozen real time)."""
    return services.account_sync(user=learner)
