"""How fast is the simulated market? (SPEC §8: a 7-day catch-up must take < 200 ms.)

Run from the repository root:  .venv/bin/python bench/pricing_bench.py

Prints, per symbol: a week (10,080 minutes) of index prices in one batch, cold (empty
caches, as in a fresh worker) and warm (best of several runs); the same for path
prices; and the latency of one index price, cold (random far-apart minutes) and warm
(consecutive minutes, what pages asking for "now" do). Then the daily volatility the
model actually produces over 400 days, next to its target.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

from sandbox import pricing

WEEK = 7 * 1440
REPEAT = 7
TARGET_VOL = {"BTCUSDT": "3.0%", "ETHUSDT": "4.0%", "BNBUSDT": "3.5%", "USDCUSDT": "≈0.07%"}


def _clear_caches() -> None:
    pricing.clear_caches()


def _ms(fn) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def _best_ms(fn) -> float:
    return min(_ms(fn) for _ in range(REPEAT))


def _daily_vol(symbol: str, days: int = 400) -> Decimal:
    prices = [pricing.path_price(symbol, d * 1440) for d in range(days + 1)]
    returns = [(b / a).ln() for a, b in pairwise(prices)]
    mean = sum(returns) / len(returns)
    return (sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)).sqrt()


def main() -> None:
    now = pricing.minute_of(datetime.now(UTC))
    start, end = now - WEEK, now
    print(f"10,080 minutes = one week, ending at minute {now} (now)\n")
    print(
        f"{'symbol':<10} {'index cold':>11} {'index warm':>11} {'path warm':>10}"
        f" {'1 price cold':>13} {'1 price warm':>13}"
    )
    far = [now - 977 * i * 1013 for i in range(200)]  # hardly any shared grid points
    near = range(now - 1000, now)
    for symbol in pricing.SYMBOLS:
        _clear_caches()
        cold = _ms(lambda s=symbol: pricing.index_prices(s, start, end))
        warm = _best_ms(lambda s=symbol: pricing.index_prices(s, start, end))
        path = _best_ms(lambda s=symbol: pricing.path_prices(s, start, end))
        _clear_caches()
        single_cold = _ms(lambda s=symbol: [pricing.index_price(s, t) for t in far]) / len(far)
        single_warm = _ms(lambda s=symbol: [pricing.index_price(s, t) for t in near]) / len(near)
        print(
            f"{symbol:<10} {cold:>8.1f} ms {warm:>8.1f} ms {path:>7.1f} ms"
            f" {single_cold * 1000:>10.1f} µs {single_warm * 1000:>10.1f} µs"
        )

    _clear_caches()
    cold_all = _ms(lambda: [pricing.index_prices(s, start, end) for s in pricing.SYMBOLS])
    warm_all = _best_ms(lambda: [pricing.index_prices(s, start, end) for s in pricing.SYMBOLS])
    print(f"\nall four symbols, one week: cold {cold_all:.1f} ms, warm {warm_all:.1f} ms")

    print("\ndaily volatility over 400 days (std of daily log returns, default seed):")
    for symbol in pricing.SYMBOLS:
        vol = _daily_vol(symbol) * 100
        print(f"  {symbol:<10} {vol:.2f}%   (target {TARGET_VOL[symbol]})")


if __name__ == "__main__":
    main()
