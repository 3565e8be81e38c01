"""The home page: the play money waiting in the sandbox and the path learn → quiz → margin,
with where the learner stands on it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import MarginActivation
from learn.loader import load_content
from learn.models import Lesson, LessonProgress
from sandbox import services
from tests.sandbox.factories import key

HOME = reverse("home")
PASSWORD = "a-long-unusual-passphrase-42"


@pytest.fixture
def lessons(db) -> list[Lesson]:
    if not Lesson.objects.exists():
        load_content()
    return list(Lesson.objects.live().filter(language="en").order_by("course__order", "order"))


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def step(html: str, name: str) -> str:
    match = re.search(rf'<li [^>]*data-testid="step-{name}">(.*?)</li>', html, re.S)
    assert match, f"no {name} step"
    return text(match.group(0))


def test_it_shows_anonymous_visitors_the_path_and_an_invitation_to_sign_up(
    client, lessons, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the live lessons
        html = client.get(HOME).content.decode()

    assert "The path" in html
    assert f"{len(lessons)} short lessons" in step(html, "learn")
    assert "Pass the margin quiz" in step(html, "quiz")
    assert "Arrives with Cross Margin" in step(html, "margin")
    assert "Sign up for free and get 10,000 USDT of play money" in text(html)
    assert f'href="{reverse("accounts:signup")}"' in html
    assert 'aria-current="step"' not in html


def test_it_tells_a_new_learner_their_10000_usdt_is_ready(
    learner_client, lessons, django_assert_num_queries
):
    # session, user, lessons, progress, completions, activation, sandbox cash, and the
    # header's unread-notifications count
    with django_assert_num_queries(8):
        html = learner_client.get(HOME).content.decode()

    assert "Your path" in html
    assert "Your 10,000 USDT of play money is ready" in text(html)
    assert f"0 of {len(lessons)} lessons completed" in step(html, "learn")
    assert f"Next: {lessons[0].title}" in step(html, "learn")
    assert "Not passed yet" in step(html, "quiz")
    assert 'aria-current="step" data-testid="step-learn"' in html


def test_it_shows_the_real_balance_and_the_progress_of_a_learner_on_the_way(
    learner_client, learner, lessons, django_assert_num_queries
):
    account = services.account_sync(user=learner)
    services.order_place(
        account=account,
        symbol="BTCUSDT",
        side="buy",
        order_type="market",
        quote_amount=Decimal("1500"),
        idempotency_key=key(),
    )
    now = timezone.now()
    for lesson in lessons[:2]:
        LessonProgress.objects.create(
            user=learner,
            lesson=lesson,
            first_opened_at=now,
            last_opened_at=now,
            completed_at=now,
        )

    with django_assert_num_queries(8):
        html = learner_client.get(HOME).content.decode()

    cash = text(html)
    assert re.search(r"Your Spot wallet holds 8,500\.\d\d USDT of play money", cash), cash
    assert f"2 of {len(lessons)} lessons completed" in step(html, "learn")
    assert f"Next: {lessons[2].title}" in step(html, "learn")


def test_it_marks_the_quiz_passed_and_margin_as_the_next_step(learner_client, learner, lessons):
    MarginActivation.objects.create(user=learner, activated_at=timezone.now(), attempt_id=1)

    html = learner_client.get(HOME).content.decode()

    assert "Passed: margin trading is unlocked." in step(html, "quiz")
    margin = step(html, "margin")
    assert "Arrives with Cross Margin" in margin
    assert 'aria-current="step" data-testid="step-margin"' in html
    assert f'href="{reverse("learn:quiz")}">Your quiz status' in html


def test_a_new_learner_lands_on_the_path_after_signing_up(client, lessons):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == HOME
    html = response.content.decode()
    assert "Your path" in html
    assert "Your 10,000 USDT of play money is ready" in text(html)
