"""Sandbox pages: thin views over sandbox.services (writes) and sandbox.selectors (reads).

Every view starts with ``services.account_sync``: it creates the learner's account on
the first visit and lets the risk engine catch the account up to its clock, so what a
page shows (and what a POST acts on) is never stale — no background worker needed.

One template per page; the parts htmx swaps are ``{% partialdef %}`` blocks in it, and
a view renders ``"page.html#part"`` when the request comes from htmx. Every htmx form
keeps a real ``action``, so each page works with JavaScript switched off (POST, then
redirect to a GET with a message).
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.activation import is_margin_activated
from calculators import instruments
from calculators.definitions import STATE_LABELS
from config.formatting import format_amount as amount
from config.formatting import format_price
from sandbox import charts, margin_views, selectors, services
from sandbox.errors import SandboxError
from sandbox.forms import (
    MIN_ORDER_TEXT,
    STARTING_TEXT,
    CancelOrderForm,
    FastForwardForm,
    FeeSettingsForm,
    HistoryFilterForm,
    OrderForm,
    OrderKindForm,
    OrderPreviewForm,
    ResetForm,
    SymbolForm,
)
from sandbox.ledger import WALLET_NAMES
from sandbox.market import load_market
from sandbox.models import SandboxSettings, Wallet
from sandbox.operations.trades import BNB_FEE_PERCENT, FEE_PERCENT
from sandbox.order_views import fill_text, order_done_message, order_place_from_form
from sandbox.services.clock import fast_forward_steps_text

ZERO = Decimal(0)
DEFAULT_SYMBOL = instruments.DEFAULT_SYMBOL
# The dashboard's order form trades from the Spot wallet (Cross Margin gets its page).
DASHBOARD_WALLET = Wallet.SPOT
# Form errors: 422 for a full page, so the status tells the truth; htmx only swaps
# 2xx responses by default, so its fragments with errors come back as 200.
INVALID = 422


def _symbol(params) -> str:
    form = SymbolForm(params)
    return (form.is_valid() and form.cleaned_data["symbol"]) or DEFAULT_SYMBOL


def _use_bnb_for_fees(account) -> bool:
    try:
        return account.settings.use_bnb_for_fees
    except SandboxSettings.DoesNotExist:
        return False


def _error_status(request) -> int:
    return 200 if request.htmx else INVALID


def _dashboard_url(symbol: str) -> str:
    return f"{reverse('sandbox:dashboard')}?symbol={symbol}"


# --- Dashboard -----------------------------------------------------------------------

# The fields a link or a preview may prefill into a fresh order form.
ORDER_FIELDS = ("symbol", "side", "order_type", "quantity", "quote_amount", "limit_price")


def _order_kind(params) -> tuple[str, str]:
    form = OrderKindForm(params)
    data = form.cleaned_data if form.is_valid() else {}
    return data.get("side") or "buy", data.get("order_type") or "market"


def _typed(params, *, symbol: str) -> dict[str, str]:
    """What the learner typed (or a link carries), for a fresh form with a new key.

    The market form has no limit price field, so a limit price carried over from the
    limit form is not put back where the learner could not see or remove it.
    """
    side, order_type = _order_kind(params)
    typed = {name: params[name] for name in ORDER_FIELDS if params.get(name)}
    typed |= {"symbol": symbol, "side": side, "order_type": order_type}
    if order_type == "market":
        typed.pop("limit_price", None)
    return typed


def _max_link(*, symbol: str, side: str, order_type: str, available) -> str:
    """The "max" shortcut: the same form with the whole available balance filled in (a buy
    in USDT, a sell in the base asset). A plain GET, so it works without JavaScript."""
    field = "quote_amount" if side == "buy" else "quantity"
    query = urlencode(
        {
            "symbol": symbol,
            "side": side,
            "order_type": order_type,
            field: f"{available.normalize():f}",
        }
    )
    return f"{reverse('sandbox:dashboard')}?{query}"


def _dashboard_context(account, *, symbol, order_form, preview_form=None, notice=None):
    overview = selectors.account_overview(account=account)
    use_bnb = _use_bnb_for_fees(account)
    preview = None
    if preview_form is not None and preview_form.is_valid():
        preview = selectors.order_preview(
            overview=overview,
            wallet=DASHBOARD_WALLET,
            fields=preview_form.cleaned_data,
            use_bnb_for_fees=use_bnb,
        )
    estimate = preview.estimate if preview else None
    context = {
        "title": _("Sandbox"),
        "section": "dashboard",
        "overview": overview,
        "symbol": symbol,
        "base_asset": instruments.INSTRUMENTS[symbol].base,
        "chart": charts.sandbox_price_chart(
            account=account,
            overview=overview,
            symbol=symbol,
            preview_price=estimate.limit_price if estimate else None,
        ),
        "order_form": order_form,
        "preview_form": preview_form,
        "estimate": estimate,
        "preview_problems": preview.problems if preview else (),
        "wallet_name": _(WALLET_NAMES[DASHBOARD_WALLET]),
        "notice": notice,
        "fast_forward_form": FastForwardForm(),
        # Rules the page states, read from the code that enforces them.
        "fast_forward_steps": list(services.FAST_FORWARD_STEPS.items()),
        "min_order_text": MIN_ORDER_TEXT,
        "fee_percent": FEE_PERCENT,
        "bnb_fee_percent": BNB_FEE_PERCENT,
        # Each Cancel button is its own form with its own idempotency key.
        "open_order_rows": [
            {"order": order, "form": CancelOrderForm()} for order in overview.open_orders
        ],
    }
    # The Cross Margin wallet's margin level and state, when the learner has one.
    cross = selectors.cross_summary(overview=overview)
    context |= {"cross": cross, "cross_state_label": STATE_LABELS[cross.state] if cross else ""}
    if order_form is not None:
        context |= _order_panel_context(overview, symbol=symbol, order_form=order_form)
    return context


def _order_panel_context(overview, *, symbol, order_form) -> dict:
    """The order panel's tabs and the balance the order would pay from, with its "max"."""
    side = str(order_form["side"].value() or "buy")
    order_type = str(order_form["order_type"].value() or "market")
    base, quote = instruments.INSTRUMENTS[symbol].base, instruments.INSTRUMENTS[symbol].quote
    pays = quote if side == "buy" else base
    available = next(
        (
            row.available
            for row in overview.balances
            if row.wallet == DASHBOARD_WALLET and row.asset == pays
        ),
        ZERO,
    )

    def tab(**choice) -> str:
        query = {"symbol": symbol, "side": side, "order_type": order_type} | choice
        return f"{reverse('sandbox:dashboard')}?{urlencode(query)}"

    return {
        "order_side": side,
        "order_type": order_type,
        "pays_asset": pays,
        "pays_available": available,
        "max_url": (
            _max_link(symbol=symbol, side=side, order_type=order_type, available=available)
            if available > 0
            else None
        ),
        # The tabs are plain links (a GET of this page with the other side or type).
        "side_tabs": [
            (value, label, tab(side=value))
            for value, label in OrderKindForm.base_fields["side"].choices
        ],
        "type_tabs": [
            (value, label, tab(order_type=value))
            for value, label in OrderKindForm.base_fields["order_type"].choices
        ],
    }


def _new_order_form(symbol: str, side: str = "buy", order_type: str = "market") -> OrderForm:
    return OrderForm(initial={"symbol": symbol, "side": side, "order_type": order_type})


def _amount_typed(params) -> bool:
    return bool(params.get("quantity") or params.get("quote_amount"))


@login_required
@require_GET
def dashboard(request):
    """The dashboard; ``?side=&order_type=`` (the order tabs) and the amounts (the "max"
    link) prefill the order form, and an amount shows its preview at once."""
    account = services.account_sync(user=request.user)
    symbol = _symbol(request.GET)
    typed = _typed(request.GET, symbol=symbol)
    preview_form = OrderPreviewForm(typed) if _amount_typed(typed) else None
    context = _dashboard_context(
        account, symbol=symbol, order_form=OrderForm(initial=typed), preview_form=preview_form
    )
    if request.htmx and request.htmx.target == "order-panel":
        # A tab or "max" clicked with htmx: only the order panel changes.
        return render(request, "sandbox/dashboard.html#order-panel", context)
    return render(request, "sandbox/dashboard.html", context)


@login_required
@require_GET
def order_preview(request):
    """What an order would do, recomputed as the learner edits the form (changes nothing)."""
    account = services.account_sync(user=request.user)
    preview_form = OrderPreviewForm(request.GET)
    symbol = _symbol(request.GET)
    if request.htmx:
        context = _dashboard_context(
            account, symbol=symbol, order_form=None, preview_form=preview_form
        )
        return render(request, "sandbox/dashboard.html#preview-update", context)
    # Without JavaScript the "Preview order" button lands here: the whole dashboard, the
    # learner's entries kept in a fresh form (with a new key) and the preview filled in.
    typed = _typed(request.GET, symbol=symbol)
    context = _dashboard_context(
        account, symbol=symbol, order_form=OrderForm(initial=typed), preview_form=preview_form
    )
    return render(request, "sandbox/dashboard.html", context)


def _fast_forward_messages(request, account, move) -> None:
    """What ran (each fill, with its price and fee) and what did not (each order still
    open, beside the lowest/highest index price of the period it waited through)."""
    for fill in move.fills:
        messages.success(
            request, _("Your limit order filled. %(fill)s") % {"fill": fill_text(fill.order)}
        )
    for line in selectors.still_open_after(account=account, move=move):
        order = line.order
        if order.side == "buy":
            template = _(
                "Your buy limit at %(limit)s USDT for %(qty)s %(base)s is still open: the "
                "lowest index price in that period was %(extreme)s USDT."
            )
        else:
            template = _(
                "Your sell limit at %(limit)s USDT for %(qty)s %(base)s is still open: the "
                "highest index price in that period was %(extreme)s USDT."
            )
        messages.info(
            request,
            template
            % {
                "limit": format_price(order.symbol, order.limit_price),
                "qty": amount(order.quantity, order.base_asset),
                "base": order.base_asset,
                "extreme": format_price(order.symbol, line.extreme_price),
            },
        )


@login_required
@require_POST
def order_place(request):
    account = services.account_sync(user=request.user)
    form = OrderForm(request.POST)
    symbol = _symbol(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            order = order_place_from_form(account, data, wallet=DASHBOARD_WALLET)
        except SandboxError as error:
            # The service changed nothing; its message says why, as is.
            form.add_error(None, error.message)
        else:
            notice = order_done_message(order)
            if not request.htmx:
                messages.success(request, notice)
                return redirect(_dashboard_url(symbol))
            # A fresh form (fresh idempotency key) keeps symbol, side and type.
            fresh = _new_order_form(symbol, data["side"], data["order_type"])
            context = _dashboard_context(account, symbol=symbol, order_form=fresh, notice=notice)
            return render(request, "sandbox/dashboard.html#trade-update", context)
    form.renew_key()
    # The preview keeps describing what is still in the fields, not an empty form.
    context = _dashboard_context(
        account, symbol=symbol, order_form=form, preview_form=OrderPreviewForm(request.POST)
    )
    template = "sandbox/dashboard.html#trade-update" if request.htmx else "sandbox/dashboard.html"
    return render(request, template, context, status=_error_status(request))


@login_required
@require_POST
def order_cancel(request, order_id: int):
    account = services.account_sync(user=request.user)
    form = CancelOrderForm(request.POST)
    symbol = _symbol(request.POST)
    selectors.order_get(account=account, order_id=order_id)
    notice = error = None
    if not form.is_valid():
        error = _("This form has expired. Reload the page and try again.")
    else:
        try:
            services.order_cancel(
                account=account,
                order_id=order_id,
                idempotency_key=str(form.cleaned_data["idempotency_key"]),
            )
        except SandboxError as exc:
            error = exc.message
        else:
            notice = _("Order cancelled; its reserved funds are available again.")
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return redirect(_dashboard_url(symbol))
    context = _dashboard_context(account, symbol=symbol, order_form=None)
    # Shown in the open-orders panel the answer replaces (role="status" / role="alert").
    context["orders_notice"], context["orders_error"] = notice, error
    return render(request, "sandbox/dashboard.html#cancel-update", context)


@login_required
@require_POST
def clock_fast_forward(request):
    account = services.account_sync(user=request.user)
    form = FastForwardForm(request.POST)
    symbol = _symbol(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose %(steps)s.") % {"steps": fast_forward_steps_text()})
        return redirect(_dashboard_url(symbol))
    try:
        move = services.clock_fast_forward(
            account=account,
            hours=form.cleaned_data["hours"],
            idempotency_key=str(form.cleaned_data["idempotency_key"]),
        )
    except SandboxError as error:
        messages.error(request, error.message)
    else:
        # What the key really did: a resent form does not move the clock again.
        span = services.FAST_FORWARD_STEPS.get(move.hours, "")
        if move.replayed:
            messages.info(
                request,
                _(
                    "This form was already used: the sandbox clock moved forward %(span)s "
                    "when it was first sent, and not again."
                )
                % {"span": span},
            )
        else:
            messages.success(
                request, _("The sandbox clock moved forward %(span)s.") % {"span": span}
            )
            _fast_forward_messages(request, move.account, move)
    return redirect(_dashboard_url(symbol))


# --- Market ----------------------------------------------------------------------


@login_required
@require_GET
def market(request):
    account = services.account_sync(user=request.user)
    symbol = _symbol(request.GET)
    # One load of the scenario events serves the table and the chart.
    market_now = load_market()
    context = {
        "title": pgettext("sandbox section", "Market"),
        "section": "market",
        "symbol": symbol,
        # Weights are shares (0.4123); the page shows them as percentages.
        "snapshots": [
            {
                "snap": snap,
                "venues": [(venue, venue.weight * 100) for venue in snap.venues],
                "change_size": abs(snap.change_24h_percent),
            }
            for snap in selectors.market_snapshot(account=account, market=market_now)
        ],
        "chart": charts.sandbox_price_chart(account=account, symbol=symbol, market=market_now),
        "symbols": [choice for choice, _label in SymbolForm.base_fields["symbol"].choices],
    }
    if request.htmx and request.htmx.target == "price-chart":
        return render(request, "sandbox/market.html#price-chart", context)
    return render(request, "sandbox/market.html", context)


# --- History ---------------------------------------------------------------------


@login_required
@require_GET
def history(request):
    account = services.account_sync(user=request.user)
    filters = HistoryFilterForm(request.GET)
    season = page = None
    if filters.is_valid():
        season, page = filters.cleaned_data["season"], filters.cleaned_data["page"]
    history_page = selectors.history_page(account=account, season=season, page=page or 1)
    context = {
        "title": _("History"),
        "section": "history",
        "history": history_page,
    }
    return render(request, "sandbox/history.html", context)


# --- Settings and reset ----------------------------------------------------------


def _settings_context(account, *, request=None, fee_form=None, reset_form=None):
    context = {
        "title": _("Sandbox settings"),
        "section": "settings",
        "account": account,
        "fee_form": fee_form
        or FeeSettingsForm(initial={"use_bnb_for_fees": _use_bnb_for_fees(account)}),
        "reset_form": reset_form or ResetForm(),
        "starting_text": STARTING_TEXT,
        "margin_activated": request is not None and is_margin_activated(request.user),
    }
    if context["margin_activated"]:
        # The Cross Margin settings and the cooling-off form (margin learners only).
        context |= margin_views.settings_margin_context(account)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    account = services.account_sync(user=request.user)
    if request.method == "GET":
        return render(request, "sandbox/settings.html", _settings_context(account, request=request))
    form = FeeSettingsForm(request.POST)
    if form.is_valid():
        try:
            updated = services.settings_update(
                account=account,
                use_bnb_for_fees=form.cleaned_data["use_bnb_for_fees"],
                idempotency_key=str(form.cleaned_data["idempotency_key"]),
            )
        except SandboxError as error:
            form.add_error(None, error.message)
        else:
            if updated.use_bnb_for_fees:
                messages.success(request, _("Fees are now paid in BNB when you hold enough."))
            else:
                messages.success(request, _("Fees are now paid in the asset you receive."))
            return redirect("sandbox:settings")
    form.renew_key()
    return render(
        request,
        "sandbox/settings.html",
        _settings_context(account, request=request, fee_form=form),
        status=INVALID,
    )


@login_required
@require_POST
def account_reset(request):
    account = services.account_sync(user=request.user)
    form = ResetForm(request.POST)
    if form.is_valid():
        try:
            account = services.account_reset(
                account=account, idempotency_key=str(form.cleaned_data["idempotency_key"])
            )
        except SandboxError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Season %(season)s has started with %(starting)s. "
                    "Earlier seasons stay in your history."
                )
                % {"season": account.season, "starting": STARTING_TEXT},
            )
            return redirect("sandbox:dashboard")
    form.renew_key()
    return render(
        request,
        "sandbox/settings.html",
        _settings_context(account, request=request, reset_form=form),
        status=INVALID,
    )
