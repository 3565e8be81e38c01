"""How long does a week of risk-engine catch-up take for one account? (SPEC §8.)

Run from the repository root:  .venv/bin/python bench/catchup.py [--postgres URL]

SPEC §8: one account's 7-day catch-up < 200 ms median with a **cold** price cache, and
≤ 5× an idle account's catch-up with a **warm** one, measured side by side in one run.

For each database (a throwaway SQLite file; with ``--postgres`` or a PostgreSQL
``DATABASE_URL``, also a throwaway database created on that server and dropped
afterwards) and each of ``--repeat`` runs, each run in its own week (10 days apart):

1. **busy, cold**: a fresh account (SPEC §8's busy account) holds four assets in Cross
   Margin (BTC, ETH, BNB and USDC) with two open loans (USDT and USDC), has auto top-up
   on (from Spot USDT, target 1.5), and 20 limit orders across the four symbols - 18 of
   them 20-40% away from the market, so they stay open all week (every hour of every
   symbol must be ruled out), and two BTC orders 1% away, which usually fill. The
   in-process pricing caches and the shared price cache are emptied, then
   ``services.clock_fast_forward(hours=168)`` is timed end to end: lock, 10,080 minutes
   of catch-up (fills, 336 hourly interest charges, the margin watch), writes, commit.
2. **busy, warm**: a second account set up the same way fast-forwards through the same
   week right after, so the hourly extremes are already in the shared cache (what every
   account but the first one in a week sees).
3. **idle**: an account with nothing open fast-forwards the same week.

Then a **sweep** of ``--sweep-accounts`` (default 1,000) accounts - one in ten with
the busy account's Cross Margin position and loans, the rest idle - each one hour
behind its clock: ``manage.py sandbox_sweep`` timed, with the queries each account cost.

Reports medians (and min-max) of wall-clock time, and of the process's CPU time (on a
shared, loaded machine wall time includes waiting for a CPU; CPU time does not), the
warm/idle ratio, the queries per fast-forward, and the machine. Writes the "Sandbox
catch-up" section of docs/performance.md (``--no-write`` to only print).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from perfdoc import write_section

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
HEADING = "## Sandbox catch-up"
GOAL_MS = 200
SWEEP_ACCOUNTS = [1000]  # set from --sweep-accounts
RATIO_GOAL = 5
LIMIT_OFFSETS = {  # percent from the index: 3 buys below, 2 sells above, per symbol
    "buy": (Decimal(-20), Decimal(-30), Decimal(-40)),
    "sell": (Decimal(25), Decimal(35)),
}
# Two BTC orders sit 1% from the market instead, so the fill path is part of the run.
NEAR = {("BTCUSDT", Decimal(-40)): Decimal(-1), ("BTCUSDT", Decimal(35)): Decimal(1)}


def sweep(count: int, new_account, margin_position) -> dict:
    """Time ``manage.py sandbox_sweep`` over ``count`` accounts one hour behind their
    clocks (one in ten with a Cross Margin position and loans), with each account's
    queries."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from sandbox.management.commands import sandbox_sweep
    from sandbox.models import Account

    now = timezone.now()
    margin_ids = set()
    for n in range(count):
        account = new_account(now)
        if n % 10 == 0:
            margin_position(account, now)
            margin_ids.add(account.pk)
    # Everyone's clock one hour ahead: the sweep lives through that hour for each.
    Account.objects.filter(user__isnull=False, evaluated_minute__gte=0).update(
        clock_offset_seconds=3600
    )
    per_account: dict[int, int] = {}
    real_refresh = sandbox_sweep.account_refresh

    def counted_refresh(*, account, **kwargs):
        before = len(connection.queries)
        try:
            return real_refresh(account=account, **kwargs)
        finally:
            per_account[account.pk] = len(connection.queries) - before

    sandbox_sweep.account_refresh = counted_refresh
    connection.force_debug_cursor = True
    try:
        out = io.StringIO()
        wall, cpu = time.perf_counter(), time.process_time()
        call_command("sandbox_sweep", stdout=out)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        connection.force_debug_cursor = False
        sandbox_sweep.account_refresh = real_refresh
    margin = [q for pk, q in per_account.items() if pk in margin_ids]
    idle = [q for pk, q in per_account.items() if pk not in margin_ids]
    return {
        "sweep_accounts": len(per_account),
        "sweep_margin_accounts": len(margin),
        "sweep_s": wall,
        "sweep_cpu_s": cpu,
        "sweep_margin_queries": sorted(set(margin)),
        "sweep_idle_queries": sorted(set(idle)),
        "sweep_output": out.getvalue().strip(),
    }


def measure(repeat: int, sweep_accounts: int) -> dict:
    """Runs inside a child process whose environment already picks the database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from sandbox import pricing, services
    from sandbox.engine import limit_orders
    from sandbox.market import price_cache
    from sandbox.models import InterestCharge, Order

    # CPU time spent executing fills (ledger writes), to tell it apart from the scan.
    fill_cpu = [0.0]
    real_fill_order = limit_orders.fill_order

    def timed_fill_order(*args, **kwargs):
        began = time.process_time()
        try:
            return real_fill_order(*args, **kwargs)
        finally:
            fill_cpu[0] += time.process_time() - began

    limit_orders.fill_order = timed_fill_order

    call_command("migrate", verbosity=0)
    base = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
    out: dict[str, list] = {
        key: []
        for key in (
            "cold_ms",
            "cold_cpu_ms",
            "warm_ms",
            "warm_cpu_ms",
            "idle_ms",
            "idle_cpu_ms",
            "queries",
            "idle_queries",
            "fills",
            "cold_fill_cpu_ms",
            "warm_fill_cpu_ms",
            "interest_rows",
            "interest_txs",
        )
    }

    def new_account(now):
        user = get_user_model().objects.create_user(f"bench-{uuid.uuid4().hex[:12]}")
        return services.account_sync(user=user, now=now)

    def margin_position(account, now):
        """Four assets in Cross Margin, two loans, auto top-up on - written with the
        operations under the account lock, the path the margin services take."""
        from sandbox.cross import hourly_rate_percent, interest_rates
        from sandbox.ledger import balances_of
        from sandbox.models import InterestSource, Order, SandboxSettings, Wallet
        from sandbox.operations.margin import borrow, interest_charge, interest_post, transfer
        from sandbox.operations.trades import fill_order
        from sandbox.services.base import locked_operation

        rates = interest_rates()
        with (
            transaction.atomic(),
            locked_operation(account, operation="bench", key=None, now=now) as op,
        ):
            session, clock = op.session, op.clock
            transfer(
                session,
                clock,
                asset="USDT",
                amount=Decimal(3000),
                source_wallet=Wallet.SPOT,
                target_wallet=Wallet.CROSS,
            )
            charges = []
            for asset, amount in (("USDT", Decimal(2000)), ("USDC", Decimal(500))):
                borrow(session, clock, asset=asset, amount=amount)
                charges.append(
                    interest_charge(
                        asset=asset,
                        principal=amount,
                        hourly_rate_percent=hourly_rate_percent(rates[asset]),
                        minute=clock.minute,
                        source=InterestSource.BORROW,
                        use_bnb=False,
                        free_bnb=Decimal(0),
                        asset_price=Decimal(1),
                        bnb_price=Decimal(1),
                    )
                )
            interest_post(session, clock, charges=charges)
            for symbol in ("BTCUSDT", "ETHUSDT", "BNBUSDT"):
                price = session.market.index_price(symbol, clock.minute)
                order = Order.objects.create(
                    account=account,
                    season=account.season,
                    wallet=Wallet.CROSS,
                    symbol=symbol,
                    side="buy",
                    order_type="market",
                    quantity=(Decimal(1500) / price).quantize(Decimal("1E-8"), ROUND_DOWN),
                    placed_minute=clock.minute,
                    placed_at=clock.time,
                )
                fill_order(
                    session,
                    order,
                    price=price,
                    minute=clock.minute,
                    sandbox_time=clock.time,
                    from_wallet=Wallet.CROSS,
                )
            assert balances_of(account)[(Wallet.CROSS_DEBT, "USDC")] == Decimal(500)
        SandboxSettings.objects.filter(account=account).update(
            auto_topup_enabled=True, auto_topup_assets=["USDT"]
        )

    def busy_account(now):
        account = new_account(now)
        minute = pricing.minute_of(now)
        for symbol in pricing.SYMBOLS:
            services.order_place(
                account=account,
                symbol=symbol,
                side="buy",
                order_type="market",
                quote_amount=Decimal(300),
                idempotency_key=uuid.uuid4().hex,
                now=now,
            )
        placed = 0
        for symbol in pricing.SYMBOLS:
            index = pricing.index_price(symbol, minute, seed=settings_seed())
            for side, offsets in LIMIT_OFFSETS.items():
                for far in offsets:
                    offset = NEAR.get((symbol, far), far)
                    limit = (index * (100 + offset) / 100).quantize(pricing.tick_size(symbol))
                    services.order_place(
                        account=account,
                        symbol=symbol,
                        side=side,
                        order_type="limit",
                        quote_amount=Decimal(100) if side == "buy" else Decimal(60),
                        limit_price=limit,
                        idempotency_key=uuid.uuid4().hex,
                        now=now,
                    )
                    placed += 1
        assert placed == 20
        margin_position(account, now)
        return account

    def fast_forward(account, now, label):
        fill_cpu[0] = 0.0
        with CaptureQueriesContext(connection) as captured:
            wall, cpu = time.perf_counter(), time.process_time()
            account = services.clock_fast_forward(
                account=account, hours=168, idempotency_key=uuid.uuid4().hex, now=now
            ).account
            out[f"{label}_ms"].append((time.perf_counter() - wall) * 1000)
            out[f"{label}_cpu_ms"].append((time.process_time() - cpu) * 1000)
        if f"{label}_fill_cpu_ms" in out:
            out[f"{label}_fill_cpu_ms"].append(fill_cpu[0] * 1000)
        return account, len(captured.captured_queries)

    # The sweep first, while its accounts are the only ones (it sweeps every account).
    out.update(sweep(sweep_accounts, new_account, margin_position))
    for run in range(repeat):
        now = base + timedelta(days=10 * run)
        cold, warm, idle = busy_account(now), busy_account(now), new_account(now)
        pricing.clear_caches()
        price_cache().clear()
        cold, queries = fast_forward(cold, now, "cold")
        warm, _ = fast_forward(warm, now, "warm")
        _, idle_queries = fast_forward(idle, now, "idle")
        out["queries"].append(queries)
        out["idle_queries"].append(idle_queries)
        out["fills"].append(20 - Order.objects.filter(account=cold, status="open").count())
        warm_fills = 20 - Order.objects.filter(account=warm, status="open").count()
        assert warm_fills == out["fills"][-1], "the warm run must fill what the cold one did"
        charged = InterestCharge.objects.filter(account=cold, source="hourly").count()
        assert charged == 2 * 168, charged
        out["interest_rows"].append(charged)
        out["interest_txs"].append(
            cold.transactions.filter(kind="interest", minute__gt=pricing.minute_of(now)).count()
        )
    out["vendor"] = connection.vendor
    out["db_version"] = database_version(connection)
    return out


def database_version(connection) -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


def commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(
        # The report itself (written by the benches run before this one) is not a change
        # to what is measured.
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() + (" (with local changes)" if dirty.stdout.strip() else "")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def settings_seed() -> int:
    from django.conf import settings

    return settings.MARKET_SEED


def run_child(env: dict[str, str], repeat: int) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            "--repeat",
            str(repeat),
            "--sweep-accounts",
            str(SWEEP_ACCOUNTS[0]),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"benchmark child failed ({env.get('DATABASE_URL') or 'sqlite'})")
    return json.loads(result.stdout.strip().splitlines()[-1])


def sqlite_run(repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="marginlab-catchup-") as folder:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(Path(folder) / "bench.sqlite3")
        return run_child(env, repeat)


def postgres_run(server_url: str, repeat: int) -> dict:
    import psycopg

    name = f"marginlab_catchup_{uuid.uuid4().hex[:8]}"
    admin_url = server_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env = dict(os.environ)
        env["DATABASE_URL"] = server_url.rsplit("/", 1)[0] + "/" + name
        return run_child(env, repeat)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _median(values) -> float:
    return statistics.median(values)


def _span(values) -> str:
    return f"{min(values):.0f}–{max(values):.0f}"


def rows(label: str, data: dict) -> tuple[str, str]:
    ratio = _median(data["warm_ms"]) / _median(data["idle_ms"])
    cpu_ratio = _median(data["warm_cpu_ms"]) / _median(data["idle_cpu_ms"])
    wall = (
        f"| {label} ({data['db_version']}) | wall | **{_median(data['cold_ms']):.0f} ms** "
        f"({_span(data['cold_ms'])}) | {_median(data['warm_ms']):.1f} ms "
        f"({_span(data['warm_ms'])}) | {_median(data['idle_ms']):.1f} ms "
        f"({_span(data['idle_ms'])}) | **{ratio:.1f}×** |"
    )
    cpu = (
        f"| | CPU | {_median(data['cold_cpu_ms']):.0f} ms | "
        f"{_median(data['warm_cpu_ms']):.1f} ms | {_median(data['idle_cpu_ms']):.1f} ms | "
        f"{cpu_ratio:.1f}× |"
    )
    return wall, cpu


def _minus(values, parts) -> list[float]:
    return [v - p for v, p in zip(values, parts, strict=True)]


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def report(results: dict[str, dict], repeat: int) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    goals = []
    for label, r in results.items():
        cold, cold_cpu = _median(r["cold_ms"]), _median(r["cold_cpu_ms"])
        ratio = _median(r["warm_ms"]) / _median(r["idle_ms"])
        cpu_ratio = _median(r["warm_cpu_ms"]) / _median(r["idle_cpu_ms"])
        goals.append(
            f"- {label}: cold < {GOAL_MS} ms: wall {cold:.0f} ms, {verdict(cold < GOAL_MS)}; "
            f"CPU {cold_cpu:.0f} ms, {verdict(cold_cpu < GOAL_MS)}. Warm ≤ {RATIO_GOAL}× idle: "
            f"wall {ratio:.1f}×, {verdict(ratio <= RATIO_GOAL)}; CPU {cpu_ratio:.1f}×, "
            f"{verdict(cpu_ratio <= RATIO_GOAL)}."
        )
    goal_lines = "\n".join(goals)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    table = "\n".join(line for label, data in results.items() for line in rows(label, data))
    details = "\n".join(
        f"- {label}: {_median(d['queries']):.0f} queries per busy fast-forward, "
        f"{_median(d['idle_queries']):.0f} idle; {_median(d['fills']):.0f} of 20 orders "
        f"filled; {_median(d['interest_rows']):.0f} hourly interest charges in "
        f"{_median(d['interest_txs']):.0f} ledger transactions (queued, posted once at the "
        f"end; only a liquidation, a top-up or an auto-repay fill posts them earlier). "
        f"CPU spent executing the fills "
        f"(`operations.trades.fill_order`: ledger writes, about six statements each): "
        f"{_median(d['cold_fill_cpu_ms']):.1f} ms cold, "
        f"{_median(d['warm_fill_cpu_ms']):.1f} ms warm; the rest of the warm run (lock, "
        f"cache reads, scans, interest, commit): "
        f"{_median(_minus(d['warm_cpu_ms'], d['warm_fill_cpu_ms'])):.1f} ms."
        for label, d in results.items()
    )
    sweeps = "\n".join(
        f"- {label}: {d['sweep_accounts']:,} accounts ({d['sweep_margin_accounts']} with the "
        f"Cross Margin position and two loans) in {d['sweep_s']:.1f} s wall, "
        f"{d['sweep_cpu_s']:.1f} s CPU ({1000 * d['sweep_s'] / d['sweep_accounts']:.1f} ms "
        f"per account); queries per account: "
        f"{', '.join(map(str, d['sweep_idle_queries']))} for every idle account, "
        f"{', '.join(map(str, d['sweep_margin_queries']))} for every margin account "
        f"(one distinct number each: constant). Its output: `{d['sweep_output']}`"
        for label, d in results.items()
    )
    return f"""{HEADING}

Measured by `bench/catchup.py` on {when}, from a clean checkout of {commit()}.
Machine: {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()},
{platform.system()}; load average {load} when the report was written (the machine is
shared: other work competes for the CPUs, so wall time includes waiting for one; the CPU
rows count only this process).

{repeat} runs per database, each in its own week; medians (min–max). Each run, side by
side: a fresh account with SPEC §8's busy set-up - four assets in Cross Margin (BTC, ETH,
BNB, USDC; margin level about 2.2), two open loans (2,000 USDT and 500 USDC), auto top-up
on (from Spot USDT to 1.5) and 20 open limit orders over all four symbols (18 of them
20–40% from the index, two BTC orders 1% from it) - fast-forwards 168 hours with the
in-process and shared price caches emptied (**cold**); a second account set up the same
way fast-forwards the same week right after (**warm**: the hourly extremes are in the
shared cache); an account with nothing open fast-forwards the same week (**idle**). Each
time is `services.clock_fast_forward(hours=168)` end to end - lock, catch-up of 10,080
minutes (fills, 336 hourly interest charges, the margin watch), writes, commit. The Cross
Margin position is written with the margin operations under the account lock (the path
the margin services take), so the script runs before and after those services exist.

| database | | busy, cold | busy, warm | idle | warm ÷ idle |
|---|---|---:|---:|---:|---:|
{table}

{details}

Goals (SPEC §8), against the medians above:

{goal_lines}

Sweep (`manage.py sandbox_sweep`, all accounts one hour behind their clocks, measured
before the runs above in the same database):

{sweeps}

How (`CatchUp.first_minute` in sandbox/engine/core.py): the limit-order rule never looks at a
minute it does not have to. For each symbol it reads the lowest and highest index of every hour
of the week (`Market.hour_extremes`: 168 pairs of numbers from Django's cache, shared by
every process and account), skips every hour whose range cannot reach an order's limit,
and prices minute by minute (`pricing.index_ticks`) only the hours that do. Cold, the
extremes are computed once per symbol-week by `pricing.hour_extremes`, which walks the
log-price of every minute but prices the venues of only the few minutes per hour that
can be that hour's lowest or highest (see `bench/pricing_bench.py` for pricing alone).

The margin watch (`sandbox/engine/margin_watch.py`) uses the same shared hourly extremes:
ML ≤ k is Σ (held − k × owed) × price ≤ 0, a sum with exact integer coefficients, and the
interest each clock hour adds to the debt is known in advance, so one pass over the week's
168 hours (a few integer products each) rules out every hour that cannot reach the
margin-call, top-up or liquidation level; only hours that can are priced minute by minute,
and a minute found is confirmed with `cross.cross_snapshot`. It scans again only when the
holdings change (a fill, a top-up). Interest is decided once per loan and queued in
memory; the queued charges go to the ledger as one transaction plus one prepared INSERT of
their rows (`operations.margin.interest_post`) at the end of the run, or earlier only
before a posting that depends on them (a liquidation, a top-up, an auto-repay fill).
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sweep-accounts", type=int, default=1000)
    default_pg = os.environ.get("BENCH_POSTGRES_URL", "")
    if not default_pg and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        default_pg = os.environ["DATABASE_URL"]
    parser.add_argument(
        "--postgres",
        default=default_pg,
        help="a PostgreSQL URL; a throwaway database is created on that server",
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    SWEEP_ACCOUNTS[0] = args.sweep_accounts
    if args.measure:
        print(json.dumps(measure(args.repeat, args.sweep_accounts)))
        return 0

    results = {"SQLite (file, WAL)": sqlite_run(args.repeat)}
    if args.postgres:
        results["PostgreSQL (local)"] = postgres_run(args.postgres, args.repeat)
    text = report(results, args.repeat)
    print(text)
    if not args.no_write:
        write_section(HEADING, text)
        print(f"updated {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
