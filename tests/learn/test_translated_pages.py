"""Learn pages in the active language: Polish and Chinese content, the English fallback
with its note, progress shared across languages, and unchanged query counts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from calculators.definitions import DEFINITIONS
from learn.loader import load_content
from learn.models import Lesson, LessonProgress
from tests.learn.conftest import correct_answers
from tests.learn.translation_fixtures import THREE_LANGUAGES, language_cookie, write_translation

TERM = """\
[[glossary]]
term = "Leverage"
definition = "Trading bigger than your money by borrowing."
aliases = ["leveraged"]
"""

CALCULATOR_FIELDS = set(DEFINITIONS["initial-margin"].field_names)
ONE = "/learn/basics/one/"
TWO = "/learn/basics/two/"

pytestmark = pytest.mark.usefixtures("empty_curriculum")


@pytest.fixture(autouse=True)
def three_languages(settings):
    settings.LANGUAGES = THREE_LANGUAGES


@pytest.fixture
def translated(tree):
    """Course "basics": Polish has lesson one only; Chinese has both."""
    tree.course("basics")
    tree.lesson("basics", "one", order=1, title="One", glossary=TERM)
    tree.lesson("basics", "two", order=2, title="Two", body="Leverage again, and leveraged trades.")
    write_translation(tree.root, "pl", lessons=("one",))
    write_translation(tree.root, "zh_Hant")
    load_content(root=tree.root)
    return tree


def page(client, url, language="en") -> str:
    language_cookie(client, language)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_lesson_in_polish_shows_its_polish_title_body_and_check(client, translated):
    html = page(client, ONE, "pl")
    assert "<h1>Pierwsza</h1>" in html
    assert "mnoży zyski i straty" in html
    assert "Ile to jest 30 000 ÷ 10?" in html
    assert "Leverage multiplies" not in html
    assert 'data-testid="fallback-note"' not in html


def test_a_lesson_not_yet_in_polish_falls_back_to_english_with_a_note(client, translated):
    html = page(client, TWO, "pl")
    assert '<h1 lang="en">Two</h1>' in html
    assert (
        "Tej lekcji nie ma jeszcze w wersji językowej „Polski”; wyświetlamy wersję angielską."
        in html
    )
    assert '<article class="lesson-body" lang="en">' in html
    assert "again, and" in html


def test_a_lesson_in_chinese(client, translated):
    html = page(client, TWO, "zh-hant")
    assert "<h1>第二課</h1>" in html
    assert "再談" in html
    assert 'data-testid="fallback-note"' not in html


def test_a_translated_lesson_links_its_terms_to_the_shared_glossary_anchor(client, translated):
    html = page(client, TWO, "zh-hant")
    assert re.search(
        r'<a href="/learn/glossary/#leverage" class="glossary-link"[^>]*>槓桿交易</a>', html
    )
    glossary = page(client, "/learn/glossary/", "zh-hant")
    assert '<div class="glossary-entry" id="leverage" lang="zh-hant">' in glossary
    assert "<dt>槓桿</dt>" in glossary
    assert '<a href="/learn/basics/one/">第一課</a>' in glossary


def test_the_glossary_in_polish_and_the_note_for_terms_still_in_english(client, translated, tree):
    html = page(client, "/learn/glossary/", "pl")
    assert "<dt>Dźwignia</dt>" in html
    assert 'data-testid="fallback-note"' not in html


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        # Polish order: "ł" after "l", "ś" after "s", "ż" after "z" (not after every ASCII letter).
        (
            ["żagiel", "łódź", "lina", "śruba", "sznur", "zysk", "ąb", "b"],
            ["ąb", "b", "lina", "łódź", "sznur", "śruba", "zysk", "żagiel"],
        ),
    ],
)
def test_polish_terms_sort_in_polish_alphabetical_order(terms, expected):
    from learn.selectors import _polish_key

    class Term:
        def __init__(self, term):
            self.term = term

    assert [t.term for t in sorted(map(Term, terms), key=_polish_key)] == expected


def test_the_course_list_and_course_page_in_polish(client, translated):
    index = page(client, "/learn/", "pl")
    assert "Kurs testowy" in index
    course = page(client, "/learn/basics/", "pl")
    assert '<h1 lang="pl">Kurs testowy</h1>' in course
    assert '<a href="/learn/basics/one/" lang="pl">Pierwsza</a>' in course
    # Lesson two is not translated: listed in English, and said so.
    assert '<a href="/learn/basics/two/" lang="en">Two</a>' in course
    assert course.count('data-testid="in-english"') == 1


def test_progress_made_in_polish_counts_on_the_english_lesson(client, learner, translated):
    client.force_login(learner)
    language_cookie(client, "pl")
    polish = Lesson.objects.prefetch_related("questions").get(language="pl", key="basics/one")
    english = Lesson.objects.get(language="en", key="basics/one")
    client.get(ONE)
    response = client.post(ONE, correct_answers(polish))
    assert response.status_code == 200
    progress = LessonProgress.objects.get(user=learner)
    assert progress.lesson == english
    assert progress.completed_at is not None
    # Read in Chinese, the lesson is complete too.
    assert 'data-testid="lesson-complete"' in page(client, ONE, "zh-hant")


def _as_decimal(value: str, language: str) -> Decimal:
    """An input's value, written the English way or the language's own way."""
    value = re.sub(r"[\s\u00a0\u202f]", "", value)
    value = value.replace(",", ".") if language == "pl" else value.replace(",", "")
    return Decimal(value)


def _widget_inputs(html: str, language: str) -> dict[str, Decimal]:
    inputs = re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', html)
    return {
        name: _as_decimal(value, language)
        for name, value in inputs
        if value and name in CALCULATOR_FIELDS
    }


def test_the_calculator_widget_is_prefilled_with_the_same_inputs_in_every_language(
    client, translated
):
    english = _widget_inputs(page(client, ONE, "en"), "en")
    assert english == {
        "quantity": Decimal("0.5"),
        "entry_price": Decimal("60000"),
        "leverage": Decimal("10"),
    }
    for language in ("pl", "zh-hant"):
        assert _widget_inputs(page(client, ONE, language), language) == english


# Same counts as in English (tests/learn/test_views.py): the fallback rows come in the
# same query as the translated ones.
PAGES = [
    ("/learn/", 6, 1),
    ("/learn/basics/", 6, 1),
    (ONE, 9, 3),
    (TWO, 9, 3),
    ("/learn/glossary/", 4, 1),
]


@pytest.mark.parametrize(("url", "learner_queries", "visitor_queries"), PAGES)
def test_translated_pages_take_as_many_queries_as_english_ones(
    client, learner, translated, django_assert_num_queries, url, learner_queries, visitor_queries
):
    language_cookie(client, "pl")
    with django_assert_num_queries(visitor_queries):
        assert client.get(url).status_code == 200
    client.force_login(learner)
    language_cookie(client, "pl")
    client.get(url)
    with django_assert_num_queries(learner_queries):
        assert client.get(url).status_code == 200


def test_the_glossary_says_when_terms_are_still_in_english(client, tree):
    tree.course("basics")
    tree.lesson("basics", "one", order=1, title="One", glossary=TERM)
    tree.lesson("basics", "two", order=2, title="Two")
    write_translation(tree.root, "pl", lessons=("two",))
    load_content(root=tree.root)
    html = page(client, "/learn/glossary/", "pl")
    assert (
        "Niektórych pojęć nie ma jeszcze w wersji językowej „Polski”; pokazujemy je po angielsku."
        in html
    )
    assert '<div class="glossary-entry" id="leverage" lang="en">' in html


def test_a_lesson_in_english_inside_a_translated_course_names_the_course_translated(
    client, translated
):
    html = page(client, TWO, "pl")
    assert '<a href="/learn/basics/" lang="pl">Kurs testowy</a>' in html


def test_a_check_loaded_in_english_and_submitted_in_polish_is_graded(client, learner, translated):
    client.force_login(learner)
    english = Lesson.objects.prefetch_related("questions").get(language="en", key="basics/one")
    language_cookie(client, "pl")
    # The form's fields name the English questions: the learner switched language since.
    html = client.post(ONE, correct_answers(english)).content.decode()
    assert "Ile to jest 30 000 ÷ 10?" in html
    assert 'data-testid="check-error"' not in html
    progress = LessonProgress.objects.get(user=learner, lesson=english)
    assert progress.completed_at is not None


def test_the_same_question_answered_in_two_languages_is_refused(client, learner, translated):
    client.force_login(learner)
    english = Lesson.objects.prefetch_related("questions").get(language="en", key="basics/one")
    polish = Lesson.objects.prefetch_related("questions").get(language="pl", key="basics/one")
    language_cookie(client, "pl")
    response = client.post(ONE, {**correct_answers(english), **correct_answers(polish)})
    assert response.status_code == 422
    assert not LessonProgress.objects.filter(user=learner, completed_at__isnull=False).exists()


def test_the_home_page_names_the_next_lesson_in_the_learners_language(client, learner, translated):
    client.force_login(learner)
    html = page(client, "/", "zh-hant")
    assert '<a href="/learn/basics/one/">' in html
    assert "第一課" in html
