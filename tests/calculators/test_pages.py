"""Calculator pages: plain GET forms, htmx partials, errors next to the field, no 500s."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from calculators.definitions import DEFINITIONS

LIQUIDATION = "/calculators/liquidation-price/"
ISOLATED_LONG = {
    "side": "long",
    "entry_price": "10000",
    "quantity": "1",
    "margin_mode": "isolated",
    "leverage": "10",
}


def test_the_index_lists_every_calculator_with_its_question(client):
    response = client.get("/calculators/")
    assert response.status_code == 200
    html = response.content.decode()
    for definition in DEFINITIONS.values():
        assert f'href="/calculators/{definition.slug}/"' in html
        assert str(definition.question) in html


@pytest.mark.parametrize("slug", sorted(DEFINITIONS))
def test_a_first_visit_shows_the_worked_example_with_a_result(client, slug):
    response = client.get(f"/calculators/{slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<ol class="steps">' in html
    assert "No result yet" not in html
    # The form is prefilled with the example, so the learner sees where the numbers came from.
    name, value = DEFINITIONS[slug].example[0]
    assert f'name="{name}"' in html
    assert f'value="{value}"' in html


def test_it_shows_every_step_with_the_learners_numbers(client):
    html = client.get(LIQUIDATION, ISOLATED_LONG).content.decode()
    # WB = 10,000 ÷ 10; LP = (1,000 + 0 − 10,000) ÷ (0.004 − 1) = 9,036.14457831
    assert "WB = notional ÷ leverage" in html
    assert "= 10,000 ÷ 10" in html
    assert "9,036.14457831" in html
    assert 'class="label">Bracket check' in html
    assert 'value="10000"' in html  # the inputs stay in the form


def test_invalid_input_shows_the_message_next_to_the_field_and_no_result(client):
    html = client.get(LIQUIDATION, {**ISOLATED_LONG, "leverage": "0"}).content.decode()
    field = re.search(
        r'<div class="calc-field[^"]*" id="calc-field-leverage".*?</div>\s*</div>', html, re.S
    )
    assert field, "the leverage field is on the page"
    assert "Enter a number greater than zero." in field.group(0)
    assert 'aria-invalid="true"' in field.group(0)
    assert '<ol class="steps">' not in html
    assert "No result yet" in html


def test_a_cross_field_rule_from_the_formulas_lands_on_its_field(client):
    html = client.get(LIQUIDATION, {**ISOLATED_LONG, "margin_mode": "cross"}).content.decode()
    field = re.search(r'id="calc-field-leverage".*?</div>\s*</div>', html, re.S).group(0)
    assert "Cross margin uses the wallet balance, not a leverage." in field


def test_garbage_in_the_url_is_a_message_not_a_500(client):
    response = client.get(LIQUIDATION, {**ISOLATED_LONG, "entry_price": "NaN", "side": "up"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a plain number" in html
    assert "Select a valid choice" in html


def test_an_unknown_calculator_is_404(client):
    assert client.get("/calculators/moon-price/").status_code == 404


def test_htmx_gets_only_the_result_partial(client):
    response = client.get(LIQUIDATION, ISOLATED_LONG, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<form" not in html
    assert '<ol class="steps">' in html
    assert "9,036.14457831" in html
    assert "<svg" in html  # the chart is part of the result, so it updates too
    assert "HX-Request" in response["Vary"]
    # The headline next to the inputs (and screen readers' live region) updates out of band.
    assert (
        '<span id="calc-announce" hx-swap-oob="innerHTML">'
        "Liquidation price: 9,036.14457831 USDT</span>"
    ) in html


def test_htmx_on_the_page_pushes_the_clean_shareable_url(client):
    response = client.get(
        LIQUIDATION,
        {**ISOLATED_LONG, "shown_errors": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/calculators/liquidation-price/?side=long",
    )
    pushed = urlsplit(response["HX-Push-Url"])
    assert pushed.path == LIQUIDATION
    assert dict(parse_qsl(pushed.query)) == ISOLATED_LONG


def test_htmx_from_another_page_does_not_push_a_url(client):
    response = client.get(
        LIQUIDATION,
        ISOLATED_LONG,
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/learn/futures/liquidation/",
    )
    assert "HX-Push-Url" not in response


def test_htmx_refreshes_a_field_out_of_band_only_when_its_message_changes(client):
    bad = {**ISOLATED_LONG, "leverage": "0"}
    first = client.get(LIQUIDATION, {**bad, "shown_errors": ""}, HTTP_HX_REQUEST="true")
    html = first.content.decode()
    assert 'id="calc-field-leverage" hx-swap-oob="true"' in html
    assert "Enter a number greater than zero." in html
    state = re.search(r'name="shown_errors" value="([^"]*)"', html).group(1)
    assert state.startswith("leverage:")

    # Same error still shown: the field is left alone (the learner is typing in it).
    again = client.get(LIQUIDATION, {**bad, "shown_errors": state}, HTTP_HX_REQUEST="true")
    assert 'hx-swap-oob="true"' not in again.content.decode()

    # Fixed: the field comes back without its message.
    fixed = client.get(
        LIQUIDATION, {**ISOLATED_LONG, "shown_errors": state}, HTTP_HX_REQUEST="true"
    ).content.decode()
    oob = re.search(r'id="calc-field-leverage" hx-swap-oob="true".*?</div>\s*</div>', fixed, re.S)
    assert oob and "errorlist" not in oob.group(0)
    assert re.search(r'name="shown_errors" value=""', fixed)


def test_a_history_restore_gets_the_whole_page(client):
    response = client.get(
        LIQUIDATION,
        ISOLATED_LONG,
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in response.content.decode()


def test_the_initial_margin_page_explains_the_misconception_with_the_numbers(client):
    html = client.get(
        "/calculators/initial-margin/", {"quantity": "2", "entry_price": "1000", "leverage": "5"}
    ).content.decode()
    # Wrong: 2,000 × 5 + maintenance (2,000 × 0.4 % = 8) = 10,008; right: 2,000 ÷ 5 = 400.
    assert "notional × leverage + maintenance" in html
    assert "2,000 × 5 + 8 = 10,008 USDT" in html
    assert "2,000 ÷ 5 = 400 USDT" in html


def test_the_margin_level_page_names_the_state_and_the_advice(client):
    html = client.get(
        "/calculators/margin-level/", {"total_assets": "12500", "total_liabilities": "10000"}
    ).content.decode()
    assert 'class="badge state-margin_call"' in html
    assert "Margin call: add collateral or reduce the loan." in html


def test_charts_are_accessible_svg_images(client):
    html = client.get("/calculators/margin-level/").content.decode()
    svg = re.search(r"<svg class=\"chart\"[^>]*>", html).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="calc-chart-title calc-chart-desc"' in svg
    assert '<title id="calc-chart-title">' in html
    assert '<desc id="calc-chart-desc">' in html
    assert "Margin call (ML ≤ 1.3)" in html  # the §6.6 bands, named in the legend
    assert 'class="chart-legend"' in html


def test_every_field_has_a_label(client):
    for slug in DEFINITIONS:
        html = client.get(f"/calculators/{slug}/").content.decode()
        inputs = re.findall(r'<(?:input|select)\b[^>]*\bid="([^"]+)"', html)
        for input_id in inputs:
            if input_id.endswith("shown-errors"):
                continue  # hidden bookkeeping, not a field
            assert f'for="{input_id}"' in html, f"{slug}: #{input_id} has no label"


def test_no_inline_styles_or_scripts_in_calculator_pages(client):
    for slug in DEFINITIONS:
        html = client.get(f"/calculators/{slug}/").content.decode()
        assert " style=" not in html
        assert "<style" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)


@pytest.mark.parametrize("slug", sorted(DEFINITIONS))
def test_pages_make_no_database_query_for_visitors(client, db, django_assert_num_queries, slug):
    with django_assert_num_queries(0):
        assert client.get(f"/calculators/{slug}/").status_code == 200
    with django_assert_num_queries(0):
        assert client.get(f"/calculators/{slug}/", HTTP_HX_REQUEST="true").status_code == 200


def test_the_index_makes_no_database_query_for_visitors(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/calculators/").status_code == 200


def test_a_logged_in_learner_costs_three_queries_session_user_and_unread_count(
    learner_client, django_assert_num_queries
):
    # The page header shows the username and the unread notifications: one query for
    # the session, one for the user, one for the count. The calculator itself adds
    # none, and the API never looks at the session at all.
    with django_assert_num_queries(3):
        assert learner_client.get(LIQUIDATION, ISOLATED_LONG).status_code == 200
    with django_assert_num_queries(0):
        response = learner_client.get("/api/calculators/liquidation-price/", ISOLATED_LONG)
        assert response.status_code == 200
    # The htmx fragment has no header either, so typing costs no query even when logged in.
    with django_assert_num_queries(0):
        response = learner_client.get(LIQUIDATION, ISOLATED_LONG, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
