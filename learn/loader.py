"""Write the curriculum files into the database, idempotently (``manage.py learn_load``).

Rules (docs/learn.md):
- Running it twice changes nothing: a row is saved only when a field differs, so
  ``updated_at`` moves only for what an edit really changed.
- An edited file updates its rows; a new file adds them.
- A lesson whose file is gone is deleted when nobody has progress on it; when learners
  do, it is kept, marked retired (hidden from navigation) and reported - never deleted
  silently. The same for a course with progress or completions.
- Everything happens in one transaction: a malformed file (``ContentError``, naming the
  file and field) changes nothing.

The command runs ``STEPS`` in order for each language directory. Each step is a
function ``step(*, parsed, root, report, now)``; another kind of content (the quiz
bank) adds its own step to ``STEPS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from learn import parsing
from learn.models import Course, GlossaryTerm, KnowledgeCheckQuestion, Lesson
from learn.parsing import ParsedLanguage, read_language
from learn.quiz.loader import step_quiz_bank
from learn.rendering import TermLink, render_markdown
from learn.translations import align_translation, language_of_directory

DEFAULT_LANGUAGE_DIR = "en"


def content_root() -> Path:
    return Path(
        getattr(settings, "LEARN_CONTENT_DIR", Path(settings.BASE_DIR) / "learn" / "content")
    )


@dataclass
class LoadReport:
    """What a run did, by kind: lists of human-readable names ("lesson en:course/slug")."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted or self.retired)

    def lines(self, *, verbose: bool = False) -> list[str]:
        """A summary line, then what changed (what was created only when ``verbose``)."""
        lines = [
            f"created {len(self.created)}, updated {len(self.updated)}, "
            f"deleted {len(self.deleted)}, retired {len(self.retired)}, unchanged {self.unchanged}"
        ]
        if verbose:
            lines += [f"  created {name}" for name in self.created]
        lines += [f"  updated {name}" for name in self.updated]
        lines += [f"  deleted {name}" for name in self.deleted]
        lines += [f"  KEPT (retired, learners have progress) {name}" for name in self.retired]
        return lines


Step = Callable[..., None]


def _sync_fields(instance: Any, values: dict[str, Any]) -> bool:
    """Copy ``values`` onto ``instance``; True when any field differed (and it was saved)."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.save(update_fields=[*changed, "updated_at"])
    return bool(changed)


def _term_links(parsed: ParsedLanguage) -> list[TermLink]:
    return [
        TermLink(slug=term.slug, phrases=(term.term, *term.aliases), title=term.definition)
        for term in parsed.glossary
    ]


def step_courses_and_lessons(
    *, parsed: ParsedLanguage, root: Path, report: LoadReport, now: datetime
) -> None:
    """Courses, their lessons and each lesson's knowledge check."""
    language = parsed.language
    glossary_url = reverse("learn:glossary")
    terms = _term_links(parsed)
    courses = {c.slug: c for c in Course.objects.filter(language=language)}
    lessons = {
        lesson.key: lesson
        for lesson in Lesson.objects.filter(language=language).prefetch_related("questions")
    }
    for parsed_course in parsed.courses:
        values = {
            "title": parsed_course.title,
            "order": parsed_course.order,
            "summary": parsed_course.summary,
            "intro_markdown": parsed_course.intro_markdown,
            "intro_html": render_markdown(parsed_course.intro_markdown),
            "source_path": parsed_course.source_path,
            "retired_at": None,
        }
        course = courses.pop(parsed_course.slug, None)
        name = f"course {language}:{parsed_course.slug}"
        if course is None:
            course = Course.objects.create(language=language, slug=parsed_course.slug, **values)
            report.created.append(name)
        elif _sync_fields(course, values):
            report.updated.append(name)
        else:
            report.unchanged += 1
        for parsed_lesson in parsed_course.lessons:
            _sync_lesson(
                parsed_lesson,
                course=course,
                existing=lessons.pop(parsed_lesson.key, None),
                report=report,
                body_html=render_markdown(
                    parsed_lesson.body_markdown, terms=terms, glossary_url=glossary_url
                ),
            )
    _remove_lessons(list(lessons.values()), report=report, now=now)
    _remove_courses(list(courses.values()), report=report, now=now)


def _sync_lesson(parsed_lesson, *, course: Course, existing: Lesson | None, report, body_html):
    values = {
        "course": course,
        "slug": parsed_lesson.slug,
        "title": parsed_lesson.title,
        "order": parsed_lesson.order,
        "summary": parsed_lesson.summary,
        "body_markdown": parsed_lesson.body_markdown,
        "body_html": body_html,
        "calculator_slug": parsed_lesson.calculator_slug,
        "calculator_inputs": parsed_lesson.calculator_inputs,
        "calculator_results": parsed_lesson.calculator_results,
        "source_path": parsed_lesson.source_path,
        "retired_at": None,
    }
    name = f"lesson {course.language}:{parsed_lesson.key}"
    wanted = [
        (q.order, q.text, q.options, q.answer_index, q.explanation) for q in parsed_lesson.questions
    ]
    if existing is None:
        lesson = Lesson.objects.create(language=course.language, key=parsed_lesson.key, **values)
        report.created.append(name)
        questions_changed = True
    else:
        lesson = existing
        have = [
            (q.order, q.text, q.options, q.answer_index, q.explanation)
            for q in sorted(existing.questions.all(), key=lambda q: q.order)
        ]
        questions_changed = have != wanted
        fields_changed = _sync_fields(lesson, values)
        if questions_changed and not fields_changed:
            # A check-only edit is still an edit of the lesson.
            lesson.save(update_fields=["updated_at"])
        if fields_changed or questions_changed:
            report.updated.append(name)
        else:
            report.unchanged += 1
    if questions_changed:
        # Nothing refers to a question row (progress is per lesson), so replace them.
        lesson.questions.all().delete()
        KnowledgeCheckQuestion.objects.bulk_create(
            KnowledgeCheckQuestion(
                lesson=lesson,
                language=lesson.language,
                order=order,
                text=text,
                options=options,
                answer_index=answer,
                explanation=explanation,
            )
            for order, text, options, answer, explanation in wanted
        )


def _remove_lessons(gone: list[Lesson], *, report: LoadReport, now: datetime) -> None:
    if not gone:
        return
    learners = dict(
        Lesson.objects.filter(pk__in=[lesson.pk for lesson in gone])
        .annotate(learners=Count("progress"))
        .values_list("pk", "learners")
    )
    for lesson in gone:
        name = f"lesson {lesson.language}:{lesson.key} ({lesson.source_path})"
        if learners[lesson.pk]:
            if lesson.retired_at is None:
                lesson.retired_at = now
                lesson.save(update_fields=["retired_at", "updated_at"])
            report.retired.append(f"{name}: {learners[lesson.pk]} learner(s) have progress")
        else:
            lesson.delete()
            report.deleted.append(name)


def _remove_courses(gone: list[Course], *, report: LoadReport, now: datetime) -> None:
    for course in Course.objects.filter(pk__in=[c.pk for c in gone]).annotate(
        kept_lessons=Count("lessons", distinct=True),
        completed_by=Count("completions", distinct=True),
    ):
        name = f"course {course.language}:{course.slug} ({course.source_path})"
        if course.kept_lessons or course.completed_by:
            if course.retired_at is None:
                course.retired_at = now
                course.save(update_fields=["retired_at", "updated_at"])
            report.retired.append(f"{name}: learners have progress or a completion")
        else:
            course.delete()
            report.deleted.append(name)


def step_glossary(*, parsed: ParsedLanguage, root: Path, report: LoadReport, now: datetime) -> None:
    """Glossary terms, declared in the front matter of the lesson that teaches them."""
    language = parsed.language
    lesson_ids = dict(
        Lesson.objects.filter(language=language, retired_at__isnull=True).values_list("key", "pk")
    )
    existing = {term.slug: term for term in GlossaryTerm.objects.filter(language=language)}
    for parsed_term in parsed.glossary:
        values = {
            "term": parsed_term.term,
            "definition": parsed_term.definition,
            "aliases": parsed_term.aliases,
            "lesson_id": lesson_ids[parsed_term.lesson_key],
        }
        term = existing.pop(parsed_term.slug, None)
        name = f"glossary {language}:{parsed_term.slug}"
        if term is None:
            GlossaryTerm.objects.create(language=language, slug=parsed_term.slug, **values)
            report.created.append(name)
        elif _sync_fields(term, values):
            report.updated.append(name)
        else:
            report.unchanged += 1
    stale = list(existing.values())
    if stale:
        GlossaryTerm.objects.filter(pk__in=[term.pk for term in stale]).delete()
        report.deleted.extend(f"glossary {language}:{term.slug}" for term in stale)


# The quiz bank's step runs last: its questions name the lessons they come from.
STEPS: list[Step] = [step_courses_and_lessons, step_glossary, step_quiz_bank]


def language_roots(root: Path) -> list[Path]:
    """The language directories (``en``, ``zh_Hant``, ``pl``…), ``en`` first."""
    if not root.is_dir():
        return []
    present = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
    return sorted(present, key=lambda p: (p.name != DEFAULT_LANGUAGE_DIR, p.name))


@transaction.atomic
def load_content(
    *,
    root: Path | None = None,
    now: datetime | None = None,
    steps: list[Step] | None = None,
) -> LoadReport:
    """Load every language under ``root`` (default: ``learn/content``); see the module rules."""
    root = Path(root) if root is not None else content_root()
    now = now or timezone.now()
    report = LoadReport()
    english: ParsedLanguage | None = None
    for language_root in language_roots(root):
        if language_root.name == DEFAULT_LANGUAGE_DIR:
            parsed = english = read_language(language_root)
        else:
            parsed = _read_translation(language_root, english=english)
        for step in steps if steps is not None else STEPS:
            step(parsed=parsed, root=language_root, report=report, now=now)
    return report


def _read_translation(language_root: Path, *, english: ParsedLanguage | None) -> ParsedLanguage:
    """A translated directory, checked against English (learn/translations.py).

    The first mismatch stops the load (all of them: ``manage.py learn_check_translations``).
    """
    if english is None:
        raise parsing.ContentError(
            language_root, f"a translation needs the English directory {DEFAULT_LANGUAGE_DIR}/"
        )
    parsed = read_language(
        language_root, language=language_of_directory(language_root.name), translation=True
    )
    parsed, errors = align_translation(english, parsed)
    if errors:
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        first = errors[0]
        raise parsing.ContentError(first.path, f"{_message_of(first)}{more}")
    return parsed


def _message_of(error: parsing.ContentError) -> str:
    return str(error).removeprefix(f"{error.path}: ")
