"""Numbers on calculator pages (SPEC §7): one way to write each kind, with its unit, the
same in a result and in its steps; the minus sign "−"; the JSON API keeps plain decimals."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from calculators.definitions import DEFINITIONS, LIMIT, STEP_KINDS
from calculators.forms import FORMS
from config import formatting as fmt

MINUS = "\u2212"


def test_a_ratio_is_rounded_down_so_it_never_reads_as_the_threshold():
    assert fmt.format_ratio(Decimal("1.29999")) == "1.29"
    assert fmt.format_ratio(Decimal("1.13879004")) == "1.13"
    assert fmt.format_ratio(Decimal("1.3")) == "1.30"
    assert fmt.format_ratio(Decimal("12345.678")) == "12,345.67"


def test_each_kind_has_its_places():
    assert fmt.format_price("BTCUSDT", Decimal("59078.72696817")) == "59,078.73"
    assert fmt.format_price("USDCUSDT", Decimal("0.99987")) == "0.9999"
    assert fmt.format_value(Decimal("152.08333333")) == "152.08"
    assert fmt.format_quantity(Decimal("8.33333333")) == "8.33333333"
    assert fmt.format_quantity(Decimal("0.50000000")) == "0.5"
    assert fmt.format_percent(Decimal("12.345")) == "12.34"  # half-even
    assert fmt.format_rate(Decimal("0.00083333")) == "0.00083333"
    assert fmt.format_count(Decimal("1440")) == "1,440"
    assert fmt.format_number(Decimal("1.139"), fmt.RATIO) == "1.13"
    assert fmt.format_number(None, fmt.PRICE) == "—"


def test_negative_numbers_use_the_minus_sign_and_zero_has_none():
    assert fmt.format_value(Decimal("-1500")) == f"{MINUS}1,500.00"
    assert fmt.format_quantity(Decimal("-0.5")) == f"{MINUS}0.5"
    assert fmt.format_percent(Decimal("-0.001")) == "0.00"
    assert fmt.format_ratio(Decimal("-0.001")) == f"{MINUS}0.01"  # down is down
    assert "-" not in fmt.format_money(Decimal("-3"))


def test_formatting_refuses_floats():
    for function in (fmt.format_ratio, fmt.format_percent, fmt.format_quantity):
        with pytest.raises(TypeError):
            function(1.5)


def _result_and_steps(html: str) -> str:
    match = re.search(r'<dl class="result-rows">.*?</ol>', html, re.S)
    assert match, "the page shows a result with steps"
    return match.group(0)


def _row(html: str, key: str) -> str:
    match = re.search(rf'data-result="{key}">.*?<dd[^>]*>(.*?)</dd>', html, re.S)
    assert match, key
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def _step_values(html: str) -> list[str]:
    return [" ".join(v.split()) for v in re.findall(r'<div class="value">= (.*?)</div>', html)]


def test_the_liquidation_price_is_shown_at_the_symbols_tick_in_result_and_step(client):
    html = client.get(
        "/calculators/liquidation-price/",
        {
            "side": "long",
            "entry_price": "10000",
            "quantity": "1",
            "margin_mode": "isolated",
            "leverage": "10",
        },
    ).content.decode()
    # LP = 9,036.14457831…: the headline and its step agree, at 2 places, with the unit.
    assert _row(html, "liquidation_price") == "9,036.14 USDT"
    assert "9,036.14 USDT" in _step_values(html)
    assert _row(html, "maintenance_margin_rate") == "0.004 (0.40 %)"
    assert _row(html, "maintenance_amount") == "0.00 USDT"
    assert _row(html, "bracket") == "1"


def test_a_margin_level_is_rounded_down_in_the_result_and_its_step(client):
    # 16,000 ÷ (14,000 + 50) = 1.13879004…: "1.13", never "1.14" (nor the 8 places).
    html = client.get(
        "/calculators/margin-level/",
        {"total_assets": "16000", "total_liabilities": "14000", "outstanding_interest": "50"},
    ).content.decode()
    assert _row(html, "margin_level") == "1.13"
    assert _step_values(html)[0] == "1.13"
    assert "1.13879004" not in _result_and_steps(html)


def test_interest_and_quantities_carry_a_unit(client):
    html = client.get(
        "/calculators/interest/",
        {"principal": "100000", "daily_rate_percent": "0.05", "hours": "72"},
    ).content.decode()
    # 100,000 × 0.05 % ÷ 24 = 2.08333333 an hour, 73 charges.
    assert _row(html, "total_interest") == "152.08333309 (borrowed asset)"
    assert _row(html, "hourly_rate_percent") == "0.00208333 %"
    assert _row(html, "charged_hours") == "73 h"

    html = client.get(
        "/calculators/max-open/",
        {"entry_price": "60000", "available_balance": "10000", "leverage": "50"},
    ).content.decode()
    assert _row(html, "max_quantity") == "8.33333333 BTC"
    assert "8.33333333 BTC" in _step_values(html)


def test_a_loss_is_written_with_the_minus_sign_in_the_result_and_its_steps(client):
    html = client.get(
        "/calculators/pnl/",
        {
            "side": "long",
            "entry_price": "60000",
            "exit_price": "57000",
            "quantity": "0.5",
            "leverage": "10",
        },
    ).content.decode()
    shown = _result_and_steps(html)
    assert _row(html, "pnl") == f"{MINUS}1,500.00 USDT"
    assert _row(html, "roe_percent") == f"{MINUS}50.00 %"
    assert f"= {MINUS}1,500.00 USDT" in shown
    # No hyphen-minus before a digit anywhere in the result or its steps.
    assert not re.search(r"-\d", re.sub(r"<[^>]+>", "", shown))


def test_the_api_keeps_plain_decimals_and_eight_places(client):
    body = client.get(
        "/api/calculators/pnl/",
        {
            "side": "long",
            "entry_price": "60000",
            "exit_price": "57000",
            "quantity": "0.5",
            "leverage": "10",
        },
    ).json()
    assert body["results"]["pnl"] == "-1500.00000000"
    body = client.get(
        "/api/calculators/margin-level/",
        {"total_assets": "16000", "total_liabilities": "14000", "outstanding_interest": "50"},
    ).json()
    assert body["results"]["margin_level"] == "1.13879004"


@pytest.mark.parametrize("slug", sorted(DEFINITIONS))
def test_every_numbered_step_of_every_example_has_a_kind(slug):
    definition = DEFINITIONS[slug]
    result = FORMS[slug](definition.example_query()).compute()
    for step in result.steps:
        if step.value is not None:
            assert step.label in STEP_KINDS, f"{slug}: step {step.label!r} has no kind"
    for row in definition.results:
        assert row.kind in fmt.KINDS | {LIMIT, "state", "choice"}
