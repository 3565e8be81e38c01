"""The clock service: fast-forward."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from sandbox.errors import InvalidFastForward
from sandbox.models import Account, Fill
from sandbox.services.base import locked_operation

# The steps the sandbox offers, with the words pages use for them.
FAST_FORWARD_STEPS: dict[int, str] = {
    1: gettext_lazy("1 hour"),
    24: gettext_lazy("1 day"),
    168: gettext_lazy("1 week"),
}
FAST_FORWARD_HOURS: tuple[int, ...] = tuple(FAST_FORWARD_STEPS)
NOT_A_STEP = gettext_noop("You can fast-forward by {steps}.")


def fast_forward_steps_text() -> str:
    """The steps as words ("1 hour, 1 day or 1 week"), from the steps the service accepts."""
    labels = [str(label) for label in FAST_FORWARD_STEPS.values()]
    return _("{first} or {last}").format(first=", ".join(labels[:-1]), last=labels[-1])


@dataclass(frozen=True)
class ClockMove:
    """What a fast-forward did: the account after it and the hours its key moved the
    clock. ``replayed``: the key was used before; this call changed nothing and
    ``hours`` is what the first call did.

    ``fills`` are the limit orders the engine filled on the way, in the order they
    filled, and ``first_minute``..``last_minute`` the market minutes it lived through
    (both inclusive), so a page can say what ran and what the prices did meanwhile.
    A replay reports no fills and no minutes: it lived through nothing.
    """

    account: Account
    hours: int
    replayed: bool = False
    fills: tuple[Fill, ...] = ()
    first_minute: int | None = None
    last_minute: int | None = None


@transaction.atomic
def clock_fast_forward(
    *, account: Account, hours: int, idempotency_key: str, now: datetime | None = None
) -> ClockMove:
    """Move the account's clock forward by 1, 24 or 168 hours and run the engine.

    Rule: time only goes forward; everything the market would have done in between
    (limit fills now, interest and liquidations later) happens at the minute it would
    have happened. A replayed key reports what its first use did.
    """
    if type(hours) is not int or hours not in FAST_FORWARD_HOURS:
        raise InvalidFastForward(_(NOT_A_STEP).format(steps=fast_forward_steps_text()))
    with locked_operation(
        account,
        operation="clock_fast_forward",
        key=idempotency_key,
        now=now,
        run_engine=False,
    ) as op:
        if op.replayed:
            return ClockMove(op.account, op.replayed.detail.get("hours", 0), replayed=True)
        # locked_operation did not run the engine (run_engine=False): this is where the
        # account stood before the jump, so the move covers the minutes after it.
        first_minute = op.account.evaluated_minute + 1
        op.account.clock_offset_seconds += hours * 3600
        op.account.save(update_fields=["clock_offset_seconds"])
        op.detail = {"hours": hours}
        op.catch_up()
    return ClockMove(
        op.account,
        hours,
        fills=tuple(op.fills),
        first_minute=first_minute,
        last_minute=op.account.evaluated_minute,
    )
