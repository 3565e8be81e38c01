"""Every state change of the sandbox: locked, idempotent entry points, one module per entity.

Each service is keyword-only, runs in ``transaction.atomic`` and goes through
``base.locked_operation``: lock the learner's ``Account`` row, replay a used
idempotency key, run the engine up to the clock minute, act, remember the key. A
service that breaks a rule raises a ``SandboxError`` with a message for the learner;
the transaction rolls back and nothing has changed.

``now`` is real time (default ``timezone.now()``); the account's sandbox time is
``now + clock_offset`` (``sandbox.clock``).

Other apps import from here: ``from sandbox.services import account_sync, reward_credit``.
"""

from __future__ import annotations

from sandbox.services.accounts import (
    STARTING_ASSET,
    STARTING_BALANCE,
    account_refresh,
    account_reset,
    account_sync,
)
from sandbox.services.clock import (
    FAST_FORWARD_HOURS,
    FAST_FORWARD_STEPS,
    ClockMove,
    clock_fast_forward,
)
from sandbox.services.margin import (
    MIN_BORROW_VALUE,
    margin_borrow,
    margin_message,
    margin_repay,
    margin_transfer,
)
from sandbox.services.orders import MIN_ORDER_VALUE, order_cancel, order_place
from sandbox.services.rewards import reward_credit
from sandbox.services.settings import (
    COOLING_OFF_DAYS,
    cooling_off_start,
    settings_update,
)

__all__ = [
    "COOLING_OFF_DAYS",
    "FAST_FORWARD_HOURS",
    "FAST_FORWARD_STEPS",
    "MIN_BORROW_VALUE",
    "MIN_ORDER_VALUE",
    "STARTING_ASSET",
    "STARTING_BALANCE",
    "ClockMove",
    "account_refresh",
    "account_reset",
    "account_sync",
    "clock_fast_forward",
    "cooling_off_start",
    "margin_borrow",
    "margin_message",
    "margin_repay",
    "margin_transfer",
    "order_cancel",
    "order_place",
    "reward_credit",
    "settings_update",
]
