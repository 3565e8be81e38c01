"""Cross Margin pages (SPEC §6.5, §6.6): the margin page with its actions, the settings
that only margin learners have, the liquidation report, and the public insurance fund.

Thin, like ``sandbox.views``: ``services.account_sync`` first (the engine catches the
account up), then one service or selector. Every margin view is ``@margin_required``:
a learner whose margin is not activated gets the locked panel on GET and a 403 with the
message on anything else, before the view runs — nothing changes. An account is always
the signed-in learner's own (``account_sync(user=request.user)``): no URL names an
account, and a liquidation id of someone else is a 404.

The margin actions are plain POSTs that redirect back with a message (they change the
whole page); only the order preview uses htmx, and it has a GET page without it.

The services: ``margin_transfer``, ``margin_borrow``, ``margin_repay``, the Cross
``order_place(wallet="cross", side_effect=...)``, ``settings_update(**changes)``,
``cooling_off_start``.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.activation import MarginLocked, margin_required
from calculators.definitions import STATE_LABELS
from calculators.fields import MAX_DECIMAL_PLACES
from calculators.formulas import STATE_ADVICE
from calculators.instruments import COLLATERAL_TIERS, INSTRUMENTS, VALUE_ASSET
from config.formatting import DISPLAY_PLACES, format_amount, format_decimal
from sandbox import charts, selectors, services
from sandbox.errors import SandboxError
from sandbox.forms import (
    MIN_ORDER_TEXT,
    TOPUP_ASSET_FIELDS,
    BorrowForm,
    CoolingOffForm,
    MarginOrderForm,
    MarginOrderPreviewForm,
    MarginSettingsForm,
    MarginTransferForm,
    OrderKindForm,
    RepayForm,
    SymbolForm,
)
from sandbox.models import Wallet
from sandbox.operations.trades import BNB_FEE_PERCENT, FEE_PERCENT
from sandbox.order_views import order_done_message, order_place_from_form

INVALID = 422
MARGIN_WALLET = Wallet.CROSS
DEFAULT_SYMBOL = "BTCUSDT"
DIRECTION_IN = "in"
SIDE_EFFECT_NONE = "none"
# A service's ``InvalidSettings.field`` names a setting; the page shows its message next to
# the form field that edits it (the three asset fields share ``auto_topup_assets``).
SETTING_FIELDS = {"auto_topup_assets": TOPUP_ASSET_FIELDS[0]}
# The transfer and borrow forms share field names (asset, amount) on one page: each gets
# its own element ids, so every label points at its own field.
TRANSFER_IDS = "transfer_%s"
BORROW_IDS = "borrow_%s"


def _plain(value: Decimal) -> str:
    """A number for a query string: plain digits, no exponent, no trailing zeros, at most
    the calculators' 18 decimal places (an hourly rate such as 8 % ÷ 8,760 has endless
    digits; 18 places change a max borrow or an hourly charge far below what a page or
    the ledger's 8 places can show)."""
    if value.as_tuple().exponent < -MAX_DECIMAL_PLACES:
        value = value.quantize(Decimal(1).scaleb(-MAX_DECIMAL_PLACES), rounding=ROUND_HALF_EVEN)
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _calculator_url(slug: str, query: dict[str, str]) -> str:
    return f"{reverse('calculators:calculator', args=[slug])}?{urlencode(query)}"


def calculator_links(overview: selectors.MarginOverview) -> dict:
    """ "Open in calculator" links carrying the account's own numbers, so the calculator
    shows the figure the page shows and the learner can change one number to ask "what
    if". The calculators' query parameters are those of ``calculators.forms``."""
    snap = overview.snapshot
    links: dict = {"assets": {}}
    if snap.has_debt:
        links["margin_level"] = _calculator_url(
            "margin-level",
            {
                "total_assets": _plain(snap.total_assets),
                "total_liabilities": _plain(snap.total_liabilities),
                "outstanding_interest": _plain(snap.outstanding_interest),
                "collateral_value": _plain(snap.collateral_value),
                "margin_kind": snap.margin_kind,
            },
        )
    for view in overview.assets:
        row = view.row
        asset_links = {}
        if view.margin_call_price is not None or view.liquidation_price is not None:
            # This asset as the base, everything else valued in USDT as the quote side:
            # the same split sandbox.cross.threshold_price makes.
            asset_links["liquidation_price"] = _calculator_url(
                "margin-liquidation-price",
                {
                    "base_quantity": _plain(row.held),
                    "quote_quantity": _plain(snap.total_assets - row.value),
                    "base_liability": _plain(row.owed),
                    "quote_liability": _plain(snap.debt_value - row.owed_value),
                    "liquidation_level": _plain(overview.kind.liquidation),
                    "margin_call_level": _plain(overview.kind.margin_call),
                },
            )
        if row.borrowed:
            query = {
                "principal": _plain(row.borrowed),
                "hourly_rate_percent": _plain(view.hourly_percent),
                "hours": "24",
            }
            if overview.settings.use_bnb_for_interest:
                query["bnb_discount"] = "true"
            asset_links["interest"] = _calculator_url("interest", query)
        tiers = COLLATERAL_TIERS[row.asset]
        asset_links["max_borrow"] = _calculator_url(
            "max-borrow",
            {
                "collateral_value": _plain(snap.collateral_value),
                "total_liabilities": _plain(snap.total_liabilities),
                "outstanding_interest": _plain(snap.outstanding_interest),
                "margin_kind": snap.margin_kind,
                # The first tier's ratio: BNB's lower ratio applies only above 50,000 USDT
                # of BNB, where the page's piecewise figure and this link part ways.
                "collateral_ratio": _plain(tiers[0].ratio),
                "hourly_rate_percent": _plain(view.hourly_percent),
            },
        )
        links["assets"][row.asset] = asset_links
    return links


def max_borrow_value_text(value: Decimal) -> str:
    """A maximum is shown rounded down to the cent (as the max-borrow calculator shows
    it), so the amount shown is one the sandbox accepts."""
    return format_decimal(value, 2, rounding=ROUND_FLOOR)


def max_borrow_amount_text(amount: Decimal, asset: str) -> str:
    """The max borrow in units, rounded down at the asset's display places (USDT 2,
    coins 8 trimmed): 899.978 USDT reads 899.97, an amount the sandbox accepts."""
    places = DISPLAY_PLACES.get(asset)
    if places is None:
        return format_amount(amount, asset)
    return format_decimal(amount, places, rounding=ROUND_FLOOR)


def _state_words(state: str) -> dict:
    return {"name": state, "label": STATE_LABELS[state], "advice": _(STATE_ADVICE[state])}


def _margin_url(**query) -> str:
    base = reverse("sandbox:margin")
    return f"{base}?{urlencode(query)}" if query else base


# --- The margin page ---------------------------------------------------------------


def _order_kind(params) -> tuple[str, str]:
    form = OrderKindForm(params)
    data = form.cleaned_data if form.is_valid() else {}
    return data.get("side") or "buy", data.get("order_type") or "market"


def _symbol(params) -> str:
    form = SymbolForm(params)
    return (form.is_valid() and form.cleaned_data["symbol"]) or DEFAULT_SYMBOL


ORDER_FIELDS = (
    "symbol",
    "side",
    "order_type",
    "quantity",
    "quote_amount",
    "limit_price",
    "side_effect",
)


def _typed_order(params) -> dict[str, str]:
    side, order_type = _order_kind(params)
    typed = {name: params[name] for name in ORDER_FIELDS if params.get(name)}
    typed |= {"symbol": _symbol(params), "side": side, "order_type": order_type}
    return typed


def _pick(preview, name: str):
    """A Cross preview figure, wherever the preview keeps it (on the preview or its
    estimate)."""
    for source in (preview, getattr(preview, "estimate", None)):
        if source is not None and hasattr(source, name):
            return getattr(source, name)
    return None


def _auto_borrow_words(value) -> str | None:
    if not value:
        return None
    amount = getattr(value, "amount", None)
    asset = getattr(value, "asset", None)
    if amount is None and isinstance(value, (tuple, list)) and len(value) == 2:
        amount, asset = value
    if amount is None:
        return str(value)
    return f"{format_amount(amount, asset or '')} {asset or ''}".strip()


def margin_preview(overview, preview_form) -> dict:
    """What the margin order in the form would do (A's ``order_preview`` for Cross
    orders: margin level before and after, what auto-borrow would lend), changing
    nothing."""
    if preview_form is None or not preview_form.is_valid():
        return {"preview_form": preview_form}
    account_overview = selectors.account_overview(account=overview.account)
    data = preview_form.cleaned_data
    preview = selectors.order_preview(
        overview=account_overview,
        wallet=MARGIN_WALLET,
        fields=data,
        use_bnb_for_fees=overview.settings.use_bnb_for_fees,
        side_effect=data.get("side_effect") or SIDE_EFFECT_NONE,
    )
    state_after = _pick(preview, "state_after")
    return {
        "preview_form": preview_form,
        "estimate": preview.estimate,
        "preview_problems": preview.problems,
        "margin_level_before": _pick(preview, "margin_level_before"),
        "margin_level_after": _pick(preview, "margin_level_after"),
        "state_after": _state_words(state_after) if state_after else None,
        "auto_borrow": _auto_borrow_words(_pick(preview, "auto_borrow")),
    }


def _margin_context(account, *, forms: dict | None = None, order_params=None, preview=None):
    overview = selectors.margin_overview(account=account)
    snapshot = overview.snapshot
    order_params = order_params or {}
    typed = _typed_order(order_params)
    forms = forms or {}
    order_form = forms.get("order") or MarginOrderForm(initial=typed)
    context = {
        "title": _("Cross Margin"),
        "section": "margin",
        "overview": overview,
        "snapshot": snapshot,
        "state": _state_words(snapshot.state),
        "gauge": charts.margin_gauge(
            margin_level=snapshot.margin_level,
            collateral_margin_level=snapshot.collateral_margin_level,
            margin_kind=snapshot.margin_kind,
        ),
        "links": calculator_links(overview),
        "asset_rows": [
            {
                "view": view,
                "links": None,
                "max_borrow_value": max_borrow_value_text(view.max_borrow.value),
                "max_borrow_amount": max_borrow_amount_text(view.max_borrow.amount, view.row.asset),
            }
            for view in overview.assets
        ],
        "transfer_form": forms.get("transfer")
        or MarginTransferForm(initial={"direction": DIRECTION_IN}, auto_id=TRANSFER_IDS),
        "borrow_form": forms.get("borrow") or BorrowForm(auto_id=BORROW_IDS),
        "repay_form": forms.get("repay") or RepayForm(),
        "order_form": order_form,
        "order_side": typed["side"],
        "order_type": typed["order_type"],
        "symbol": typed["symbol"],
        "base_asset": INSTRUMENTS[typed["symbol"]].base,
        "min_order_text": MIN_ORDER_TEXT,
        "fee_percent": FEE_PERCENT,
        "bnb_fee_percent": BNB_FEE_PERCENT,
        "value_asset": VALUE_ASSET,
        "repay_rows": [
            # Two forms per loan, each with its own key: an amount, and "repay all".
            {"view": view, "form": RepayForm(), "all_form": RepayForm()}
            for view in overview.assets
            if view.row.owed
        ],
    }
    for row in context["asset_rows"]:
        row["links"] = context["links"]["assets"][row["view"].row.asset]
    context |= preview or {}
    return context


@margin_required
@require_GET
def margin_page(request):
    """The Cross Margin wallet, its risk figures and every margin action. An order amount
    in the query (a link, the preview button without JavaScript) shows its preview."""
    account = services.account_sync(user=request.user)
    typed = _typed_order(request.GET)
    preview_form = None
    if typed.get("quantity") or typed.get("quote_amount"):
        preview_form = MarginOrderPreviewForm(typed)
    overview_preview = None
    context = _margin_context(account, order_params=request.GET)
    if preview_form is not None:
        overview_preview = margin_preview(context["overview"], preview_form)
        context |= overview_preview
    return render(request, "sandbox/margin.html", context)


@margin_required
@require_GET
def margin_order_preview(request):
    """The preview of the margin order form (htmx: the preview region only)."""
    account = services.account_sync(user=request.user)
    preview_form = MarginOrderPreviewForm(request.GET)
    context = _margin_context(account, order_params=request.GET)
    context |= margin_preview(context["overview"], preview_form)
    if request.htmx:
        return render(request, "sandbox/margin.html#preview-body", context)
    return render(request, "sandbox/margin.html", context)


def _refused(request, account, *, name: str, form, error: str | None = None):
    """The margin page again with the form's errors (a service refusal at its top)."""
    if error:
        form.add_error(None, error)
    form.renew_key()
    context = _margin_context(account, forms={name: form})
    return render(request, "sandbox/margin.html", context, status=INVALID)


@margin_required
@require_POST
def margin_transfer(request):
    account = services.account_sync(user=request.user)
    form = MarginTransferForm(request.POST, auto_id=TRANSFER_IDS)
    if not form.is_valid():
        return _refused(request, account, name="transfer", form=form)
    data = form.cleaned_data
    try:
        services.margin_transfer(
            account=account,
            asset=data["asset"],
            amount=data["amount"],
            direction=data["direction"],
            idempotency_key=str(data["idempotency_key"]),
        )
    except (SandboxError, MarginLocked) as error:
        return _refused(request, account, name="transfer", form=form, error=error.message)
    words = {"amount": format_amount(data["amount"], data["asset"]), "asset": data["asset"]}
    if data["direction"] == DIRECTION_IN:
        messages.success(
            request, _("Moved %(amount)s %(asset)s from Spot to Cross Margin.") % words
        )
    else:
        messages.success(
            request, _("Moved %(amount)s %(asset)s from Cross Margin to Spot.") % words
        )
    return redirect("sandbox:margin")


@margin_required
@require_POST
def margin_borrow(request):
    account = services.account_sync(user=request.user)
    form = BorrowForm(request.POST, auto_id=BORROW_IDS)
    if not form.is_valid():
        return _refused(request, account, name="borrow", form=form)
    data = form.cleaned_data
    try:
        services.margin_borrow(
            account=account,
            asset=data["asset"],
            amount=data["amount"],
            idempotency_key=str(data["idempotency_key"]),
        )
    except (SandboxError, MarginLocked) as error:
        return _refused(request, account, name="borrow", form=form, error=error.message)
    messages.success(
        request,
        _(
            "Borrowed %(amount)s %(asset)s into Cross Margin. One hour of interest was "
            "charged now; the next comes at the start of the next hour."
        )
        % {"amount": format_amount(data["amount"], data["asset"]), "asset": data["asset"]},
    )
    return redirect("sandbox:margin")


@margin_required
@require_POST
def margin_repay(request):
    account = services.account_sync(user=request.user)
    form = RepayForm(request.POST)
    if not form.is_valid():
        return _refused(request, account, name="repay", form=form)
    data = form.cleaned_data
    amount = data.get("amount")  # None: everything owed in the asset
    before = selectors.margin_overview(account=account).snapshot.asset(data["asset"]).owed
    try:
        services.margin_repay(
            account=account,
            asset=data["asset"],
            amount=amount,
            idempotency_key=str(data["idempotency_key"]),
        )
    except (SandboxError, MarginLocked) as error:
        return _refused(request, account, name="repay", form=form, error=error.message)
    after = selectors.margin_overview(account=account).snapshot.asset(data["asset"]).owed
    asset = data["asset"]
    words = {
        "amount": format_amount(before - after, asset),
        "asset": asset,
        "left": format_amount(after, asset),
    }
    if after:
        messages.success(
            request,
            _("Repaid %(amount)s %(asset)s (interest first). Still owed: %(left)s %(asset)s.")
            % words,
        )
    else:
        messages.success(
            request, _("Repaid %(amount)s %(asset)s: nothing is owed in %(asset)s now.") % words
        )
    return redirect("sandbox:margin")


@margin_required
@require_POST
def margin_order_place(request):
    account = services.account_sync(user=request.user)
    form = MarginOrderForm(request.POST)
    if not form.is_valid():
        return _refused(request, account, name="order", form=form)
    data = form.cleaned_data
    try:
        order = order_place_from_form(
            account,
            data,
            wallet=MARGIN_WALLET,
            side_effect=data.get("side_effect") or SIDE_EFFECT_NONE,
        )
    except (SandboxError, MarginLocked) as error:
        return _refused(request, account, name="order", form=form, error=error.message)
    messages.success(request, order_done_message(order))
    return redirect(_margin_url(symbol=data["symbol"]))


# --- Liquidation report ------------------------------------------------------------


@margin_required
@require_GET
def liquidation_detail(request, liquidation_id: int):
    account = services.account_sync(user=request.user)
    report = selectors.liquidation_report(account=account, liquidation_id=liquidation_id)
    liquidation = report.liquidation
    context = {
        "title": _("Liquidation report"),
        "section": "margin",
        "report": report,
        "liquidation": liquidation,
        "cooling_off_until": report.cooling_off_until,
        "chart": charts.margin_level_path_chart(
            path=report.path,
            trigger_minute=liquidation.trigger_minute,
            margin_kind=liquidation.margin_kind,
            chart_id=f"liquidation-{liquidation.pk}",
        ),
        "prices": sorted(report.prices.items()),
    }
    return render(request, "sandbox/liquidation.html", context)


# --- Margin settings ---------------------------------------------------------------


def settings_margin_context(account) -> dict:
    """The margin part of the settings page (for activated learners)."""
    settings = selectors.settings_of(account)
    return {
        "margin_settings": settings,
        "cooling_off_until": selectors.cooling_off_end(
            settings, selectors.account_clock(account).time
        ),
        "margin_settings_form": MarginSettingsForm(
            initial=MarginSettingsForm.initial_from(settings)
        ),
        "cooling_off_form": CoolingOffForm(),
    }


def _settings_page(request, account, *, status: int = 200, **forms):
    from sandbox.views import _settings_context

    context = _settings_context(account, request=request)
    context |= {name: form for name, form in forms.items() if form is not None}
    return render(request, "sandbox/settings.html", context, status=status)


@margin_required
@require_POST
def margin_settings_update(request):
    account = services.account_sync(user=request.user)
    form = MarginSettingsForm(request.POST)
    if form.is_valid():
        settings = selectors.settings_of(account)
        changes = {
            name: value
            for name, value in form.changes().items()
            if getattr(settings, name) != value
        }
        if not changes:
            messages.info(request, _("Nothing changed: these are already your settings."))
            return redirect("sandbox:settings")
        try:
            services.settings_update(
                account=account,
                idempotency_key=str(form.cleaned_data["idempotency_key"]),
                **changes,
            )
        except (SandboxError, MarginLocked) as error:
            field = getattr(error, "field", None)
            field = SETTING_FIELDS.get(field, field)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, _("Your Cross Margin settings are saved."))
            return redirect("sandbox:settings")
    form.renew_key()
    return _settings_page(request, account, status=INVALID, margin_settings_form=form)


@margin_required
@require_POST
def cooling_off_start(request):
    account = services.account_sync(user=request.user)
    form = CoolingOffForm(request.POST)
    if form.is_valid():
        try:
            settings = services.cooling_off_start(
                account=account,
                days=form.cleaned_data["days"],
                idempotency_key=str(form.cleaned_data["idempotency_key"]),
            )
        except (SandboxError, MarginLocked) as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Your cooling-off period runs until %(end)s UTC (sandbox time). No "
                    "borrowing, no new margin positions and no transfers into Cross Margin "
                    "until then."
                )
                % {"end": date_format(settings.cooling_off_until, "DATETIME_FORMAT")},
            )
            return redirect("sandbox:settings")
    form.renew_key()
    return _settings_page(request, account, status=INVALID, cooling_off_form=form)


# --- Insurance fund (public) -------------------------------------------------------


@require_GET
def insurance_fund(request):
    """The insurance fund's balance and its flows: public, no login (SPEC §6.6)."""
    fund = selectors.insurance_fund_overview()
    context = {
        "title": _("Insurance fund"),
        "fund": fund,
        "chart": charts.insurance_fund_chart(fund.days),
        "recent_days": list(reversed(fund.days))[:14],
    }
    return render(request, "insurance_fund/index.html", context)
