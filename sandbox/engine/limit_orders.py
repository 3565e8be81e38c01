"""The limit-order rule: resting limit orders fill where the price path crossed them."""

from __future__ import annotations

from sandbox.engine.core import CatchUp
from sandbox.models import LOCKED_WALLET, Order, OrderSide, OrderStatus, OrderType, SideEffect
from sandbox.operations.trades import fill_order
from sandbox.pricing import datetime_of


class LimitOrderFills:
    """Fill resting limit orders at the first minute the index price crossed the limit.

    A buy fills when the index is at or below its limit, a sell when it is at or above,
    at the limit price (the price the learner asked for). Minutes are checked from the
    one after the order was placed. Each order fills once: it leaves ``pending`` and
    turns ``filled`` in the same step (and ``Fill.order`` is unique in the database).
    """

    # A fill usually does not depend on queued interest, so the run keeps it queued and
    # posts a catch-up's interest with one ledger write (see ``_needs_posted_interest``).
    keeps_pending = True

    def __init__(self) -> None:
        self.pending: list[tuple[int, int, Order]] = []

    @staticmethod
    def _needs_posted_interest(run: CatchUp, orders: list[Order]) -> bool:
        """Post the queued interest before these fills when they depend on it: an
        auto-repay fill repays interest first, and interest paid in BNB uses the BNB a
        fill's fee may need."""
        return any(order.side_effect == SideEffect.AUTO_REPAY for order in orders) or any(
            charge.paid_in_bnb for charge in run.pending
        )

    def prepare(self, run: CatchUp) -> None:
        # What the scan needs of every resting order, as plain values; the orders whose
        # price is reached (usually few) are then loaded whole, in one more query.
        resting = (
            Order.objects.filter(
                account=run.account,
                season=run.account.season,
                status=OrderStatus.OPEN,
                order_type=OrderType.LIMIT,
            )
            .order_by("id")
            .values_list("pk", "symbol", "side", "limit_price", "placed_minute")
        )
        hits: dict[int, int] = {}
        for pk, symbol, side, limit_price, placed_minute in resting:
            is_buy = side == OrderSide.BUY
            hit = run.first_minute(
                symbol,
                after=placed_minute,
                at_most=limit_price if is_buy else None,
                at_least=None if is_buy else limit_price,
            )
            if hit is not None:
                hits[pk] = hit
        orders = Order.objects.in_bulk(list(hits)) if hits else {}
        # Minute order; within a minute, the order placed first fills first.
        self.pending = sorted(
            ((minute, pk, orders[pk]) for pk, minute in hits.items()),
            key=lambda item: (item[0], item[1]),
        )

    def next_minute(self, run: CatchUp, after: int) -> int | None:
        for minute, order_id, _ in self.pending:
            if minute >= after and order_id not in run.cancelled_orders:
                return minute
        return None

    def apply(self, run: CatchUp, minute: int) -> None:
        due = [
            item
            for item in self.pending
            if item[0] == minute and item[1] not in run.cancelled_orders
        ]
        self.pending = [item for item in self.pending if item[0] != minute]
        if due and self._needs_posted_interest(run, [order for _, _, order in due]):
            run.flush()
        for _, _, order in due:
            run.fills.append(
                fill_order(
                    run.session,
                    order,
                    price=order.limit_price,
                    minute=minute,
                    sandbox_time=datetime_of(minute),
                    # Every trading wallet's resting orders (Spot, Cross Margin) pay from
                    # what they reserved in its locked twin.
                    from_wallet=LOCKED_WALLET[order.wallet],
                    # The run's amounts are the ledger's (plus queued interest, which a
                    # fill's fee and average entry do not read; see above).
                    balances=run.amounts,
                )
            )
            # Re-read after each fill, so a second order filling at the same minute sees
            # what the first one changed (a Spot fill leaves the margin level alone).
            run.holdings_changed(minute, wallets=(order.wallet,))
