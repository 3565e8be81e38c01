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
    if name == "entry":  # the page shows entry=price@quantity as a row of two boxes
        name, value = "price_1", value.partition("@")[0]
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
    assert "has-error" in field.group(0)
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
        '<span id="calc-announce" hx-swap-oob="innerHTML">Liquidation price: 9,036.14 USDT</span>'
    ) in html


def test_htmx_on_the_page_pushes_the_clean_shareable_url(client):
    response = client.get(
        LIQUIDATION,
        ISOLATED_LONG,
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


def _oob_errors(html: str, name: str) -> str:
    match = re.search(
        rf'<div[^>]*id="calc-{name}_error"[^>]*hx-swap-oob="true"[^>]*>.*?</div>', html, re.S
    )
    assert match, f"the {name} message is swapped out of band"
    return match.group(0)


def test_htmx_swaps_the_field_messages_and_never_the_inputs(client):
    bad = {**ISOLATED_LONG, "leverage": "0"}
    html = client.get(LIQUIDATION, bad, HTTP_HX_REQUEST="true").content.decode()
    assert "Enter a number greater than zero." in _oob_errors(html, "leverage")
    assert "errorlist" not in _oob_errors(html, "quantity")
    # The inputs being typed into are not part of the fragment, so they are never replaced.
    assert "<input" not in html
    assert "shown_errors" not in html

    # Fixed: the message element comes back empty.
    fixed = client.get(LIQUIDATION, ISOLATED_LONG, HTTP_HX_REQUEST="true").content.decode()
    assert "Enter a number" not in _oob_errors(fixed, "leverage")


def test_a_field_always_has_a_message_element_that_its_input_points_to(client):
    html = client.get(LIQUIDATION, ISOLATED_LONG).content.decode()
    for name in ("quantity", "leverage", "side"):
        assert f'id="calc-{name}_error"' in html
        field = re.search(rf'<(?:input|select)[^>]*id="calc-{name}"[^>]*>', html).group(0)
        assert f"calc-{name}_error" in field, field


def test_a_widget_swaps_the_messages_with_its_own_ids(client):
    html = client.get(
        LIQUIDATION,
        {**ISOLATED_LONG, "quantity": "-1"},
        HTTP_HX_REQUEST="true",
        HTTP_X_CALCULATOR_PREFIX="w1-liquidation-price",
    ).content.decode()
    assert re.search(r'id="w1-liquidation-price-quantity_error"[^>]*hx-swap-oob="true"', html)
    assert 'id="calc-' not in html


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
    assert "2,000.00 × 5 + 8.00 = 10,008.00 USDT" in html
    assert "That is about 25 times the 400.00 USDT" in html  # 10,008 ÷ 400 = 25.02
    assert "2,000.00 ÷ 5 = 400.00 USDT" in html
    assert "on BTCUSDT's leverage bracket 1" in html


def test_the_margin_level_page_names_the_state_and_the_advice(client):
    html = client.get(
        "/calculators/margin-level/", {"total_assets": "12500", "total_liabilities": "10000"}
    ).content.decode()
    assert 'class="badge state-margin_call"' in html
    assert "Margin call: add collateral or reduce the loan." in html


def test_charts_are_accessible_svg_images(client):
    html = client.get("/calculators/margin-level/").content.decode()
    svg = re.search(r"<svg class=\"chart chart-wide\"[^>]*>", html).group(0)
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


def test_the_interest_page_shows_the_hourly_charge_as_the_sandbox_posts_it(client):
    html = client.get(
        "/calculators/interest/",
        {"principal": "10000", "daily_rate_percent": "0.02", "hours": "2", "borrow_minute": "40"},
    ).content.decode()
    assert 'data-result="hourly_charge"' in html
    assert "0.08333333" in html  # one charge, rounded to 8 places as posted
    assert "0.24999999" in html  # three of them
    assert "rounded to 8 places as each charge is posted" in html


def test_the_max_borrow_page_takes_the_hourly_rate(client):
    html = client.get(
        "/calculators/max-borrow/",
        {"collateral_value": "15000", "total_liabilities": "5000", "hourly_rate_percent": "1"},
    ).content.decode()
    assert 'name="hourly_rate_percent"' in html
    # 14,563.10679612: a maximum is shown rounded down, so the amount shown can be borrowed.
    assert '14,563.10 <span class="unit">USDT' in html
    assert "14,563.11" not in html


def test_a_position_too_small_to_show_its_margin_still_gets_the_explainer(client):
    response = client.get(
        "/calculators/initial-margin/",
        {"quantity": "0.000000000000000001", "entry_price": "60000", "leverage": "10"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    # 10 × 10 + 10 × 0.4 % of the notional, over the notional: 100.04 → about 100 times.
    assert "That is about 100 times" in html


def test_the_page_accepts_numbers_written_as_it_prints_them(client):
    query = {**ISOLATED_LONG, "entry_price": "10,000", "quantity": "1.000"}
    html = client.get(LIQUIDATION, query).content.decode()
    assert "No result yet" not in html
    assert "9,036.14 USDT" in html
    # The htmx partial reads them the same way.
    html = client.get(LIQUIDATION, query, HTTP_HX_REQUEST="true").content.decode()
    assert "9,036.14 USDT" in html


def test_the_api_stays_strict_about_thousands_separators(client):
    response = client.get(
        "/api/calculators/liquidation-price/", {**ISOLATED_LONG, "entry_price": "10,000"}
    )
    assert response.status_code == 400
    assert "entry_price" in response.json()["errors"]


def _stale_note(html: str) -> str:
    match = re.search(r'<div id="calc-stale" class="stale-note"[^>]*>.*?</div>', html, re.S)
    assert match, "the page has the 'not updated' note element"
    return match.group(0)


def test_a_mistake_typed_with_htmx_keeps_the_last_result_and_says_it_is_not_updated(client):
    bad = {**ISOLATED_LONG, "quantity": "-1"}
    response = client.get(LIQUIDATION, bad, HTTP_HX_REQUEST="true")
    # htmx leaves the result box as it is (the last good result) ...
    assert response["HX-Reswap"] == "none"
    html = response.content.decode()
    # ... and swaps in, out of band, the note that dims it, naming the field to fix.
    note = _stale_note(html)
    assert 'hx-swap-oob="true"' in note
    assert "Not updated:" in note
    assert '<a href="#calc-quantity">Quantity</a>: Enter a number greater than zero.' in note
    assert "Enter a number greater than zero." in _oob_errors(html, "quantity")
    assert "Not updated: fix the inputs. Quantity:" in html  # the live headline


def test_a_good_answer_clears_the_not_updated_note(client):
    response = client.get(LIQUIDATION, ISOLATED_LONG, HTTP_HX_REQUEST="true")
    assert "HX-Reswap" not in response
    note = _stale_note(response.content.decode())
    assert 'hx-swap-oob="true"' in note
    assert "Not updated" not in note


def test_without_javascript_a_mistake_shows_the_messages_and_no_result(client):
    html = client.get(LIQUIDATION, {**ISOLATED_LONG, "quantity": "-1"}).content.decode()
    assert "No result yet" in html
    assert "Not updated" not in _stale_note(html)
    assert '<ol class="steps">' not in html
