"""A second learner can neither see nor touch the first learner's sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from sandbox import services
from sandbox.models import Account, Balance, LedgerTransaction, OperationKey, Order
from tests.sandbox.factories import key

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def alice_order(learner):
    account = services.account_sync(user=learner)
    services.order_place(
        account=account,
        symbol="ETHUSDT",
        side="buy",
        order_type="market",
        quote_amount=Decimal("1234.56"),
        idempotency_key=key(),
    )
    return services.order_place(
        account=account,
        symbol="BTCUSDT",
        side="buy",
        order_type="limit",
        quantity=Decimal("0.0777"),
        limit_price=Decimal("12345.67"),
        idempotency_key=key(),
    )


def snapshot(account: Account):
    return (
        list(Balance.objects.filter(account=account).values_list("asset", "wallet", "amount")),
        list(Order.objects.filter(account=account).values_list("id", "status")),
        LedgerTransaction.objects.filter(account=account).count(),
        OperationKey.objects.filter(account=account).count(),
        Account.objects.filter(pk=account.pk).values_list("season", "clock_offset_seconds")[0],
    )


def test_it_sends_anonymous_visitors_to_log_in_from_every_sandbox_url(client, alice_order):
    before = snapshot(alice_order.account)
    gets = ["dashboard", "market", "history", "settings", "order_preview"]
    posts = ["order_place", "fast_forward", "settings", "reset"]
    urls = [("get", reverse(f"sandbox:{name}")) for name in gets]
    urls += [("post", reverse(f"sandbox:{name}")) for name in posts]
    urls.append(("post", reverse("sandbox:order_cancel", args=[alice_order.pk])))
    for method, url in urls:
        response = getattr(client, method)(url, {"idempotency_key": key()})
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url
    assert snapshot(alice_order.account) == before


def test_it_shows_bob_only_his_own_sandbox_on_every_page(
    client, learner, other_learner, alice_order
):
    client.force_login(other_learner)
    for name in ("dashboard", "market", "history", "settings", "order_preview"):
        html = client.get(reverse(f"sandbox:{name}")).content.decode()
        # Alice's amounts and her order never reach Bob's pages.
        assert "12,345.67" not in html, name
        assert "0.0777" not in html, name
        assert "1,234.56" not in html, name
    history = client.get(reverse("sandbox:history"), {"season": "1"}).content.decode()
    assert "12,345.67" not in history
    bob = Account.objects.get(user=other_learner)
    assert bob.pk != alice_order.account_id


def test_it_returns_404_when_bob_cancels_alices_order_and_changes_nothing(
    client, learner, other_learner, alice_order
):
    alice = alice_order.account
    before = snapshot(alice)
    client.force_login(other_learner)
    url = reverse("sandbox:order_cancel", args=[alice_order.pk])

    assert client.post(url, {"idempotency_key": key()}).status_code == 404
    assert client.post(url, {"idempotency_key": key()}, HTTP_HX_REQUEST="true").status_code == 404
    assert snapshot(alice) == before


def test_it_lets_bobs_posts_act_on_bobs_account_only(client, learner, other_learner, alice_order):
    alice = alice_order.account
    before = snapshot(alice)
    client.force_login(other_learner)

    client.post(reverse("sandbox:fast_forward"), {"hours": "168", "idempotency_key": key()})
    client.post(
        reverse("sandbox:order_place"),
        {
            "symbol": "BTCUSDT",
            "side": "buy",
            "order_type": "market",
            "quote_amount": "100",
            "idempotency_key": key(),
        },
    )
    client.post(reverse("sandbox:settings"), {"use_bnb_for_fees": "on", "idempotency_key": key()})
    client.post(reverse("sandbox:reset"), {"confirm": "on", "idempotency_key": key()})

    assert snapshot(alice) == before
    bob = Account.objects.get(user=other_learner)
    assert bob.season == 2
    assert bob.clock_offset_seconds == 168 * 3600


def test_it_does_not_let_bob_replay_alices_idempotency_key_into_her_account(
    client, learner, other_learner, alice_order
):
    alice = alice_order.account
    used = OperationKey.objects.filter(account=alice).values_list("key", flat=True).first()
    before = snapshot(alice)
    client.force_login(other_learner)
    client.post(
        reverse("sandbox:order_place"),
        {
            "symbol": "BTCUSDT",
            "side": "buy",
            "order_type": "market",
            "quote_amount": "100",
            "idempotency_key": used,
        },
    )
    assert snapshot(alice) == before
    # Bob's order went through on his own account: keys are per account.
    assert Order.objects.filter(account__user=other_learner).count() == 1


# --- Cross Margin (issue 11) -------------------------------------------------------------


def test_bob_sees_nothing_of_alices_cross_margin_wallet_or_liquidation(
    client, learner, other_learner, fixed_prices
):
    from tests.sandbox.margin_page_helpers import activate, liquidate, prepare

    activate(learner)
    alice = prepare(services.account_sync(user=learner))
    liquidation = liquidate(alice)
    activate(other_learner)
    client.force_login(other_learner)
    before = snapshot(alice)
    margin = client.get(reverse("sandbox:margin")).content.decode()
    assert "1,000.00 USDT" not in margin  # Alice's liabilities
    assert reverse("sandbox:liquidation", args=[liquidation.pk]) not in margin
    assert client.get(reverse("sandbox:liquidation", args=[liquidation.pk])).status_code == 404
    history = client.get(reverse("sandbox:history")).content.decode()
    assert "Borrowed" not in history
    assert snapshot(alice) == before
