"""Guidance around the numbers: the index grouped for a beginner, notes on results that are
legal but surprising, and the next step after each result."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from calculators.definitions import DEFINITIONS, GROUPS


def _text(html: str) -> str:
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def test_every_calculator_is_in_exactly_one_group():
    slugs = [slug for group in GROUPS for slug in group.slugs]
    assert sorted(slugs) == sorted(DEFINITIONS)
    assert [group.name for group in GROUPS] == ["futures", "margin", "spot"]


def test_the_index_is_grouped_and_numbered_in_a_beginners_order(client):
    html = client.get("/calculators/").content.decode()
    sections = re.findall(r'<section class="calc-group".*?</section>', html, re.S)
    assert len(sections) == 3
    futures, margin, spot = sections
    assert "Futures (USDT-margined)" in futures and "Cross Margin" in margin and "Spot" in spot
    order = re.findall(r'data-calculator="([^"]+)"', futures)
    assert order[0] == "initial-margin"  # where a beginner starts
    assert re.findall(r'data-calculator="([^"]+)"', margin)[0] == "margin-level"
    assert '<span class="step-number">1.</span>' in futures


def _notes(html: str) -> list[str]:
    return [_text(n) for n in re.findall(r'<p class="notice warn calc-surprise">(.*?)</p>', html)]


def test_auto_borrow_says_it_only_covers_the_shortfall_and_max_borrow_applies(client):
    html = client.get(
        "/calculators/auto-borrow/", {"wallet_balance": "500", "order_amount": "1500000"}
    ).content.decode()
    (note,) = _notes(html)
    assert "covers only the shortfall: 1,499,500 = order 1,500,000 − wallet 500" in note
    assert "maximum borrow applies" in note
    assert "larger than what you hold" in note
    assert 'href="/calculators/max-borrow/?collateral_value=500"' in html


def test_auto_borrow_of_nothing_needs_no_note(client):
    html = client.get(
        "/calculators/auto-borrow/", {"wallet_balance": "500", "order_amount": "200"}
    ).content.decode()
    assert _notes(html) == []


def test_a_max_borrow_of_zero_says_why(client):
    html = client.get(
        "/calculators/max-borrow/",
        {"collateral_value": "1400", "total_liabilities": "1000", "margin_kind": "cross3x"},
    ).content.decode()
    assert '0.00 <span class="unit">USDT' in html
    (note,) = _notes(html)
    assert "the collateral value 1,400.00 USDT does not exceed I × (liabilities + interest)" in note
    # CML 1.4 ≤ I = 1.5 (Cross 3x's borrow threshold).
    assert "collateral margin level is 1.40, at or below the borrow threshold I = 1.5" in note


def test_a_position_capped_by_the_bracket_says_so(client):
    html = client.get(
        "/calculators/max-open/",
        {"entry_price": "60000", "available_balance": "10000", "leverage": "125"},
    ).content.decode()
    (note,) = _notes(html)
    assert "would allow 1,250,000.00 USDT" in note
    assert "cap the position at 50,000.00 USDT" in note


def test_a_loss_beyond_the_margin_points_to_the_liquidation_price(client):
    html = client.get(
        "/calculators/pnl/",
        {
            "side": "long",
            "entry_price": "60000",
            "exit_price": "50000",
            "quantity": "1",
            "leverage": "10",
        },
    ).content.decode()
    (note,) = _notes(html)
    assert "more than the 6,000.00 USDT margin you put up" in note


def _next_links(html: str) -> dict[str, str]:
    block = re.search(r'<ul class="calc-next">(.*?)</ul>', html, re.S)
    assert block, "the result ends with next steps"
    return {
        _text(text): html_lib.unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', block.group(1))
    }


@pytest.mark.parametrize("slug", sorted(DEFINITIONS))
def test_every_result_ends_with_next_steps_that_open(client, slug):
    links = _next_links(client.get(f"/calculators/{slug}/").content.decode())
    assert links
    for url in links.values():
        if url.startswith("/calculators/"):
            target = client.get(url).content.decode()
            # Carried numbers are read by the target: it shows a result, not errors.
            assert "No result yet" not in target, url


def test_next_steps_carry_the_numbers_the_target_reads(client):
    html = client.get(
        "/calculators/initial-margin/", {"quantity": "2", "entry_price": "1000", "leverage": "5"}
    ).content.decode()
    links = _next_links(html)
    url = urlsplit(links["The largest position this margin opens"])
    assert url.path == "/calculators/max-open/"
    assert dict(parse_qsl(url.query)) == {
        "entry_price": "1000",
        "available_balance": "400",
        "leverage": "5",
    }
    url = urlsplit(links["Its liquidation price"])
    assert dict(parse_qsl(url.query))["quantity"] == "2"


def test_the_average_price_offers_the_sandbox_order_form_prefilled(client):
    html = client.get(
        "/calculators/open-price/", {"entry": ["60000@0.1", "58000@0.3"]}
    ).content.decode()
    links = _next_links(html)
    (sandbox,) = [u for t, u in links.items() if t.startswith("Try this in the sandbox")]
    url = urlsplit(sandbox)
    assert url.path == "/sandbox/orders/preview/"
    # (6,000 + 17,400) ÷ 0.4 = 58,500 at BTCUSDT's tick.
    assert dict(parse_qsl(url.query)) == {
        "symbol": "BTCUSDT",
        "side": "buy",
        "order_type": "limit",
        "quantity": "0.4",
        "limit_price": "58500",
    }


def test_the_sandbox_order_form_reads_the_carried_numbers(learner_client):
    response = learner_client.get(
        "/sandbox/orders/preview/",
        {
            "symbol": "BTCUSDT",
            "side": "buy",
            "order_type": "limit",
            "quantity": "0.01",
            "limit_price": "58500",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="58500"' in html
    assert 'value="0.01"' in html
