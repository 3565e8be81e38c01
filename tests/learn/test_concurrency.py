"""Learners who double-click: the last lesson completed by several requests at once
(PostgreSQL: real threads, real row locks) records one completion and pays once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from learn.loader import load_content
from learn.models import CourseCompletion, LessonProgress
from learn.services import check_submit
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.learn.conftest import complete, course_lessons, reward_transactions, spot_usdt

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


@pytest.mark.parametrize("with_account", [True, False], ids=["account", "no-account-yet"])
def test_threads_finishing_the_last_lesson_at_once_pay_one_reward(with_account):
    load_content()  # a transactional test starts from flushed tables
    user = UserFactory(username="racer")
    lessons = course_lessons("cross-vs-isolated")
    for lesson in lessons[:-1]:
        complete(user, lesson)
    last = lessons[-1]
    answers = {q.pk: q.answer_index for q in last.questions.all()}
    if with_account:
        from sandbox.services import account_sync

        account_sync(user=user)

    results = run_in_threads(
        THREADS, lambda _: check_submit(user=user, lesson=last, answers=answers)
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.lesson_completed_now for r in results) == 1
    assert sum(r.course_completed_now for r in results) == 1
    assert LessonProgress.objects.filter(user=user, lesson=last).count() == 1
    assert CourseCompletion.objects.filter(user=user).count() == 1
    assert reward_transactions(user).count() == 1
    assert spot_usdt(user) == Decimal("10100")
