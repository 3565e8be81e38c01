"""Calculator pages and their htmx partial never answer 5xx, whatever the query (SPEC §8).

The API has had this fuzzing since it landed; pages render more than the API (money
filters, charts, explainers), so they get the same treatment here, with garbage *and* with
the extreme values the form accepts: the smallest and largest numbers each field allows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calculators.definitions import DEFINITIONS
from calculators.fields import (
    MAX_DECIMAL_PLACES,
    MAX_MAGNITUDE,
    EntryListField,
    StrictBooleanField,
    StrictChoiceField,
    StrictDecimalField,
    StrictIntegerField,
)
from calculators.forms import FORMS

TINY = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)  # 0.000000000000000001
# The largest number with a fraction that the fields accept: 999,999,999,999,999.9999…
HUGE_FRACTION = MAX_MAGNITUDE - TINY
FUZZ = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _bounds(field: StrictDecimalField) -> tuple[Decimal, Decimal]:
    low = {"positive": TINY, "non_negative": Decimal(0), "any": -MAX_MAGNITUDE}[field.minimum]
    high = MAX_MAGNITUDE
    if field.min_value is not None:
        low = max(low, field.min_value)
    if field.max_value is not None:
        high = min(high, field.max_value)
    if field.below_value is not None:
        high = min(high, field.below_value - TINY)
    return low, high


def _text(value: Decimal) -> str:
    return f"{value:f}"


def _extremes(field: StrictDecimalField) -> list[str]:
    """The smallest and largest value the field accepts, and the tiniest positive one."""
    low, high = _bounds(field)
    return sorted({_text(v) for v in (low, high, TINY) if low <= v <= high})


def _number(field: StrictDecimalField) -> st.SearchStrategy[str]:
    low, high = _bounds(field)
    spread = st.integers(0, MAX_DECIMAL_PLACES).flatmap(
        lambda places: st.decimals(
            min_value=low, max_value=high, places=places, allow_nan=False, allow_infinity=False
        )
    )
    return st.one_of(st.sampled_from([*_extremes(field), _text(HUGE_FRACTION)]), spread.map(_text))


def _entry() -> st.SearchStrategy[str]:
    side = st.sampled_from([TINY, Decimal(1), HUGE_FRACTION, MAX_MAGNITUDE]).map(_text)
    return st.tuples(side, side).map(lambda pair: "@".join(pair))


def _value(field: Any) -> st.SearchStrategy[Any]:
    if isinstance(field, StrictDecimalField):
        return _number(field)
    if isinstance(field, StrictChoiceField):
        return st.sampled_from([value for value, _label in field.choices if value != ""])
    if isinstance(field, StrictIntegerField):
        return st.integers(field.low, field.high).map(str)
    if isinstance(field, StrictBooleanField):
        return st.sampled_from(["true", "false"])
    if isinstance(field, EntryListField):
        return st.lists(_entry(), min_size=field.min_entries, max_size=field.max_entries)
    raise AssertionError(f"no strategy for {type(field).__name__}")


@st.composite
def accepted_queries(draw: st.DrawFn, slug: str) -> dict[str, Any]:
    """Inputs every field accepts on its own, extremes favoured; optional ones may be left out."""
    query = {}
    for name, field in FORMS[slug].base_fields.items():
        if field.required or draw(st.booleans()):
            query[name] = draw(_value(field))
    return query


def _assert_answers(client, slug: str, query: dict[str, Any]) -> None:
    page = client.get(f"/calculators/{slug}/", query)
    assert page.status_code == 200, (slug, query)
    partial = client.get(f"/calculators/{slug}/", query, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200, (slug, query)


@pytest.mark.parametrize(
    ("slug", "query"),
    [
        ("initial-margin", {"quantity": "999999999999999.9999", "entry_price": "60000",
                            "leverage": "10"}),
        ("initial-margin", {"quantity": "0.000000000000000001", "entry_price": "60000",
                            "leverage": "10"}),
    ],
    ids=["huge-quantity", "tiny-quantity"],
)  # fmt: skip
def test_the_reported_initial_margin_urls_answer(client, slug, query):
    _assert_answers(client, slug, query)


def _corner_queries() -> list[tuple[str, dict[str, Any]]]:
    """Per calculator: the worked example with one field at a time at each of its extremes."""
    cases = []
    for slug, definition in sorted(DEFINITIONS.items()):
        example: dict[str, Any] = {}
        for name, value in definition.example:
            example.setdefault(name, []).append(value)
        for name, field in FORMS[slug].base_fields.items():
            if isinstance(field, StrictDecimalField):
                for extreme in _extremes(field):
                    cases.append((slug, {**example, name: extreme}))
        if "entry" in FORMS[slug].base_fields:
            for price in (TINY, HUGE_FRACTION):
                for quantity in (TINY, HUGE_FRACTION):
                    cases.append((slug, {"entry": [f"{price:f}@{quantity:f}", "1@1"]}))
    return cases


@pytest.mark.parametrize(("slug", "query"), _corner_queries(), ids=lambda v: str(v)[:60])
def test_every_field_at_its_extremes_answers(client, slug, query):
    # The full page renders everything the htmx partial does (the result is a partial of it).
    assert client.get(f"/calculators/{slug}/", query).status_code == 200


@FUZZ
@given(data=st.data())
@pytest.mark.parametrize("slug", sorted(DEFINITIONS))
def test_accepted_inputs_never_cause_a_server_error(client, slug, data):
    _assert_answers(client, slug, data.draw(accepted_queries(slug)))


ALL_FIELDS = sorted({name for form in FORMS.values() for name in form.base_fields})
printable = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
garbage = st.dictionaries(
    st.one_of(st.sampled_from(ALL_FIELDS), printable),
    st.one_of(printable, st.lists(printable, min_size=1, max_size=3)),
    max_size=8,
)


@FUZZ
@given(slug=st.sampled_from(sorted(DEFINITIONS)), query=garbage)
def test_garbage_never_breaks_the_htmx_partial(client, slug, query):
    response = client.get(f"/calculators/{slug}/", query, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, (slug, query)
