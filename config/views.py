from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.activation import is_margin_activated
from config.formatting import format_round_amount
from learn import selectors as learn_selectors
from sandbox import selectors as sandbox_selectors
from sandbox.services import STARTING_ASSET, STARTING_BALANCE


@dataclass(frozen=True)
class LearningPath:
    """Where a learner stands on learn → quiz → margin, for the home page."""

    lessons_done: int
    lessons_total: int
    courses_done: int
    courses_total: int
    next_lesson: Any
    quiz_passed: bool

    @property
    def current_step(self) -> str:
        if self.quiz_passed:
            return "margin"
        if self.lessons_total and self.lessons_done == self.lessons_total:
            return "quiz"
        return "learn"


def learning_path(user) -> LearningPath:
    curriculum = learn_selectors.curriculum(user=user, language=learn_selectors.content_language())
    return LearningPath(
        lessons_done=sum(entry.completed for entry in curriculum.lessons),
        lessons_total=len(curriculum.lessons),
        courses_done=sum(course.complete for course in curriculum.courses),
        courses_total=len(curriculum.courses),
        next_lesson=curriculum.continue_lesson,
        quiz_passed=is_margin_activated(user),
    )


@require_GET
def home(request):
    """The start: the play money waiting in the sandbox and the path learn → quiz →
    margin, with where a signed-in learner stands on it (anonymous visitors: the path
    and an invitation to sign up)."""
    signed_in = request.user.is_authenticated
    context = {
        "path": learning_path(request.user),
        # Written per request, in the page's language ("10 000 USDT" in Polish).
        "starting_text": format_round_amount(STARTING_BALANCE, STARTING_ASSET),
        # None until the first sandbox visit opens the account with the starting money.
        "spot_cash": sandbox_selectors.spot_cash_of(user=request.user) if signed_in else None,
    }
    return render(request, "home.html", context)


@never_cache
@require_GET
def healthz(request):
    """200 "ok" when the database answers; load balancers poll this."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
