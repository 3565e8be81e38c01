"""Learn fixtures: the real curriculum in the test database, and small content trees.

The real content (``learn/content``) is loaded, committed, before the first test module
here needs it, and again after a transactional test (a PostgreSQL race, a browser
test) flushed the tables. The loader runs in one transaction, so "any lesson row" means
"the whole curriculum".
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from learn.loader import load_content
from learn.models import Course, Lesson, LessonProgress

DB_FIXTURES = {"db", "transactional_db", "live_server"}


@pytest.fixture(scope="module", autouse=True)
def _real_curriculum(request, django_db_blocker):
    # pytest-django creates the test database only when some test asks for it; a module
    # of pure tests (the parser's) must not touch the database at all.
    module_items = [item for item in request.session.items if item.module is request.module]
    if not any(DB_FIXTURES & set(getattr(item, "fixturenames", ())) for item in module_items):
        return
    request.getfixturevalue("django_db_setup")
    with django_db_blocker.unblock():
        if not Lesson.objects.exists():
            load_content()


@pytest.fixture
def lesson(db) -> Lesson:
    """The first lesson of the real curriculum (with its course and questions)."""
    return (
        Lesson.objects.select_related("course")
        .prefetch_related("questions")
        .get(language="en", key="leverage-basics/what-is-leverage")
    )


def correct_answers(lesson: Lesson) -> dict[str, str]:
    return {f"answer-{q.pk}": str(q.answer_index) for q in lesson.questions.all()}


def wrong_answers(lesson: Lesson) -> dict[str, str]:
    """Every question answered, the first one wrongly."""
    answers = correct_answers(lesson)
    first = lesson.questions.all()[0]
    answers[f"answer-{first.pk}"] = str((first.answer_index + 1) % len(first.options))
    return answers


def complete(user, lesson: Lesson, *, at=None) -> LessonProgress:
    """Mark a lesson complete directly (for set-ups; the check itself is tested elsewhere)."""
    from django.utils import timezone

    at = at or timezone.now()
    progress, _ = LessonProgress.objects.update_or_create(
        user=user,
        lesson=lesson,
        defaults={"first_opened_at": at, "last_opened_at": at, "completed_at": at},
    )
    return progress


def course_lessons(slug: str) -> list[Lesson]:
    return list(
        Lesson.objects.live()
        .filter(language="en", course__slug=slug)
        .prefetch_related("questions")
        .order_by("order")
    )


# --- small content trees written into tmp_path -------------------------------------


COURSE = """\
+++
title = "{title}"
order = {order}
summary = "A course for the loader's tests."
+++

A short introduction.
"""

LESSON = """\
+++
title = "{title}"
order = {order}
summary = "A lesson for the loader's tests."

[calculator]
slug = "initial-margin"
[calculator.inputs]
quantity = "0.5"
entry_price = "60000"
leverage = "10"
[calculator.results]
notional = "30000"
initial_margin = "3000"

{glossary}
[[check]]
question = "What is 30,000 ÷ 10?"
options = ["300", "3,000", "30,000"]
answer = 1
explanation = "Notional ÷ leverage."

[[check]]
question = "Is leverage a multiple?"
options = ["Yes", "No", "Only on Tuesdays"]
answer = 0
explanation = "2x, 5x, 10x."
+++

{body}
"""


class ContentTree:
    """A throwaway ``learn/content`` with an ``en`` language directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.en = root / "en"
        self.en.mkdir(parents=True)

    def course(self, slug: str, *, title: str = "Test course", order: int = 1) -> Path:
        directory = self.en / slug
        directory.mkdir(exist_ok=True)
        (directory / "course.md").write_text(
            COURSE.format(title=title, order=order), encoding="utf-8"
        )
        return directory

    def lesson(
        self,
        course: str,
        slug: str,
        *,
        order: int = 1,
        title: str = "A lesson",
        body: str = "Leverage multiplies gains and losses.",
        glossary: str = "",
    ) -> Path:
        path = self.en / course / f"{order:02d}-{slug}.md"
        path.write_text(
            LESSON.format(title=title, order=order, body=body, glossary=textwrap.dedent(glossary)),
            encoding="utf-8",
        )
        return path


@pytest.fixture
def tree(tmp_path) -> ContentTree:
    return ContentTree(tmp_path / "content")


@pytest.fixture
def empty_curriculum(db, empty_quiz_bank):
    """No curriculum rows (inside this test's transaction): loader tests start clean."""
    LessonProgress.objects.all().delete()
    Lesson.objects.all().delete()
    Course.objects.all().delete()


def spot_usdt(user):
    """The learner's Spot USDT in the sandbox (None: no sandbox account yet)."""
    from sandbox.ledger import balances_of
    from sandbox.models import Account

    account = Account.objects.filter(user=user).first()
    if account is None:
        return None
    return balances_of(account).get(("spot", "USDT"))


def reward_transactions(user):
    from sandbox.models import LedgerTransaction, TransactionKind

    return LedgerTransaction.objects.filter(account__user=user, kind=TransactionKind.REWARD)


# --- the margin quiz ------------------------------------------------------------------


@pytest.fixture
def empty_quiz_bank(db):
    """No quiz rows (inside this test's transaction), whatever the real bank holds."""
    from learn.quiz.models import QuizQuestion, QuizTopic

    QuizQuestion.objects.all().delete()
    QuizTopic.objects.all().delete()


@pytest.fixture
def quiz_bank(empty_quiz_bank):
    """Ten core topics (the real slugs) with five made-up questions each (50 questions)."""
    from tests.learn.quiz_factories import build_bank

    return build_bank()
