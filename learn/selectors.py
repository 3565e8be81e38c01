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
    """The content language for this request: the active language when the site offers
    it (setting ``LANGUAGES``), otherwise English. What is not translated yet falls back
    to English piece by piece (``curriculum``, ``lesson_for_page``, ``glossary_terms``)."""
    offered = {code.lower() for code, _name in settings.LANGUAGES}
    active = (translation.get_language() or DEFAULT_LANGUAGE).lower()
    return active if active in offered else DEFAULT_LANGUAGE


def language_name(language: str) -> str:
    """The language's own name, as the fallback note says it ("Polski", "繁體中文"):
    the name the switcher shows (setting ``LANGUAGES``), else Django's own."""
    named = {code.lower(): str(name) for code, name in settings.LANGUAGES}
    if language in named:
        return named[language]
    try:
        name = translation.get_language_info(language)["name_local"]
    except KeyError:
        return language
    return name[:1].upper() + name[1:]


def _languages(language: str) -> set[str]:
    # One query serves a translated page: the language's rows and the English ones,
    # which stand in for anything not translated yet.
    return {language, DEFAULT_LANGUAGE}


@dataclass
class LessonEntry:
    lesson: Lesson
    last_opened_at: datetime | None = None
    completed_at: datetime | None = None
    # Shown in English because this language has no translation of it yet.
    fallback: bool = False

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
    fallback: bool = False

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
    """Every live course and lesson with this learner's progress, in ``language`` where
    translated and in English where not (English decides what exists and its order)."""
    rows = list(
        Lesson.objects.live()
        .filter(language__in=_languages(language), course__retired_at__isnull=True)
        .select_related("course")
        .order_by("course__order", "course__slug", "order", "slug")
    )
    translated = {row.key: row for row in rows if row.language == language}
    lessons = [row for row in rows if row.language == DEFAULT_LANGUAGE]
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
    translated_courses = {row.course.slug: row.course for row in translated.values()}
    courses: dict[str, CourseEntry] = {}
    for english in lessons:
        slug = english.course.slug
        entry = courses.get(slug)
        if entry is None:
            course = translated_courses.get(slug)
            entry = courses[slug] = CourseEntry(
                course=course or english.course,
                completion=completions.get(slug),
                fallback=course is None and language != DEFAULT_LANGUAGE,
            )
        lesson = translated.get(english.key)
        opened, completed = progress.get(english.key, (None, None))
        entry.lessons.append(
            LessonEntry(
                lesson or english,
                opened,
                completed,
                fallback=lesson is None and language != DEFAULT_LANGUAGE,
            )
        )
    return Curriculum(courses=list(courses.values()), started=bool(progress))


def _completions_by_course(user: Any) -> dict[str, CourseCompletion]:
    rows = CourseCompletion.objects.filter(
        user=user, course__language=DEFAULT_LANGUAGE
    ).select_related("course")
    return {completion.course.slug: completion for completion in rows}


@dataclass(frozen=True)
class LessonPage:
    """The lesson a page shows, and the English row its progress is kept on."""

    lesson: Lesson
    original: Lesson
    requested: str = DEFAULT_LANGUAGE

    @property
    def fallback(self) -> bool:
        """Shown in English although another language is active."""
        return self.lesson.language == DEFAULT_LANGUAGE and self.requested != DEFAULT_LANGUAGE


def lesson_for_page(*, language: str, course_slug: str, lesson_slug: str) -> LessonPage:
    """The lesson in ``language`` (or English when not translated) with its course and
    check questions, plus its English row; retired lessons stay readable. Two queries."""
    rows = {
        row.language: row
        for row in Lesson.objects.select_related("course")
        .prefetch_related("questions")
        .filter(language__in=_languages(language), course__slug=course_slug, slug=lesson_slug)
    }
    original = rows.get(DEFAULT_LANGUAGE)
    if original is None:
        raise Http404("No such lesson.")
    return LessonPage(lesson=rows.get(language, original), original=original, requested=language)


# Polish alphabetical order: ą after a, ć after c, ł after l… (code-point order would put
# every accented letter after z).
_POLISH_ALPHABET = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"


def _polish_key(term: GlossaryTerm) -> tuple:
    return tuple(
        (1, _POLISH_ALPHABET.index(char))
        if char in _POLISH_ALPHABET
        else ((2, ord(char)) if char.isalpha() else (0, ord(char)))
        for char in term.term.casefold()
    )


def _curriculum_key(term: GlossaryTerm) -> tuple:
    # Chinese terms have no alphabet; they are listed in the order the lessons teach them.
    return (term.lesson.course.order, term.lesson.order, term.pk)


def _glossary_key(language: str):
    if language.startswith("pl"):
        return _polish_key
    if language.startswith("zh"):
        return _curriculum_key
    return lambda term: (term.term.casefold(), term.term)


def glossary_terms(*, language: str) -> list[GlossaryTerm]:
    """Every term in ``language`` (English where not translated), sorted for the language.

    A term shown in English carries ``fallback = True``. One query.
    """
    rows = list(
        GlossaryTerm.objects.filter(language__in=_languages(language)).select_related(
            "lesson__course"
        )
    )
    translated = {term.slug: term for term in rows if term.language == language}
    terms = []
    for english in (term for term in rows if term.language == DEFAULT_LANGUAGE):
        term = translated.get(english.slug, english)
        term.fallback = term is english and language != DEFAULT_LANGUAGE
        terms.append(term)
    return sorted(terms, key=_glossary_key(language))
