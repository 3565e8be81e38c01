"""The market page is named as a section of the sandbox in every language, not with the
order type's word (“Market” is both in English)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading", "order_type_word"),
    [("pl", "<h1>Rynek</h1>", "<h1>Rynkowe</h1>"), ("zh-hant", "<h1>市場</h1>", "<h1>市價</h1>")],
)
def test_the_market_page_heading_names_the_section(
    learner_client, account, language, heading, order_type_word
):
    page = learner_client.get(
        reverse("sandbox:market"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert heading in page
    assert order_type_word not in page
