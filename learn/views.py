"""The Learn pages (SPEC §7): /learn/, a course, a lesson with its check, the glossary.

Anonymous visitors read everything and get feedback on checks; only signed-in
learners' progress is stored.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import Context
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from calculators.definitions import DEFINITIONS
from calculators.templatetags.calculators import calculator_widget
from learn import selectors
from learn.forms import answer_field, read_answers
from learn.services import (
    CheckRejected,
    answers_in_language,
    check_submit,
    course_reward,
    lesson_open,
)

LESSON_TEMPLATE = "learn/lesson.html"
CHECK_PARTIAL = "learn/lesson.html#check"
INVALID = 422


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    curriculum = selectors.curriculum(user=request.user, language=selectors.content_language())
    return render(
        request,
        "learn/index.html",
        {
            "title": _("Learn"),
            "signup_url": reverse("accounts:signup"),
            "curriculum": curriculum,
            "continue_lesson": curriculum.continue_lesson,
            "reward": course_reward(),
        },
    )


@require_safe
def course(request: HttpRequest, course_slug: str) -> HttpResponse:
    language = selectors.content_language()
    curriculum = selectors.curriculum(user=request.user, language=language)
    entry = curriculum.course(course_slug)
    return render(
        request,
        "learn/course.html",
        {
            "title": entry.course.title,
            "entry": entry,
            "language_name": selectors.language_name(language),
            "reward": course_reward(),
            "signup_url": reverse("accounts:signup"),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def lesson(request: HttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    language = selectors.content_language()
    page = selectors.lesson_for_page(
        language=language, course_slug=course_slug, lesson_slug=lesson_slug
    )
    lesson = page.lesson
    result = None
    error = ""
    selected: dict[int, int] = {}
    if request.method == "POST":
        try:
            selected = answers_in_language(lesson=lesson, answers=read_answers(request.POST))
            result = check_submit(
                user=request.user, lesson=lesson, original=page.original, answers=selected
            )
        except CheckRejected as rejected:
            error = rejected.message
    else:
        # Progress lives on the English row, whatever language the lesson is read in.
        lesson_open(user=request.user, lesson=page.original)
    # Read after the write, so a just-completed lesson shows its tick and the new count.
    curriculum = selectors.curriculum(user=request.user, language=language)
    questions = [
        {
            "question": question,
            "field": answer_field(question.pk),
            "selected": selected.get(question.pk),
            "result": result.for_question(question.pk) if result else None,
        }
        for question in lesson.questions.all()
    ]
    previous, following = curriculum.neighbours(lesson)
    course_entry = next(
        (c for c in curriculum.courses if c.course.slug == lesson.course.slug), None
    )
    position = None
    if course_entry is not None:
        keys = [item.lesson.key for item in course_entry.lessons]
        position = keys.index(lesson.key) + 1 if lesson.key in keys else None
    context = {
        "title": lesson.title,
        "position": position,
        "lesson": lesson,
        "fallback": page.fallback,
        "language_name": selectors.language_name(language),
        "course_entry": course_entry,
        "entry": curriculum.entry_for(lesson),
        "questions": questions,
        "result": result,
        "error": error,
        "previous": previous,
        "next": following,
        "reward": course_reward(),
        "signup_url": reverse("accounts:signup"),
    }
    if request.method == "POST" and request.htmx:
        # Only the check is swapped; the status line above the lesson updates out of band.
        # htmx swaps only 2xx answers by default, so a refused check is a 200 fragment.
        context["oob"] = True
        response = render(request, CHECK_PARTIAL, context)
    else:
        context["widget"] = _widget(request, lesson)
        # A refused submission says so in its status too (as the sandbox's forms do).
        status = INVALID if error else 200
        response = render(request, LESSON_TEMPLATE, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _widget(request: HttpRequest, lesson) -> str:
    """The worked example's calculator, prefilled from the lesson's front matter.

    Rendered by the ``{% calculator_widget %}`` tag's own function: a template cannot
    spread a dict of inputs into tag arguments, and the lesson text is never a template.
    """
    definition = DEFINITIONS.get(lesson.calculator_slug)
    if definition is None:
        return ""
    # Inputs the lesson leaves out are blank - the calculator's defaults, exactly what the
    # JSON API (and the content test) computes with - not the calculator page's example.
    prefill = {name: "" for name in definition.field_names}
    prefill.update(lesson.calculator_inputs)
    return calculator_widget(Context({"request": request}), lesson.calculator_slug, **prefill)


@require_safe
def glossary(request: HttpRequest) -> HttpResponse:
    language = selectors.content_language()
    terms = selectors.glossary_terms(language=language)
    return render(
        request,
        "learn/glossary.html",
        {
            "title": _("Glossary"),
            "terms": terms,
            "language_name": selectors.language_name(language),
            "any_fallback": any(term.fallback for term in terms),
        },
    )
