"""The margin gate on views defined in tests/accounts/gate_urls.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils.html import escape

from accounts.activation import (
    MARGIN_LOCKED_MESSAGE,
    MarginLocked,
    is_margin_activated,
    require_margin_activation,
)
from accounts.models import MarginActivation
from accounts.services import margin_activation_record

pytestmark = pytest.mark.urls("tests.accounts.gate_urls")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MESSAGE = str(MARGIN_LOCKED_MESSAGE)


def touched(user) -> bool:
    return get_user_model().objects.get(pk=user.pk).first_name != ""


def activate(user):
    return margin_activation_record(user=user, attempt_id=1, statement_version="v", now=NOW)


def test_it_shows_the_locked_panel_on_a_gated_page(learner_client):
    response = learner_client.get("/test-margin/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="margin-locked"' in page
    assert escape(MESSAGE) in page
    assert 'href="/learn/quiz/"' in page
    assert "the margin page" not in page


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/test-margin/", {}),
        ("/test-margin/borrow/", {}),
        ("/test-futures/", {}),
        ("/test-margin/", {"HTTP_HX_REQUEST": "true"}),
    ],
)
def test_it_refuses_a_post_with_403_and_changes_nothing(learner, learner_client, url, headers):
    response = learner_client.post(url, {"amount": "100"}, **headers)
    assert response.status_code == 403
    assert escape(MESSAGE) in response.content.decode()
    assert not touched(learner)


def test_an_htmx_post_also_asks_the_page_to_reload(learner_client):
    response = learner_client.post("/test-margin/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert response["HX-Refresh"] == "true"


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_an_api_call_gets_a_json_403(learner, learner_client, method):
    response = getattr(learner_client, method)("/api/test-margin/")
    assert response.status_code == 403
    assert response.json() == {"error": MESSAGE}
    assert not touched(learner)


def test_the_service_level_check_raises_margin_locked(learner, learner_client):
    with pytest.raises(MarginLocked) as locked:
        require_margin_activation(learner)
    assert locked.value.message == MESSAGE
    assert learner_client.post("/test-service/").status_code == 403
    assert not touched(learner)


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in ("/test-margin/", "/test-futures/"):
        response = client.post(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


def test_it_opens_once_margin_is_activated(learner, learner_client):
    activate(learner)
    assert learner_client.get("/test-margin/").content == b"the margin page"
    assert learner_client.get("/test-futures/").content == b"the futures page"
    assert learner_client.post("/test-margin/borrow/").status_code == 200
    assert learner_client.post("/test-service/").status_code == 200
    assert learner_client.post("/api/test-margin/").status_code == 200
    assert touched(learner)
    assert is_margin_activated(learner)


def test_one_learners_activation_does_not_open_anothers(learner, other_learner, other_client):
    activate(learner)
    assert other_client.post("/test-margin/borrow/").status_code == 403
    assert not touched(other_learner)


def test_the_first_activation_stands(learner):
    first = activate(learner)
    again = margin_activation_record(
        user=learner, attempt_id=99, statement_version="other", now=NOW.replace(hour=12)
    )
    assert again.pk == first.pk
    assert MarginActivation.objects.get(user=learner).activated_at == NOW
    assert MarginActivation.objects.count() == 1


def test_the_header_shows_the_state_and_follows_activation(learner, learner_client):
    page = learner_client.get("/test-margin/").content.decode()
    assert 'data-testid="margin-state">Margin: locked<' in page
    activate(learner)
    # The gate refreshes the header's copy as soon as it sees the activation.
    page = learner_client.get("/learn/quiz/").content.decode()
    assert 'data-testid="margin-state">Margin: active<' in page


def test_logging_in_picks_up_an_activation_made_elsewhere(learner, client):
    activate(learner)
    client.force_login(learner)
    page = client.get("/").content.decode()
    assert "Margin: active" in page


def test_the_gated_page_costs_one_query_for_the_activation(
    learner, learner_client, django_assert_num_queries
):
    # session, user, activation, the header's unread-notifications count
    with django_assert_num_queries(4):
        learner_client.get("/test-margin/")
