"""Staff see every learner's attempts in the admin; attempts cannot be edited there."""

from __future__ import annotations

from django.urls import reverse

from accounts.services import margin_activation_record
from learn.quiz.services import attempt_start
from tests.learn.quiz_factories import NOW


def test_staff_see_every_learners_attempts(quiz_bank, learner, other_learner, staff, client):
    mine = attempt_start(user=learner, now=NOW)
    theirs = attempt_start(user=other_learner, now=NOW)
    client.force_login(staff)
    page = client.get(reverse("admin:learn_quizattempt_changelist")).content.decode()
    assert "alice" in page
    assert "bob" in page
    for attempt in (mine, theirs):
        url = reverse("admin:learn_quizattempt_change", args=[attempt.pk])
        assert client.get(url).status_code == 200
    assert client.get(reverse("admin:learn_quizattempt_add")).status_code == 403


def test_staff_see_the_bank_and_activations(quiz_bank, learner, staff, client):
    margin_activation_record(user=learner, attempt_id=1, statement_version="v", now=NOW)
    client.force_login(staff)
    for name in (
        "admin:learn_quizquestion_changelist",
        "admin:learn_quiztopic_changelist",
        "admin:accounts_marginactivation_changelist",
    ):
        assert client.get(reverse(name)).status_code == 200
    assert (
        "alice"
        in client.get(reverse("admin:accounts_marginactivation_changelist")).content.decode()
    )


def test_learners_cannot_open_the_admin(quiz_bank, learner_client):
    response = learner_client.get(reverse("admin:learn_quizattempt_changelist"))
    assert response.status_code == 302
