"""An account's clock: the one place that turns real time into sandbox time and a minute.

Sandbox time = real time + the account's ``clock_offset_seconds``; the market minute is
``pricing.minute_of`` of it. Every service, page and chart asks ``account_clock`` for
"now", so they all agree on the minute a learner trades, sees and is charged at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from sandbox import pricing
from sandbox.models import Account


@dataclass(frozen=True)
class Clock:
    """An account's current market minute and sandbox time."""

    minute: int
    time: datetime


def sandbox_now(account: Account, now: datetime | None = None) -> datetime:
    """The account's sandbox time: real time (``now``, default the server's) plus its
    clock offset. Use ``account_clock`` for the minute: it also applies the guard."""
    return (now or timezone.now()) + timedelta(seconds=account.clock_offset_seconds)


def account_clock(account: Account, now: datetime | None = None) -> Clock:
    """The account's current market minute and sandbox time.

    Never earlier than what the engine already evaluated: if the server clock steps
    back (NTP), the sandbox waits at ``evaluated_minute`` instead of reliving minutes -
    a page would otherwise show prices from before fills it already made.
    """
    moment = sandbox_now(account, now)
    minute = pricing.minute_of(moment)
    if minute < account.evaluated_minute:
        return Clock(account.evaluated_minute, pricing.datetime_of(account.evaluated_minute))
    return Clock(minute, moment)
