"""Cross Margin state for page tests, made with the money operations under the account
lock (the margin services are tested on their own), and liquidation records as the
engine writes them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from accounts.services import margin_activation_record
from sandbox.ledger import ledger_post, move
from sandbox.models import Liquidation, LiquidationSale, SystemCode, TransactionKind, Wallet
from sandbox.operations.margin import borrow, transfer
from sandbox.services.base import locked_operation
from tests.sandbox.factories import VIEW_NOW

D = Decimal
CROSS_USDT = D(1000)
BORROW_BTC = D("0.02")


def activate(user):
    return margin_activation_record(user=user, attempt_id=1, statement_version="v", now=VIEW_NOW)


def prepare(account, *, cross_usdt=CROSS_USDT, borrow_btc=BORROW_BTC):
    """``cross_usdt`` moved into Cross Margin and ``borrow_btc`` borrowed (held)."""
    with transaction.atomic(), locked_operation(account, operation="test", key=None) as op:
        transfer(
            op.session,
            op.clock,
            asset="USDT",
            amount=cross_usdt,
            source_wallet=Wallet.SPOT,
            target_wallet=Wallet.CROSS,
        )
        if borrow_btc:
            borrow(op.session, op.clock, asset="BTC", amount=borrow_btc)
    return account


# The numbers of the recorded liquidation below: 0.02857142 BTC sold at 35,000.00 USDT.
SALE_QUANTITY = D("0.02857142")
SALE_PRICE = D("35000.00")
SALE_VALUE = D("999.9997")
SALE_FEE = D("19.999994")  # 2 % of the value


def liquidate(account, *, cover=None, path_minutes=180):
    """A liquidation record with one sale, as the engine writes it: the fee moved from the
    learner's Cross Margin wallet to the insurance fund in one ledger transaction."""
    with transaction.atomic(), locked_operation(account, operation="test", key=None) as op:
        fund = op.session.systems[SystemCode.INSURANCE_FUND]
        tx = ledger_post(
            kind=TransactionKind.LIQUIDATION,
            legs=move(
                source=op.account,
                source_wallet=Wallet.CROSS,
                target=fund,
                target_wallet=Wallet.SPOT,
                asset="USDT",
                amount=SALE_FEE,
            ),
            account=op.account,
            memo="Liquidation",
            minute=op.clock.minute,
            sandbox_time=op.clock.time,
        )
        cover = cover or D(0)
        if cover:
            # The fund pays the lending pool what the liquidation could not repay.
            ledger_post(
                kind=TransactionKind.INSURANCE_COVER,
                legs=move(
                    source=fund,
                    source_wallet=Wallet.SPOT,
                    target=op.session.systems[SystemCode.LENDING_POOL],
                    target_wallet=Wallet.SPOT,
                    asset="USDT",
                    amount=cover,
                ),
                account=op.account,
                memo="Insurance cover",
                minute=op.clock.minute,
                sandbox_time=op.clock.time,
            )
        minute = op.clock.minute
        path = [
            [minute - path_minutes + step, f"{D('1.6') - D('0.5') * step / path_minutes:.8f}"]
            for step in range(0, path_minutes + 1, 15)
        ]
        path[-1] = [minute, "1.09876543"]
        liquidation = Liquidation.objects.create(
            account=op.account,
            season=op.account.season,
            margin_kind="cross3x",
            trigger_minute=minute,
            trigger_time=op.clock.time,
            margin_level=D("1.09876543"),
            margin_level_after=D("1.62"),
            prices={"BTCUSDT": "35000.00", "ETHUSDT": "2500.00"},
            path=path,
            total_assets_before=D("1098.76543"),
            debt_before=D("1000"),
            sold_value=SALE_VALUE,
            fee=SALE_FEE,
            insurance_cover=cover,
            kept_value=D("78.765436"),
        )
        LiquidationSale.objects.create(
            liquidation=liquidation,
            transaction=tx,
            symbol="BTCUSDT",
            side="sell",
            quantity=SALE_QUANTITY,
            price=SALE_PRICE,
            value=SALE_VALUE,
            fee=SALE_FEE,
        )
    return liquidation


def days_later(days: int):
    return VIEW_NOW + timedelta(days=days)
