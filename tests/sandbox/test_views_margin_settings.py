"""The Cross Margin part of the settings page: shown to margin learners only, every field
labelled, form errors next to their field, an unchanged form calls no service."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sandbox.models import SettingsChange
from tests.sandbox.factories import key
from tests.sandbox.margin_page_helpers import activate

SETTINGS = "/sandbox/settings/"
MARGIN_SETTINGS = "/sandbox/settings/margin/"
COOLING_OFF = "/sandbox/settings/cooling-off/"
pytestmark = pytest.mark.usefixtures("frozen_clock")

DEFAULTS = {
    "use_bnb_for_fees": "",
    "margin_kind": "cross3x",
    "margin_call_alert_level": "",
    "auto_topup_target": "1.5",
    "auto_topup_asset_1": "",
    "auto_topup_asset_2": "",
    "auto_topup_asset_3": "",
}


@pytest.fixture
def margin_client(learner_client, learner, account):
    activate(learner)
    return learner_client


def field_error(html: str, field: str) -> str:
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error for {field}"
    return " ".join(re.sub(r"<[^>]+>", " ", match[1]).split())


def test_it_shows_every_margin_setting_with_a_label(margin_client):
    html = margin_client.get(SETTINGS).content.decode()
    # One form holds every setting, the fee setting included (once on the page).
    assert html.count('id="id_use_bnb_for_fees"') == 1
    assert 'id="fees-heading"' not in html
    for field in [
        "days",
        "use_bnb_for_fees",
        "margin_kind",
        "margin_call_alert_level",
        "use_bnb_for_interest",
        "auto_topup_enabled",
        "auto_topup_asset_1",
        "auto_topup_asset_2",
        "auto_topup_asset_3",
        "auto_topup_target",
        "confirm",
    ]:
        assert f'<label for="id_{field}"' in html, field
    assert 'data-testid="topup-tradeoff"' in html
    assert "cannot be cancelled or shortened once it starts" in html
    for days in ("1 day", "3 days", "1 week"):
        assert days in html


def test_it_says_nothing_changed_for_an_unchanged_form(margin_client, account):
    response = margin_client.post(
        MARGIN_SETTINGS, DEFAULTS | {"idempotency_key": key()}, follow=True
    )
    assert "Nothing changed" in response.content.decode()
    assert not SettingsChange.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("margin_kind", "cross10x", "Select a valid choice"),
        ("auto_topup_target", "abc", "Enter a plain number"),
        ("margin_call_alert_level", "-1", "greater than zero"),
        ("auto_topup_asset_1", "DOGE", "Select a valid choice"),
    ],
)
def test_it_shows_a_form_error_next_to_its_field(margin_client, field, value, message):
    response = margin_client.post(
        MARGIN_SETTINGS, DEFAULTS | {field: value, "idempotency_key": key()}
    )
    assert response.status_code == 422
    assert message.lower() in field_error(response.content.decode(), field).lower()
    assert not SettingsChange.objects.exists()


def test_it_refuses_a_cooling_off_without_the_confirmation(margin_client, account):
    response = margin_client.post(COOLING_OFF, {"days": "7", "idempotency_key": key()})
    assert response.status_code == 422
    assert "Tick the box to confirm" in field_error(response.content.decode(), "confirm")
    assert not SettingsChange.objects.exists()


def test_it_refuses_a_cooling_off_length_that_is_not_offered(margin_client):
    response = margin_client.post(
        COOLING_OFF, {"days": "2", "confirm": "on", "idempotency_key": key()}
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()


def test_another_learner_sees_only_their_own_settings(client, learner, account, other_learner):
    from sandbox.selectors import settings_of

    activate(learner)
    settings = settings_of(account)
    settings.auto_topup_target = "1.8"
    settings.save()
    activate(other_learner)
    client.force_login(other_learner)
    html = client.get(SETTINGS).content.decode()
    assert 'value="1.5' in html
    assert 'value="1.8' not in html


def test_it_reads_the_settings_page_of_a_margin_learner_in_fixed_queries(
    margin_client, django_assert_num_queries
):
    margin_client.get(SETTINGS)
    # session, user, account lock (+ savepoint), settings, unread count, activation.
    with django_assert_num_queries(8):
        margin_client.get(SETTINGS)


def test_the_urls_exist():
    assert reverse("sandbox:margin_settings") == MARGIN_SETTINGS
    assert reverse("sandbox:cooling_off") == COOLING_OFF
