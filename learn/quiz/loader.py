"""The quiz bank step of ``learn_load``: ``learn/content/<language>/quiz/<topic>.toml``.

It runs after the lessons (a question names the lesson it comes from), inside the
loader's one transaction, with the loader's rules: a re-run with unchanged files
writes nothing; an edited question is updated in place (its stable ``id`` is the key);
a question removed from the files is deleted - or, if an attempt already drew it,
retired: kept for that attempt's history and never drawn again. Every file of the
language is checked before anything is written, and a malformed one raises
``ContentError`` (naming the file and the field), which rolls the whole load back.

An edit changes future attempts only: submitted attempts keep the right/wrong marks
and the score they were given.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db.models import Count

from learn.models import DEFAULT_LANGUAGE, Lesson
from learn.parsing import ContentError
from learn.quiz.models import QuizAttemptQuestion, QuizQuestion, QuizTopic

MIN_OPTIONS, MAX_OPTIONS = 3, 4
QUIZ_DIR = "quiz"


@dataclass(frozen=True)
class ParsedQuizQuestion:
    key: str
    text: str
    options: list[str]
    answer_index: int
    explanation: str
    lesson_key: str


@dataclass(frozen=True)
class ParsedQuizTopic:
    slug: str
    title: str
    lesson_key: str
    questions: list[ParsedQuizQuestion]
    path: Path


def _text(value, path: Path, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(path, "must be a non-empty string", field_name=name)
    return value.strip()


def parse_topic(path: Path) -> ParsedQuizTopic:
    """One topic file, checked against the format in CURRICULUM.md (no database)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ContentError(path, f"not valid TOML ({error})") from None
    title = _text(data.get("title"), path, "title")
    topic_lesson = _text(data.get("lesson"), path, "lesson")
    raw_questions = data.get("question")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise ContentError(path, "no [[question]] entries")
    questions = []
    for number, raw in enumerate(raw_questions, start=1):
        if not isinstance(raw, dict):
            raise ContentError(path, "must be a table", field_name=f"question #{number}")
        key = _text(raw.get("id"), path, f"question #{number}.id")
        where = f"question {key}"
        options = raw.get("options")
        if (
            not isinstance(options, list)
            or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS
            or not all(isinstance(o, str) and o.strip() for o in options)
        ):
            raise ContentError(path, "must be 3–4 non-empty strings", field_name=f"{where}.options")
        options = [o.strip() for o in options]
        if len(set(options)) != len(options):
            raise ContentError(path, "two options are the same", field_name=f"{where}.options")
        answer = raw.get("answer")
        # bool is an int in Python; `answer = true` is a typo, not option 1.
        valid_index = isinstance(answer, int) and not isinstance(answer, bool)
        if not valid_index or not 0 <= answer < len(options):
            raise ContentError(
                path,
                f"must be the index of the correct option, 0–{len(options) - 1}",
                field_name=f"{where}.answer",
            )
        questions.append(
            ParsedQuizQuestion(
                key=key,
                text=_text(raw.get("text"), path, f"{where}.text"),
                options=options,
                answer_index=answer,
                explanation=_text(raw.get("explanation"), path, f"{where}.explanation"),
                lesson_key=_text(raw.get("lesson", topic_lesson), path, f"{where}.lesson"),
            )
        )
    return ParsedQuizTopic(path.stem, title, topic_lesson, questions, path)


def read_quiz_dir(quiz_dir: Path) -> list[ParsedQuizTopic]:
    """Every topic file of one language; question ids unique across the language's bank."""
    if not quiz_dir.is_dir():
        return []
    topics = [parse_topic(path) for path in sorted(quiz_dir.glob("*.toml"))]
    seen: dict[str, Path] = {}
    for topic in topics:
        for question in topic.questions:
            if question.key in seen:
                raise ContentError(
                    topic.path,
                    f"{question.key!r} is also used in {seen[question.key].name}; ids are unique",
                    field_name="question.id",
                )
            seen[question.key] = topic.path
    return topics


def step_quiz_bank(*, parsed, root: Path, report, now: datetime) -> None:
    """The ``learn_load`` step for one language directory (``root``).

    A translated bank (``zh_Hant/quiz/``, ``pl/quiz/``) is checked against the English
    one first (learn/translations.py): same ids, answers, option counts, lessons and
    numbers. Attempts always draw the English rows; translated rows are what the pages
    show in that language (docs/quiz.md).
    """
    language = parsed.language
    topics = read_quiz_dir(root / QUIZ_DIR)
    if language != DEFAULT_LANGUAGE and topics:
        from learn.translations import compare_quiz_topics

        english = read_quiz_dir(root.parent / DEFAULT_LANGUAGE / QUIZ_DIR)
        errors = compare_quiz_topics(english, topics, language=language)
        if errors:
            raise errors[0]
    # Progress rows point at the default-language lesson, so the quiz does too: the
    # cooldown's "have you reread it?" then holds whatever language the lesson was read in.
    lesson_ids = dict(
        Lesson.objects.filter(language=DEFAULT_LANGUAGE, retired_at__isnull=True).values_list(
            "key", "pk"
        )
    )
    for topic in topics:
        for key, field_name in [(topic.lesson_key, "lesson")] + [
            (q.lesson_key, f"question {q.key}.lesson") for q in topic.questions
        ]:
            if key not in lesson_ids:
                raise ContentError(
                    topic.path,
                    f'no lesson {key!r} (a lesson key is "<course-slug>/<lesson-slug>")',
                    field_name=field_name,
                )

    existing_topics = {t.slug: t for t in QuizTopic.objects.filter(language=language)}
    existing = {q.key: q for q in QuizQuestion.objects.filter(language=language)}
    for topic in topics:
        values = {"title": topic.title, "lesson_id": lesson_ids[topic.lesson_key], "retired": False}
        row = existing_topics.pop(topic.slug, None)
        name = f"quiz topic {language}:{topic.slug}"
        if row is None:
            row = QuizTopic.objects.create(language=language, slug=topic.slug, **values)
            report.created.append(name)
        elif _sync(row, values):
            report.updated.append(name)
        else:
            report.unchanged += 1
        for question in topic.questions:
            values = {
                "topic_id": row.pk,
                "text": question.text,
                "options": question.options,
                "answer_index": question.answer_index,
                "explanation": question.explanation,
                "lesson_id": lesson_ids[question.lesson_key],
                "retired": False,
            }
            qrow = existing.pop(question.key, None)
            name = f"quiz question {language}:{question.key}"
            if qrow is None:
                QuizQuestion.objects.create(language=language, key=question.key, **values)
                report.created.append(name)
            elif _sync(qrow, values):
                report.updated.append(name)
            else:
                report.unchanged += 1

    _remove_questions(list(existing.values()), language=language, report=report)
    _remove_topics(list(existing_topics.values()), language=language, report=report)


def _remove_questions(gone: list[QuizQuestion], *, language: str, report) -> None:
    used = set(
        QuizAttemptQuestion.objects.filter(question__in=gone).values_list("question_id", flat=True)
    )
    for question in gone:
        name = f"quiz question {language}:{question.key}"
        if question.pk in used:
            if not question.retired:
                question.retired = True
                question.save(update_fields=["retired"])
                report.retired.append(f"{name}: attempts drew it")
        else:
            question.delete()
            report.deleted.append(name)


def _remove_topics(gone: list[QuizTopic], *, language: str, report) -> None:
    for topic in QuizTopic.objects.filter(pk__in=[t.pk for t in gone]).annotate(
        kept=Count("questions")
    ):
        name = f"quiz topic {language}:{topic.slug}"
        if topic.kept:
            if not topic.retired:
                topic.retired = True
                topic.save(update_fields=["retired"])
                report.retired.append(f"{name}: retired questions still refer to it")
        else:
            topic.delete()
            report.deleted.append(name)


def _sync(row, values: dict) -> bool:
    """Save only what differs (ids, not related objects: an unchanged bank costs no writes)."""
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        row.save(update_fields=[n.removesuffix("_id") if n.endswith("_id") else n for n in changed])
    return bool(changed)
