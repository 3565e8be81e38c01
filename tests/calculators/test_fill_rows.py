"""Average open price on the page: fills as rows of a price box and a quantity box, more
rows on request without JavaScript, and only the bad row marked. The API keeps
entry=price@quantity (SPEC §5.2)."""

from __future__ import annotations

import re

import pytest

PAGE = "/calculators/open-price/"


def rows(html: str) -> list[tuple[str, str]]:
    prices = re.findall(r'name="price_(\d+)" id="[^"]+" value="([^"]*)"', html)
    quantities = re.findall(r'name="quantity_(\d+)" id="[^"]+" value="([^"]*)"', html)
    assert [n for n, _ in prices] == [n for n, _ in quantities]
    return [(p, q) for (_, p), (_, q) in zip(prices, quantities, strict=True)]


def bad_rows(html: str) -> list[str]:
    return re.findall(r'id="calc-entry_(\d+)_flag" class="fill-flag bad"', html)


def test_it_offers_labelled_price_and_quantity_boxes_with_a_decimal_keypad(client):
    html = client.get(PAGE).content.decode()
    # The worked example's three fills, then an empty row for the next one.
    assert rows(html) == [("60000", "0.1"), ("58000", "0.2"), ("55000", "0.2"), ("", "")]
    for number in range(1, 5):
        for kind, word in (("price", "Price"), ("quantity", "Quantity")):
            label = f'for="calc-entry_{number}_{kind}">{word} of fill {number}</label>'
            assert label in html
    inputs = re.findall(r'<input type="text" name="(?:price|quantity)_\d+"[^>]*>', html)
    assert len(inputs) == 8 and all('inputmode="decimal"' in tag for tag in inputs)
    assert "@" not in "".join(inputs)


def test_the_rows_compute_the_average(client):
    html = client.get(
        PAGE, {"price_1": "100", "quantity_1": "1", "price_2": "200", "quantity_2": "3"}
    ).content.decode()
    # (100×1 + 200×3) ÷ 4 = 175
    assert re.search(r'data-result="average_price">.*?<dd[^>]*>\s*175(\.00)? ', html, re.S)
    assert rows(html) == [("100", "1"), ("200", "3"), ("", "")]


def test_a_shared_link_with_entry_still_works(client):
    html = client.get(PAGE + "?entry=100@1&entry=200@3").content.decode()
    assert re.search(r'data-result="average_price">.*?<dd[^>]*>\s*175(\.00)? ', html, re.S)
    assert rows(html)[:2] == [("100", "1"), ("200", "3")]


def test_add_row_without_javascript_returns_the_form_with_one_more_row(client):
    query = {"price_1": "100", "quantity_1": "1", "price_2": "200", "quantity_2": "3"}
    html = client.get(PAGE, {**query, "rows": "4"}).content.decode()
    assert rows(html) == [("100", "1"), ("200", "3"), ("", ""), ("", "")]
    # The new row is where the cursor goes, and the button asks for one more next time.
    assert re.search(r'id="calc-entry_4_price" value="" [^>]*autofocus', html)
    assert 'name="rows" value="5"' in html


@pytest.mark.parametrize("count", [2, 20])
def test_the_page_takes_two_to_twenty_rows(client, count):
    query = {}
    for n in range(1, count + 1):
        query[f"price_{n}"], query[f"quantity_{n}"] = str(100 + n), "1"
    html = client.get(PAGE, query).content.decode()
    assert len(rows(html)) == min(count + 1, 20)
    assert 'data-result="average_price"' in html
    # At twenty rows there is no more to add.
    assert ('name="rows"' in html) is (count < 20)


def test_one_bad_row_is_flagged_alone(client):
    query = {
        "price_1": "100",
        "quantity_1": "1",
        "price_2": "abc",
        "quantity_2": "3",
        "price_3": "300",
        "quantity_3": "",
        "price_4": "400",
        "quantity_4": "1",
    }
    html = client.get(PAGE, query).content.decode()
    assert bad_rows(html) == ["2", "3"]
    assert "Fill 2: enter a price and a quantity, both numbers above zero." in html
    assert "Fill 3: enter a price and a quantity, both numbers above zero." in html
    assert "Fill 1:" not in html and "Fill 4:" not in html
    # What was typed stays, so the learner can fix it.
    assert rows(html)[1] == ("abc", "3")


def test_the_htmx_answer_flags_the_bad_row_out_of_band(client):
    query = {"price_1": "100", "quantity_1": "1", "price_2": "-5", "quantity_2": "3"}
    html = client.get(PAGE, query, headers={"HX-Request": "true"}).content.decode()
    flag = r'<span id="calc-entry_(\d+)_flag" class="fill-flag( bad)?" hx-swap-oob="true">'
    flags = re.findall(flag, html)
    # Flags for the rows this page has (it sent two), the bad one set.
    assert flags == [("1", ""), ("2", " bad")]
    # Fixed: every flag comes back clear.
    query["price_2"] = "5"
    html = client.get(PAGE, query, headers={"HX-Request": "true"}).content.decode()
    assert ' bad"' not in html


def test_the_share_link_lists_the_rows(client):
    response = client.get(
        PAGE,
        {"price_1": "100", "quantity_1": "1", "price_2": "200", "quantity_2": "3", "rows": "5"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver" + PAGE},
    )
    assert response["HX-Push-Url"] == PAGE + "?price_1=100&quantity_1=1&price_2=200&quantity_2=3"


def test_the_api_keeps_entry_price_at_quantity(client):
    response = client.get("/api/calculators/open-price/?entry=100@1&entry=200@3")
    assert response.status_code == 200
    body = response.json()
    assert body["inputs"] == {"entry": ["100@1", "200@3"]}
    assert body["results"]["average_price"] == "175.00000000"
    bad = client.get("/api/calculators/open-price/?entry=100@1&entry=200x3")
    assert bad.status_code == 400
    assert bad.json() == {
        "errors": {
            "entry": [
                "Fill 2: write it as price@quantity, for example 30000@0.5 (both numbers "
                "greater than zero)."
            ]
        }
    }
