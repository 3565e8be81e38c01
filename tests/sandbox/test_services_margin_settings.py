"""Margin settings (SPEC §6.1) and the cooling-off period (§6.6): validation per field,
the history rows, and exactly what a cooling-off period blocks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from notifications.models import Notification
from sandbox import services
from sandbox.errors import CoolingOffActive, InvalidSettings
from sandbox.models import SandboxSettings, SettingsChange
from tests.sandbox.factories import NOW, key
from tests.sandbox.margin_helpers import activate, amounts, deposit

D = Decimal
pytestmark = pytest.mark.usefixtures("fixed_prices")


@pytest.fixture
def account(sandbox_account):
    return activate(sandbox_account)


def update(account, form_key=None, **changes):
    return services.settings_update(
        account=account, idempotency_key=form_key or key(), now=NOW, **changes
    )


# --- Settings ------------------------------------------------------------------------


def test_it_changes_every_setting_and_records_each_change(account):
    settings = update(
        account,
        use_bnb_for_fees=True,
        use_bnb_for_interest=True,
        auto_topup_enabled=True,
        auto_topup_assets=["USDT", "BTC"],
        auto_topup_target=D("1.8"),
        margin_call_alert_level=D("1.4"),
        margin_kind="cross5x",
    )

    stored = SandboxSettings.objects.get(account=account)
    assert stored == settings
    assert (stored.auto_topup_assets, stored.auto_topup_target) == (["USDT", "BTC"], D("1.8"))
    assert stored.margin_kind == "cross5x"
    changes = {c.setting: (c.old_value, c.new_value) for c in SettingsChange.objects.all()}
    assert changes == {
        "use_bnb_for_fees": ("off", "on"),
        "use_bnb_for_interest": ("off", "on"),
        "auto_topup_enabled": ("off", "on"),
        "auto_topup_assets": ("", "USDT, BTC"),
        "auto_topup_target": ("1.5", "1.8"),
        "margin_call_alert_level": ("", "1.4"),
        "margin_kind": ("cross3x", "cross5x"),
    }


def test_an_unchanged_value_writes_no_history(account):
    update(account, use_bnb_for_fees=False, margin_kind="cross3x")

    assert not SettingsChange.objects.exists()


def test_a_double_submitted_settings_form_applies_once(account):
    form_key = key()
    update(account, form_key=form_key, auto_topup_target=D("1.7"))
    update(account, form_key=form_key, auto_topup_target=D("1.9"))

    assert SandboxSettings.objects.get(account=account).auto_topup_target == D("1.7")
    assert SettingsChange.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"auto_topup_target": D("1.3")},
            "auto_topup_target",
            "The top-up target must be above the margin-call level of Cross 3x (1.30).",
        ),
        (
            {"margin_kind": "cross5x", "auto_topup_target": D("1.16")},
            "auto_topup_target",
            "The top-up target must be above the margin-call level of Cross 5x (1.16).",
        ),
        (
            {"margin_call_alert_level": D("1.29")},
            "margin_call_alert_level",
            "The alert level cannot be below the margin-call level of Cross 3x (1.30).",
        ),
        (
            {"auto_topup_assets": ["USDT", "BTC", "ETH", "BNB"]},
            "auto_topup_assets",
            "Choose at most 3 assets for auto top-up.",
        ),
        (
            {"auto_topup_assets": ["USDT", "USDT"]},
            "auto_topup_assets",
            "Each asset can be chosen once.",
        ),
        (
            {"auto_topup_assets": ["DOGE"]},
            "auto_topup_assets",
            "Auto top-up can use only these spot assets: USDT, USDC, BTC, ETH, BNB.",
        ),
        ({"auto_topup_assets": "USDT"}, "auto_topup_assets", "Choose up to 3 spot assets."),
        (
            {"auto_topup_enabled": True},
            "auto_topup_assets",
            "Choose at least one spot asset for auto top-up to use.",
        ),
        ({"margin_kind": "cross10x"}, "margin_kind", "Choose Cross 3x or Cross 5x."),
        (
            {"auto_topup_target": D("1.55555")},
            "auto_topup_target",
            "Enter a level below 1,000.00 with at most 4 digits after the decimal point.",
        ),
        (
            {"margin_call_alert_level": "high"},
            "margin_call_alert_level",
            "Enter a level such as 1.5.",
        ),
        (
            {"use_bnb_for_interest": "yes"},
            "use_bnb_for_interest",
            "Choose whether to pay interest in BNB.",
        ),
        ({"auto_topup_enabled": 1}, "auto_topup_enabled", "Choose whether auto top-up is on."),
    ],
)
def test_each_setting_is_validated_with_a_message_for_its_field(account, changes, field, message):
    with pytest.raises(InvalidSettings) as refused:
        update(account, **changes)

    assert (refused.value.field, refused.value.message) == (field, message)
    assert not SettingsChange.objects.exists()


def test_the_kind_can_switch_only_without_debt(account):
    deposit(account, "USDT", "1000")
    services.margin_borrow(
        account=account, asset="USDT", amount=D("100"), idempotency_key=key(), now=NOW
    )

    with pytest.raises(InvalidSettings) as refused:
        update(account, margin_kind="cross5x")

    assert refused.value.field == "margin_kind"
    assert refused.value.message == (
        "You can switch between Cross 3x and Cross 5x only without debt: repay every loan "
        "and its interest first."
    )
    services.margin_repay(
        account=account, asset="USDT", amount=None, idempotency_key=key(), now=NOW
    )
    assert update(account, margin_kind="cross5x").margin_kind == "cross5x"


def test_switching_to_3x_checks_the_target_against_3x(account):
    update(account, margin_kind="cross5x", auto_topup_target=D("1.2"))

    with pytest.raises(InvalidSettings) as refused:
        update(account, margin_kind="cross3x")

    assert refused.value.field == "auto_topup_target"
    assert update(account, margin_kind="cross3x", auto_topup_target=D("1.5")).margin_kind == (
        "cross3x"
    )


def test_the_alert_level_can_go_back_to_the_kinds_level(account):
    update(account, margin_call_alert_level=D("1.5"))
    settings = update(account, margin_call_alert_level=None)

    assert settings.margin_call_alert_level is None


# --- Cooling-off -----------------------------------------------------------------------


def cool_off(account, days=1, form_key=None):
    return services.cooling_off_start(
        account=account, days=days, idempotency_key=form_key or key(), now=NOW
    )


@pytest.fixture
def short_btc(account):
    """1,000 USDT in Cross Margin, 0.01 BTC borrowed and sold: a small short."""
    services.margin_transfer(
        account=account,
        asset="USDT",
        amount=D("1000"),
        direction="in",
        idempotency_key=key(),
        now=NOW,
    )
    services.margin_borrow(
        account=account, asset="BTC", amount=D("0.01"), idempotency_key=key(), now=NOW
    )
    services.order_place(
        account=account,
        wallet="cross",
        symbol="BTCUSDT",
        side="sell",
        order_type="market",
        quantity=D("0.01"),
        idempotency_key=key(),
        now=NOW,
    )
    return account


def cross_order(account, **fields):
    order = {
        "wallet": "cross",
        "symbol": "BTCUSDT",
        "side": "buy",
        "order_type": "market",
        "idempotency_key": key(),
        "now": NOW,
    } | fields
    return services.order_place(account=account, **order)


def test_cooling_off_blocks_borrowing_new_positions_and_transfers_in(short_btc):
    account = short_btc
    settings = cool_off(account, days=1)
    assert settings.cooling_off_until == NOW + timedelta(days=1)

    blocked = [
        lambda: services.margin_borrow(
            account=account, asset="USDT", amount=D("100"), idempotency_key=key(), now=NOW
        ),
        lambda: services.margin_transfer(
            account=account,
            asset="USDT",
            amount=D("10"),
            direction="in",
            idempotency_key=key(),
            now=NOW,
        ),
        # Auto-borrow: 2,000 USDT of BTC with about 1,499 USDT in the wallet.
        lambda: cross_order(account, quote_amount=D("2000"), side_effect="auto_borrow"),
        # A new position: buying ETH, which is not owed.
        lambda: cross_order(account, symbol="ETHUSDT", quote_amount=D("100")),
        # Buying back more BTC than the 0.01000001 owed enlarges a position.
        lambda: cross_order(account, quantity=D("0.02")),
    ]
    for call in blocked:
        with pytest.raises(CoolingOffActive) as refused:
            call()
        assert refused.value.message.startswith("Your cooling-off period runs until ")

    with pytest.raises(CoolingOffActive) as refused:
        cross_order(account, symbol="ETHUSDT", quote_amount=D("100"))
    assert refused.value.message.endswith(
        "until then you cannot open or enlarge a margin position: a Cross Margin buy may only "
        "buy back what you owe (0 ETH at most)."
    )


def test_cooling_off_still_allows_closing_repaying_and_transferring_out(short_btc):
    account = short_btc
    deposit(account, "ETH", "1")
    cool_off(account, days=3)

    cross_order(account, quantity=D("0.005"))  # buy back half the short
    cross_order(account, side="buy", quantity=D("0.005"), side_effect="auto_repay")
    cross_order(account, symbol="ETHUSDT", side="sell", quantity=D("0.5"))  # sell a holding
    services.margin_repay(account=account, asset="BTC", amount=None, idempotency_key=key(), now=NOW)
    services.margin_transfer(
        account=account,
        asset="USDT",
        amount=D("100"),
        direction="out",
        idempotency_key=key(),
        now=NOW,
    )
    services.order_place(  # Spot trading is not margin
        account=account,
        symbol="ETHUSDT",
        side="buy",
        order_type="market",
        quote_amount=D("100"),
        idempotency_key=key(),
        now=NOW,
    )

    held = amounts(account)
    # 0.01000001 BTC owed; two buys of 0.005 received 0.004995 each (0.1 % fee), and
    # both went back to the pool (auto-repay, then repay all).
    assert held[("cross_debt", "BTC")] + held[("cross_interest", "BTC")] == D("0.00001001")


def test_cooling_off_cannot_be_cancelled_or_shortened_only_extended(account):
    cool_off(account, days=3)

    with pytest.raises(InvalidSettings) as refused:
        cool_off(account, days=1)
    assert refused.value.field == "cooling_off_days"
    assert refused.value.message.startswith("Your cooling-off period already runs until ")
    assert refused.value.message.endswith(
        "It cannot be cancelled or shortened; choose a period that ends later to extend it."
    )
    with pytest.raises(InvalidSettings):
        cool_off(account, days=3)  # same end: not later
    with pytest.raises(TypeError):
        services.settings_update(
            account=account, cooling_off_until=None, idempotency_key=key(), now=NOW
        )

    settings = cool_off(account, days=7)

    assert settings.cooling_off_until == NOW + timedelta(days=7)
    assert SettingsChange.objects.filter(setting="cooling_off_until").count() == 2
    notes = Notification.objects.filter(kind="cooling_off_started")
    assert notes.count() == 2
    assert notes.first().link == "/sandbox/settings/"


@pytest.mark.parametrize("days", [0, 2, 14, "7", 7.0, None, True])
def test_cooling_off_lasts_1_3_or_7_days(account, days):
    with pytest.raises(InvalidSettings) as refused:
        cool_off(account, days=days)

    assert refused.value.message == "Choose a cooling-off period of 1 day, 3 days or 1 week."


def test_cooling_off_ends_with_sandbox_time(account):
    deposit(account, "USDT", "1000")
    cool_off(account, days=1)
    services.clock_fast_forward(account=account, hours=24, idempotency_key=key(), now=NOW)
    services.clock_fast_forward(account=account, hours=1, idempotency_key=key(), now=NOW)

    services.margin_borrow(
        account=account, asset="USDT", amount=D("100"), idempotency_key=key(), now=NOW
    )

    assert amounts(account)[("cross_debt", "USDT")] == D("100")


def test_a_cooling_off_start_applies_once_per_form(account):
    form_key = key()
    cool_off(account, days=1, form_key=form_key)
    cool_off(account, days=7, form_key=form_key)

    assert SandboxSettings.objects.get(account=account).cooling_off_until == NOW + timedelta(days=1)
    assert Notification.objects.count() == 1
