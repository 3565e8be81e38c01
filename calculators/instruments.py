"""What Margin Lab trades: assets, symbols and their tick sizes — declared once.

Pure Python, no Django: the calculators, the market model (``sandbox/pricing.py``), the
sandbox's models and forms, and the pages all read these names from here, so adding a
symbol or changing a tick size is a one-line change. The leverage brackets of each
symbol stay in ``calculators/data/brackets.json`` (sandbox data, SPEC §5.4), checked
against this list when they load; the margin kinds and their thresholds live with the
margin-level formulas.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

USDT = "USDT"
USDC = "USDC"
BTC = "BTC"
ETH = "ETH"
BNB = "BNB"

# Every asset a sandbox wallet can hold, in the order pages list them.
ASSETS: tuple[str, ...] = (USDT, USDC, BTC, ETH, BNB)
# What values are expressed in (SPEC §6: "USDT values at 2 places").
VALUE_ASSET = USDT


@dataclass(frozen=True, slots=True)
class Instrument:
    """A spot pair: ``base`` priced in ``quote``, in steps of ``tick``.

    ``futures``: the symbol also has a USDⓈ-M perpetual, whose leverage brackets are in
    ``calculators/data/brackets.json`` (checked against this flag when the formulas load).
    """

    symbol: str
    base: str
    quote: str
    tick: Decimal
    futures: bool = False

    @property
    def label(self) -> str:
        return f"{self.base}/{self.quote}"

    @property
    def price_places(self) -> int:
        """Decimal places a price of this symbol is shown with (its tick's places)."""
        return -self.tick.as_tuple().exponent


INSTRUMENTS: dict[str, Instrument] = {
    i.symbol: i
    for i in (
        Instrument("BTCUSDT", BTC, USDT, Decimal("0.01"), futures=True),
        Instrument("ETHUSDT", ETH, USDT, Decimal("0.01"), futures=True),
        Instrument("BNBUSDT", BNB, USDT, Decimal("0.01"), futures=True),
        Instrument("USDCUSDT", USDC, USDT, Decimal("0.0001")),
    )
}
SYMBOLS: tuple[str, ...] = tuple(INSTRUMENTS)
# Symbols with USDⓈ-M perpetual futures: the choices of the futures calculators.
FUTURES_SYMBOLS: tuple[str, ...] = tuple(s for s, i in INSTRUMENTS.items() if i.futures)
DEFAULT_SYMBOL = "BTCUSDT"

# base asset → the symbol that prices it in USDT
ASSET_SYMBOL: dict[str, str] = {i.base: i.symbol for i in INSTRUMENTS.values()}


@dataclass(frozen=True, slots=True)
class CollateralTier:
    """Part of a holding's value counted as collateral: ``ratio`` of the value up to
    ``up_to`` USDT (``None``: no upper end), counted from the end of the tier before."""

    up_to: Decimal | None
    ratio: Decimal


def _flat(ratio: str) -> tuple[CollateralTier, ...]:
    return (CollateralTier(None, Decimal(ratio)),)


# Collateral ratios of Cross Margin (SPEC §6.6, sandbox data): the share of an asset's
# value that counts towards the collateral margin level. BNB is tiered: 0.9 of the first
# 50,000 USDT of BNB held, 0.8 of the rest.
COLLATERAL_TIERS: dict[str, tuple[CollateralTier, ...]] = {
    USDT: _flat("1"),
    USDC: _flat("1"),
    BTC: _flat("0.95"),
    ETH: _flat("0.95"),
    BNB: (CollateralTier(Decimal(50_000), Decimal("0.9")), CollateralTier(None, Decimal("0.8"))),
}

# Yearly interest rates of Cross Margin loans in percent (SPEC §6.5). These are the
# defaults: the sandbox keeps its own admin-editable copy (``sandbox.models.InterestRate``).
DEFAULT_YEARLY_INTEREST_PERCENT: dict[str, Decimal] = {
    USDT: Decimal(8),
    USDC: Decimal(8),
    BTC: Decimal(1),
    ETH: Decimal(2),
    BNB: Decimal(3),
}


def instrument(symbol: str) -> Instrument:
    """The instrument called ``symbol``; ``KeyError`` for an unknown one."""
    return INSTRUMENTS[symbol]
