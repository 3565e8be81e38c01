"""Admin: every sandbox model is visible to staff; only scenarios can be edited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from sandbox import pricing, services
from sandbox.models import ScenarioEvent
from tests.sandbox.factories import NOW, ScenarioEventFactory, key

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


# --- scenario events never rewrite prices an account has lived through (SPEC §6.3) ------


def _event_form(start, **overrides):
    data = {
        "symbol": "BTCUSDT",
        "start_0": start.strftime("%Y-%m-%d"),
        "start_1": start.strftime("%H:%M:%S"),
        "duration_minutes": "120",
        "move_percent": "-30",
        "is_active": "on",
        "note": "Crash for the class",
    }
    data.update(overrides)
    return data


def test_a_scenario_may_not_start_before_a_minute_an_account_has_lived_through(
    staff_client, sandbox_account
):
    # The account was evaluated up to NOW's minute (12:00); 11:00 has been lived through.
    response = staff_client.post(
        reverse("admin:sandbox_scenarioevent_add"), _event_form(NOW - timedelta(hours=1))
    )

    assert response.status_code == 200
    assert ScenarioEvent.objects.count() == 0
    errors = response.context["adminform"].form.errors["start"]
    assert errors == [
        "This move would start at 2025-03-01 11:00 UTC, but a learner's account has "
        "already lived through the market up to 2025-03-01 12:00 UTC (fast-forwarded "
        "clocks run ahead of real time), and prices someone has seen never change. The "
        "earliest allowed start is 2025-03-01 12:01 UTC."
    ]


def test_the_earliest_allowed_start_is_the_minute_after_the_latest_lived_one(
    staff_client, sandbox_account
):
    url = reverse("admin:sandbox_scenarioevent_add")
    lived = sandbox_account.evaluated_minute

    refused = staff_client.post(url, _event_form(pricing.datetime_of(lived)))
    accepted = staff_client.post(url, _event_form(pricing.datetime_of(lived + 1)))

    assert refused.status_code == 200
    assert accepted.status_code == 302
    assert pricing.minute_of(ScenarioEvent.objects.get().start) == lived + 1


def test_the_account_furthest_ahead_sets_the_limit(
    staff_client, sandbox_account, other_sandbox_account
):
    services.clock_fast_forward(
        account=other_sandbox_account, hours=24, idempotency_key=key(), now=NOW
    )
    url = reverse("admin:sandbox_scenarioevent_add")

    refused = staff_client.post(url, _event_form(NOW + timedelta(hours=23)))
    accepted = staff_client.post(url, _event_form(NOW + timedelta(hours=24, minutes=1)))

    assert "earliest allowed start is 2025-03-02 12:01 UTC" in refused.content.decode()
    assert accepted.status_code == 302
    assert ScenarioEvent.objects.count() == 1


def test_an_inactive_draft_may_sit_in_the_past_but_not_be_switched_on(
    staff_client, sandbox_account
):
    draft = staff_client.post(
        reverse("admin:sandbox_scenarioevent_add"),
        _event_form(NOW - timedelta(days=1), is_active=""),
    )
    event = ScenarioEvent.objects.get()
    switched_on = staff_client.post(
        reverse("admin:sandbox_scenarioevent_change", args=[event.pk]),
        _event_form(NOW - timedelta(days=1)),
    )

    assert draft.status_code == 302
    assert switched_on.status_code == 200
    assert "earliest allowed start" in switched_on.content.decode()
    event.refresh_from_db()
    assert event.is_active is False


def test_a_move_that_shaped_lived_prices_cannot_change_or_go(staff_client, learner):
    event = ScenarioEventFactory(start=NOW - timedelta(hours=2))
    services.account_sync(user=learner, now=NOW)  # lives through the move
    change_url = reverse("admin:sandbox_scenarioevent_change", args=[event.pk])

    changed = staff_client.post(change_url, _event_form(event.start, move_percent="-50"))
    note_only = staff_client.post(change_url, _event_form(event.start, note="Told the class"))
    deleted = staff_client.post(
        reverse("admin:sandbox_scenarioevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert changed.status_code == 200
    assert "Only the note can still change" in changed.content.decode()
    assert note_only.status_code == 302
    assert deleted.status_code == 403
    event.refresh_from_db()
    assert (event.move_percent, event.note, event.is_active) == (
        Decimal("-30"),
        "Told the class",
        True,
    )


def test_the_list_checkbox_cannot_deactivate_a_lived_move(staff_client, learner):
    event = ScenarioEventFactory(start=NOW - timedelta(hours=2))
    services.account_sync(user=learner, now=NOW)

    response = staff_client.post(
        reverse("admin:sandbox_scenarioevent_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(event.pk),
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert "Only the note can still change" in response.content.decode()
    event.refresh_from_db()
    assert event.is_active is True
