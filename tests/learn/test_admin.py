"""Every Learn model is in the admin; the curriculum there is read-only (files rule)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from learn.models import (
    CourseCompletion,
    GlossaryTerm,
    KnowledgeCheckQuestion,
    Lesson,
    LessonProgress,
)
from tests.learn.conftest import complete

MODELS = [
    "course",
    "lesson",
    "knowledgecheckquestion",
    "glossaryterm",
    "lessonprogress",
    "coursecompletion",
]


@pytest.mark.parametrize("model", MODELS)
def test_staff_can_list_and_open_every_learn_model(client, staff, learner, model):
    lesson = Lesson.objects.first()
    complete(learner, lesson)
    CourseCompletion.objects.create(user=learner, course=lesson.course, completed_at=timezone.now())
    client.force_login(staff)
    response = client.get(f"/admin/learn/{model}/")
    assert response.status_code == 200
    objects = {
        "course": lesson.course,
        "lesson": lesson,
        "knowledgecheckquestion": KnowledgeCheckQuestion.objects.first(),
        "glossaryterm": GlossaryTerm.objects.first(),
        "lessonprogress": LessonProgress.objects.first(),
        "coursecompletion": CourseCompletion.objects.first(),
    }
    assert client.get(f"/admin/learn/{model}/{objects[model].pk}/change/").status_code == 200


def test_the_curriculum_cannot_be_edited_in_the_admin(client, staff):
    client.force_login(staff)
    lesson = Lesson.objects.first()
    assert client.get("/admin/learn/lesson/add/").status_code == 403
    response = client.post(f"/admin/learn/lesson/{lesson.pk}/change/", {"title": "Hacked"})
    assert response.status_code == 403
    lesson.refresh_from_db()
    assert lesson.title != "Hacked"


def test_learners_cannot_open_the_admin(client, learner):
    client.force_login(learner)
    response = client.get("/admin/learn/lessonprogress/")
    assert response.status_code == 302
