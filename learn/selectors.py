"""Reads the Learn pages share. Three queries give a page the whole curriculum with the
learner's progress on it, however many lessons and completions there are: the live
lessons (with their courses), the learner's progress rows, the learner's completions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import translation

from learn.models import (
    DEFAULT_LANGUAGE,
    Course,
    CourseCompletion,
    GlossaryTerm,
    Lesson,
    LessonProgress,
)


def content_language() -> str:
    """The content language for this request: the active language when its lessons are
    loaded (setting ``LEARN_LANGUAGES``), otherwise English."""
    available = getattr(settings, "LEARN_LANGUAGES", (DEFAULT_LANGUAGE,))
    active = (translation.get_language() or DEFAULT_LANGUAGE).lower()
    return active if active in available else DEFAULT_LANGUAGE


@dataclass
class LessonEntry:
    lesson: Lesson
    last_opened_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def opened(self) -> bool:
        return self.last_opened_at is not None

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


@dataclass
class CourseEntry:
    course: Course
    lessons: list[LessonEntry] = field(default_factory=list)
    completion: CourseCompletion | None = None

    @property
    def total(self) -> int:
        return len(self.lessons)

    @property
    def done(self) -> int:
        return sum(entry.completed for entry in self.lessons)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.completion is not None

    @property
    def reward_paid(self) -> bool:
        return self.completion is not None and self.completion.reward_paid


@dataclass
class Curriculum:
    courses: list[CourseEntry]
    # The learner has any progress at all (anonymous visitors: never).
    started: bool = False

    @property
    def lessons(self) -> list[LessonEntry]:
        return [entry for course in self.courses for entry in course.lessons]

    def course(self, slug: str) -> CourseEntry:
        for entry in self.courses:
            if entry.course.slug == slug:
                return entry
        raise Http404("No such course.")

    def entry_for(self, lesson: Lesson) -> LessonEntry | None:
        return next((e for e in self.lessons if e.lesson.key == lesson.key), None)

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        """The previous and next lesson in reading order, across course boundaries."""
        keys = [entry.lesson.key for entry in self.lessons]
        if lesson.key not in keys:
            return None, None
        index = keys.index(lesson.key)
        previous = self.lessons[index - 1].lesson if index > 0 else None
        following = self.lessons[index + 1].lesson if index + 1 < len(keys) else None
        return previous, following

    @property
    def continue_lesson(self) -> Lesson | None:
        """Where the learner left off: the last lesson opened, or - when that one is
        complete - the next one not yet complete. The first lesson for a new learner."""
        lessons = self.lessons
        if not lessons:
            return None
        opened = [e for e in lessons if e.opened]
        if not opened:
            return lessons[0].lesson
        last = max(opened, key=lambda e: e.last_opened_at)
        if not last.completed:
            return last.lesson
        index = lessons.index(last)
        for entry in lessons[index + 1 :] + lessons[:index]:
            if not entry.completed:
                return entry.lesson
        return None


def curriculum(*, user: Any, language: str) -> Curriculum:
    """Every live course and lesson in ``language`` with this learner's progress."""
    lessons = (
        Lesson.objects.live()
        .filter(language=language, course__retired_at__isnull=True)
        .select_related("course")
        .order_by("course__order", "course__slug", "order", "slug")
    )
    progress: dict[str, tuple[datetime, datetime | None]] = {}
    completions: dict[str, CourseCompletion] = {}
    if getattr(user, "is_authenticated", False):
        # Progress lives on the English rows; lesson keys match across languages.
        progress = {
            key: (opened, completed)
            for key, opened, completed in LessonProgress.objects.filter(
                user=user, lesson__language=DEFAULT_LANGUAGE
            ).values_list("lesson__key", "last_opened_at", "completed_at")
        }
        completions = _completions_by_course(user)
    courses: dict[str, CourseEntry] = {}
    for lesson in lessons:
        entry = courses.get(lesson.course.slug)
        if entry is None:
            entry = courses[lesson.course.slug] = CourseEntry(
                course=lesson.course, completion=completions.get(lesson.course.slug)
            )
        opened, completed = progress.get(lesson.key, (None, None))
        entry.lessons.append(LessonEntry(lesson, opened, completed))
    return Curriculum(courses=list(courses.values()), started=bool(progress))


def _completions_by_course(user: Any) -> dict[str, CourseCompletion]:
    rows = CourseCompletion.objects.filter(
        user=user, course__language=DEFAULT_LANGUAGE
    ).select_related("course")
    return {completion.course.slug: completion for completion in rows}


def lesson_for_page(*, language: str, course_slug: str, lesson_slug: str) -> Lesson:
    """The lesson with its course and check questions; retired lessons stay readable."""
    try:
        return (
            Lesson.objects.select_related("course")
            .prefetch_related("questions")
            .get(language=language, course__slug=course_slug, slug=lesson_slug)
        )
    except Lesson.DoesNotExist:
        raise Http404("No such lesson.") from None


def glossary_terms(*, language: str) -> list[GlossaryTerm]:
    return list(
        GlossaryTerm.objects.filter(language=language)
        .select_related("lesson__course")
        .order_by("term")
    )
