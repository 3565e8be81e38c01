"""How fast is the simulated market? (SPEC §8: a 7-day catch-up must take < 200 ms cold.)

Run from the repository root:  .venv/bin/python bench/pricing_bench.py

Prints, per symbol, for one week (10,080 minutes) in one batch, cold (empty in-process
caches, as in a fresh worker) and warm (best of several runs): ``index_ticks`` (what
scans use), ``index_prices`` (the same as Decimals), ``hour_extremes`` (what the shared
cache holds); and the latency of one index price, cold (random far-apart minutes) and
warm (consecutive minutes, what pages asking for "now" do). Then a week that follows
200 finished scenario events against the same week with none (they fold into one
factor), and the daily volatility the model produces over 400 days, next to its target.
Times are CPU time of this process (the machine may be shared).
Writes the "Market pricing" section of docs/performance.md (``--no-write`` to only print).
"""

from __future__ import annotations

import os
import platform
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

# This folder has a calculators.py (the API benchmark); the package must win.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfdoc import write_section

from sandbox import pricing

HEADING = "## Market pricing"

WEEK = 7 * 1440
REPEAT = 7
TARGET_VOL = {"BTCUSDT": "3.0%", "ETHUSDT": "4.0%", "BNBUSDT": "3.5%", "USDCUSDT": "≈0.07%"}


def _clear_caches() -> None:
    pricing.clear_caches()


def _ms(fn) -> float:
    began = time.process_time()
    fn()
    return (time.process_time() - began) * 1000


def _best_ms(fn) -> float:
    return min(_ms(fn) for _ in range(REPEAT))


def _cold_ms(fn) -> float:
    """Best of several cold runs, each after emptying the caches (noise only adds)."""
    best = float("inf")
    for _ in range(REPEAT):
        _clear_caches()
        best = min(best, _ms(fn))
    return best


def _daily_vol(symbol: str, days: int = 400) -> Decimal:
    prices = [pricing.path_price(symbol, d * 1440) for d in range(days + 1)]
    returns = [(b / a).ln() for a, b in pairwise(prices)]
    mean = sum(returns) / len(returns)
    return (sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)).sqrt()


def main() -> None:
    now = pricing.minute_of(datetime.now(UTC))
    start, end = now - WEEK, now
    hours = (start // 60, end // 60)
    pricing.index_ticks("BTCUSDT", start, start + 60)  # builds the one-off exp table
    lines = [f"10,080 minutes = one week, ending at minute {now} (now); CPU time", ""]
    lines.append(
        f"{'symbol':<10} {'ticks cold':>11} {'prices cold':>12} {'extremes cold':>14}"
        f" {'ticks warm':>11} {'1 price cold':>13} {'1 price warm':>13}"
    )
    far = [now - 977 * i * 1013 for i in range(200)]  # hardly any shared grid points
    near = range(now - 1000, now)
    for symbol in pricing.SYMBOLS:
        ticks_cold = _cold_ms(lambda s=symbol: pricing.index_ticks(s, start, end))
        prices_cold = _cold_ms(lambda s=symbol: pricing.index_prices(s, start, end))
        extremes_cold = _cold_ms(lambda s=symbol: pricing.hour_extremes(s, *hours))
        warm = _best_ms(lambda s=symbol: pricing.index_ticks(s, start, end))
        _clear_caches()
        single_cold = _ms(lambda s=symbol: [pricing.index_price(s, t) for t in far]) / len(far)
        single_warm = _ms(lambda s=symbol: [pricing.index_price(s, t) for t in near]) / len(near)
        lines.append(
            f"{symbol:<10} {ticks_cold:>8.1f} ms {prices_cold:>9.1f} ms {extremes_cold:>11.1f} ms"
            f" {warm:>8.1f} ms {single_cold * 1000:>10.1f} µs {single_warm * 1000:>10.1f} µs"
        )

    cold_all = _cold_ms(lambda: [pricing.hour_extremes(s, *hours) for s in pricing.SYMBOLS])
    lines += ["", f"hourly extremes of all four symbols, one week, cold: {cold_all:.1f} ms"]

    events = [
        pricing.ScenarioEvent(
            "BTCUSDT", start - 20_000 + 90 * k, 60, Decimal(((k * 7) % 11) - 5) / 2
        )
        for k in range(200)
    ]
    plain = _cold_ms(lambda: pricing.index_prices("BTCUSDT", start, end))
    after = _cold_ms(lambda: pricing.index_prices("BTCUSDT", start, end, events))
    lines.append(
        f"BTCUSDT index_prices, a week after 200 finished events: {after:.1f} ms"
        f" (no events: {plain:.1f} ms)"
    )

    lines += ["", "daily volatility over 400 days (std of daily log returns, default seed):"]
    for symbol in pricing.SYMBOLS:
        vol = _daily_vol(symbol) * 100
        lines.append(f"  {symbol:<10} {vol:.2f}%   (target {TARGET_VOL[symbol]})")
    print("\n".join(lines))
    if "--no-write" not in sys.argv:
        write_section(HEADING, report(lines))
        print("updated docs/performance.md")


def report(lines: list[str]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    body = "\n".join(lines)
    return f"""{HEADING}

Measured by `bench/pricing_bench.py` on {when} (Python {platform.python_version()}, {os.cpu_count()}
CPUs, load average {load}); CPU time of the process, best of {REPEAT} cold runs (caches
emptied before each). "ticks" is `pricing.index_ticks` (what scans use), "prices" the
same as Decimals, "extremes" `pricing.hour_extremes` (what the shared cache holds).
Prices are bit-for-bit those of before (pinned in tests/sandbox/test_pricing.py).

```
{body}
```
"""


if __name__ == "__main__":
    main()
