"""The quiz bank step of learn_load: idempotent, edits update, removals retire or delete."""

from __future__ import annotations

import io
import textwrap

import pytest
from django.core.management import CommandError, call_command

from learn.loader import load_content
from learn.parsing import ContentError
from learn.quiz.models import QuizAttemptQuestion, QuizQuestion, QuizTopic
from learn.quiz.services import attempt_start
from tests.learn.quiz_factories import NOW

pytestmark = pytest.mark.usefixtures("empty_curriculum")

TOPIC = """\
title = "{title}"
lesson = "basics/one"
{questions}
"""

QUESTION = """
[[question]]
id = "{key}"
text = "{text}"
options = ["A {key}", "B {key}", "C {key}"]
answer = {answer}
explanation = "Because {key}."
{extra}
"""


def question(key, *, text=None, answer=1, extra=""):
    return QUESTION.format(key=key, text=text or f"What about {key}?", answer=answer, extra=extra)


@pytest.fixture
def bank(tree):
    tree.course("basics")
    tree.lesson("basics", "one", order=1, title="One")
    tree.lesson("basics", "two", order=2, title="Two")
    quiz = tree.en / "quiz"
    quiz.mkdir()

    def write(slug, *questions, title="Leverage"):
        (quiz / f"{slug}.toml").write_text(
            TOPIC.format(title=title, questions="".join(questions)), encoding="utf-8"
        )

    write("leverage", question("lev-1"), question("lev-2", extra='lesson = "basics/two"'))
    write("interest", question("int-1", answer=0), title="Interest")
    tree.write = write
    return tree


def snapshot():
    return (
        list(QuizTopic.objects.order_by("pk").values()),
        list(QuizQuestion.objects.order_by("pk").values()),
    )


def test_it_loads_topics_and_questions_with_their_lessons(bank):
    load_content(root=bank.root)
    assert sorted(QuizTopic.objects.values_list("slug", flat=True)) == ["interest", "leverage"]
    lev2 = QuizQuestion.objects.select_related("topic", "lesson").get(key="lev-2")
    assert lev2.topic.slug == "leverage"
    assert lev2.lesson.key == "basics/two"
    assert lev2.options == ["A lev-2", "B lev-2", "C lev-2"]
    assert lev2.answer_index == 1
    assert lev2.explanation == "Because lev-2."
    # Without its own lesson, a question comes from its topic's lesson.
    assert QuizQuestion.objects.get(key="lev-1").lesson.key == "basics/one"
    assert QuizTopic.objects.get(slug="leverage").lesson.key == "basics/one"


def test_a_second_run_changes_nothing(bank):
    load_content(root=bank.root)
    before = snapshot()
    report = load_content(root=bank.root)
    assert snapshot() == before
    assert not any(name.startswith("quiz") for name in report.created + report.updated)


def test_an_edited_question_is_updated_in_place(bank):
    load_content(root=bank.root)
    pk = QuizQuestion.objects.get(key="lev-1").pk
    bank.write("leverage", question("lev-1", text="Edited?", answer=2), question("lev-2"))
    report = load_content(root=bank.root)
    edited = QuizQuestion.objects.get(key="lev-1")
    assert (edited.pk, edited.text, edited.answer_index) == (pk, "Edited?", 2)
    assert "quiz question en:lev-1" in report.updated


def test_a_removed_question_is_deleted_unless_an_attempt_drew_it(bank, learner, settings):
    load_content(root=bank.root)
    settings.QUIZ_QUESTIONS_PER_ATTEMPT = 3
    settings.QUIZ_PASS_MARK = 3
    attempt = attempt_start(user=learner, now=NOW)
    assert attempt.questions.count() == 3
    bank.write("leverage", question("lev-1"))
    (bank.en / "quiz" / "interest.toml").unlink()
    report = load_content(root=bank.root)
    # Both were drawn by the attempt: kept, retired, never drawn again.
    assert QuizQuestion.objects.get(key="lev-2").retired
    assert QuizQuestion.objects.get(key="int-1").retired
    assert QuizTopic.objects.get(slug="interest").retired
    assert "quiz question en:lev-2: attempts drew it" in report.retired
    assert QuizAttemptQuestion.objects.filter(attempt=attempt).count() == 3


def test_a_removed_question_nobody_drew_is_deleted(bank):
    load_content(root=bank.root)
    bank.write("leverage", question("lev-1"))
    report = load_content(root=bank.root)
    assert not QuizQuestion.objects.filter(key="lev-2").exists()
    assert "quiz question en:lev-2" in report.deleted


def test_a_restored_question_comes_back_from_retirement(bank, learner, settings):
    load_content(root=bank.root)
    settings.QUIZ_QUESTIONS_PER_ATTEMPT = 3
    settings.QUIZ_PASS_MARK = 3
    attempt_start(user=learner, now=NOW)
    bank.write("leverage", question("lev-1"))
    load_content(root=bank.root)
    bank.write("leverage", question("lev-1"), question("lev-2"))
    load_content(root=bank.root)
    assert not QuizQuestion.objects.get(key="lev-2").retired


@pytest.mark.parametrize(
    ("broken", "field"),
    [
        (question("bad", answer=3), "question bad.answer"),
        (question("bad", answer="true"), "question bad.answer"),
        (question("bad", extra='lesson = "basics/nope"'), "question bad.lesson"),
        (question("lev-1"), "question.id"),
        ('[[question]]\nid = "bad"\ntext = "?"\noptions = ["a", "b"]\nanswer = 0\n', "options"),
        (
            question("bad").replace('explanation = "Because bad."', 'explanation = ""'),
            "explanation",
        ),
    ],
)
def test_a_broken_file_changes_nothing(bank, broken, field):
    load_content(root=bank.root)
    before = snapshot()
    bank.write("interest", question("int-1"), broken, title="Interest")
    with pytest.raises(ContentError) as error:
        load_content(root=bank.root)
    assert field in str(error.value)
    assert "interest.toml" in str(error.value)
    assert snapshot() == before


def test_the_command_loads_the_bank_and_reports_a_broken_one(bank):
    out = io.StringIO()
    call_command("learn_load", content_dir=bank.root, stdout=out)
    assert QuizQuestion.objects.count() == 3
    (bank.en / "quiz" / "broken.toml").write_text(textwrap.dedent('title = "x"\n'), "utf-8")
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("learn_load", content_dir=bank.root, stdout=io.StringIO())
    assert QuizQuestion.objects.count() == 3
