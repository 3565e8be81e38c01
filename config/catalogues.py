"""The translation catalogues (locale/<language>/LC_MESSAGES/django.po): compiled and
checked with Babel, so neither needs GNU gettext (docs/i18n.md, docs/decisions.md).

- ``compile_catalogue`` writes the ``.mo`` Django reads from a ``.po``;
- ``catalogue_problems`` lists what makes a ``.po`` unfit to ship: an untranslated or
  fuzzy entry, or a translation whose placeholders or markup differ from the English;
- ``compiled_mismatches`` lists where a committed ``.mo`` no longer says what its
  ``.po`` says (someone edited the ``.po`` and forgot ``make messages``).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

# %(name)s, %s, %d, %%; and {name} of str.format / format_lazy. No space flag: "5 % less"
# is prose, not "% l".
_PERCENT = re.compile(r"%(?:\([^)]+\))?[-#0+]*\d*(?:\.\d+)?[sdifr%]")
_BRACES = re.compile(r"\{[^{}]*\}")
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


def catalogue_paths(locale_dir: Path) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/django.po"))


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.parent.name, abort_invalid=True)


def compile_catalogue(po_path: Path) -> Path:
    """Write ``django.mo`` next to ``po_path``; returns its path."""
    catalog = read_catalogue(po_path)
    mo_path = po_path.with_suffix(".mo")
    with mo_path.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)
    return mo_path


def placeholders(text: str) -> Counter[str]:
    return Counter(_PERCENT.findall(text)) + Counter(_BRACES.findall(text))


def tags(text: str) -> Counter[str]:
    return Counter(name.lower() for name in _TAG.findall(text))


def _forms(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, tuple | list):
        return tuple(message.string)
    return (message.string,)


def catalogue_problems(path: Path) -> list[str]:
    """Everything wrong with one ``.po``, one line each (empty when it is fit to ship)."""
    catalog = read_catalogue(path)
    problems: list[str] = []
    if catalog.fuzzy:
        problems.append(f"{path}: the header is marked fuzzy")
    for message in catalog:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else message.id[-1]
        where = f"{path}: {english[:60]!r}"
        if message.fuzzy:
            problems.append(f"{where} is fuzzy")
        forms = _forms(message)
        if isinstance(message.id, tuple) and len(forms) != catalog.num_plurals:
            problems.append(f"{where} has {len(forms)} plural forms, not {catalog.num_plurals}")
        for form in forms:
            if not form or not form.strip():
                problems.append(f"{where} is untranslated")
                continue
            if placeholders(form) != placeholders(english):
                problems.append(
                    f"{where}: placeholders {sorted(placeholders(form).elements())} differ "
                    f"from {sorted(placeholders(english).elements())}"
                )
            if tags(form) != tags(english):
                problems.append(f"{where}: markup differs from the English")
    return problems


def _as_dict(messages) -> dict[object, object]:
    # read_mo gives plural ids and strings as lists, read_po as tuples: compare tuples.
    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {
        (message.context, plain(message.id)): plain(message.string)
        for message in messages
        if message.id and not message.fuzzy and any(_forms(message))
    }


def compiled_mismatches(po_path: Path) -> list[str]:
    """Where ``django.mo`` differs from ``django.po`` (missing, extra or other text)."""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return [f"{mo_path} is missing: run `make messages`"]
    source = _as_dict(read_catalogue(po_path))
    with mo_path.open("rb") as handle:
        compiled = _as_dict(read_mo(handle))
    problems = []
    for key in source.keys() | compiled.keys():
        if source.get(key) != compiled.get(key):
            problems.append(f"{mo_path}: {str(key)[:60]!r} differs from the .po")
    return problems
