"""The margin quiz pages: /learn/quiz/, an attempt, its result, the risk statement.

Views are thin: log-in, the rate limit, one service or selector, render. Every
refusal is a ``QuizError`` whose message the page shows as is.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.activation import remember_in_session
from config.ratelimit import RateLimit
from learn.quiz import services
from learn.quiz.errors import AttemptNotFound, QuizError, StatementNotAccepted
from learn.quiz.forms import StatementForm, posted_answers
from learn.quiz.rules import quiz_rules
from learn.quiz.selectors import attempt_for_page, quiz_overview, shown_questions
from learn.quiz.statement import RISK_STATEMENT
from learn.selectors import content_language, language_name

TOO_MANY = 429
REFUSED = 400


def quiz_rate_limit(action: str) -> RateLimit:
    rules = quiz_rules()
    return RateLimit(
        scope=f"quiz-{action}", limit=rules.rate_limit, window_seconds=rules.rate_window_seconds
    )


def _rate_limited(request: HttpRequest, action: str) -> str | None:
    """Count this request; the message to show if the learner is over the limit."""
    limiter = quiz_rate_limit(action)
    identity = str(request.user.pk)
    if limiter.is_limited(identity):
        minutes = max(1, -(-limiter.retry_after() // 60))
        return ngettext(
            "Too many quiz requests. Try again in %(minutes)d minute.",
            "Too many quiz requests. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
    limiter.hit(identity)
    return None


def _language() -> str:
    return content_language()


def _home(request: HttpRequest, *, error: str | None = None, form=None, status: int = 200):
    now = timezone.now()
    overview = quiz_overview(user=request.user, now=now, language=_language())
    remember_in_session(request, overview.activation)
    cooldown_seconds = overview.cooldown.seconds_left(now=now) if overview.cooldown else 0
    return render(
        request,
        "learn/quiz/home.html",
        {
            "title": _("Margin quiz"),
            "overview": overview,
            "rules": overview.rules,
            "error": error,
            "cooldown_seconds": cooldown_seconds,
            "cooldown_clock": f"{cooldown_seconds // 60}:{cooldown_seconds % 60:02d}",
            "statement": RISK_STATEMENT,
            "statement_form": form or StatementForm(),
        },
        status=status,
    )


@login_required
@require_GET
def quiz_home(request: HttpRequest) -> HttpResponse:
    return _home(request)


@login_required
@require_POST
def quiz_start(request: HttpRequest) -> HttpResponse:
    limited = _rate_limited(request, "start")
    if limited:
        return _home(request, error=limited, status=TOO_MANY)
    try:
        attempt = services.attempt_start(
            user=request.user, now=timezone.now(), language=_language()
        )
    except QuizError as error:
        return _home(request, error=error.message, status=REFUSED)
    return redirect("learn:quiz_attempt", attempt_id=attempt.pk)


def _attempt(request: HttpRequest, attempt_id: int, *, error=None, posted=None, status=200):
    attempt = attempt_for_page(user=request.user, attempt_id=attempt_id)
    if attempt is None:
        raise Http404(_("No such attempt."))
    now = timezone.now()
    language = _language()
    items = shown_questions(attempt=attempt, language=language)
    return render(
        request,
        "learn/quiz/attempt.html",
        {
            "title": _("Margin quiz attempt"),
            "attempt": attempt,
            "items": items,
            "is_open": attempt.is_open(now=now),
            "is_expired": attempt.is_expired(now=now),
            "minutes_left": max(0, int((attempt.expires_at - now).total_seconds()) // 60),
            "missed_lessons": _missed_lessons(items) if attempt.submitted_at else [],
            "any_fallback": any(item.fallback for item in items),
            "language_name": language_name(language),
            "error": error,
            "posted": posted or {},
            "rules": quiz_rules(),
        },
        status=status,
    )


def _missed_lessons(items) -> list[tuple]:
    """(lesson, title shown) of the missed topics: opening these lifts the cooldown."""
    lessons = {}
    for shown in items:
        if shown.item.correct is False:
            topic = shown.item.question.topic
            lessons.setdefault(topic.lesson_id, (topic.lesson, shown.topic_lesson_title))
    return sorted(lessons.values(), key=lambda pair: pair[0].key)


@login_required
@require_GET
def attempt_page(request: HttpRequest, attempt_id: int) -> HttpResponse:
    return _attempt(request, attempt_id)


@login_required
@require_POST
def attempt_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    answers = posted_answers(request.POST)
    # Re-checks the learner's choices on a refused form (only their first value each).
    posted = {token: values[0] for token, values in answers.items() if values}
    limited = _rate_limited(request, "submit")
    if limited:
        return _attempt(request, attempt_id, error=limited, posted=posted, status=TOO_MANY)
    try:
        services.attempt_submit(
            user=request.user, attempt_id=attempt_id, answers=answers, now=timezone.now()
        )
    except AttemptNotFound:
        raise Http404(_("No such attempt.")) from None
    except QuizError as error:
        return _attempt(request, attempt_id, error=error.message, posted=posted, status=REFUSED)
    return redirect("learn:quiz_attempt", attempt_id=attempt_id)


@login_required
@require_POST
def statement_accept(request: HttpRequest) -> HttpResponse:
    form = StatementForm(request.POST)
    form.is_valid()
    try:
        activation = services.quiz_statement_accept(
            user=request.user,
            accepted=form.cleaned_data.get("understood", False),
            now=timezone.now(),
        )
    except StatementNotAccepted as error:
        form.add_error("understood", error.message)
        return _home(request, form=form, status=REFUSED)
    except QuizError as error:
        return _home(request, error=error.message, status=REFUSED)
    remember_in_session(request, activation)
    messages.success(request, _("Margin is unlocked. Trade carefully: the rules are real."))
    return redirect("learn:quiz")
