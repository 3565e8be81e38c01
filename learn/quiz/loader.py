"""Load the quiz bank, ``learn/content/<language>/quiz/<topic>.toml``, into the database.

Called by ``learn_load`` after the lessons (a question names the lesson it comes from).
The same rules as the lessons: a re-run with unchanged files writes nothing; an edited
question is updated in place (its stable ``id`` is the key); a question removed from
the files is deleted - or, if an attempt already drew it, retired: kept for that
attempt's history and never drawn again. The whole bank is checked before anything is
written, so a broken file changes nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from learn.models import DEFAULT_LANGUAGE, Lesson
from learn.quiz.models import QuizAttemptQuestion, QuizQuestion, QuizTopic

MIN_OPTIONS, MAX_OPTIONS = 3, 4


class QuizBankError(ValueError):
    """A bank file breaks the format of CURRICULUM.md; the message names the file and id."""


@dataclass
class QuizLoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    deleted: int = 0
    topics: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"quiz: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.retired} retired, {self.deleted} deleted; "
            f"{len(self.topics)} topic(s) in {sorted({k.split(':')[0] for k in self.topics})}"
        )


@dataclass(frozen=True)
class _Question:
    key: str
    text: str
    options: list[str]
    answer_index: int
    explanation: str
    lesson_key: str


@dataclass(frozen=True)
class _Topic:
    language: str
    slug: str
    title: str
    lesson_key: str
    questions: list[_Question]


def _text(value, where: str, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise QuizBankError(f"{where}: `{name}` must be a non-empty string.")
    return value.strip()


def _parse_topic(path: Path, language: str) -> _Topic:
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise QuizBankError(f"{where}: not valid TOML ({error}).") from None
    title = _text(data.get("title"), where, "title")
    topic_lesson = _text(data.get("lesson"), where, "lesson")
    raw_questions = data.get("question")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise QuizBankError(f"{where}: no [[question]] entries.")
    questions = []
    for number, raw in enumerate(raw_questions, start=1):
        qwhere = f"{where} question {raw.get('id', f'#{number}')!s}"
        key = _text(raw.get("id"), qwhere, "id")
        options = raw.get("options")
        if (
            not isinstance(options, list)
            or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS
            or not all(isinstance(o, str) and o.strip() for o in options)
        ):
            raise QuizBankError(f"{qwhere}: `options` must be 3–4 non-empty strings.")
        options = [o.strip() for o in options]
        if len(set(options)) != len(options):
            raise QuizBankError(f"{qwhere}: two options have the same text.")
        answer = raw.get("answer")
        # bool is an int in Python; `answer = true` is a typo, not option 1.
        if (
            not isinstance(answer, int)
            or isinstance(answer, bool)
            or not 0 <= answer < len(options)
        ):
            raise QuizBankError(f"{qwhere}: `answer` must be an option index 0–{len(options) - 1}.")
        questions.append(
            _Question(
                key=key,
                text=_text(raw.get("text"), qwhere, "text"),
                options=options,
                answer_index=answer,
                explanation=_text(raw.get("explanation"), qwhere, "explanation"),
                lesson_key=_text(raw.get("lesson", topic_lesson), qwhere, "lesson"),
            )
        )
    return _Topic(language, path.stem, title, topic_lesson, questions)


def read_bank(content_root: Path) -> list[_Topic]:
    """Every topic file of every language, parsed and checked (no database access)."""
    topics = []
    for language_dir in sorted(p for p in content_root.iterdir() if p.is_dir()):
        quiz_dir = language_dir / "quiz"
        if not quiz_dir.is_dir():
            continue
        topics += [
            _parse_topic(path, language_dir.name) for path in sorted(quiz_dir.glob("*.toml"))
        ]
    for language in {t.language for t in topics}:
        seen: dict[str, str] = {}
        for topic in (t for t in topics if t.language == language):
            for question in topic.questions:
                if question.key in seen:
                    raise QuizBankError(
                        f"Question id {question.key!r} is used twice ({seen[question.key]} "
                        f"and {topic.slug}.toml in {language}): ids must be unique."
                    )
                seen[question.key] = f"{topic.slug}.toml"
    return topics


@transaction.atomic
def load_quiz_bank(*, content_root: Path) -> QuizLoadReport:
    topics = read_bank(content_root)
    report = QuizLoadReport()
    # Progress rows point at the default-language lesson, so the quiz does too: the
    # cooldown's "have you reread it?" then works whatever language the lesson was read in.
    lessons = {
        lesson.key: lesson
        for lesson in Lesson.objects.filter(language=DEFAULT_LANGUAGE, retired_at__isnull=True)
    }

    def lesson_for(key: str, where: str) -> Lesson:
        if key not in lessons:
            raise QuizBankError(f'{where}: unknown lesson {key!r} (expected "course/lesson").')
        return lessons[key]

    # Resolve every lesson first: a bad key must stop the load before any write.
    for topic in topics:
        lesson_for(topic.lesson_key, f"{topic.language}/quiz/{topic.slug}.toml")
        for question in topic.questions:
            lesson_for(
                question.lesson_key, f"{topic.language}/quiz/{topic.slug}.toml {question.key}"
            )

    existing_topics = {(t.language, t.slug): t for t in QuizTopic.objects.all()}
    existing_questions = {(q.language, q.key): q for q in QuizQuestion.objects.all()}
    kept_topics: set[int] = set()
    kept_questions: set[int] = set()

    for topic in topics:
        wanted = {
            "title": topic.title,
            "lesson_id": lessons[topic.lesson_key].pk,
            "retired": False,
        }
        row = existing_topics.get((topic.language, topic.slug))
        if row is None:
            row = QuizTopic.objects.create(language=topic.language, slug=topic.slug, **wanted)
        elif _differs(row, wanted):
            _assign(row, wanted)
            row.save()
        kept_topics.add(row.pk)
        report.topics[f"{topic.language}:{topic.slug}"] = len(topic.questions)

        for question in topic.questions:
            wanted_q = {
                "topic_id": row.pk,
                "text": question.text,
                "options": question.options,
                "answer_index": question.answer_index,
                "explanation": question.explanation,
                "lesson_id": lessons[question.lesson_key].pk,
                "retired": False,
            }
            qrow = existing_questions.get((topic.language, question.key))
            if qrow is None:
                qrow = QuizQuestion.objects.create(
                    language=topic.language, key=question.key, **wanted_q
                )
                report.created += 1
            elif _differs(qrow, wanted_q):
                _assign(qrow, wanted_q)
                qrow.save()
                report.updated += 1
            else:
                report.unchanged += 1
            kept_questions.add(qrow.pk)

    gone = [q for q in existing_questions.values() if q.pk not in kept_questions]
    used = set(
        QuizAttemptQuestion.objects.filter(question__in=gone).values_list("question_id", flat=True)
    )
    for question in gone:
        if question.pk in used:
            if not question.retired:
                question.retired = True
                question.save(update_fields=["retired"])
                report.retired += 1
        else:
            question.delete()
            report.deleted += 1
    for topic_row in existing_topics.values():
        if topic_row.pk in kept_topics:
            continue
        if topic_row.questions.exists():
            if not topic_row.retired:
                topic_row.retired = True
                topic_row.save(update_fields=["retired"])
        else:
            topic_row.delete()
    return report


def _differs(row, wanted: dict) -> bool:
    # Compares ids, not related objects, so checking an unchanged bank costs no queries.
    return any(getattr(row, name) != value for name, value in wanted.items())


def _assign(row, wanted: dict) -> None:
    for name, value in wanted.items():
        setattr(row, name, value)
