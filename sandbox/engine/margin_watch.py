"""The margin check: margin calls, auto top-up and liquidation at the minute they happen.

SPEC §6.6: with debt, the engine finds the first minute the margin level (ML) reaches

- the margin-call level (the learner's alert level when higher) → a margin-call
  notification, at once, then again every 24 h of sandbox time while still there;
- the kind's margin-call level, with auto top-up on and something to top up with →
  Spot → Cross Margin transfers until ML reaches the target;
- the liquidation level (1.1) → liquidation at that minute's index price (also when the
  price gapped past the margin call),

and acts there (``sandbox.operations.liquidation`` moves the money).

How it stays fast (the issue's "Performance")
---------------------------------------------
ML ≤ k  ⇔  Σ_a (held_a − k × owed_a) × price_a ≤ 0. With holdings fixed, that is a sum of
per-asset terms with exact integer coefficients (amounts in satoshis, k as a fraction,
prices in ticks). Over an hour each price stays within the hour's lowest/highest index
(``Market.hour_extremes``, shared through Django's cache), so the smallest the sum can be
that hour is bounded by taking each term at its worst end; an hour whose bound stays
above zero cannot cross and is skipped without pricing a minute. Only the hours that
might cross are priced minute by minute (``Market.index_ticks``, integers), and a minute
that crosses (within the rounding of the valuation) is confirmed with
``cross.cross_snapshot`` - the calculators' formula - before anything happens.

Holdings change only at events: interest at each clock hour (so a segment ends at the
next hour while a loan is open), fills, top-ups, liquidations (``run.holdings_changed``).
The rule recomputes its answer whenever the run's amounts change (``run.version``).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from calculators.formulas.margin import MARGIN_KINDS, MarginKind
from calculators.instruments import ASSET_SYMBOL, ASSETS, VALUE_ASSET
from config.formatting import format_amount, format_ratio, format_value
from notifications.models import Kind as NotificationKind
from notifications.services import notification_send, recipient_language
from sandbox import pricing
from sandbox.clock import Clock
from sandbox.cross import CrossSnapshot, cross_snapshot
from sandbox.engine.cooling_off import end_minute
from sandbox.engine.core import HOUR, CatchUp
from sandbox.models import (
    EngineState,
    LedgerTransaction,
    Liquidation,
    SandboxSettings,
    TransactionKind,
    Wallet,
)
from sandbox.operations.liquidation import auto_top_up, liquidate, top_up_plan
from sandbox.portfolio import held

ZERO = Decimal(0)
ONE = Decimal(1)
DAY = 24 * HOUR
SATOSHIS = 10**8
# Prices in the integer sums are in units of 0.0001 USDT (every tick is a whole number
# of them: 0.01 for the USDT pairs, 0.0001 for USDCUSDT).
PRICE_UNITS = 10**4
# The margin-level path kept for a liquidation report: hourly points over the last 48 h.
PATH_HOURS = 48
MARGIN_PAGE = "/sandbox/margin/"
# Ledger kinds that do not change what the Cross Margin wallet holds or owes (for where
# the report's margin-level path may start).
_NOT_HOLDINGS = (
    TransactionKind.INTEREST,
    TransactionKind.ORDER_HOLD,
    TransactionKind.ORDER_RELEASE,
)


def liquidation_report_url(liquidation: Liquidation) -> str:
    return f"/sandbox/margin/liquidations/{liquidation.pk}/"


def _factor(symbol: str) -> int:
    factor = pricing.tick_size(symbol) * PRICE_UNITS
    if factor != factor.to_integral_value():
        raise ValueError(f"{symbol}'s tick is finer than 0.0001")
    return int(factor)


_FACTORS = {symbol: _factor(symbol) for symbol in pricing.SYMBOLS}


def _satoshis(amount: Decimal) -> int:
    return int(amount * SATOSHIS)


class MarginWatch:
    """See the module docstring."""

    # It posts rarely; when it does, it flushes the queued interest itself first.
    keeps_pending = True

    def __init__(self) -> None:
        # (minute the answer was computed from, amounts version, margin calls sent)
        self._key: tuple[int, int, int] | None = None
        self._value: int | None = None
        self._stop = 0
        self._state: EngineState | None = None
        self._calls = 0  # margin calls sent in this run

    def prepare(self, run: CatchUp) -> None:
        run.listen(self)

    def on_holdings_changed(self, minute: int) -> None:
        self._key = None  # (the versions would say so too; this is explicit)

    # -- what to watch ------------------------------------------------------------------

    @staticmethod
    def _has_debt(run: CatchUp) -> bool:
        return any(
            run.amount(Wallet.CROSS_DEBT, a) or run.amount(Wallet.CROSS_INTEREST, a) for a in ASSETS
        )

    @staticmethod
    def _kind(settings: SandboxSettings) -> MarginKind:
        return MARGIN_KINDS[settings.margin_kind]

    @classmethod
    def _call_level(cls, settings: SandboxSettings) -> Decimal:
        kind = cls._kind(settings)
        alert = settings.margin_call_alert_level
        return max(alert, kind.margin_call) if alert is not None else kind.margin_call

    @staticmethod
    def _can_top_up(run: CatchUp, settings: SandboxSettings) -> bool:
        return settings.auto_topup_enabled and any(
            run.amount(Wallet.SPOT, asset) > 0 for asset in settings.auto_topup_assets
        )

    @staticmethod
    def _top_up_from(settings: SandboxSettings) -> int:
        """The first minute auto top-up may act: after the cooling-off period, if any."""
        until = settings.cooling_off_until
        return end_minute(until) if until is not None else 0

    def _state_of(self, run: CatchUp) -> EngineState:
        if self._state is None:
            # Read only; the row is created the first time there is something to keep
            # (a margin call), so a quiet catch-up does not write it.
            self._state = EngineState.objects.filter(account=run.account).first() or EngineState(
                account=run.account
            )
        return self._state

    def next_minute(self, run: CatchUp, after: int) -> int | None:
        if after > run.end:
            return None
        projected = not run.session.settings.use_bnb_for_interest
        # The answer is the first trigger at or after the minute it was computed from. It
        # holds for any later ``after`` up to it while nothing but the hourly interest
        # changed the amounts (the scan projects that interest), the margin-call state is
        # the same, and - with BNB-paid interest, which the scan cannot project - while
        # the amounts did not change at all.
        version = run.holdings_version if projected else run.version
        if self._key is not None:
            computed_from, key_version, calls = self._key
            if (key_version, calls) == (version, self._calls) and computed_from <= after <= (
                self._stop if self._value is None else self._value
            ):
                return self._value
        self._value, self._stop = self._first_trigger(run, after, projected=projected)
        self._key = (after, version, self._calls)
        return self._value

    def _first_trigger(
        self, run: CatchUp, after: int, *, projected: bool
    ) -> tuple[int | None, int]:
        """(the first trigger minute from ``after``, or None; the last minute scanned)."""
        if not self._has_debt(run):
            return None, run.end
        settings = run.session.settings
        kind = self._kind(settings)
        if projected:
            # Interest owed grows by a known amount at each clock hour: the scan adds it.
            charges = run.hourly_charges()
            stop = run.end
        else:
            # With BNB-paid interest the holdings are fixed only up to the next hour.
            charges = {}
            accrues = any(run.amount(Wallet.CROSS_DEBT, a) > 0 for a in ASSETS)
            stop = min(run.end, (after // HOUR + 1) * HOUR - 1) if accrues else run.end
        last_call = self._state_of(run).last_margin_call(run.account.season)
        watches = [
            (
                self._call_level(settings),
                after if last_call is None else max(after, last_call + DAY),
            )
        ]
        if self._can_top_up(run, settings):
            # A cooling-off period forbids transfers into margin, the automatic ones too.
            watches.append((kind.margin_call, max(after, self._top_up_from(settings))))
        watches.append((kind.liquidation, after))
        best: int | None = None
        # Watches scanned without a hit: a level at or below one of them, from the same
        # minute or later, cannot be reached either (ML ≤ 1.1 implies ML ≤ 1.3), so the
        # usual quiet week costs one scan instead of three.
        clear: list[tuple[Decimal, int]] = []
        for level, start in watches:
            end = stop if best is None else min(stop, best - 1)
            if start > end:
                continue
            if best is None and any(lv >= level and st <= start for lv, st in clear):
                continue
            found = self._first_at_or_below(run, level, start, end, settings.margin_kind, charges)
            if found is not None:
                best = found
            elif best is None:
                clear.append((level, start))
        return best, stop

    def _first_at_or_below(
        self,
        run: CatchUp,
        level: Decimal,
        start: int,
        stop: int,
        margin_kind: str,
        charges: dict[str, Decimal],
    ) -> int | None:
        """The first minute in [start, stop] at which ML ≤ ``level`` for the run's current
        amounts plus ``charges`` (interest owed per asset) for each clock hour from the
        last one charged up to that minute, confirmed with ``cross_snapshot``; None if
        there is none."""
        numerator, denominator = level.as_integer_ratio()
        # Per asset: the coefficient (held − k × owed) now, and how much each hour's
        # interest lowers it.
        constant = constant_step = 0
        terms: list[tuple[str, int, int]] = []
        for asset in ASSETS:
            holding = held(run.amounts, wallet=Wallet.CROSS, asset=asset)
            owed = run.amount(Wallet.CROSS_DEBT, asset) + run.amount(Wallet.CROSS_INTEREST, asset)
            coefficient = _satoshis(holding) * denominator - numerator * _satoshis(owed)
            step = numerator * _satoshis(charges.get(asset, ZERO))
            if not (coefficient or step):
                continue
            if asset == VALUE_ASSET:
                constant += coefficient * PRICE_UNITS
                constant_step += step * PRICE_UNITS
            else:
                symbol = ASSET_SYMBOL[asset]
                terms.append((symbol, coefficient * _FACTORS[symbol], step * _FACTORS[symbol]))
        # The sum is Σ (held − k × owed) × price scaled by denominator × 10^12; the
        # valuation rounds each of 5 holdings and 10 debts to 8 places, which moves the
        # level's comparison by less than this (in the same units), so a minute above it
        # cannot cross and a minute at or below it is confirmed exactly.
        slack = PRICE_UNITS * (3 * denominator + 5 * numerator)
        charged_hour = (
            run.interest_through if run.interest_through is not None else run.start - 1
        ) // HOUR
        run_hour = run.start // HOUR
        extremes = [(symbol, run.extremes(symbol)) for symbol, _c, _s in terms]
        for hour in range(start // HOUR, stop // HOUR + 1):
            hours_ahead = max(0, hour - charged_hour) if charges else 0
            hour_constant = constant - constant_step * hours_ahead
            coefficients = [c - step * hours_ahead for _symbol, c, step in terms]
            if not terms:
                # Only USDT: the level does not move with prices, only with interest.
                if hour_constant <= slack:
                    minute = max(start, hour * HOUR)
                    if self._confirm(run, minute, level, {}, margin_kind, charges, hours_ahead):
                        return minute
                continue
            lowest = hour_constant
            for (_symbol, hours), c in zip(extremes, coefficients, strict=True):
                low, high = hours[hour - run_hour]
                lowest += c * (low if c > 0 else high)
            if lowest > slack:
                continue
            ticks = [run.hour_ticks(symbol, hour) for symbol, _c, _s in terms]
            base = hour * HOUR
            for minute in range(max(start, base), min(stop, base + HOUR - 1) + 1):
                i = minute - base
                total = hour_constant
                for c, row in zip(coefficients, ticks, strict=True):
                    total += c * row[i]
                if total <= slack:
                    prices = {
                        symbol: pricing.price_of_ticks(symbol, row[i])
                        for (symbol, _c, _s), row in zip(terms, ticks, strict=True)
                    }
                    if self._confirm(run, minute, level, prices, margin_kind, charges, hours_ahead):
                        return minute
        return None

    @staticmethod
    def _confirm(
        run: CatchUp,
        minute: int,
        level: Decimal,
        prices: dict[str, Decimal],
        margin_kind: str,
        charges: dict[str, Decimal],
        hours_ahead: int,
    ) -> bool:
        amounts = run.amounts
        if hours_ahead:
            amounts = dict(amounts)
            for asset, charge in charges.items():
                key = (Wallet.CROSS_INTEREST, asset)
                amounts[key] = amounts.get(key, ZERO) + charge * hours_ahead
        # Assets the account neither holds nor owes do not change the level: any price.
        full = {symbol: prices.get(symbol, ONE) for symbol in pricing.SYMBOLS}
        snapshot = cross_snapshot(amounts, full, margin_kind=margin_kind)
        return snapshot.margin_level is not None and snapshot.margin_level <= level

    # -- acting ---------------------------------------------------------------------------

    def apply(self, run: CatchUp, minute: int) -> None:
        settings = run.session.settings
        kind = self._kind(settings)
        prices = run.session.market.prices_at(minute)
        snapshot = cross_snapshot(run.amounts, prices, margin_kind=settings.margin_kind)
        if not snapshot.has_debt:
            return
        clock = Clock(minute, pricing.datetime_of(minute))
        level = snapshot.margin_level
        if level <= kind.liquidation:
            self._liquidate(run, clock, prices, snapshot, settings)
            return
        state = self._state_of(run)
        last_call = state.last_margin_call(run.account.season)
        if level <= self._call_level(settings) and (last_call is None or minute >= last_call + DAY):
            self._margin_call(run, clock, snapshot, state)
        if (
            level <= kind.margin_call
            and self._can_top_up(run, settings)
            and minute >= self._top_up_from(settings)
        ):
            plan = top_up_plan(
                run.amounts,
                prices,
                margin_kind=settings.margin_kind,
                assets=settings.auto_topup_assets,
                target=settings.auto_topup_target,
            )
            if plan:
                run.flush()
                auto_top_up(run.session, clock, plan)
                run.holdings_changed(minute)
                after = cross_snapshot(run.amounts, prices, margin_kind=settings.margin_kind)
                with recipient_language(run.account.user):
                    moved = ", ".join(f"{format_amount(p.amount, p.asset)} {p.asset}" for p in plan)
                    notification_send(
                        user=run.account.user,
                        kind=NotificationKind.AUTO_TOP_UP,
                        title=_("Auto top-up: %(moved)s moved to Cross Margin") % {"moved": moved},
                        body=_(
                            "Your margin level fell to %(before)s, so %(moved)s moved from your "
                            "Spot wallet to Cross Margin. Your margin level is now %(after)s."
                        )
                        % {
                            "before": format_ratio(level),
                            "moved": moved,
                            "after": format_ratio(after.margin_level)
                            if after.margin_level is not None
                            else "∞",
                        },
                        link=MARGIN_PAGE,
                        key=f"auto_top_up:{run.account.pk}:{run.account.season}:{minute}",
                        sandbox_time=clock.time,
                    )

    def _margin_call(
        self, run: CatchUp, clock: Clock, snapshot: CrossSnapshot, state: EngineState
    ) -> None:
        account = run.account
        with recipient_language(account.user):
            notification_send(
                user=account.user,
                kind=NotificationKind.MARGIN_CALL,
                title=_("Margin call: your margin level is %(level)s")
                % {"level": format_ratio(snapshot.margin_level)},
                body=_(
                    "Your Cross Margin level reached %(level)s. Add collateral or repay part of "
                    "your loans: at %(liquidation)s the account is liquidated."
                )
                % {
                    "level": format_ratio(snapshot.margin_level),
                    "liquidation": format_ratio(self._kind(run.session.settings).liquidation),
                },
                link=MARGIN_PAGE,
                key=f"margin_call:{account.pk}:{account.season}:{clock.minute}",
                sandbox_time=clock.time,
            )
        state.last_margin_call_season = account.season
        state.last_margin_call_minute = clock.minute
        if state.pk is None:
            state.save()
        else:
            state.save(
                update_fields=["last_margin_call_season", "last_margin_call_minute", "updated_at"]
            )
        self._calls += 1

    def _liquidate(
        self,
        run: CatchUp,
        clock: Clock,
        prices: dict[str, Decimal],
        snapshot: CrossSnapshot,
        settings: SandboxSettings,
    ) -> None:
        run.flush()
        path = self._path(run, clock.minute, snapshot, settings.margin_kind)
        liquidation = liquidate(
            run.session,
            clock,
            prices=prices,
            margin_kind=settings.margin_kind,
            path=path,
            cancelled=run.cancelled_orders,
        )
        run.holdings_changed(clock.minute)
        account = run.account
        with recipient_language(account.user):
            notification_send(
                user=account.user,
                kind=NotificationKind.LIQUIDATION,
                title=_("Your Cross Margin account was liquidated"),
                body=_(
                    "Your margin level reached %(level)s, so collateral worth %(sold)s USDT was "
                    "sold to repay your loans (fee %(fee)s USDT to the insurance fund). The "
                    "report shows every sale."
                )
                % {
                    "level": format_ratio(snapshot.margin_level),
                    "sold": format_value(liquidation.sold_value),
                    "fee": format_value(liquidation.fee),
                },
                link=liquidation_report_url(liquidation),
                key=f"liquidation:{liquidation.pk}",
                sandbox_time=clock.time,
            )

    @staticmethod
    def _path(
        run: CatchUp, minute: int, snapshot: CrossSnapshot, margin_kind: str
    ) -> list[list[str | int]]:
        """The margin level of the holdings at the trigger over the last 48 hours (hourly)
        up to the trigger minute, for the report's chart. It starts no earlier than the
        last change of holdings, when the position took its present shape."""
        account = run.account
        changed = (
            LedgerTransaction.objects.filter(account=account, season=account.season)
            .exclude(kind__in=_NOT_HOLDINGS)
            .order_by("-id")
            .values_list("minute", flat=True)
            .first()
        )
        first = max(minute - PATH_HOURS * HOUR, changed if changed is not None else minute)
        minutes = [first] + [
            h * HOUR for h in range(first // HOUR + 1, minute // HOUR + 1) if h * HOUR < minute
        ]
        involved = [
            ASSET_SYMBOL[r.asset]
            for r in snapshot.assets
            if r.asset != VALUE_ASSET and (r.held or r.owed)
        ]
        market = run.session.market
        path: list[list[str | int]] = []
        for point in minutes:
            if point >= minute:
                break
            prices = {
                s: market.index_price(s, point) if s in involved else ONE for s in pricing.SYMBOLS
            }
            level = cross_snapshot(run.amounts, prices, margin_kind=margin_kind).margin_level
            if level is not None:
                path.append([point, f"{level.quantize(Decimal('1E-8')):f}"])
        path.append([minute, f"{snapshot.margin_level.quantize(Decimal('1E-8')):f}"])
        return path
