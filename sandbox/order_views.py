"""What the dashboard's and the margin page's order forms share: placing the order a
valid form describes, and the message that tells the learner what happened to it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from calculators.formulas import trade_value
from config.formatting import format_amount as amount
from config.formatting import format_price
from sandbox import services
from sandbox.models import Account, Order


def order_place_from_form(
    account: Account, data: dict[str, Any], *, wallet: str, side_effect: str | None = None
) -> Order:
    """Place the order described by a valid order form's ``cleaned_data`` from ``wallet``
    (``side_effect`` only for Cross Margin orders)."""
    extra = {"side_effect": side_effect} if side_effect is not None else {}
    return services.order_place(
        account=account,
        symbol=data["symbol"],
        side=data["side"],
        order_type=data["order_type"],
        quantity=data["quantity"],
        quote_amount=data["quote_amount"],
        limit_price=data["limit_price"],
        wallet=wallet,
        idempotency_key=str(data["idempotency_key"]),
        **extra,
    )


def fill_text(order) -> str:
    """ "Bought 0.01 BTC at 60,000.00 USDT, fee 0.00001 BTC: you received 0.00999 BTC."

    The fee is said because the wallet shows what arrived, not what was bought.
    """
    base, quote = order.base_asset, order.quote_asset
    value = trade_value(quantity=order.quantity, price=order.fill_price)
    if order.side == "buy":
        template = _(
            "Bought %(qty)s %(base)s at %(price)s %(quote)s, fee %(fee)s %(fee_asset)s: "
            "you received %(received)s %(received_asset)s."
        )
        received_asset, received = base, order.quantity
    else:
        template = _(
            "Sold %(qty)s %(base)s at %(price)s %(quote)s, fee %(fee)s %(fee_asset)s: "
            "you received %(received)s %(received_asset)s."
        )
        received_asset, received = quote, value
    if order.fee_asset == received_asset:
        received -= order.fee
    return template % {
        "qty": amount(order.quantity, base),
        "base": base,
        "quote": quote,
        "price": format_price(order.symbol, order.fill_price),
        "fee": amount(order.fee, order.fee_asset),
        "fee_asset": order.fee_asset,
        "received": amount(received, received_asset),
        "received_asset": received_asset,
    }


def order_done_message(order) -> str:
    base = order.base_asset
    if order.status == "filled":
        return fill_text(order)
    template = _("Limit order placed: buy %(qty)s %(base)s at %(price)s USDT.")
    if order.side == "sell":
        template = _("Limit order placed: sell %(qty)s %(base)s at %(price)s USDT.")
    return template % {
        "qty": amount(order.quantity, base),
        "base": base,
        "price": format_price(order.symbol, order.limit_price),
    }
