"""The core of the risk engine: the catch-up loop that brings one account up to its clock.

``account_catch_up(account, to_minute=...)`` replays the market from the minute after
``account.evaluated_minute`` through ``to_minute`` and applies every rule that fires on
the way, in minute order, then records ``evaluated_minute``. Services call it with the
account row locked, before they read balances, so a learner who was offline for a week
finds their limit orders filled at the minute the price got there - as on an exchange
that never sleeps.

How the loop stays fast
-----------------------
Between two things happening, an account's holdings do not change, so the engine does
not visit every minute. Each rule (``Rule``) says when it next needs to act
(``next_minute``); the loop jumps to the earliest of those minutes, lets every rule due
then act (``apply``) in the order of ``RULES``, and asks again. Prices come from the
batch API (``pricing.index_prices``, a few µs a minute), computed once per catch-up and
only for the symbols a rule asks for. An account with nothing open costs no price work.

Extension points (next issue: Cross Margin)
-------------------------------------------
Write a ``Rule`` in its own module of ``sandbox/engine/`` and add it to ``RULES`` (in
``sandbox/engine/__init__.py``), in the order rules should act within one minute. Rules
write through ``sandbox.operations`` (trades now; loans, interest, liquidation next):

- ``HourlyInterest``: ``next_minute`` = the next hour boundary while a loan is open
  (``minute % 60 == 0``); ``apply`` posts one hour of interest (SPEC §6.5).
- ``MarginWatch``: with debt, compute the first minute in the window at which the
  margin level (from ``run.prices``) reaches the alert / margin-call / liquidation level
  for the *current* holdings; ``apply`` raises the margin call, runs auto top-up, or
  liquidates at that minute's index price. Any rule that changes holdings calls
  ``run.holdings_changed(minute)`` so such rules recompute from the next minute.
- Liquidation must come after fills and interest of the same minute.

Every rule runs inside the caller's transaction with the account lock held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from sandbox.models import Account, Fill
from sandbox.operations.session import Session

# Prices for a catch-up are computed a week at a time, so a learner back after months
# does not hold a year of prices in memory.
CHUNK_MINUTES = 7 * 24 * 60


@dataclass
class CatchUp:
    """One engine run over minutes [start, end] (inclusive) for one locked account."""

    session: Session
    start: int
    end: int
    fills: list[Fill] = field(default_factory=list)
    _prices: dict[str, list[Decimal]] = field(default_factory=dict)

    @property
    def account(self) -> Account:
        return self.session.account

    def prices(self, symbol: str) -> list[Decimal]:
        """Index prices of ``symbol`` for every minute of the run (position 0 = start)."""
        if symbol not in self._prices:
            self._prices[symbol] = self.session.market.index_prices(
                symbol, self.start, self.end + 1
            )
        return self._prices[symbol]

    def holdings_changed(self, minute: int) -> None:
        """Hook for rules that depend on holdings (margin level); nothing needs it yet."""


class Rule(Protocol):
    def prepare(self, run: CatchUp) -> None:
        """Load what the rule needs for the run (one or two queries, never per minute)."""

    def next_minute(self, run: CatchUp, after: int) -> int | None:
        """The earliest minute ≥ ``after`` (within the run) the rule must act at, or None."""

    def apply(self, run: CatchUp, minute: int) -> None:
        """Act at ``minute``."""


def catch_up(
    account: Account,
    *,
    to_minute: int,
    rules: Sequence[type[Rule]],
    session: Session | None = None,
) -> list[Fill]:
    """Run the engine from ``account.evaluated_minute + 1`` through ``to_minute``.

    The caller holds the account row lock (``select_for_update``) and passes the locked
    instance. Time never goes back: a ``to_minute`` at or before the evaluated minute
    does nothing. Returns the fills made on the way.
    """
    if account.is_system:
        raise ValueError("System accounts have no clock.")
    session = session or Session(account)
    fills: list[Fill] = []
    start = account.evaluated_minute + 1
    while start <= to_minute:
        end = min(to_minute, start + CHUNK_MINUTES - 1)
        run = CatchUp(session=session, start=start, end=end)
        _run_rules(run, rules)
        fills.extend(run.fills)
        start = end + 1
    if to_minute > account.evaluated_minute:
        account.evaluated_minute = to_minute
        account.save(update_fields=["evaluated_minute"])
    return fills


def _run_rules(run: CatchUp, rule_classes: Sequence[type[Rule]]) -> None:
    rules = [rule_class() for rule_class in rule_classes]
    for rule in rules:
        rule.prepare(run)
    minute = run.start
    while minute <= run.end:
        due_minutes = [m for rule in rules if (m := rule.next_minute(run, minute)) is not None]
        if not due_minutes:
            return
        due = min(due_minutes)
        if due > run.end:
            return
        for rule in rules:
            if rule.next_minute(run, due) == due:
                rule.apply(run, due)
        minute = due + 1
