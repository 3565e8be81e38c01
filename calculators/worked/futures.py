"""Worked solutions of the futures calculators: initial margin, PnL, target price,
liquidation price, max open — and the numbers of the initial-margin mix-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from calculators.formulas import (
    DEFAULT_SYMBOL,
    ISOLATED,
    MARGIN_MODES,
    Bracket,
    CalculatorInputError,
    borrowed_value,
    bracket_for_notional,
    brackets_for_symbol,
    exact,
    fixed_bracket,
    gettext_noop,
    initial_margin_value,
    liquidation_price_value,
    maintenance_margin,
    max_open_notional,
    notional,
    price_move_percent,
    quantity_for_notional,
    quantize8,
    require_finite,
    require_non_negative,
    require_positive,
    roe_percent_value,
    side_sign,
    symbol_max_leverage,
    target_price_value,
    unrealized_pnl,
    upper_bound,
)
from calculators.formulas.rounding import ONE, ZERO
from calculators.worked.base import CalcResult, num, rounded, side_text, step


@exact
def initial_margin(*, quantity: Decimal, entry_price: Decimal, leverage: Decimal) -> CalcResult:
    """``initial-margin``: notional, the margin the trader puts up, and what is borrowed."""
    require_positive("quantity", quantity)
    require_positive("entry_price", entry_price)
    require_positive("leverage", leverage)
    value = notional(quantity=quantity, price=entry_price)
    margin = initial_margin_value(notional=value, leverage=leverage)
    borrowed = borrowed_value(notional=value, initial_margin=margin)
    return CalcResult(
        results={
            "notional": quantize8(value),
            "initial_margin": quantize8(margin),
            "borrowed": quantize8(borrowed),
        },
        steps=[
            step(
                gettext_noop("Notional value"),
                gettext_noop("notional = quantity × entry price"),
                f"{num(quantity)} × {num(entry_price)}",
                value,
            ),
            step(
                gettext_noop("Initial margin"),
                gettext_noop("initial margin = notional ÷ leverage"),
                f"{num(value)} ÷ {num(leverage)}",
                margin,
            ),
            step(
                gettext_noop("Borrowed"),
                gettext_noop("borrowed = notional − initial margin"),
                f"{num(value)} − {num(margin)}",
                borrowed,
            ),
        ],
    )


@dataclass(frozen=True, slots=True)
class InitialMarginMixUp:
    """The numbers of a common mistake, "margin = notional × leverage + maintenance", set
    against the right answer; rounded for display like every result."""

    notional: Decimal
    leverage: Decimal
    initial_margin: Decimal
    borrowed: Decimal
    symbol: str
    bracket: int
    maintenance: Decimal
    wrong: Decimal
    # How many times the right initial margin the wrong one is, to the nearest whole number.
    times: Decimal


@exact
def initial_margin_mix_up(
    *, quantity: Decimal, entry_price: Decimal, leverage: Decimal, symbol: str = DEFAULT_SYMBOL
) -> InitialMarginMixUp:
    """The initial-margin page's explainer: what the mistaken formula gives with the learner's
    numbers (maintenance margin on ``symbol``'s bracket of the notional) and how far off it is.

    Worked on unrounded values: a position so small that its margin rounds to 0.00000000 still
    has a ratio (the mistaken figure ÷ the right one).
    """
    require_positive("quantity", quantity)
    require_positive("entry_price", entry_price)
    require_positive("leverage", leverage)
    brackets = brackets_for_symbol(symbol)
    value = notional(quantity=quantity, price=entry_price)
    margin = initial_margin_value(notional=value, leverage=leverage)
    maintenance = maintenance_margin(notional=value, brackets=brackets)
    wrong = value * leverage + maintenance
    return InitialMarginMixUp(
        notional=quantize8(value),
        leverage=leverage,
        initial_margin=quantize8(margin),
        borrowed=quantize8(borrowed_value(notional=value, initial_margin=margin)),
        symbol=symbol,
        bracket=bracket_for_notional(notional=value, brackets=brackets).index,
        maintenance=quantize8(maintenance),
        wrong=quantize8(wrong),
        times=(wrong / margin).quantize(ONE, rounding=ROUND_HALF_EVEN),
    )


@exact
def pnl(
    *,
    side: str,
    entry_price: Decimal,
    exit_price: Decimal,
    quantity: Decimal,
    leverage: Decimal,
) -> CalcResult:
    """``pnl``: profit or loss of closing at ``exit_price`` and its return on the margin."""
    sign = side_sign(side)
    require_positive("entry_price", entry_price)
    require_positive("exit_price", exit_price)
    require_positive("quantity", quantity)
    require_positive("leverage", leverage)
    value = notional(quantity=quantity, price=entry_price)
    margin = initial_margin_value(notional=value, leverage=leverage)
    profit = unrealized_pnl(
        side=side, entry_price=entry_price, mark_price=exit_price, quantity=quantity
    )
    roe = roe_percent_value(pnl=profit, initial_margin=margin)
    return CalcResult(
        results={
            "initial_margin": quantize8(margin),
            "pnl": quantize8(profit),
            "roe_percent": quantize8(roe),
        },
        steps=[
            step(
                gettext_noop("Initial margin"),
                gettext_noop("initial margin = quantity × entry price ÷ leverage"),
                f"{num(quantity)} × {num(entry_price)} ÷ {num(leverage)}",
                margin,
            ),
            step(
                gettext_noop("Profit and loss"),
                gettext_noop("PnL = side × (exit price − entry price) × quantity"),
                f"{side_text(sign)} × ({num(exit_price)} − {num(entry_price)}) × {num(quantity)}",
                profit,
            ),
            step(
                gettext_noop("Return on equity"),
                gettext_noop("ROE % = PnL ÷ initial margin × 100"),
                f"{num(profit)} ÷ {num(margin)} × 100",
                roe,
            ),
        ],
    )


@exact
def target_price(
    *, side: str, entry_price: Decimal, leverage: Decimal, roe_percent: Decimal
) -> CalcResult:
    """``target-price``: the exit price that earns ``roe_percent``.

    A loss larger than the margin itself (e.g. −1,000 % at 10x for a long) needs a price ≤ 0,
    so ``target_price`` is ``None`` then.
    """
    sign = side_sign(side)
    require_positive("entry_price", entry_price)
    require_positive("leverage", leverage)
    require_finite("roe_percent", roe_percent)
    price = target_price_value(
        side=side, entry_price=entry_price, leverage=leverage, roe_percent=roe_percent
    )
    reachable = price > 0
    steps = [
        step(
            gettext_noop("Price move needed"),
            gettext_noop("price change % = side × ROE % ÷ leverage"),
            f"{side_text(sign)} × {num(roe_percent)} ÷ {num(leverage)}",
            price_move_percent(side=side, leverage=leverage, roe_percent=roe_percent),
        ),
        step(
            gettext_noop("Target price"),
            gettext_noop("target price = entry price × (1 + side × ROE % ÷ 100 ÷ leverage)"),
            f"{num(entry_price)} × (1 + {side_text(sign)} × {num(roe_percent)} ÷ 100 ÷ "
            f"{num(leverage)})",
            price if reachable else None,
        ),
    ]
    if not reachable:
        steps.append(
            step(
                gettext_noop("No target price"),
                gettext_noop("target price ≤ 0: no price gives this return"),
                f"{num(price)} ≤ 0",
                None,
            )
        )
    return CalcResult(results={"target_price": rounded(price) if reachable else None}, steps=steps)


@exact
def liquidation_price(
    *,
    side: str,
    entry_price: Decimal,
    quantity: Decimal,
    margin_mode: str,
    wallet_balance: Decimal | None = None,
    leverage: Decimal | None = None,
    symbol: str = DEFAULT_SYMBOL,
    other_maintenance_margin: Decimal = ZERO,
    other_unrealized_pnl: Decimal = ZERO,
    maintenance_margin_rate: Decimal | None = None,
    maintenance_amount: Decimal | None = None,
) -> CalcResult:
    """``liquidation-price``: USDⓈ-M liquidation price in one-way mode (SPEC §5.3).

    Input rules: exactly one of ``wallet_balance`` and ``leverage`` (``leverage`` only in
    isolated mode, giving ``WB = notional ÷ leverage``); ``other_*`` only in cross mode
    (isolated mode takes them as 0 and refuses anything else rather than silently ignore it);
    ``maintenance_margin_rate`` (a fraction) and ``maintenance_amount`` both or neither — given,
    they replace ``symbol``'s table with one bracket from 0 upwards.

    Results: ``liquidation_price`` (``None`` when ≤ 0); ``bracket`` (1-based),
    ``maintenance_margin_rate`` (fraction) and ``maintenance_amount`` of the bracket at the
    liquidation price, or of the bracket at entry when there is no liquidation price.
    """
    sign = side_sign(side)
    require_positive("entry_price", entry_price)
    require_positive("quantity", quantity)
    if margin_mode not in MARGIN_MODES:
        raise CalculatorInputError("margin_mode", gettext_noop("Choose isolated or cross."))
    if margin_mode == ISOLATED:
        for field, value in (
            ("other_maintenance_margin", other_maintenance_margin),
            ("other_unrealized_pnl", other_unrealized_pnl),
        ):
            if value != 0:
                raise CalculatorInputError(
                    field, gettext_noop("Other positions count only in cross margin mode.")
                )
    else:
        require_non_negative("other_maintenance_margin", other_maintenance_margin)
        require_finite("other_unrealized_pnl", other_unrealized_pnl)
    if wallet_balance is not None and leverage is not None:
        raise CalculatorInputError(
            "leverage", gettext_noop("Enter the wallet balance or the leverage, not both.")
        )
    if wallet_balance is None and leverage is None:
        raise CalculatorInputError(
            "wallet_balance",
            gettext_noop("Enter the wallet balance (or, in isolated mode, the leverage)."),
        )
    if leverage is not None and margin_mode != ISOLATED:
        raise CalculatorInputError(
            "leverage", gettext_noop("Cross margin uses the wallet balance, not a leverage.")
        )
    if leverage is not None:
        require_positive("leverage", leverage)
    if wallet_balance is not None:
        require_non_negative("wallet_balance", wallet_balance)
    if (maintenance_margin_rate is None) != (maintenance_amount is None):
        missing = "maintenance_amount" if maintenance_amount is None else "maintenance_margin_rate"
        raise CalculatorInputError(
            missing,
            gettext_noop("Enter both the maintenance margin rate and amount, or neither."),
        )
    if maintenance_margin_rate is not None and maintenance_amount is not None:
        brackets: Sequence[Bracket] = fixed_bracket(
            maintenance_margin_rate=maintenance_margin_rate,
            maintenance_amount=maintenance_amount,
        )
    else:
        brackets = brackets_for_symbol(symbol)

    value = notional(quantity=quantity, price=entry_price)
    steps = [
        step(
            gettext_noop("Notional at entry"),
            gettext_noop("notional = quantity × entry price"),
            f"{num(quantity)} × {num(entry_price)}",
            value,
        )
    ]
    if wallet_balance is not None:
        balance = wallet_balance
    elif leverage is not None:
        balance = initial_margin_value(notional=value, leverage=leverage)
        steps.append(
            step(
                gettext_noop("Isolated margin (wallet balance)"),
                gettext_noop("WB = notional ÷ leverage"),
                f"{num(value)} ÷ {num(leverage)}",
                balance,
            )
        )

    solution = liquidation_price_value(
        side=side,
        entry_price=entry_price,
        quantity=quantity,
        wallet_balance=balance,
        brackets=brackets,
        other_maintenance_margin=other_maintenance_margin,
        other_unrealized_pnl=other_unrealized_pnl,
    )
    bracket = solution.bracket
    steps.append(
        step(
            gettext_noop("Liquidation price in the bracket"),
            gettext_noop("LP = (WB − TMM1 + UPNL1 + cum − side × Q × EP) ÷ (Q × MMR − side × Q)"),
            f"({num(balance)} − {num(other_maintenance_margin)} + "
            f"{num(other_unrealized_pnl)} + {num(bracket.cum)} − {side_text(sign)} × "
            f"{num(quantity)} × {num(entry_price)}) ÷ ({num(quantity)} × {num(bracket.mmr)} "
            f"− {side_text(sign)} × {num(quantity)})",
            solution.candidate,
        )
    )
    if solution.price is None:
        steps.append(
            step(
                gettext_noop("No liquidation price"),
                gettext_noop("LP ≤ 0: no price move liquidates this position"),
                f"{num(solution.candidate)} ≤ 0",
                None,
            )
        )
    else:
        at_price = notional(quantity=quantity, price=solution.price)
        cap = upper_bound(bracket, brackets)
        steps.append(
            step(
                gettext_noop("Notional at the liquidation price"),
                gettext_noop("notional = Q × LP"),
                f"{num(quantity)} × {num(solution.price)}",
                at_price,
            )
        )
        steps.append(
            step(
                gettext_noop("Bracket check"),
                gettext_noop("bracket floor ≤ notional at LP < bracket cap"),
                f"{num(bracket.floor)} ≤ {num(at_price)} < {'∞' if cap is None else num(cap)}",
                bracket.index,
            )
        )
    return CalcResult(
        results={
            "liquidation_price": rounded(solution.price),
            "bracket": bracket.index,
            "maintenance_margin_rate": quantize8(bracket.mmr),
            "maintenance_amount": quantize8(bracket.cum),
        },
        steps=steps,
    )


@exact
def max_open(
    *,
    entry_price: Decimal,
    available_balance: Decimal,
    leverage: Decimal,
    symbol: str = DEFAULT_SYMBOL,
) -> CalcResult:
    """``max-open``: the largest position the balance and the leverage brackets allow."""
    require_positive("entry_price", entry_price)
    require_non_negative("available_balance", available_balance)
    require_positive("leverage", leverage)
    brackets = brackets_for_symbol(symbol)
    if leverage > symbol_max_leverage(symbol):
        raise CalculatorInputError(
            "leverage",
            gettext_noop("%(symbol)s allows at most %(max_leverage)s× leverage."),
            {"symbol": symbol, "max_leverage": str(symbol_max_leverage(symbol))},
        )
    answer = max_open_notional(
        available_balance=available_balance, leverage=leverage, brackets=brackets
    )
    quantity = quantity_for_notional(notional=answer.max_notional, price=entry_price)
    cap = answer.bracket.cap if answer.bracket.cap is not None else ZERO
    return CalcResult(
        results={
            "max_notional": quantize8(answer.max_notional),
            "max_quantity": quantize8(quantity),
            "limited_by": answer.limited_by,
        },
        steps=[
            step(
                gettext_noop("Notional the balance allows"),
                gettext_noop("balance × leverage"),
                f"{num(available_balance)} × {num(leverage)}",
                answer.balance_notional,
            ),
            step(
                gettext_noop("Notional the brackets allow"),
                gettext_noop("cap of the highest bracket whose max leverage ≥ leverage"),
                f"{answer.bracket.max_leverage}× ≥ {num(leverage)}× → {num(cap)}",
                cap,
            ),
            step(
                gettext_noop("Maximum notional"),
                gettext_noop("max notional = min(balance × leverage, bracket cap)"),
                f"min({num(answer.balance_notional)}, {num(cap)})",
                answer.max_notional,
            ),
            step(
                gettext_noop("Maximum quantity"),
                gettext_noop("max quantity = max notional ÷ entry price"),
                f"{num(answer.max_notional)} ÷ {num(entry_price)}",
                quantity,
            ),
        ],
    )
