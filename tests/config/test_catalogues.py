"""The shipped catalogues: every entry translated, nothing fuzzy, the same placeholders
and markup as the English, and the committed .mo files saying what their .po say."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from config.catalogues import catalogue_paths, catalogue_problems, compiled_mismatches

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
CATALOGUES = catalogue_paths(LOCALE_DIR)


def test_there_is_a_catalogue_for_each_language_but_english():
    languages = {path.parent.parent.name for path in CATALOGUES}
    assert languages == {"zh_Hant", "pl"}


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_entry_is_translated_with_the_same_placeholders(po):
    assert catalogue_problems(po) == []


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_the_committed_mo_matches_its_po(po):
    assert compiled_mismatches(po) == []


BAD_PO = r"""
msgid ""
msgstr ""
"Language: pl\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=4; plural=(n==1 ? 0 : (n%10>=2 && n%10<=4) && "
"(n%100<12 || n%100>14) ? 1 : n!=1 && (n%10>=0 && n%10<=1) || (n%10>=5 && "
"n%10<=9) || (n%100>=12 && n%100<=14) ? 2 : 3);\n"

msgid "Untranslated"
msgstr ""

#, fuzzy
msgid "Guessed"
msgstr "Zgadnięte"

#, python-format
msgid "Enter at least %(limit)s."
msgstr "Wpisz co najmniej %(limt)s."

msgid "Ceny limit dla {symbol}"
msgstr "Ceny limit dla {symbl}"

msgid "Read <a href=\"%(url)s\">this</a>"
msgstr "Przeczytaj %(url)s"

msgid "Fine"
msgstr "Dobrze"
"""


def test_the_check_names_each_kind_of_problem(tmp_path):
    po = tmp_path / "pl" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(BAD_PO, encoding="utf-8")
    problems = "\n".join(catalogue_problems(po))
    assert "'Untranslated' is untranslated" in problems
    assert "'Guessed' is fuzzy" in problems
    assert "'Enter at least %(limit)s.': placeholders" in problems
    assert "'Ceny limit dla {symbol}': placeholders" in problems
    assert "markup differs" in problems
    assert "Fine" not in problems


def test_a_stale_mo_is_caught_and_compiling_fixes_it(tmp_path, settings):
    po = tmp_path / "pl" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: pl\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Fine"\nmsgstr "Dobrze"\n',
        encoding="utf-8",
    )
    assert compiled_mismatches(po) == [f"{po.with_suffix('.mo')} is missing: run `make messages`"]

    settings.LOCALE_PATHS = [tmp_path]
    call_command("compile_catalogues", "--check", stdout=io.StringIO())
    assert compiled_mismatches(po) == []

    po.write_text(po.read_text().replace("Dobrze", "Świetnie"), encoding="utf-8")
    assert len(compiled_mismatches(po)) == 1
