"""Ledger invariants under random sequences of everything a learner can do.

After every step: each transaction balances per asset, every cached balance equals the
sum of its postings, no learner balance is negative, reserved funds equal what open
orders reserved, no order filled twice - and ``sandbox_audit`` agrees.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sandbox import pricing, services
from sandbox.clock import sandbox_now
from sandbox.errors import SandboxError
from sandbox.ledger import balances_of
from sandbox.models import Balance, Fill, Order, OrderStatus, Posting
from tests.factories import UserFactory
from tests.sandbox.factories import NOW, key

_users = itertools.count()
usdt_amounts = st.decimals(min_value=Decimal(5), max_value=Decimal(4000), places=2)


class SandboxLedger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint that teardown rolls back: examples start clean.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.now = NOW
        self.account = None

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @initialize()
    def open_account(self) -> None:
        user = UserFactory(username=f"machine{next(_users)}")
        self.account = services.account_sync(user=user, now=self.now)
        # Something to sell from the first step on.
        for symbol in ("BTCUSDT", "BNBUSDT"):
            services.order_place(
                account=self.account,
                symbol=symbol,
                side="buy",
                order_type="market",
                quote_amount=Decimal(2000),
                idempotency_key=key(),
                now=self.now,
            )

    def _index(self, symbol: str) -> Decimal:
        minute = pricing.minute_of(sandbox_now(self.account, self.now))
        return pricing.index_price(symbol, minute, seed=django_settings.MARKET_SEED)

    def _try(self, call, **kwargs):
        try:
            return call(**kwargs)
        except SandboxError:
            return None

    @rule(
        symbol=st.sampled_from(pricing.SYMBOLS),
        side=st.sampled_from(["buy", "sell"]),
        usdt=usdt_amounts,
    )
    def market_order(self, symbol: str, side: str, usdt: Decimal) -> None:
        self._try(
            services.order_place,
            account=self.account,
            symbol=symbol,
            side=side,
            order_type="market",
            quote_amount=usdt,
            idempotency_key=key(),
            now=self.now,
        )

    @rule(
        symbol=st.sampled_from(pricing.SYMBOLS),
        side=st.sampled_from(["buy", "sell"]),
        offset_bp=st.integers(min_value=-150, max_value=150),
        quantity_usdt=usdt_amounts,
    )
    def limit_order(self, symbol: str, side: str, offset_bp: int, quantity_usdt: Decimal) -> None:
        index = self._index(symbol)
        limit = (index * (1 + Decimal(offset_bp) / 10000)).quantize(pricing.tick_size(symbol))
        self._try(
            services.order_place,
            account=self.account,
            symbol=symbol,
            side=side,
            order_type="limit",
            quote_amount=quantity_usdt,
            limit_price=limit,
            idempotency_key=key(),
            now=self.now,
        )

    @rule(
        symbol=st.sampled_from(["BTCUSDT", "BNBUSDT"]),
        side=st.sampled_from(["buy", "sell"]),
        offset_bp=st.integers(min_value=5, max_value=60),
        hours=st.sampled_from([1, 24]),
    )
    def limit_then_wait(self, symbol: str, side: str, offset_bp: int, hours: int) -> None:
        """A resting order just off the market, then time for the engine to fill it."""
        self.limit_order(symbol, side, -offset_bp if side == "buy" else offset_bp, Decimal(50))
        self.fast_forward(hours)

    @precondition(lambda self: self.account is not None)
    @rule(choice=st.integers(min_value=0, max_value=20))
    def cancel(self, choice: int) -> None:
        open_ids = list(
            Order.objects.filter(account=self.account, status=OrderStatus.OPEN).values_list(
                "pk", flat=True
            )
        )
        if open_ids:
            self._try(
                services.order_cancel,
                account=self.account,
                order_id=open_ids[choice % len(open_ids)],
                idempotency_key=key(),
                now=self.now,
            )

    @rule(hours=st.sampled_from([1, 24, 24, 168]))
    def fast_forward(self, hours: int) -> None:
        self.account = services.clock_fast_forward(
            account=self.account, hours=hours, idempotency_key=key(), now=self.now
        ).account

    @rule(minutes=st.integers(min_value=1, max_value=240))
    def real_time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        self.account = services.account_sync(user=self.account.user, now=self.now)

    @rule(reason=st.sampled_from(["course:a", "course:b"]), amount=usdt_amounts)
    def reward(self, reason: str, amount: Decimal) -> None:
        services.reward_credit(account=self.account, amount=amount, reason=reason, now=self.now)

    # Hypothesis picks argument-free rules often; two resets per run are plenty.
    @precondition(lambda self: self.account is not None and self.account.season < 3)
    @rule()
    def reset(self) -> None:
        self.account = services.account_reset(
            account=self.account, idempotency_key=key(), now=self.now
        )

    @rule(on=st.booleans())
    def bnb_fees(self, on: bool) -> None:
        services.settings_update(
            account=self.account, use_bnb_for_fees=on, idempotency_key=key(), now=self.now
        )

    @rule(usdt=usdt_amounts)
    def double_submit(self, usdt: Decimal) -> None:
        form_key = key()
        first = self._try(
            services.order_place,
            account=self.account,
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quote_amount=usdt,
            idempotency_key=form_key,
            now=self.now,
        )
        before = balances_of(self.account)
        second = self._try(
            services.order_place,
            account=self.account,
            symbol="BTCUSDT",
            side="buy",
            order_type="market",
            quote_amount=usdt,
            idempotency_key=form_key,
            now=self.now,
        )
        if first is not None:
            assert second is not None and second.pk == first.pk
            assert balances_of(self.account) == before

    @invariant()
    def ledger_holds(self) -> None:
        if self.account is None:
            return
        per_tx: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        per_balance: dict[tuple[int, int, str, str], Decimal] = defaultdict(Decimal)
        rows = Posting.objects.values_list(
            "transaction_id", "account_id", "season", "wallet", "asset", "amount", "account__user"
        )
        for tx_id, account_id, season, wallet, asset, amount, user_id in rows:
            per_tx[(tx_id, asset)] += amount
            if user_id is not None:
                per_balance[(account_id, season, wallet, asset)] += amount
        assert all(total == 0 for total in per_tx.values())
        cached = {
            (b.account_id, b.season, b.wallet, b.asset): b.amount for b in Balance.objects.all()
        }
        for group, total in per_balance.items():
            assert cached.get(group, Decimal(0)) == total, group
        for group, amount in cached.items():
            assert amount == per_balance.get(group, Decimal(0)), group
            assert amount >= 0, group

        reserved: dict[str, Decimal] = defaultdict(Decimal)
        for order in Order.objects.filter(account=self.account, status=OrderStatus.OPEN):
            assert order.season == self.account.season
            reserved[order.reserved_asset] += order.reserved_amount
        balances = balances_of(self.account)
        for (wallet, asset), amount in balances.items():
            if wallet == "spot_locked":
                assert amount == reserved.get(asset, Decimal(0)), asset
        assert Fill.objects.count() == Order.objects.filter(status=OrderStatus.FILLED).count()

        call_command("sandbox_audit", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_the_ledger_invariants_hold_for_any_sequence_of_actions():
    run_state_machine_as_test(
        SandboxLedger,
        settings=settings(
            max_examples=20,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
