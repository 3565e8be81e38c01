"""The risk engine: brings one account up to its clock, minute by minute.

``core`` is the catch-up loop (``CatchUp``, the ``Rule`` protocol); each rule lives in its
own module; ``RULES`` lists them in the order they act within one minute (SPEC §6.4:
limit-order fills, then interest, then the margin check).
"""

from __future__ import annotations

from sandbox.engine.cooling_off import CoolingOffEnd
from sandbox.engine.core import CHUNK_MINUTES, CatchUp, Rule, catch_up
from sandbox.engine.interest import HourlyInterest
from sandbox.engine.limit_orders import LimitOrderFills
from sandbox.engine.margin_watch import MarginWatch
from sandbox.models import Account, Fill
from sandbox.operations.session import Session

# The rules, in the order they act within one minute.
# SPEC §6.4: fills, then interest (at an hour boundary), then the margin check.
RULES: tuple[type[Rule], ...] = (LimitOrderFills, HourlyInterest, MarginWatch, CoolingOffEnd)

__all__ = [
    "CHUNK_MINUTES",
    "RULES",
    "CatchUp",
    "CoolingOffEnd",
    "HourlyInterest",
    "LimitOrderFills",
    "MarginWatch",
    "Rule",
    "account_catch_up",
]


def account_catch_up(
    account: Account, *, to_minute: int, session: Session | None = None
) -> list[Fill]:
    """Run every rule of ``RULES`` from ``account.evaluated_minute + 1`` through
    ``to_minute`` (see ``core.catch_up``); the caller holds the account lock."""
    return catch_up(account, to_minute=to_minute, rules=RULES, session=session)
