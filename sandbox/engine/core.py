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
shared cache: ``CatchUp.first_minute`` rules hours out with their lowest/highest index
(``Market.hour_extremes``) and prices minute by minute only the hours that reach the
level. An account with nothing open costs no price work.

The rules
---------
Each ``Rule`` lives in its own module of ``sandbox/engine/`` and is listed in ``RULES``
(``sandbox/engine/__init__.py``) in the order rules act within one minute (SPEC §6.4);
rules write through ``sandbox.operations``:

- ``LimitOrderFills`` (``limit_orders.py``): resting limit orders fill where the path
  crossed them.
- ``HourlyInterest`` (``interest.py``): one hour of interest at each ``minute % 60 == 0``
  while a loan is open, queued on the run and posted in bulk.
- ``MarginWatch`` (``margin_watch.py``): with debt, the first minute the margin level
  reaches the margin-call (or alert), auto top-up or liquidation level for the current
  holdings (hour extremes, then ``market.index_ticks``); acts at that minute's index
  price. Any rule that changes holdings calls ``run.holdings_changed(minute)``, so it
  recomputes from the next minute. It comes after fills and interest of the same minute.
- ``CoolingOffEnd`` (``cooling_off.py``): the "cooling-off ended" notification, once.

Every rule runs inside the caller's transaction with the account lock held.

What a run keeps in memory (Cross Margin)
-----------------------------------------
``CatchUp.amounts`` is the account's balances ((wallet, asset) → amount), read once per
run and kept up to date: hourly interest changes it in memory (``add_amount``) and queues
its charges (``charge``); a rule that posts anything else first calls ``run.flush()``
(the core does it for rules without ``keeps_pending = True``) so the queued charges are
posted - ONE ``interest_post`` - before the other posting, keeping the ledger in time
order, and afterwards calls ``holdings_changed(minute)``, which re-reads the balances
(one query) and tells holding-dependent rules to recompute. The run's end flushes too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from calculators.formulas import hourly_interest_charge
from calculators.instruments import ASSETS
from sandbox import pricing
from sandbox.clock import Clock
from sandbox.cross import hourly_rate_percent, interest_rates
from sandbox.ledger import balances_of
from sandbox.models import DEBT_WALLETS, LOCKED_WALLET, Account, Fill, Wallet
from sandbox.operations.margin import Charge, interest_post
from sandbox.operations.session import Session

# Prices for a catch-up are computed a week at a time, so a learner back after months
# does not hold a year of prices in memory.
CHUNK_MINUTES = 7 * 24 * 60
HOUR = pricing.MINUTES_PER_HOUR
# Every wallet whose balance counts in the Cross Margin level.
CROSS_WALLETS = frozenset({Wallet.CROSS, LOCKED_WALLET[Wallet.CROSS], *DEBT_WALLETS})
ZERO = Decimal(0)


@dataclass
class CatchUp:
    """One engine run over minutes [start, end] (inclusive) for one locked account."""

    session: Session
    start: int
    end: int
    fills: list[Fill] = field(default_factory=list)
    # Per symbol: (lowest, highest) index ticks of each hour the run touches, from the
    # shared cache; and the minute-by-minute ticks of hours a scan had to look into.
    _extremes: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    _ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    _hour_ticks: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    # The account's balances, loaded on first use; see the module docstring.
    _amounts: dict[tuple[str, str], Decimal] | None = None
    # Interest charges decided but not yet posted (posted together by ``flush``).
    pending: list[Charge] = field(default_factory=list)
    # Bumped whenever the in-memory amounts change, so rules can cache what they derive;
    # ``holdings_version`` only when something other than the hourly interest changed the
    # Cross Margin wallets (a Spot fill does not).
    version: int = 0
    holdings_version: int = 0
    # The last minute hourly interest was charged at in this run (None: not yet).
    interest_through: int | None = None
    # Orders another rule cancelled during the run (a liquidation cancels the open Cross
    # Margin orders): the limit-order rule must not fill them afterwards.
    cancelled_orders: set[int] = field(default_factory=set)
    _listeners: list[object] = field(default_factory=list)
    # The in-memory effect of the queued charges, re-applied when the amounts are re-read.
    _pending_deltas: list[tuple[str, str, Decimal]] = field(default_factory=list)
    _rates: dict[str, Decimal] | None = None

    @property
    def account(self) -> Account:
        return self.session.account

    # -- the account's amounts, in memory ------------------------------------------------

    @property
    def amounts(self) -> dict[tuple[str, str], Decimal]:
        if self._amounts is None:
            amounts = balances_of(self.account)
            # What is queued but not posted yet (interest) stays applied after a re-read.
            for wallet, asset, delta in self._pending_deltas:
                amounts[wallet, asset] = amounts.get((wallet, asset), ZERO) + delta
            self._amounts = amounts
        return self._amounts

    def amount(self, wallet: str, asset: str) -> Decimal:
        return self.amounts.get((wallet, asset), ZERO)

    def add_amount(self, wallet: str, asset: str, delta: Decimal) -> None:
        """Change the in-memory copy for something queued, not yet posted (interest)."""
        self.amounts[wallet, asset] = self.amount(wallet, asset) + delta
        self.version += 1

    def charge(self, charge: Charge, *, wallet_deltas: list[tuple[str, str, Decimal]]) -> None:
        """Queue one hour's interest charge and apply its effect to the amounts."""
        self.pending.append(charge)
        for wallet, asset, delta in wallet_deltas:
            self.add_amount(wallet, asset, delta)
        self._pending_deltas.extend(wallet_deltas)

    def charge_many(
        self, charges: list[Charge], *, wallet: str, asset: str, total: Decimal
    ) -> None:
        """Queue several hours of one loan's interest (owed in ``asset``), whose sum is
        ``total``, with their effect on the amounts applied once."""
        self.pending.extend(charges)
        self.add_amount(wallet, asset, total)
        self._pending_deltas.append((wallet, asset, total))

    def flush(self) -> None:
        """Post the queued interest charges as one ledger transaction (one bulk insert of
        their rows), dated at the last charge's minute. Nothing queued: no query."""
        if not self.pending:
            return
        charges, self.pending = self.pending, []
        self._pending_deltas = []
        last = charges[-1].minute
        interest_post(self.session, Clock(last, pricing.datetime_of(last)), charges=charges)

    def interest_rates(self) -> dict[str, Decimal]:
        """Yearly rates by asset, read once per run (one query) and shared by the rules."""
        if self._rates is None:
            self._rates = interest_rates()
        return self._rates

    def hourly_charges(self) -> dict[str, Decimal]:
        """What one clock hour will add to the interest owed in each asset, while the
        holdings stay as they are: the hourly interest rule's charge (paid in the asset
        itself; "use BNB for interest" makes charges depend on prices, so callers do not
        project those)."""
        charges = {}
        for asset in ASSETS:
            principal = self.amount(Wallet.CROSS_DEBT, asset)
            if principal > 0:
                charges[asset] = hourly_interest_charge(
                    principal=principal,
                    hourly_rate_percent=hourly_rate_percent(self.interest_rates()[asset]),
                )
        return charges

    def listen(self, rule: object) -> None:
        """``rule.on_holdings_changed(minute)`` is called whenever holdings change."""
        self._listeners.append(rule)

    def first_minute(
        self,
        symbol: str,
        *,
        after: int,
        at_most: Decimal | None = None,
        at_least: Decimal | None = None,
    ) -> int | None:
        """The first minute in (after, end] whose index is ≤ ``at_most`` or ≥ ``at_least``.

        Only hours whose lowest/highest index reaches the level are priced minute by
        minute; every other hour is ruled out by two numbers from the shared cache.
        """
        first = max(self.start, after + 1)
        if first > self.end:
            return None
        below = pricing.ticks_at_most(symbol, at_most) if at_most is not None else None
        above = pricing.ticks_at_least(symbol, at_least) if at_least is not None else None
        run_hour = self.start // HOUR
        extremes = self.extremes(symbol)
        lowest, highest = self._ranges[symbol]
        # Most resting orders sit away from the market: the whole run's range rules them
        # out without visiting an hour.
        if (below is None or lowest > below) and (above is None or highest < above):
            return None
        for hour in range(first // HOUR, self.end // HOUR + 1):
            low, high = extremes[hour - run_hour]
            if not ((below is not None and low <= below) or (above is not None and high >= above)):
                continue
            ticks = self.hour_ticks(symbol, hour)
            for minute in range(max(first, hour * HOUR), min(self.end, hour * HOUR + HOUR - 1) + 1):
                tick = ticks[minute - hour * HOUR]
                if (below is not None and tick <= below) or (above is not None and tick >= above):
                    return minute
        return None

    def holdings_changed(self, minute: int, *, wallets: Iterable[str] | None = None) -> None:
        """A rule posted something that changed the account's holdings at ``minute``: the
        in-memory amounts are read again (after the post) and the rules that depend on
        Cross Margin holdings (the margin watch, the interest rule's loans) recompute from
        the next minute on. ``wallets``: the trading wallets the posting touched, when
        known - a Spot fill leaves the margin level as it was."""
        # Queued interest is not posted here: the re-read amounts get the queued charges
        # applied again (``amounts``), so a fill does not cost an extra ledger write. Rules
        # whose posting depends on posted interest flush first (see ``Rule.apply``).
        self._amounts = None
        self.version += 1
        if wallets is not None and not any(w in CROSS_WALLETS for w in wallets):
            return
        self.holdings_version += 1
        for rule in self._listeners:
            rule.on_holdings_changed(minute)

    # -- prices ---------------------------------------------------------------------------

    def extremes(self, symbol: str) -> list[tuple[int, int]]:
        """(lowest, highest) index ticks of each hour of the run, from the shared cache."""
        extremes = self._extremes.get(symbol)
        if extremes is None:
            extremes = self._extremes[symbol] = self.session.market.hour_extremes(
                symbol, self.start // HOUR, self.end // HOUR + 1
            )
            self._ranges[symbol] = (min(low for low, _ in extremes), max(h for _, h in extremes))
        return extremes

    def hour_ticks(self, symbol: str, hour: int) -> list[int]:
        """The index of every minute of ``hour`` in ticks (priced once per run)."""
        ticks = self._hour_ticks.get((symbol, hour))
        if ticks is None:
            ticks = self._hour_ticks[symbol, hour] = self.session.market.index_ticks(
                symbol, hour * HOUR, (hour + 1) * HOUR
            )
        return ticks


class Rule(Protocol):
    def prepare(self, run: CatchUp) -> None:
        """Load what the rule needs for the run (one or two queries, never per minute)."""

    def next_minute(self, run: CatchUp, after: int) -> int | None:
        """The earliest minute ≥ ``after`` (within the run) the rule must act at, or None."""

    def apply(self, run: CatchUp, minute: int) -> None:
        """Act at ``minute``.

        Unless the rule sets ``keeps_pending = True`` the core posts the queued interest
        first (``run.flush()``), so whatever the rule posts comes after it in the ledger.
        """


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
        nexts = [rule.next_minute(run, minute) for rule in rules]
        due_minutes = [m for m in nexts if m is not None]
        if not due_minutes:
            break
        due = min(due_minutes)
        if due > run.end:
            break
        # Until a rule acts at ``due``, each rule's answer above still holds (nothing
        # changed since it was asked); after one acts, the rules after it are asked again.
        acted = False
        for rule, answer in zip(rules, nexts, strict=True):
            if (rule.next_minute(run, due) if acted else answer) == due:
                if not getattr(rule, "keeps_pending", False):
                    run.flush()
                others = [
                    m for r, m in zip(rules, nexts, strict=True) if r is not rule and m is not None
                ]
                through = min([*others, run.end + 1]) - 1
                if not acted and through > due and hasattr(rule, "apply_through"):
                    # Nothing else happens before ``through``: a rule that can (hourly
                    # interest) acts for the whole stretch in one turn of the loop.
                    rule.apply_through(run, due, through)
                else:
                    rule.apply(run, due)
                acted = True
        minute = due + 1
    run.flush()
