"""Garbage into every Cross Margin form and page: a 4xx or a page, never a 500.

The margin services and the Cross order preview are replaced by stand-ins that refuse
(the services' own input checks have their own fuzzing): this exercises the pages' forms,
their error paths and the refusal path. test_views_margin_actions.py runs the real ones.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import selectors, services
from sandbox.errors import SandboxError
from tests.sandbox.margin_page_helpers import activate, prepare

pytestmark = pytest.mark.usefixtures("frozen_clock", "fixed_prices")

HTMX = {"HTTP_HX_REQUEST": "true"}
STAND_IN_MESSAGE = "Refused by the stand-in service."

garbage = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["NaN", "Infinity", "-0", "1e999", "0x10", "１２", "1_000", " ", "+.", ".", "1,000", "10"]
    ),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["in", "out", "USDT", "BTC", "cross3x", "cross5x", "on", "true", "7"]),
)
FIELDS = [
    "idempotency_key",
    "direction",
    "asset",
    "amount",
    "repay_all",
    "symbol",
    "side",
    "order_type",
    "quantity",
    "quote_amount",
    "limit_price",
    "side_effect",
    "margin_kind",
    "margin_call_alert_level",
    "auto_topup_enabled",
    "auto_topup_asset_1",
    "auto_topup_target",
    "use_bnb_for_interest",
    "days",
    "confirm",
]
POSTS = [
    "/sandbox/margin/transfer/",
    "/sandbox/margin/borrow/",
    "/sandbox/margin/repay/",
    "/sandbox/margin/orders/",
    "/sandbox/settings/margin/",
    "/sandbox/settings/cooling-off/",
]
GETS = ["/sandbox/margin/", "/sandbox/margin/orders/preview/", "/insurance-fund/"]


def refuse(**kwargs):
    raise SandboxError(STAND_IN_MESSAGE)


@pytest.fixture
def stand_ins(monkeypatch):
    for name in (
        "margin_transfer",
        "margin_borrow",
        "margin_repay",
        "order_place",
        "settings_update",
        "cooling_off_start",
    ):
        monkeypatch.setattr(services, name, refuse, raising=False)
    monkeypatch.setattr(
        selectors,
        "order_preview",
        lambda **kwargs: selectors.OrderPreview(estimate=None, problems=(STAND_IN_MESSAGE,)),
    )


@pytest.fixture
def margin_client(learner_client, learner, account, stand_ins):
    activate(learner)
    prepare(account)
    return learner_client


def test_a_valid_form_refused_by_the_service_shows_its_message(margin_client):
    from tests.sandbox.factories import key

    response = margin_client.post(
        "/sandbox/margin/borrow/", {"asset": "USDT", "amount": "10", "idempotency_key": key()}
    )
    assert response.status_code == 422
    assert STAND_IN_MESSAGE in response.content.decode()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.dictionaries(st.sampled_from(FIELDS), garbage, max_size=8),
    url=st.sampled_from(POSTS + GETS),
    htmx=st.booleans(),
)
def test_it_never_answers_a_server_error(margin_client, data, url, htmx):
    data = {name: value.replace("\x00", "") for name, value in data.items()}
    extra = HTMX if htmx else {}
    if url in POSTS:
        response = margin_client.post(url, data, **extra)
    else:
        response = margin_client.get(url, data, **extra)
    assert response.status_code < 500


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(liquidation_id=st.integers(min_value=0, max_value=2**63 - 1))
def test_an_unknown_liquidation_is_a_404(margin_client, liquidation_id):
    response = margin_client.get(f"/sandbox/margin/liquidations/{liquidation_id}/")
    assert response.status_code == 404
