"""Terms explained in place: every field and result that names a trading term says what it
means next to it, and links to that term's entry in the Learn glossary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from calculators import forms, terms
from calculators.definitions import DEFINITIONS

LEARN_CONTENT = Path(__file__).resolve().parents[2] / "learn" / "content" / "en"


def test_glossary_links_use_the_slugified_term_name():
    assert terms.TERMS["Collateral margin level"].url == (
        "/learn/glossary/#collateral-margin-level"
    )
    assert terms.TERMS["ROE"].url == "/learn/glossary/#roe"
    assert terms.TERMS["Unrealized PnL"].slug == "unrealized-pnl"


def test_every_mapped_field_and_result_exists_and_names_a_known_term():
    field_names = {name for form in forms.FORMS.values() for name in form.base_fields}
    result_keys = {row.key for d in DEFINITIONS.values() for row in d.results}
    assert set(terms.FIELD_TERMS) <= field_names
    assert set(terms.RESULT_TERMS) <= result_keys
    assert set(terms.FIELD_TERMS.values()) | set(terms.RESULT_TERMS.values()) <= set(terms.TERMS)


def test_the_terms_are_the_glossarys_terms():
    """Once the Learn content is present, each term here is one its lessons define."""
    if not LEARN_CONTENT.is_dir():
        pytest.skip("the Learn content is not in this checkout")
    declared = set()
    for lesson in LEARN_CONTENT.rglob("*.md"):
        declared |= set(re.findall(r'^term = "([^"]+)"', lesson.read_text(), re.M))
    assert set(terms.TERMS) <= declared


def test_the_liquidation_page_explains_its_terms_in_place(client):
    html = client.get("/calculators/liquidation-price/").content.decode()
    # Under the result: bracket and maintenance amount, each with its glossary link.
    for name in ("Leverage bracket", "Maintenance amount", "Liquidation price"):
        term = terms.TERMS[name]
        assert f'<dd class="term-hint"><dfn>{name}</dfn>: ' in html
        assert f'<a href="{term.url}">{name} in the glossary</a>' in html
    # Under a field, named by the input's aria-describedby so screen readers read it too.
    assert '<p class="term-hint" id="calc-symbol_term"><dfn>Leverage bracket</dfn>' in html
    select = re.search(r'<select[^>]*id="calc-symbol"[^>]*>', html).group(0)
    assert "calc-symbol_term" in select


def test_the_max_borrow_page_says_what_i_is_with_the_declared_thresholds(client):
    html = client.get("/calculators/max-borrow/").content.decode()
    assert "borrow threshold I (Cross 3x 1.5, Cross 5x 1.25)" in html


@pytest.mark.parametrize("slug", ["pnl", "margin-level", "initial-margin"])
def test_roe_cml_and_notional_are_explained(client, slug):
    html = client.get(f"/calculators/{slug}/").content.decode()
    wanted = {"pnl": "ROE", "margin-level": "Collateral margin level", "initial-margin": "Notional"}
    assert f"<dfn>{wanted[slug]}</dfn>" in html
