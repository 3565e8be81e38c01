"""The Cross Margin page's actions through the real services (``sandbox.services.margin``
and ``settings``): transfer, borrow, repay, the margin order with its preview, the margin
settings and the cooling-off period."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest

from sandbox.ledger import balances_of
from sandbox.models import Account, SettingsChange, Wallet
from sandbox.selectors import settings_of
from tests.sandbox.factories import key
from tests.sandbox.margin_page_helpers import activate

D = Decimal
MARGIN = "/sandbox/margin/"
HTMX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.usefixtures("frozen_clock", "fixed_prices")


@pytest.fixture
def margin_client(learner_client, learner, account):
    activate(learner)
    return learner_client


def amounts(account: Account) -> dict:
    return balances_of(Account.objects.get(pk=account.pk))


def messages_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def transfer(client, amount="1000", asset="USDT", direction="in", idem=None):
    return client.post(
        MARGIN + "transfer/",
        {
            "direction": direction,
            "asset": asset,
            "amount": amount,
            "idempotency_key": idem or key(),
        },
        follow=True,
    )


def borrow(client, amount, asset="BTC"):
    return client.post(
        MARGIN + "borrow/",
        {"asset": asset, "amount": amount, "idempotency_key": key()},
        follow=True,
    )


def settings_form(**changes) -> dict:
    return {
        "use_bnb_for_fees": "",
        "use_bnb_for_interest": "",
        "margin_kind": "cross3x",
        "margin_call_alert_level": "",
        "auto_topup_enabled": "",
        "auto_topup_asset_1": "",
        "auto_topup_asset_2": "",
        "auto_topup_asset_3": "",
        "auto_topup_target": "1.5",
        "idempotency_key": key(),
    } | changes


def field_error(html: str, field: str) -> str:
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error next to {field}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match[1])).split())


def test_it_transfers_in_and_says_so(margin_client, account):
    response = transfer(margin_client, "1,000")
    assert "Moved 1,000.00 USDT from Spot to Cross Margin." in messages_of(response)
    assert amounts(account)[(Wallet.CROSS, "USDT")] == D(1000)
    assert amounts(account)[(Wallet.SPOT, "USDT")] == D(9000)


def test_a_double_submitted_transfer_applies_once(margin_client, account):
    idem = key()
    transfer(margin_client, "100", idem=idem)
    transfer(margin_client, "100", idem=idem)
    assert amounts(account)[(Wallet.CROSS, "USDT")] == D(100)


def test_it_borrows_then_repays_as_much_as_the_wallet_holds(margin_client, account):
    transfer(margin_client, "1000")
    response = borrow(margin_client, "0.01")
    assert "Borrowed 0.01 BTC into Cross Margin." in messages_of(response)
    owed = amounts(account)
    assert owed[(Wallet.CROSS_DEBT, "BTC")] == D("0.01")
    assert owed[(Wallet.CROSS_INTEREST, "BTC")] > 0  # the hour charged at borrowing
    response = margin_client.post(
        MARGIN + "repay/", {"asset": "BTC", "idempotency_key": key()}, follow=True
    )
    # The wallet holds only the 0.01 BTC borrowed; the hour of interest charged at
    # borrowing (0.01 × 1 % ÷ 8,760 = 0.00000001 BTC) is repaid first, so that much of the
    # loan stays owed, and the page says so.
    assert "Repaid 0.01 BTC (interest first). Still owed: 0.00000001 BTC." in messages_of(response)
    after = amounts(account)
    assert after[(Wallet.CROSS_DEBT, "BTC")] == D("0.00000001")
    assert after.get((Wallet.CROSS_INTEREST, "BTC"), D(0)) == 0


def test_a_refused_borrow_shows_the_services_message_and_changes_nothing(margin_client, account):
    transfer(margin_client, "1000")
    before = amounts(account)
    response = margin_client.post(
        MARGIN + "borrow/", {"asset": "BTC", "amount": "1", "idempotency_key": key()}
    )
    assert response.status_code == 422
    assert 'class="form-errors"' in response.content.decode()
    assert amounts(account) == before


def test_transfer_out_is_refused_when_cml_would_not_stay_above_2(margin_client, account):
    transfer(margin_client, "1000")
    borrow(margin_client, "0.02")  # ML 2: already "no transfer out"
    before = amounts(account)
    response = margin_client.post(
        MARGIN + "transfer/",
        {"direction": "out", "asset": "USDT", "amount": "10", "idempotency_key": key()},
    )
    assert response.status_code == 422
    assert amounts(account) == before


def test_the_preview_shows_margin_levels_and_the_auto_borrow(margin_client, account):
    transfer(margin_client, "100")
    params = {
        "symbol": "BTCUSDT",
        "side": "buy",
        "order_type": "market",
        "quote_amount": "130",
        "side_effect": "auto_borrow",
    }
    response = margin_client.get(MARGIN + "orders/preview/", params, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # the preview region only
    assert "30.00 USDT" in html  # exactly the shortfall
    assert re.search(r'data-testid="ml-before">\s*∞', html)
    assert not re.search(r'data-testid="ml-after">\s*∞', html)
    # Without JavaScript: the whole page with the same preview.
    page = margin_client.get(MARGIN, params)
    assert 'data-testid="auto-borrow"' in page.content.decode()


def test_a_margin_buy_with_auto_borrow_borrows_the_shortfall(margin_client, account):
    transfer(margin_client, "100")
    response = margin_client.post(
        MARGIN + "orders/",
        {
            "symbol": "BTCUSDT",
            "side": "buy",
            "order_type": "market",
            "quote_amount": "130",
            "side_effect": "auto_borrow",
            "idempotency_key": key(),
        },
        follow=True,
    )
    assert "Bought" in messages_of(response)
    after = amounts(account)
    assert after[(Wallet.CROSS_DEBT, "USDT")] == D(30)
    assert after.get((Wallet.SPOT, "BTC"), D(0)) == 0  # it traded from Cross Margin


def test_it_saves_margin_settings_and_records_each_change(margin_client, account):
    response = margin_client.post(
        MARGIN.replace("margin/", "settings/margin/"),
        settings_form(auto_topup_enabled="on", auto_topup_asset_1="USDT", auto_topup_target="1.8"),
        follow=True,
    )
    assert "Your Cross Margin settings are saved." in messages_of(response)
    settings = settings_of(Account.objects.get(pk=account.pk))
    assert settings.auto_topup_enabled is True
    assert settings.auto_topup_assets == ["USDT"]
    assert settings.auto_topup_target == D("1.8")
    assert set(SettingsChange.objects.values_list("setting", flat=True)) == {
        "auto_topup_enabled",
        "auto_topup_assets",
        "auto_topup_target",
    }
    history = margin_client.get("/sandbox/history/").content.decode()
    assert "Settings change" in history


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"auto_topup_target": "1.2"}, "auto_topup_target"),
        ({"margin_call_alert_level": "1.2"}, "margin_call_alert_level"),
        ({"auto_topup_asset_1": "BTC", "auto_topup_asset_2": "BTC"}, "auto_topup_asset_1"),
    ],
)
def test_it_shows_a_refused_setting_next_to_its_field(margin_client, account, changes, field):
    response = margin_client.post("/sandbox/settings/margin/", settings_form(**changes))
    assert response.status_code == 422
    assert field_error(response.content.decode(), field)
    assert not SettingsChange.objects.exists()


def test_the_margin_kind_cannot_change_with_debt(margin_client, account):
    transfer(margin_client, "1000")
    borrow(margin_client, "0.001")
    response = margin_client.post("/sandbox/settings/margin/", settings_form(margin_kind="cross5x"))
    assert response.status_code == 422
    assert field_error(response.content.decode(), "margin_kind")
    assert settings_of(Account.objects.get(pk=account.pk)).margin_kind == "cross3x"


def test_a_cooling_off_period_shows_its_end_and_blocks_borrowing(margin_client, account):
    transfer(margin_client, "1000")
    response = margin_client.post(
        "/sandbox/settings/cooling-off/",
        {"days": "3", "confirm": "on", "idempotency_key": key()},
        follow=True,
    )
    text = messages_of(response)
    assert "Your cooling-off period runs until 6 Mar 2025, 12:00 UTC" in text
    for page in (MARGIN, "/sandbox/settings/"):
        assert 'data-testid="cooling-off"' in margin_client.get(page).content.decode()
    before = amounts(account)
    refused = margin_client.post(
        MARGIN + "borrow/", {"asset": "USDT", "amount": "100", "idempotency_key": key()}
    )
    assert refused.status_code == 422
    assert amounts(account) == before
    # A shorter one cannot replace it.
    shorter = margin_client.post(
        "/sandbox/settings/cooling-off/", {"days": "1", "confirm": "on", "idempotency_key": key()}
    )
    assert shorter.status_code == 422


def test_bob_acts_on_his_own_account_only(client, learner, account, other_learner):
    from sandbox import services

    activate(other_learner)
    bob = services.account_sync(user=other_learner)
    client.force_login(other_learner)
    alice_before = amounts(account)
    transfer(client, "500")
    assert amounts(account) == alice_before
    assert amounts(bob)[(Wallet.CROSS, "USDT")] == D(500)
