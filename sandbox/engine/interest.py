"""The hourly interest rule: one hour of interest at each clock hour while a loan is open."""

from __future__ import annotations

from decimal import Decimal

from calculators.instruments import ASSETS, BNB, VALUE_ASSET
from sandbox.cross import hourly_rate_percent
from sandbox.engine.core import HOUR, CatchUp
from sandbox.models import InterestSource, Wallet
from sandbox.operations.margin import Charge, interest_charge

ZERO = Decimal(0)
ONE = Decimal(1)


def _repeat(template: Charge, minute: int) -> Charge:
    """The same charge for the clock hour at ``minute`` (built directly:
    ``dataclasses.replace`` was a visible part of a week's catch-up)."""
    return Charge(
        template.asset,
        template.source,
        minute // HOUR,
        minute,
        template.principal,
        template.hourly_rate_percent,
        template.amount,
        template.paid_in_bnb,
    )


class HourlyInterest:
    """Charge one hour of interest at every clock hour (``minute % 60 == 0``) on the
    principal owed in each asset at that minute (SPEC §6.5).

    The hour charged at borrowing is the service's: a run starts the minute after the
    last evaluated one, and a loan taken at hh:00 was taken at an evaluated minute, so
    its hour is never charged twice. Charges are queued on the run (``run.charge``) and
    posted together - one ledger transaction and one bulk insert per run, or before any
    other rule posts - while the in-memory amounts see them at once, so the margin check
    of the same minute includes them. With "use BNB for interest" and enough free Cross
    Margin BNB at that hour's index prices, the charge is paid in BNB at 95 %.
    """

    # The charges stay queued across this rule's own minutes (see core._run_rules).
    keeps_pending = True

    def __init__(self) -> None:
        # Without BNB, an hour's charge depends only on (asset, principal): decided once.
        self._charges: dict[tuple[str, Decimal], Charge] = {}
        self._loans: tuple[int, list[tuple[str, Decimal]]] | None = None

    def prepare(self, run: CatchUp) -> None:
        """Nothing to load up front: the amounts are read with the run's first question,
        the rates only when a loan is open."""

    def _borrowed(self, run: CatchUp) -> list[tuple[str, Decimal]]:
        """(asset, principal owed) of each open loan; only a posting other than interest
        changes the principal, so this is computed once per holdings version."""
        if self._loans is None or self._loans[0] != run.holdings_version:
            loans = [
                (asset, principal)
                for asset in ASSETS
                if (principal := run.amount(Wallet.CROSS_DEBT, asset)) > 0
            ]
            self._loans = (run.holdings_version, loans)
        return self._loans[1]

    def next_minute(self, run: CatchUp, after: int) -> int | None:
        if not self._borrowed(run):
            return None
        hour = -(-after // HOUR) * HOUR
        if run.interest_through is not None:
            # Hours already charged ahead (``apply_through``) are not due again.
            hour = max(hour, run.interest_through + HOUR)
        return hour

    def apply_through(self, run: CatchUp, first: int, last: int) -> None:
        """Charge every clock hour from ``first`` through ``last`` at once: the core calls
        this when no other rule acts before ``last`` (so the principal stays as it is and
        nothing else needs to see the hours in between), sparing the loop a turn per hour.
        With BNB-paid interest each hour depends on that hour's prices and BNB: one hour."""
        if run.session.settings.use_bnb_for_interest:
            self.apply(run, first)
            return
        # The first hour decides each loan's charge (and remembers it); the other hours
        # repeat it, queued together.
        self.apply(run, first)
        minutes = range(first + HOUR, last + 1, HOUR)
        if not minutes:
            return
        for asset, principal in self._borrowed(run):
            template = self._charges.get((asset, principal))
            if template is None or template.amount <= 0:
                continue
            run.charge_many(
                [_repeat(template, minute) for minute in minutes],
                wallet=Wallet.CROSS_INTEREST,
                asset=asset,
                total=template.amount * len(minutes),
            )
        run.interest_through = minutes[-1]

    def apply(self, run: CatchUp, minute: int) -> None:
        rates = run.interest_rates()
        settings = run.session.settings
        use_bnb = settings.use_bnb_for_interest
        market = run.session.market
        bnb_price = market.asset_price(BNB, minute) if use_bnb else ONE
        for asset, principal in self._borrowed(run):
            template = None if use_bnb else self._charges.get((asset, principal))
            if template is not None:
                if template.amount <= 0:
                    continue
                charge = _repeat(template, minute)
                run.charge(charge, wallet_deltas=[(Wallet.CROSS_INTEREST, asset, charge.amount)])
                continue
            charge = interest_charge(
                asset=asset,
                principal=principal,
                hourly_rate_percent=hourly_rate_percent(rates[asset]),
                minute=minute,
                source=InterestSource.HOURLY,
                use_bnb=use_bnb,
                free_bnb=run.amount(Wallet.CROSS, BNB),
                asset_price=(
                    market.asset_price(asset, minute) if use_bnb and asset != VALUE_ASSET else ONE
                ),
                bnb_price=bnb_price,
            )
            if not use_bnb:
                self._charges[asset, principal] = charge
            if charge.amount <= 0:
                continue
            if charge.paid_in_bnb:
                deltas = [(Wallet.CROSS, BNB, -charge.paid_in_bnb)]
            else:
                deltas = [(Wallet.CROSS_INTEREST, asset, charge.amount)]
            run.charge(charge, wallet_deltas=deltas)
        run.interest_through = minute
