"""Helpers for the tests that read pages in each language: the visible text of a page,
and the English strings of the catalogues that must not be left in it."""

from __future__ import annotations

import html as html_module
import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import to_locale

from config.catalogues import placeholders, read_catalogue, tags

TRANSLATED_LANGUAGES = ("zh-hant", "pl")


def visible_text(page: str) -> str:
    """The text a reader sees: no scripts, styles, tags or entities; spaces squeezed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    # ASCII whitespace only: a no-break space between thousands is part of the number.
    return re.sub(r"[ \t\r\n\f\v]+", " ", html_module.unescape(page)).strip(" ")


@cache
def english_strings(language: str) -> frozenset[str]:
    """The catalogue's English sentences and labels of two words or more that the
    language translates differently: any of them on a page in that language is a string
    left untranslated (a missing ``{% translate %}``, or a catalogue entry not used)."""
    path = Path(settings.BASE_DIR) / "locale" / to_locale(language) / "LC_MESSAGES/django.po"
    found = set()
    for message in read_catalogue(path):
        english = message.id
        if not isinstance(english, str) or not english or message.string == english:
            continue
        if placeholders(english) or tags(english) or len(english.split()) < 2:
            continue
        found.add(english)
    return frozenset(found)


def english_leftovers(page: str, language: str) -> list[str]:
    text = visible_text(page)
    return sorted(s for s in english_strings(language) if s in text)
