"""The Cross Margin forms: they parse what the pages write ("1,000"), and no input - typed
or fuzzed - gets past them and then makes a service fail with anything but a
``SandboxError`` (a message for the learner, never a server error; SPEC §8)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import services
from sandbox.errors import SandboxError
from sandbox.forms import (
    BorrowForm,
    CoolingOffForm,
    MarginOrderForm,
    MarginOrderPreviewForm,
    MarginSettingsForm,
    MarginTransferForm,
    RepayForm,
)
from tests.sandbox.factories import NOW
from tests.sandbox.margin_helpers import activate, deposit

D = Decimal
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
garbage = st.one_of(
    # Sensible values too, so examples get past the form and reach the services.
    st.sampled_from(["10", "100", "0.01", "1,000", "1.5", "1.2"]),
    st.text(max_size=20).map(lambda text: text.replace("\x00", "")),
    st.sampled_from(
        ["", "NaN", "Infinity", "-1", "0", "1e3", "1,000", "1.000,5", "0.000000001", "１２"]
    ),
    st.decimals(min_value=D("0.00000001"), max_value=D("1E16"), places=8).map(str),
)


@pytest.fixture
def account(sandbox_account, fixed_prices):
    account = activate(sandbox_account)
    deposit(account, "USDT", "5000")
    deposit(account, "BTC", "0.1")
    return account


def with_key(**data):
    return {"idempotency_key": str(uuid.uuid4())} | data


def test_amounts_accept_thousands_separators():
    form = MarginTransferForm(data=with_key(direction="in", asset="USDT", amount="1,000.5"))

    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == D("1000.5")


def test_repay_without_an_amount_means_repay_all():
    form = RepayForm(data=with_key(asset="BTC", amount=""))

    assert form.is_valid()
    assert form.cleaned_data["amount"] is None


def test_the_settings_form_gives_the_services_arguments():
    form = MarginSettingsForm(
        data=with_key(
            use_bnb_for_interest="on",
            margin_kind="cross5x",
            margin_call_alert_level="1.2",
            auto_topup_enabled="on",
            auto_topup_asset_1="BTC",
            auto_topup_asset_3="USDT",
            auto_topup_target="1.5",
        )
    )

    assert form.is_valid(), form.errors
    assert form.changes() == {
        "use_bnb_for_fees": False,
        "use_bnb_for_interest": True,
        "margin_kind": "cross5x",
        "margin_call_alert_level": D("1.2"),
        "auto_topup_enabled": True,
        "auto_topup_assets": ["BTC", "USDT"],
        "auto_topup_target": D("1.5"),
    }


def test_the_cooling_off_form_needs_the_confirmation():
    form = CoolingOffForm(data=with_key(days="7"))

    assert not form.is_valid()
    assert form.errors["confirm"] == ["Tick the box to confirm the cooling-off period."]
    form = CoolingOffForm(data=with_key(days="7", confirm="on"))
    assert form.is_valid()
    assert form.cleaned_data["days"] == 7


REACHED: list[str] = []


def outcome(call) -> str:
    try:
        call()
    except SandboxError as error:
        assert error.message
        result = "refused"
    else:
        result = "done"
    REACHED.append(result)
    return result


@FUZZ
@given(
    direction=st.one_of(st.sampled_from(["in", "out"]), garbage),
    asset=st.one_of(st.sampled_from(["USDT", "BTC", "BNB"]), garbage),
    amount=garbage,
)
def test_transfer_form_and_service_never_fail_on_garbage(account, direction, asset, amount):
    form = MarginTransferForm(data=with_key(direction=direction, asset=asset, amount=amount))
    if form.is_valid():
        data = form.cleaned_data
        outcome(
            lambda: services.margin_transfer(
                account=account,
                asset=data["asset"],
                amount=data["amount"],
                direction=data["direction"],
                idempotency_key=str(data["idempotency_key"]),
                now=NOW,
            )
        )


@FUZZ
@given(asset=st.one_of(st.sampled_from(["USDT", "BTC", "ETH"]), garbage), amount=garbage)
def test_borrow_and_repay_forms_and_services_never_fail_on_garbage(account, asset, amount):
    borrow = BorrowForm(data=with_key(asset=asset, amount=amount))
    if borrow.is_valid():
        data = borrow.cleaned_data
        outcome(
            lambda: services.margin_borrow(
                account=account,
                asset=data["asset"],
                amount=data["amount"],
                idempotency_key=str(data["idempotency_key"]),
                now=NOW,
            )
        )
    repay = RepayForm(data=with_key(asset=asset, amount=amount))
    if repay.is_valid():
        data = repay.cleaned_data
        outcome(
            lambda: services.margin_repay(
                account=account,
                asset=data["asset"],
                amount=data["amount"],
                idempotency_key=str(data["idempotency_key"]),
                now=NOW,
            )
        )


@FUZZ
@given(
    symbol=st.one_of(st.sampled_from(["BTCUSDT", "USDCUSDT"]), garbage),
    side=st.one_of(st.sampled_from(["buy", "sell"]), garbage),
    order_type=st.one_of(st.sampled_from(["market", "limit"]), garbage),
    quantity=garbage,
    quote_amount=garbage,
    limit_price=garbage,
    side_effect=st.one_of(st.sampled_from(["none", "auto_borrow", "auto_repay"]), garbage),
)
def test_margin_order_form_and_service_never_fail_on_garbage(
    account, symbol, side, order_type, quantity, quote_amount, limit_price, side_effect
):
    data = {
        "symbol": symbol,
        "side": side,
        "order_type": order_type,
        "quantity": quantity,
        "quote_amount": quote_amount,
        "limit_price": limit_price,
        "side_effect": side_effect,
    }
    assert isinstance(MarginOrderPreviewForm(data=data).is_valid(), bool)
    form = MarginOrderForm(data=with_key(**data))
    if form.is_valid():
        fields = form.cleaned_data
        outcome(
            lambda: services.order_place(
                account=account,
                wallet="cross",
                symbol=fields["symbol"],
                side=fields["side"],
                order_type=fields["order_type"],
                quantity=fields["quantity"],
                quote_amount=fields["quote_amount"],
                limit_price=fields["limit_price"],
                side_effect=fields["side_effect"],
                idempotency_key=str(fields["idempotency_key"]),
                now=NOW,
            )
        )


@FUZZ
@given(
    use_bnb=st.one_of(st.sampled_from(["on", "off", ""]), garbage),
    kind=st.one_of(st.sampled_from(["cross3x", "cross5x"]), garbage),
    alert=garbage,
    enabled=st.one_of(st.sampled_from(["on", ""]), garbage),
    assets=st.lists(st.one_of(st.sampled_from(["USDT", "BTC", "", "BNB"]), garbage), max_size=3),
    target=garbage,
    days=st.one_of(st.sampled_from(["1", "3", "7"]), garbage),
)
def test_settings_forms_and_services_never_fail_on_garbage(
    account, use_bnb, kind, alert, enabled, assets, target, days
):
    data = {
        "use_bnb_for_fees": use_bnb,
        "use_bnb_for_interest": use_bnb,
        "margin_kind": kind,
        "margin_call_alert_level": alert,
        "auto_topup_enabled": enabled,
        "auto_topup_target": target,
    } | {f"auto_topup_asset_{n}": asset for n, asset in enumerate(assets, start=1)}
    form = MarginSettingsForm(data=with_key(**data))
    if form.is_valid():
        outcome(
            lambda: services.settings_update(
                account=account,
                idempotency_key=str(form.cleaned_data["idempotency_key"]),
                now=NOW,
                **form.changes(),
            )
        )
    cooling = CoolingOffForm(data=with_key(days=days, confirm="on"))
    if cooling.is_valid():
        outcome(
            lambda: services.cooling_off_start(
                account=account,
                days=cooling.cleaned_data["days"],
                idempotency_key=str(cooling.cleaned_data["idempotency_key"]),
                now=NOW,
            )
        )


def test_the_fuzzing_above_reached_the_services():
    # Runs after the fuzz tests in this module (pytest keeps file order): garbage that
    # never got past a form would test nothing.
    if not REACHED:
        pytest.skip("runs with the fuzz tests of this module")
    assert "done" in REACHED
    assert "refused" in REACHED
