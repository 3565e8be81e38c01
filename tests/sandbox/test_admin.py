"""Admin: every sandbox model is visible to staff; only scenarios can be edited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from sandbox.models import ScenarioEvent
from tests.sandbox.factories import NOW

READ_ONLY = [
    "account",
    "balance",
    "ledgertransaction",
    "posting",
    "order",
    "fill",
    "sandboxsettings",
    "operationkey",
]


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_every_sandbox_model_is_registered():
    for model in apps.get_app_config("sandbox").get_models():
        assert admin.site.is_registered(model), model.__name__


@pytest.mark.parametrize("model", [*READ_ONLY, "scenarioevent"])
def test_staff_can_list_and_open_every_model(staff_client, sandbox_account, model):
    response = staff_client.get(reverse(f"admin:sandbox_{model}_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", READ_ONLY)
def test_nobody_can_add_to_the_ledger_in_the_admin(staff_client, sandbox_account, model):
    response = staff_client.get(reverse(f"admin:sandbox_{model}_add"))

    assert response.status_code == 403


def test_a_ledger_row_opens_read_only(staff_client, sandbox_account):
    from sandbox.models import LedgerTransaction

    tx = LedgerTransaction.objects.first()
    url = reverse("admin:sandbox_ledgertransaction_change", args=[tx.pk])

    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"memo": "changed"}).status_code == 403
    assert (
        staff_client.post(
            reverse("admin:sandbox_ledgertransaction_delete", args=[tx.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_staff_can_add_a_scenario(staff_client):
    response = staff_client.get(reverse("admin:sandbox_scenarioevent_add"))
    assert b"stays moved afterwards" in response.content

    response = staff_client.post(
        reverse("admin:sandbox_scenarioevent_add"),
        {
            "symbol": "BTCUSDT",
            "start_0": NOW.strftime("%Y-%m-%d"),
            "start_1": NOW.strftime("%H:%M:%S"),
            "duration_minutes": "120",
            "move_percent": "-30",
            "is_active": "on",
            "note": "Crash for the class",
        },
    )

    assert response.status_code == 302
    event = ScenarioEvent.objects.get()
    assert (event.symbol, event.move_percent, event.duration_minutes) == (
        "BTCUSDT",
        Decimal("-30"),
        120,
    )


def test_learners_cannot_open_the_admin(client, learner):
    client.force_login(learner)

    response = client.get(reverse("admin:sandbox_scenarioevent_changelist"))

    assert response.status_code == 302
