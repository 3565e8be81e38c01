"""Every trading formula of Margin Lab, once: pure Python, ``Decimal`` in and out.

The calculator pages, the JSON API and the sandbox import these functions, so the number a
learner works out by hand, the number a calculator shows and the number the sandbox acts on
are the same to the last digit. One module per domain:

- :mod:`.rounding` — the one decimal context, ``quantize8``/``floor8``, ``divide``;
- :mod:`.spot` — value of a quantity or holding, sizing by amount, average entry, spot fees,
  the 24-hour change, auto-borrow;
- :mod:`.futures` — sides, leverage brackets, margin, PnL/ROE/target, liquidation, max open;
- :mod:`.margin` — Cross Margin kinds and thresholds, levels and states, interest, max borrow.

House rules
- Nothing from Django, no binary floating point. Arithmetic runs in the fixed context of
  :mod:`.rounding`, whatever context the caller has set.
- Building blocks return unrounded values; a caller rounds each result once, at output.
  A rounded value is never fed back into a later step — except where the exchange itself
  rounds (an hourly interest charge is posted rounded, SPEC §5.2).
- Rates named ``*_percent`` are percentages (2 means 2 %); ``mmr`` and
  ``maintenance_margin_rate`` are fractions (0.025 means 2.5 %).
- Inputs that parse but make no sense together raise :class:`CalculatorInputError` naming
  the field to blame. Messages are marked with ``gettext_noop``; callers translate.

The worked solutions that explain these formulas step by step live in
:mod:`calculators.worked`, which imports this package (never the other way round).
"""

from __future__ import annotations

from calculators.formulas.errors import (
    CalculatorInputError,
    gettext_noop,
    require_finite,
    require_non_negative,
    require_positive,
)
from calculators.formulas.futures import (
    BRACKETS,
    BRACKETS_FILE,
    CROSS,
    DEFAULT_SYMBOL,
    FUTURES_SYMBOLS,
    ISOLATED,
    LIMITED_BY_BALANCE,
    LIMITED_BY_BRACKET,
    LONG,
    MARGIN_MODES,
    SHORT,
    SIDES,
    Bracket,
    LiquidationSolution,
    MaxOpen,
    borrowed_value,
    bracket_for_notional,
    brackets_for_symbol,
    fixed_bracket,
    initial_margin_value,
    liquidation_price_in_bracket,
    liquidation_price_value,
    load_brackets,
    maintenance_margin,
    max_open_notional,
    price_move_percent,
    roe_percent_value,
    side_sign,
    symbol_max_leverage,
    target_price_value,
    unrealized_pnl,
    upper_bound,
)
from calculators.formulas.margin import (
    BNB_INTEREST_FACTOR,
    DAYS_PER_YEAR,
    DEFAULT_MARGIN_KIND,
    HOURS_PER_DAY,
    MARGIN_KINDS,
    STATE_ADVICE,
    STATE_LIQUIDATION,
    STATE_MARGIN_CALL,
    STATE_NO_TRANSFER,
    STATE_SAFE,
    STATE_TRADE_ONLY,
    STATES,
    MarginKind,
    charged_hours,
    daily_rate_from_hourly,
    hourly_interest_charge,
    hourly_rate_from_daily,
    hourly_rate_from_yearly,
    margin_kind_for,
    margin_level_at_price,
    margin_level_value,
    margin_state,
    max_borrow_amount,
    price_at_margin_level,
    total_interest,
    yearly_rate_from_daily,
)
from calculators.formulas.rounding import (
    CONTEXT,
    EIGHT_PLACES,
    divide,
    exact,
    floor8,
    plain_decimal,
    quantize8,
)
from calculators.formulas.spot import (
    SPOT_BNB_FEE_RATE,
    SPOT_FEE_RATE,
    auto_borrow_amount,
    average_entry_after_buy,
    average_price_value,
    holding_value,
    notional,
    percent_change,
    quantity_for_amount,
    quantity_for_notional,
    spot_fee,
    spot_fee_in_bnb,
    trade_value,
)

__all__ = [
    "BNB_INTEREST_FACTOR",
    "BRACKETS",
    "BRACKETS_FILE",
    "CONTEXT",
    "CROSS",
    "DAYS_PER_YEAR",
    "DEFAULT_MARGIN_KIND",
    "DEFAULT_SYMBOL",
    "EIGHT_PLACES",
    "FUTURES_SYMBOLS",
    "HOURS_PER_DAY",
    "ISOLATED",
    "LIMITED_BY_BALANCE",
    "LIMITED_BY_BRACKET",
    "LONG",
    "MARGIN_KINDS",
    "MARGIN_MODES",
    "SHORT",
    "SIDES",
    "SPOT_BNB_FEE_RATE",
    "SPOT_FEE_RATE",
    "STATES",
    "STATE_ADVICE",
    "STATE_LIQUIDATION",
    "STATE_MARGIN_CALL",
    "STATE_NO_TRANSFER",
    "STATE_SAFE",
    "STATE_TRADE_ONLY",
    "Bracket",
    "CalculatorInputError",
    "LiquidationSolution",
    "MarginKind",
    "MaxOpen",
    "auto_borrow_amount",
    "average_entry_after_buy",
    "average_price_value",
    "borrowed_value",
    "bracket_for_notional",
    "brackets_for_symbol",
    "charged_hours",
    "daily_rate_from_hourly",
    "divide",
    "exact",
    "fixed_bracket",
    "floor8",
    "gettext_noop",
    "holding_value",
    "hourly_interest_charge",
    "hourly_rate_from_daily",
    "hourly_rate_from_yearly",
    "initial_margin_value",
    "liquidation_price_in_bracket",
    "liquidation_price_value",
    "load_brackets",
    "maintenance_margin",
    "margin_kind_for",
    "margin_level_at_price",
    "margin_level_value",
    "margin_state",
    "max_borrow_amount",
    "max_open_notional",
    "notional",
    "percent_change",
    "plain_decimal",
    "price_at_margin_level",
    "price_move_percent",
    "quantity_for_amount",
    "quantity_for_notional",
    "quantize8",
    "require_finite",
    "require_non_negative",
    "require_positive",
    "roe_percent_value",
    "side_sign",
    "spot_fee",
    "spot_fee_in_bnb",
    "symbol_max_leverage",
    "target_price_value",
    "total_interest",
    "trade_value",
    "unrealized_pnl",
    "upper_bound",
    "yearly_rate_from_daily",
]
