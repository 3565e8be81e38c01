"""Translated content: numbers read per language, the loader's checks against English,
and the check over every shipped translation file."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from learn.loader import content_root, load_content
from learn.models import Course, GlossaryTerm, KnowledgeCheckQuestion, Lesson
from learn.parsing import ContentError
from learn.quiz.models import QuizQuestion, QuizTopic
from learn.translations import check_translations, number_mismatch, numbers_in
from tests.learn.translation_fixtures import PL_TERM, write_translation

TERM = """\
[[glossary]]
term = "Leverage"
definition = "Trading bigger than your money by borrowing."
aliases = ["leveraged"]
"""


def _numbers(*values: str) -> dict[Decimal, int]:
    found: dict[Decimal, int] = {}
    for value in values:
        found[Decimal(value)] = found.get(Decimal(value), 0) + 1
    return found


# --- numbers, the way each language writes them ---------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("0.5 BTC at 60,000 USDT is 30,000 USDT", "en", ["0.5", "60000", "30000"]),
        ("0,5 BTC po 60 000 USDT to 30 000 USDT", "pl", ["0.5", "60000", "30000"]),
        # No-break and narrow no-break spaces between groups, a 4-digit number unspaced.
        ("1\u00a0000,50 i 2\u202f500 000 oraz 2500", "pl", ["1000.50", "2500000", "2500"]),
        ("0,40 % z 30 000 = 120 USDT", "pl", ["0.40", "30000", "120"]),
        (
            "維持保證金率 0.40%，30,000 × 0.4% = 120 USDT",
            "zh-hant",
            ["0.40", "30000", "0.4", "120"],
        ),
        # Full-width digits count as digits; a Chinese comma never joins two numbers.
        ("槓桿 １０ 倍，３，０００", "zh-hant", ["10", "3", "0"]),
        ("−200 USDT, ROE −40 %", "en", ["200", "40"]),
        ("1, 2 i 3", "pl", ["1", "2", "3"]),
    ],
)
def test_it_reads_numbers_the_way_each_language_writes_them(text, language, expected):
    assert numbers_in(text, language=language) == _numbers(*expected)


def test_the_same_numbers_in_another_language_match():
    english = "Initial margin = 30,000 ÷ 10 = 3,000 USDT at 0.40 %."
    assert (
        number_mismatch(english, "Depozyt: 30 000 ÷ 10 = 3 000 USDT przy 0,40 %.", language="pl")
        == ""
    )
    assert (
        number_mismatch(
            english, "初始保證金 = 30,000 ÷ 10 = 3,000 USDT，0.40%。", language="zh-hant"
        )
        == ""
    )


def test_a_polish_text_written_the_english_way_is_a_mismatch():
    # "3,000" in Polish reads as three: the translator kept the English separator.
    problem = number_mismatch("3,000 USDT", "3,000 USDT", language="pl")
    assert "missing 3000" in problem
    assert "not in the English text 3" in problem


# --- the loader -------------------------------------------------------------------------


pytestmark = pytest.mark.usefixtures("empty_curriculum")


@pytest.fixture
def english(tree):
    tree.course("basics")
    tree.lesson("basics", "one", order=1, title="One", glossary=TERM)
    tree.lesson("basics", "two", order=2, title="Two", body="Leverage again, and leveraged trades.")
    return tree


def test_it_loads_the_polish_and_chinese_translations_as_their_own_rows(english):
    write_translation(english.root, "pl")
    write_translation(english.root, "zh_Hant")
    load_content(root=english.root)
    assert set(Lesson.objects.values_list("language", "key", "title")) == {
        ("en", "basics/one", "One"),
        ("en", "basics/two", "Two"),
        ("pl", "basics/one", "Pierwsza"),
        ("pl", "basics/two", "Druga"),
        ("zh-hant", "basics/one", "第一課"),
        ("zh-hant", "basics/two", "第二課"),
    }
    assert Course.objects.get(language="pl").title == "Kurs testowy"
    # A translated term takes the English term's anchor, also when it has no ASCII letters.
    terms = {t.language: t for t in GlossaryTerm.objects.all()}
    assert {(lang, t.slug, t.term) for lang, t in terms.items()} == {
        ("en", "leverage", "Leverage"),
        ("pl", "leverage", "Dźwignia"),
        ("zh-hant", "leverage", "槓桿"),
    }
    assert terms["pl"].lesson.language == "pl"
    polish = Lesson.objects.get(language="pl", key="basics/one")
    assert polish.calculator_inputs == {"quantity": "0.5", "entry_price": "60000", "leverage": "10"}
    question = KnowledgeCheckQuestion.objects.get(lesson=polish, order=1)
    assert (question.text, question.options, question.answer_index) == (
        "Ile to jest 30 000 ÷ 10?",
        ["300", "3 000", "30 000"],
        1,
    )


def test_a_translated_lesson_links_its_glossary_terms_in_its_own_language(english):
    write_translation(english.root, "pl")
    write_translation(english.root, "zh_Hant")
    load_content(root=english.root)
    polish_two = Lesson.objects.get(language="pl", key="basics/two").body_html
    # The alias "dźwignią" (instrumental case) links to the shared anchor.
    assert '<a href="/learn/glossary/#leverage" class="glossary-link"' in polish_two
    assert ">dźwignią</a>" in polish_two
    assert 'title="Handel kwotą większą niż własne środki, dzięki pożyczce."' in polish_two
    chinese_two = Lesson.objects.get(language="zh-hant", key="basics/two").body_html
    assert ">槓桿交易</a>" in chinese_two


def test_loading_translations_twice_changes_nothing(english):
    write_translation(english.root, "pl")
    load_content(root=english.root)
    report = load_content(root=english.root)
    assert not report.changed


def test_a_missing_translation_is_not_an_error(english):
    write_translation(english.root, "pl", lessons=("one",))
    (english.root / "zh_Hant").mkdir()
    load_content(root=english.root)
    assert list(Lesson.objects.filter(language="pl").values_list("key", flat=True)) == [
        "basics/one"
    ]
    assert not Lesson.objects.filter(language="zh-hant").exists()


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        # numbers in the text
        ("Dźwignia mnoży zyski", "Dźwignia 3 razy mnoży zyski", "body", "the numbers differ"),
        ('"3 000"', '"3,000"', "check[0].options[1]", "missing 3000"),
        ('title = "Pierwsza"', 'title = "Pierwsza (2)"', "title", "the numbers differ"),
        # the correct option, the option count, the number of check questions
        ("answer = 1", "answer = 2", "check[0].answer", "the correct option"),
        (
            '["Tak", "Nie", "Tylko we wtorki"]',
            '["Tak", "Nie", "Nie wiem", "Czasem"]',
            "check[1].options",
            "the number of options",
        ),
        # the embedded calculator
        ('leverage = "10"', 'leverage = "20"', "calculator.inputs", "the calculator's inputs"),
        (
            'initial_margin = "3000"',
            'initial_margin = "3001"',
            "calculator.results",
            "the calculator's results",
        ),
        ('slug = "initial-margin"', 'slug = "max-borrow"', "calculator.slug", "the calculator"),
        # the order
        ("order = 1", "order = 3", "order", "the order"),
    ],
)
def test_a_translation_that_differs_from_english_is_refused(english, old, new, field, message):
    write_translation(english.root, "pl")
    _edit(english.root / "pl" / "basics" / "01-one.md", old, new)
    with pytest.raises(ContentError) as error:
        load_content(root=english.root)
    text = str(error.value)
    assert text.startswith("pl/basics/01-one.md: ")
    if field:
        assert f": {field}: " in text
    assert message in text
    assert not Lesson.objects.exists()


def test_a_translation_with_another_number_of_glossary_terms_is_refused(english):
    write_translation(english.root, "pl")
    _edit(english.root / "pl" / "basics" / "01-one.md", PL_TERM, "")
    with pytest.raises(ContentError, match=re.escape("glossary: the number of [[glossary]] terms")):
        load_content(root=english.root)


def test_a_translation_with_another_number_of_check_questions_is_refused(english):
    write_translation(english.root, "pl")
    path = english.root / "pl" / "basics" / "01-one.md"
    _edit(
        path,
        "+++\n\nDźwignia",
        '[[check]]\nquestion = "Trzecie?"\noptions = ["a", "b", "c"]\nanswer = 0\n'
        'explanation = "Tak."\n+++\n\nDźwignia',
    )
    with pytest.raises(ContentError, match=re.escape("check: the number of [[check]] questions")):
        load_content(root=english.root)


def test_a_translated_lesson_with_a_slug_english_lacks_is_refused(english):
    course = write_translation(english.root, "pl")
    (course / "01-one.md").rename(course / "01-uno.md")
    with pytest.raises(ContentError, match="no English lesson 'basics/uno'"):
        load_content(root=english.root)


def test_a_translated_course_english_lacks_is_refused(english):
    course = write_translation(english.root, "pl")
    course.rename(course.parent / "podstawy")
    with pytest.raises(ContentError, match="no English course 'podstawy'"):
        load_content(root=english.root)


# --- the quiz bank ------------------------------------------------------------------------

EN_TOPIC = """\
title = "Leverage"
lesson = "basics/one"

[[question]]
id = "lev-1"
text = "A 40,000 USDT position at 5x needs what initial margin?"
options = ["8,000 USDT", "200,000 USDT", "40,160 USDT"]
answer = 0
explanation = "40,000 ÷ 5 = 8,000 USDT."

[[question]]
id = "lev-2"
text = "Does leverage divide the notional?"
options = ["Yes", "No", "Only at 1x"]
answer = 0
explanation = "Initial margin = notional ÷ leverage."
lesson = "basics/two"
"""

ZH_TOPIC = """\
title = "槓桿"
lesson = "basics/one"

[[question]]
id = "lev-1"
text = "以 5 倍槓桿開 40,000 USDT 的部位，初始保證金是多少？"
options = ["8,000 USDT", "200,000 USDT", "40,160 USDT"]
answer = 0
explanation = "40,000 ÷ 5 = 8,000 USDT。"
"""


@pytest.fixture
def quiz_tree(english):
    (english.en / "quiz").mkdir()
    (english.en / "quiz" / "leverage.toml").write_text(EN_TOPIC, encoding="utf-8")
    write_translation(english.root, "zh_Hant")
    (english.root / "zh_Hant" / "quiz").mkdir()
    (english.root / "zh_Hant" / "quiz" / "leverage.toml").write_text(ZH_TOPIC, encoding="utf-8")
    return english


def test_a_translated_quiz_bank_loads_beside_the_english_one(quiz_tree):
    load_content(root=quiz_tree.root)
    assert set(QuizTopic.objects.values_list("language", "title")) == {
        ("en", "Leverage"),
        ("zh-hant", "槓桿"),
    }
    # A question left out of the translation (lev-2) is simply shown in English.
    assert set(QuizQuestion.objects.values_list("language", "key")) == {
        ("en", "lev-1"),
        ("en", "lev-2"),
        ("zh-hant", "lev-1"),
    }


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("answer = 0", "answer = 1", "question lev-1.answer: the correct option"),
        ('id = "lev-1"', 'id = "lev-9"', "question lev-9.id: no English question"),
        (
            '"40,160 USDT"]',
            '"40,160 USDT", "0 USDT"]',
            "question lev-1.options: the number of options",
        ),
        ("= 8,000 USDT。", "= 8,100 USDT。", "question lev-1.explanation: the numbers differ"),
        ('lesson = "basics/one"', 'lesson = "basics/two"', "lesson: the topic's lesson"),
    ],
)
def test_a_translated_quiz_question_that_differs_is_refused(quiz_tree, old, new, message):
    _edit(quiz_tree.root / "zh_Hant" / "quiz" / "leverage.toml", old, new)
    with pytest.raises(ContentError, match=re.escape(message)):
        load_content(root=quiz_tree.root)
    assert not QuizQuestion.objects.exists()


# --- every translation, all problems at once -------------------------------------------------


def test_the_checker_lists_every_problem_of_every_language(quiz_tree):
    write_translation(quiz_tree.root, "pl")
    _edit(quiz_tree.root / "pl" / "basics" / "01-one.md", "answer = 1", "answer = 2")
    _edit(quiz_tree.root / "pl" / "basics" / "02-two.md", '"3 000"', '"3,000"')
    _edit(quiz_tree.root / "zh_Hant" / "quiz" / "leverage.toml", "answer = 0", "answer = 2")
    problems = check_translations(quiz_tree.root)
    assert len(problems) == 3
    out = io.StringIO()
    with pytest.raises(CommandError, match="3 problem"):
        call_command("learn_check_translations", content_dir=quiz_tree.root, stdout=out)
    assert "pl/basics/02-two.md: check[0].options[1]" in out.getvalue()


def test_the_shipped_translations_match_the_english_files():
    """The issue's rule over the real files: numbers, slugs, correct options and embedded
    calculators of every translation are those of the English file."""
    assert check_translations(content_root()) == []
