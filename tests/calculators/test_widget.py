"""``{% calculator_widget %}``: the page's own form and result, embedded in another page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory


def render(source: str, **context) -> str:
    request = RequestFactory().get("/learn/futures/liquidation/")
    template = Template("{% load calculators %}" + source)
    return template.render(Context({"request": request, **context}))


def test_it_renders_a_live_form_and_result_with_the_prefill():
    html = render(
        '{% calculator_widget "liquidation-price" side="long" entry_price="10000" '
        'quantity="1" margin_mode="isolated" leverage="10" %}'
    )
    # GET to the calculator page: works without JavaScript, and htmx swaps the result.
    assert 'action="/calculators/liquidation-price/"' in html
    assert 'hx-get="/calculators/liquidation-price/"' in html
    assert 'hx-target="#w1-liquidation-price-result"' in html
    # The widget tells the page its prefix and keeps the lesson's URL.
    assert '"X-Calculator-Prefix": "w1-liquidation-price"' in html
    assert "hx-push-url" not in html
    assert 'value="10000"' in html
    assert "9,036.14457831" in html
    assert '<ol class="steps">' in html


def test_inputs_not_prefilled_keep_the_example_and_exclusive_ones_are_dropped():
    html = render(
        '{% calculator_widget "liquidation-price" margin_mode="cross" wallet_balance="5000" %}'
    )
    # The example's leverage would clash with a wallet balance; the widget drops it.
    leverage = re.search(r'<input[^>]*name="leverage"[^>]*>', html).group(0)
    assert "value=" not in leverage
    assert "No result yet" not in html


def test_prefill_takes_decimals_booleans_and_fills():
    html = render(
        '{% calculator_widget "interest" principal=principal hourly_rate_percent="0.01" '
        'hours="2.5" borrow_minute="40" bnb_discount=True %}'
        '{% calculator_widget "open-price" entry="100@1 200@3" %}',
        principal=Decimal("1000.0"),
    )
    assert 'value="1000.0"' in html
    assert "0.38" in html  # 4 charged hours × 0.095
    assert "175" in html  # (100 + 600) ÷ 4


def test_two_widgets_on_one_page_have_distinct_ids():
    html = render('{% calculator_widget "pnl" %}{% calculator_widget "pnl" id="second-pnl" %}')
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "element ids must be unique on the page"
    assert 'id="w1-pnl-result"' in html
    assert 'id="second-pnl-result"' in html


def test_an_unknown_calculator_fails_loudly_for_the_lesson_author():
    with pytest.raises(TemplateSyntaxError):
        render('{% calculator_widget "moon-price" %}')


def test_the_page_answers_a_widget_with_its_prefix(client):
    response = client.get(
        "/calculators/pnl/",
        {"side": "long", "entry_price": "100", "exit_price": "110", "quantity": "1",
         "leverage": "2"},
        HTTP_HX_REQUEST="true",
        HTTP_X_CALCULATOR_PREFIX="w2-pnl",
        HTTP_HX_CURRENT_URL="http://testserver/learn/leverage/pnl/",
    )  # fmt: skip
    html = response.content.decode()
    assert 'id="w2-pnl-side_error"' in html
    assert 'id="w2-pnl-chart-title"' in html
    assert "HX-Push-Url" not in response


def test_a_malformed_prefix_header_is_ignored(client):
    response = client.get(
        "/calculators/pnl/", HTTP_HX_REQUEST="true", HTTP_X_CALCULATOR_PREFIX='x" onload="1'
    )
    html = response.content.decode()
    assert 'id="calc-side_error"' in html
    assert "onload" not in html
