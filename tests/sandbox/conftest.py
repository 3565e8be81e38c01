"""Fixtures for the sandbox's domain tests (services, engine, ledger, selectors)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox import services
from sandbox.market import Market
from sandbox.models import Account
from tests.sandbox.factories import FIXED_PRICES, NOW


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
    return prices
