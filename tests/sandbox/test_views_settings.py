"""The sandbox settings page: "use BNB for fees" and the account reset."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from sandbox import services
from sandbox.models import Balance, LedgerTransaction, Order, SandboxSettings
from tests.sandbox.factories import key

pytestmark = pytest.mark.usefixtures("frozen_clock")

SETTINGS = reverse("sandbox:settings")
RESET = reverse("sandbox:reset")


def usdt(account) -> Decimal:
    return Balance.objects.get(
        account=account, season=account.season, wallet="spot", asset="USDT"
    ).amount


def test_it_redirects_anonymous_visitors_to_log_in(client):
    for url in (SETTINGS,):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    assert client.post(RESET, {"confirm": "on", "idempotency_key": key()}).status_code == 302


def test_it_renders_the_settings_and_creates_the_account(learner_client, learner):
    response = learner_client.get(SETTINGS)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Use BNB for fees" in html
    assert "I understand my balances go back to 10,000 USDT and this season is archived." in html
    # Cross Margin settings need the margin quiz: no form, a pointer to the quiz.
    assert 'data-testid="margin-settings"' not in html
    assert 'data-testid="cooling-off-form"' not in html
    assert "open once you pass the margin quiz" in html
    assert learner.sandbox_account.season == 1


def test_it_turns_bnb_fees_on_and_off(learner_client, account):
    response = learner_client.post(
        SETTINGS, {"use_bnb_for_fees": "on", "idempotency_key": key()}, follow=True
    )
    assert "paid in BNB" in response.content.decode()
    assert SandboxSettings.objects.get(account=account).use_bnb_for_fees is True
    assert "checked" in learner_client.get(SETTINGS).content.decode()

    learner_client.post(SETTINGS, {"idempotency_key": key()})
    assert SandboxSettings.objects.get(account=account).use_bnb_for_fees is False


def test_it_shows_an_error_for_a_settings_form_without_a_key(learner_client, account):
    before = LedgerTransaction.objects.count()
    response = learner_client.post(SETTINGS, {"use_bnb_for_fees": "on"})
    assert response.status_code == 422
    assert "This form has expired." in response.content.decode()
    assert LedgerTransaction.objects.count() == before
    assert not SandboxSettings.objects.filter(account=account, use_bnb_for_fees=True).exists()


def test_it_refuses_a_reset_without_the_confirmation(learner_client, account):
    services.order_place(
        account=account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quote_amount=Decimal("1000"),
        idempotency_key=key(),
    )
    before = (LedgerTransaction.objects.count(), usdt(account))

    response = learner_client.post(RESET, {"idempotency_key": key()})

    assert response.status_code == 422
    assert "Tick the box to confirm the reset." in response.content.decode()
    account.refresh_from_db()
    assert account.season == 1
    assert (LedgerTransaction.objects.count(), usdt(account)) == before


def test_it_resets_the_account_into_a_new_season(learner_client, account):
    services.order_place(
        account=account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.01"),
        limit_price=Decimal("20000"),
        idempotency_key=key(),
    )

    response = learner_client.post(RESET, {"confirm": "on", "idempotency_key": key()}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("sandbox:dashboard")
    html = response.content.decode()
    assert "Season 2 has started" in html
    assert "10,000.00 USDT" in html
    account.refresh_from_db()
    assert account.season == 2
    assert usdt(account) == Decimal("10000")
    assert Order.objects.get(account=account).status == "cancelled"


def test_it_resets_once_for_a_double_submit(learner_client, account):
    sent = {"confirm": "on", "idempotency_key": key()}
    learner_client.post(RESET, sent)
    learner_client.post(RESET, sent)
    account.refresh_from_db()
    assert account.season == 2


def test_it_refuses_get_on_the_reset_url(learner_client, account):
    assert learner_client.get(RESET).status_code == 405


def test_it_reads_the_settings_page_in_a_fixed_number_of_queries(
    learner_client, account, django_assert_num_queries
):
    learner_client.get(SETTINGS)
    with django_assert_num_queries(SETTINGS_QUERIES):
        learner_client.get(SETTINGS)


# session, user, account lock (+ savepoint), settings, unread count, margin activation
SETTINGS_QUERIES = 8


@pytest.mark.parametrize("value", ["maybe", "2", "<script>", "on\x01"])
def test_it_refuses_a_fee_setting_that_is_not_yes_or_no(learner_client, account, value):
    response = learner_client.post(SETTINGS, {"use_bnb_for_fees": value, "idempotency_key": key()})
    assert response.status_code == 422
    assert "Enter true or false." in response.content.decode()
    assert not SandboxSettings.objects.filter(account=account, use_bnb_for_fees=True).exists()
