"""The real curriculum (learn/content/en): complete, and every worked example's numbers
agree with our own calculators."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from html import unescape

import pytest

from calculators.definitions import DEFINITIONS, write_number
from learn.loader import content_root
from learn.models import Course, GlossaryTerm, Lesson
from learn.parsing import read_language

PARSED = read_language(content_root() / "en")

# SPEC §5.2 names a lesson may use that an older calculators/ lacked (the `calc` branch
# adds them: max-borrow's hourly rate, interest's per-charge rounding). Where this
# checkout's calculator misses one of these - and nothing else - the lesson's recompute
# is an expected failure; strict, so it must be removed once the calculator has it.
SPEC_NAMES_PENDING = {("max-borrow", "hourly_rate_percent"), ("interest", "hourly_charge")}


def _pending_spec_names(parsed) -> set[tuple[str, str]]:
    definition = DEFINITIONS[parsed.calculator_slug]
    known = set(definition.field_names) | {row.key for row in definition.results}
    used = set(parsed.calculator_inputs) | set(parsed.calculator_results)
    return {(parsed.calculator_slug, name) for name in used - known}


def _lesson_param(parsed):
    missing = _pending_spec_names(parsed)
    marks = []
    if missing and missing <= SPEC_NAMES_PENDING:
        names = ", ".join(f"{slug}: {name}" for slug, name in sorted(missing))
        marks.append(
            pytest.mark.xfail(strict=True, reason=f"calculators/ lacks SPEC §5.2 ({names})")
        )
    return pytest.param(parsed, id=parsed.key, marks=marks)


LESSONS = PARSED.lessons
LESSON_PARAMS = [_lesson_param(lesson) for lesson in LESSONS]
LESSON_IDS = [lesson.key for lesson in LESSONS]

# SPEC §3.1: six courses (CURRICULUM.md fixes their slugs).
COURSES = [
    "leverage-basics",
    "margin-accounts",
    "margin-level-and-liquidation",
    "cross-vs-isolated",
    "futures-margin",
    "risk-management",
]


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        return None
    return value if value.is_finite() else None


def test_it_has_the_six_courses_in_order_with_two_to_four_lessons_each():
    assert [course.slug for course in PARSED.courses] == COURSES
    for course in PARSED.courses:
        assert 2 <= len(course.lessons) <= 4, course.slug
    assert len(LESSONS) >= 18


@pytest.mark.parametrize("parsed", LESSON_PARAMS)
def test_every_stated_result_equals_the_calculator_api(client, parsed):
    """Recompute the worked example through GET /api/calculators/<slug>/ (SPEC §5.2)."""
    response = client.get(f"/api/calculators/{parsed.calculator_slug}/", parsed.calculator_inputs)
    assert response.status_code == 200, (parsed.source_path, response.json())
    ignored = set(parsed.calculator_inputs) - set(response.json()["inputs"])
    assert not ignored, (
        f"{parsed.source_path}: the {parsed.calculator_slug} calculator ignores {sorted(ignored)}"
    )
    computed = response.json()["results"]
    assert parsed.calculator_results, f"{parsed.source_path}: states no results"
    for name, stated in parsed.calculator_results.items():
        assert name in computed, f"{parsed.source_path}: the calculator has no result {name!r}"
        actual = computed[name]
        stated_number = _decimal(stated)
        if stated_number is None:
            # A word result (a margin-level state, "balance"/"bracket"): equal as text.
            assert stated == actual, f"{parsed.source_path}: {name} = {stated}, calculator {actual}"
        else:
            assert actual is not None, f"{parsed.source_path}: {name} is null in the calculator"
            assert Decimal(actual) == stated_number, (
                f"{parsed.source_path}: {name} is stated as {stated}, the calculator says {actual}"
            )


def _result_text(html: str, key: str) -> str:
    match = re.search(
        rf'data-result="{re.escape(key)}">\s*<dt>.*?</dt>\s*<dd[^>]*>(.*?)</dd>', html, re.S
    )
    assert match, f"no result row {key!r} in the widget"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


@pytest.mark.parametrize("parsed", LESSON_PARAMS)
def test_every_lesson_renders_with_its_widget_showing_the_example(client, db, parsed):
    response = client.get(f"/learn/{parsed.course_slug}/{parsed.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{parsed.title}</h1>" in unescape(html) or parsed.title in unescape(html)
    assert 'class="calc-widget"' in html
    # The widget's form is prefilled with the example's inputs...
    for name, value in parsed.calculator_inputs.items():
        assert (
            re.search(rf'name="{re.escape(name)}"[^>]*value="{re.escape(value)}"', html)
            or re.search(rf'value="{re.escape(value)}"[^>]*name="{re.escape(name)}"', html)
            or f'value="{value}" selected' in html
            or f'value="{value}" checked' in html
            or (
                # Checkboxes and selects show the choice, not the raw value.
                value
                in ("true", "false", "long", "short", "isolated", "cross", "cross3x", "cross5x")
            )
        ), f"{parsed.source_path}: input {name} = {value} not prefilled"
    # ...and shows the example's results as the page writes numbers (SPEC §7).
    rows = {row.key: row for row in DEFINITIONS[parsed.calculator_slug].results}
    symbol = parsed.calculator_inputs.get("symbol", "BTCUSDT")
    for name, stated in parsed.calculator_results.items():
        shown = _result_text(html, name)
        number = _decimal(stated)
        if number is not None:
            expected = write_number(number, rows[name].kind, symbol=symbol)
            assert expected in shown, (
                f"{parsed.source_path}: {name} shows {shown!r}, expected {expected}"
            )
    assert html.count('type="radio"') >= 2 * 3


def test_the_database_holds_the_loaded_curriculum(db):
    assert (
        list(Course.objects.live().filter(language="en").values_list("slug", flat=True)) == COURSES
    )
    assert set(Lesson.objects.live().filter(language="en").values_list("key", flat=True)) == set(
        LESSON_IDS
    )
    assert GlossaryTerm.objects.filter(language="en").count() == len(PARSED.glossary)


def test_the_glossary_lists_every_term_with_an_anchor_and_its_lesson(client, db):
    html = client.get("/learn/glossary/").content.decode()
    for term in PARSED.glossary:
        course, lesson = term.lesson_key.split("/")
        assert f'id="{term.slug}"' in html
        assert f'href="/learn/{course}/{lesson}/"' in html


def test_lesson_bodies_link_glossary_terms_to_existing_anchors(db):
    slugs = set(GlossaryTerm.objects.values_list("slug", flat=True))
    linked = set()
    for body in Lesson.objects.values_list("body_html", flat=True):
        linked.update(re.findall(r'href="/learn/glossary/#([a-z0-9-]+)"', body))
    assert linked, "no lesson links a glossary term"
    assert linked <= slugs
