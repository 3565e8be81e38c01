"""The JSON API of SPEC §5.2: shape, hand-checked values, and 400 for every bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculators.definitions import DEFINITIONS
from calculators.forms import FORMS

API = "/api/calculators/{}/"

# One valid request per calculator, and results worked out by hand (in the comment).
HAND_CHECKED = [
    # 0.5 × 60,000 = 30,000; ÷ 10 = 3,000; 30,000 − 3,000 = 27,000
    (
        "initial-margin",
        {"quantity": "0.5", "entry_price": "60000", "leverage": "10"},
        {"notional": "30000.00000000", "initial_margin": "3000.00000000",
         "borrowed": "27000.00000000"},
    ),
    # short 2 @ 60,000 closed at 57,000: −1 × (57,000 − 60,000) × 2 = 6,000 on 6,000 margin
    (
        "pnl",
        {"side": "short", "entry_price": "60000", "exit_price": "57000", "quantity": "2",
         "leverage": "20"},
        {"initial_margin": "6000.00000000", "pnl": "6000.00000000",
         "roe_percent": "100.00000000"},
    ),
    # 40,000 × (1 − 50 ÷ 100 ÷ 10) = 38,000
    (
        "target-price",
        {"side": "short", "entry_price": "40000", "leverage": "10", "roe_percent": "50"},
        {"target_price": "38000.00000000"},
    ),
    # short, WB = 10,000 ÷ 10 = 1,000; (1,000 + 10,000) ÷ (0.004 + 1) = 10,956.17529880…
    (
        "liquidation-price",
        {"side": "short", "entry_price": "10000", "quantity": "1", "margin_mode": "isolated",
         "leverage": "10"},
        {"liquidation_price": "10956.17529880", "bracket": "1",
         "maintenance_margin_rate": "0.00400000", "maintenance_amount": "0E-8"},
    ),
    # 1,000 × 20 = 20,000 < cap 50,000 (125x bracket): limited by balance; ÷ 50,000 = 0.4
    (
        "max-open",
        {"entry_price": "50000", "available_balance": "1000", "leverage": "20"},
        {"max_notional": "20000.00000000", "max_quantity": "0.40000000",
         "limited_by": "balance"},
    ),
    # (100 × 1 + 200 × 3) ÷ 4 = 175
    (
        "open-price",
        {"entry": ["100@1", "200@3"]},
        {"average_price": "175.00000000", "total_quantity": "4.00000000",
         "total_notional": "700.00000000"},
    ),
    # ML = 30,000 ÷ 10,000 = 3; CML = 18,000 ÷ 10,000 = 1.8 ≤ 2 → no transfer out
    (
        "margin-level",
        {"total_assets": "30000", "total_liabilities": "10000", "collateral_value": "18000"},
        {"margin_level": "3.00000000", "collateral_margin_level": "1.80000000",
         "state": "no_transfer"},
    ),
    # P = (1.1 × 50,000 − 1,000) ÷ 2 = 27,000; (1.3 × 50,000 − 1,000) ÷ 2 = 32,000
    (
        "margin-liquidation-price",
        {"base_quantity": "2", "quote_quantity": "1000", "base_liability": "0",
         "quote_liability": "50000"},
        {"liquidation_price": "27000.00000000", "margin_call_price": "32000.00000000"},
    ),
    # 1 + ⌊(40 + 150) ÷ 60⌋ = 4 hours × (1,000 × 0.01 % × 0.95 = 0.095 an hour) = 0.38
    (
        "interest",
        {"principal": "1000", "hourly_rate_percent": "0.01", "hours": "2.5",
         "borrow_minute": "40", "bnb_discount": "true"},
        {"hourly_rate_percent": "0.01000000", "daily_rate_percent": "0.24000000",
         "charged_hours": "4", "hourly_charge": "0.09500000", "total_interest": "0.38000000",
         "yearly_rate_percent": "87.60000000"},
    ),
    # (10,000 − 1.25 × 2,000) ÷ (1.25 − 0.95) = 25,000
    (
        "max-borrow",
        {"collateral_value": "10000", "total_liabilities": "2000", "margin_kind": "cross5x",
         "collateral_ratio": "0.95"},
        {"max_borrow": "25000.00000000"},
    ),
    # max(0, 1,000 − 2,500) = 0
    (
        "auto-borrow",
        {"wallet_balance": "2500", "order_amount": "1000"},
        {"borrow_amount": "0E-8"},
    ),
]  # fmt: skip


def test_the_table_covers_every_calculator():
    assert {slug for slug, _, _ in HAND_CHECKED} == set(DEFINITIONS) == set(FORMS)


@pytest.mark.parametrize(("slug", "params", "expected"), HAND_CHECKED, ids=lambda v: str(v)[:20])
def test_it_answers_with_the_contract_shape_and_hand_checked_values(client, slug, params, expected):
    response = client.get(API.format(slug), params)
    assert response.status_code == 200, response.json()
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"calculator", "inputs", "results", "steps"}
    assert body["calculator"] == slug
    for key, value in expected.items():
        # Compare as decimals: "0E-8" and "0.00000000" are the same number.
        got = body["results"][key]
        if value in {"balance", "bracket", "no_transfer"}:
            assert got == value
        else:
            assert Decimal(got) == Decimal(value), key
    assert set(body["results"]) == set(expected)
    assert body["steps"], "every answer shows its working"
    for step in body["steps"]:
        assert {"label", "formula", "substituted", "value"} <= set(step)
        assert step["value"] is None or isinstance(step["value"], str)


def test_numbers_are_plain_decimal_strings_with_at_most_eight_places(client):
    body = client.get(
        API.format("liquidation-price"),
        {"side": "long", "entry_price": "10000", "quantity": "1", "margin_mode": "isolated",
         "leverage": "10"},
    ).json()  # fmt: skip
    price = body["results"]["liquidation_price"]
    assert price == "9036.14457831"
    assert body["results"]["maintenance_amount"] == "0.00000000"
    for value in body["results"].values():
        assert isinstance(value, str)
        assert "E" not in value and "e" not in value
        if "." in value:
            assert len(value.split(".")[1]) <= 8


def test_it_echoes_the_parsed_inputs_as_strings(client):
    body = client.get(
        API.format("initial-margin"),
        {"quantity": "+0.50", "entry_price": "60000", "leverage": "10"},
    ).json()
    assert body["inputs"] == {"quantity": "0.50", "entry_price": "60000", "leverage": "10"}


def test_no_value_is_null(client):
    # 10x long, ROE −1,000 %: the price would have to fall to 0 or below.
    body = client.get(
        API.format("target-price"),
        {"side": "long", "entry_price": "100", "leverage": "10", "roe_percent": "-1000"},
    ).json()
    assert body["results"]["target_price"] is None
    body = client.get(
        API.format("margin-level"), {"total_assets": "100", "total_liabilities": "0"}
    ).json()
    assert body["results"]["margin_level"] is None
    assert body["results"]["state"] == "safe"


def test_an_unknown_calculator_is_a_json_404(client):
    response = client.get(API.format("moon-price"))
    assert response.status_code == 404
    assert response.json() == {"errors": {"calculator": ["Unknown calculator."]}}


# --- SPEC §5.3 published check values, through the API ---------------------------------

BTC = {"side": "long", "quantity": "109.488", "entry_price": "32481.98"}
ETH = {"side": "long", "quantity": "3683.979", "entry_price": "1456.84", "symbol": "ETHUSDT"}
WALLET = "1535443.01"
BTC_FIXED = {"maintenance_margin_rate": "0.025", "maintenance_amount": "16300"}


def _two_places(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    ("params", "expected", "bracket"),
    [
        ({**BTC, **BTC_FIXED, "margin_mode": "isolated"}, "18778.73", "1"),
        ({**ETH, "margin_mode": "isolated"}, "1114.78", "6"),
        # Other position at its mark: ETH notional 4,918,775.08122 in ETH bracket 6 →
        # TMM1 = 491,877.508122 − 135,365; UPNL1 = (1,335.18 − 1,456.84) × 3,683.979.
        (
            {**BTC, **BTC_FIXED, "margin_mode": "cross",
             "other_maintenance_margin": "356512.508122",
             "other_unrealized_pnl": "-448192.88514"},
            "26316.89",
            "1",
        ),
        # BTC at its mark under the fixed bracket: 3,500,032.45776 × 2.5 % − 16,300;
        # UPNL1 = (31,967.27 − 32,481.98) × 109.488.
        (
            {**ETH, "margin_mode": "cross", "other_maintenance_margin": "71200.811444",
             "other_unrealized_pnl": "-56354.56848"},
            "1153.26",
            "6",
        ),
    ],
    ids=["isolated-btc", "isolated-eth", "cross-btc", "cross-eth"],
)  # fmt: skip
def test_it_reproduces_the_published_liquidation_prices(client, params, expected, bracket):
    response = client.get(API.format("liquidation-price"), {**params, "wallet_balance": WALLET})
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert _two_places(results["liquidation_price"]) == Decimal(expected)
    assert results["bracket"] == bracket


# --- 400 for every missing or malformed input ------------------------------------------

VALID = {slug: params for slug, params, _ in HAND_CHECKED}


def _with(slug: str, **changes: object) -> dict:
    params = dict(VALID[slug])
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params


BAD = [
    ("initial-margin", _with("initial-margin", leverage="0"), "leverage"),
    ("initial-margin", _with("initial-margin", leverage="0.5"), "leverage"),
    ("initial-margin", _with("initial-margin", leverage="126"), "leverage"),
    ("initial-margin", _with("initial-margin", entry_price="NaN"), "entry_price"),
    ("initial-margin", _with("initial-margin", entry_price="nan"), "entry_price"),
    ("initial-margin", _with("initial-margin", entry_price="Infinity"), "entry_price"),
    ("initial-margin", _with("initial-margin", entry_price="-Infinity"), "entry_price"),
    ("initial-margin", _with("initial-margin", quantity="-1"), "quantity"),
    ("initial-margin", _with("initial-margin", quantity="0"), "quantity"),
    ("initial-margin", _with("initial-margin", quantity="1e3"), "quantity"),
    ("initial-margin", _with("initial-margin", quantity="1E+3"), "quantity"),
    ("initial-margin", _with("initial-margin", quantity="10000000000000000"), "quantity"),
    ("initial-margin", _with("initial-margin", quantity="1000000000000000.01"), "quantity"),
    ("initial-margin", _with("initial-margin", quantity="0x10"), "quantity"),
    ("initial-margin", _with("initial-margin", quantity="1,000"), "quantity"),
    ("initial-margin", _with("initial-margin", quantity="٣"), "quantity"),
    ("initial-margin", _with("initial-margin", quantity="."), "quantity"),
    ("initial-margin", _with("initial-margin", quantity="1.2.3"), "quantity"),
    ("initial-margin", _with("initial-margin", quantity="0." + "1" * 19), "quantity"),
    ("initial-margin", _with("initial-margin", quantity=None), "quantity"),
    ("initial-margin", _with("initial-margin", quantity=""), "quantity"),
    ("pnl", _with("pnl", side="sideways"), "side"),
    ("pnl", _with("pnl", side=None), "side"),
    ("pnl", _with("pnl", exit_price="0"), "exit_price"),
    ("target-price", _with("target-price", roe_percent="abc"), "roe_percent"),
    ("target-price", _with("target-price", roe_percent=None), "roe_percent"),
    ("liquidation-price", _with("liquidation-price", symbol="DOGEUSDT"), "symbol"),
    ("liquidation-price", _with("liquidation-price", margin_mode="hedge"), "margin_mode"),
    ("liquidation-price", _with("liquidation-price", leverage=None), "wallet_balance"),
    (
        "liquidation-price",
        _with("liquidation-price", wallet_balance="1000"),
        "leverage",
    ),
    (
        "liquidation-price",
        _with("liquidation-price", margin_mode="cross"),
        "leverage",
    ),
    (
        "liquidation-price",
        _with("liquidation-price", maintenance_margin_rate="0.025"),
        "maintenance_amount",
    ),
    (
        "liquidation-price",
        _with("liquidation-price", maintenance_amount="100"),
        "maintenance_margin_rate",
    ),
    (
        "liquidation-price",
        _with("liquidation-price", maintenance_margin_rate="1", maintenance_amount="0"),
        "maintenance_margin_rate",
    ),
    (
        "liquidation-price",
        _with("liquidation-price", other_maintenance_margin="5"),
        "other_maintenance_margin",
    ),
    ("max-open", _with("max-open", symbol="ETHUSDT", leverage="101"), "leverage"),
    ("max-open", _with("max-open", leverage="126"), "leverage"),
    ("max-open", _with("max-open", available_balance="-5"), "available_balance"),
    ("open-price", {"entry": ["100@1"]}, "entry"),
    ("open-price", {"entry": [f"{100 + i}@1" for i in range(21)]}, "entry"),
    ("open-price", {"entry": ["100x1", "200@1"]}, "entry"),
    ("open-price", {"entry": ["100@", "200@1"]}, "entry"),
    ("open-price", {"entry": ["@1", "200@1"]}, "entry"),
    ("open-price", {"entry": ["100@0", "200@1"]}, "entry"),
    ("open-price", {"entry": ["100@1@2", "200@1"]}, "entry"),
    ("open-price", {"entry": ["1e2@1", "200@1"]}, "entry"),
    ("open-price", {}, "entry"),
    ("margin-level", _with("margin-level", margin_kind="cross10x"), "margin_kind"),
    ("margin-level", _with("margin-level", total_assets="-1"), "total_assets"),
    (
        "margin-liquidation-price",
        _with("margin-liquidation-price", liquidation_level="1.3", margin_call_level="1.1"),
        "margin_call_level",
    ),
    ("interest", _with("interest", daily_rate_percent="0.24"), "daily_rate_percent"),
    ("interest", _with("interest", hourly_rate_percent=None), "daily_rate_percent"),
    ("interest", _with("interest", borrow_minute="60"), "borrow_minute"),
    ("interest", _with("interest", borrow_minute="1.5"), "borrow_minute"),
    ("interest", _with("interest", bnb_discount="maybe"), "bnb_discount"),
    ("max-borrow", _with("max-borrow", collateral_ratio="1.5"), "collateral_ratio"),
    ("max-borrow", _with("max-borrow", margin_kind="cross3"), "margin_kind"),
    ("auto-borrow", _with("auto-borrow", order_amount="Infinity"), "order_amount"),
    ("auto-borrow", _with("auto-borrow", wallet_balance=None), "wallet_balance"),
]


@pytest.mark.parametrize(("slug", "params", "field"), BAD, ids=lambda v: str(v)[:40])
def test_it_answers_400_with_the_field_to_blame(client, slug, params, field):
    response = client.get(API.format(slug), params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"errors"}
    assert field in body["errors"], body
    assert all(isinstance(m, str) and m for m in body["errors"][field])


def test_a_parameter_given_twice_is_refused(client):
    response = client.get(
        API.format("initial-margin") + "?quantity=1&quantity=2&entry_price=10&leverage=2"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["quantity"] == ["Give this value once."]


@pytest.mark.parametrize("word", ["true", "1", "on", "TRUE", "yes"])
def test_booleans_accept_the_usual_words(client, word):
    params = _with("interest", bnb_discount=word)
    assert client.get(API.format("interest"), params).json()["inputs"]["bnb_discount"] is True


@pytest.mark.parametrize("word", ["false", "0", "off", ""])
def test_booleans_accept_the_usual_words_for_no(client, word):
    params = _with("interest", bnb_discount=word)
    body = client.get(API.format("interest"), params).json()
    assert Decimal(body["results"]["total_interest"]) == Decimal("0.4")


def test_the_api_only_answers_reads(client):
    assert client.post(API.format("pnl"), VALID["pnl"]).status_code == 405


# --- Garbage never gets a 5xx --------------------------------------------------------

ALL_FIELDS = sorted({name for form in FORMS.values() for name in form.base_fields})
printable = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30
)  # surrogates cannot be sent
numberish = st.one_of(
    printable,
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["long", "short", "isolated", "cross", "BTCUSDT", "1@2", "+.5", "-0"]),
)
queries = st.dictionaries(
    st.one_of(st.sampled_from(ALL_FIELDS), printable),
    st.one_of(numberish, st.lists(numberish, min_size=1, max_size=3)),
    max_size=8,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(slug=st.sampled_from(sorted(DEFINITIONS)), query=queries)
def test_random_query_strings_never_cause_a_server_error(client, slug, query):
    response = client.get(API.format(slug), query)
    assert response.status_code in {200, 400}, (slug, query, response.content[:300])
    body = response.json()
    assert ("errors" in body) == (response.status_code == 400)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(slug=st.sampled_from(sorted(DEFINITIONS)), query=queries)
def test_random_query_strings_never_break_the_page_either(client, slug, query):
    response = client.get(f"/calculators/{slug}/", query)
    assert response.status_code == 200, (slug, query)


# --- Query count ---------------------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(DEFINITIONS))
def test_the_api_makes_no_database_query(client, db, django_assert_num_queries, slug):
    with django_assert_num_queries(0):
        assert client.get(API.format(slug), VALID[slug]).status_code == 200


# --- Error messages never repeat what was typed (issue 7, defect 9) ---------------------

ECHO_BAIT = '<script>alert("x")</script>'


@pytest.mark.parametrize(
    ("slug", "field"),
    [
        ("pnl", "side"),
        ("liquidation-price", "margin_mode"),
        ("liquidation-price", "symbol"),
        ("margin-level", "margin_kind"),
        ("max-borrow", "margin_kind"),
        ("initial-margin", "quantity"),
        ("target-price", "roe_percent"),
        ("interest", "borrow_minute"),
        ("interest", "bnb_discount"),
    ],
)
def test_an_error_message_does_not_echo_the_rejected_value(client, slug, field):
    response = client.get(API.format(slug), _with(slug, **{field: ECHO_BAIT}))
    assert response.status_code == 400
    messages = response.json()["errors"][field]
    assert messages
    for message in messages:
        assert "script" not in message and "alert" not in message, message


def test_a_refused_choice_says_which_values_are_allowed(client):
    response = client.get(API.format("pnl"), _with("pnl", side="sideways"))
    (message,) = response.json()["errors"]["side"]
    assert "sideways" not in message
    assert "long" in message and "short" in message


def test_a_number_out_of_range_names_the_limit_not_the_input(client):
    response = client.get(API.format("initial-margin"), _with("initial-margin", leverage="987"))
    (message,) = response.json()["errors"]["leverage"]
    assert "987" not in message
    assert "125" in message


# --- Interest as the sandbox posts it; max-borrow with the hour charged at borrowing -----


def test_interest_rounds_each_hourly_charge_once_as_the_sandbox_posts_it(client):
    # 10,000 × 0.02 % ÷ 24 = 0.0833333…/h → 0.08333333 per charge (half-even, 8 places);
    # borrowed at :40 for 2 h → 3 charges: 3 × 0.08333333 = 0.24999999 (not 0.25).
    body = client.get(
        API.format("interest"),
        {"principal": "10000", "daily_rate_percent": "0.02", "hours": "2", "borrow_minute": "40"},
    ).json()
    assert body["results"]["hourly_charge"] == "0.08333333"
    assert body["results"]["total_interest"] == "0.24999999"
    assert body["results"]["charged_hours"] == "3"
    charge_step = next(s for s in body["steps"] if s["label"] == "Interest per hour")
    assert "rounded" in charge_step["formula"]
    assert charge_step["value"] == "0.08333333"


def test_max_borrow_includes_the_hour_of_interest_charged_at_borrowing(client):
    # (15,000 − 1.5 × 5,000) ÷ (1.5 × (1 + 0.01) − 1) = 7,500 ÷ 0.515 = 14,563.10679611…
    body = client.get(
        API.format("max-borrow"),
        {"collateral_value": "15000", "total_liabilities": "5000", "hourly_rate_percent": "1"},
    ).json()
    assert body["results"]["max_borrow"] == "14563.10679612"
    assert body["inputs"]["hourly_rate_percent"] == "1"
    (step,) = body["steps"]
    assert "(1 + h)" in step["formula"]


def test_max_borrow_without_an_hourly_rate_is_unchanged(client):
    body = client.get(
        API.format("max-borrow"), {"collateral_value": "15000", "total_liabilities": "5000"}
    ).json()
    assert body["results"]["max_borrow"] == "15000.00000000"
