"""Translated curriculum files checked against the English ones (pure Python, no database).

A translation (``learn/content/zh_Hant/``, ``learn/content/pl/``) has the English
directory's file names, TOML keys and entry order; only human-readable text changes.
The English files are the source of truth for structure, so a translated file is
refused when anything a learner's numbers or grading depend on differs:

- a file with no English original (course, lesson, quiz topic, question id);
- ``order``, the embedded calculator (slug, inputs, stated results);
- the number of glossary terms, of check questions, of options; the correct option;
  the quiz question's lesson, the topic's lesson;
- the numbers written in any text: each text field is compared with its English twin
  as a multiset of numbers, after reading each language's own way of writing them
  (Polish "1 000,50" and "0,5"; zh-Hant as English, full-width digits allowed).

A file that is simply not translated yet is fine: pages fall back to English.
``check_translations`` collects every mismatch of a content tree (the test over the
shipped files and ``manage.py learn_check_translations`` use it); the loader refuses
the first one as a ``ContentError``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import to_language

from learn.parsing import (
    ContentError,
    ParsedCourse,
    ParsedLanguage,
    ParsedLesson,
    read_language,
)

DEFAULT_DIRECTORY = "en"

# Thousands separators a Polish text may use between digit groups: a space, a no-break
# space, a narrow no-break space or a thin space (typesetting varies; the value does not).
_SPACES = "\u0020\u00a0\u202f\u2009"
_EN_NUMBER = re.compile(r"(?<![\d])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])")
_PL_NUMBER = re.compile(rf"(?<![\d])(?:\d{{1,3}}(?:[{_SPACES}]\d{{3}})+|\d+)(?:,\d+)?(?![\d])")
# A full-width full stop between digits is a decimal point ("０．５").
_FULLWIDTH_POINT = re.compile(r"(?<=\d)\uff0e(?=\d)")


def language_of_directory(name: str) -> str:
    """The language code of a content directory: ``zh_Hant`` → ``zh-hant``, ``pl`` → ``pl``."""
    return to_language(name)


def _ascii_digits(text: str) -> str:
    # Any decimal digit (full-width "６", Arabic-Indic…) counts as its ASCII twin; other
    # full-width punctuation stays, so a Chinese comma "，" never joins two numbers.
    text = "".join(
        str(unicodedata.decimal(char)) if not char.isascii() and char.isdecimal() else char
        for char in text
    )
    return _FULLWIDTH_POINT.sub(".", text)


def numbers_in(text: str, *, language: str) -> Counter[Decimal]:
    """The numbers written in ``text``, read the way ``language`` writes them.

    Signs and units are left out ("−200 USDT" and "200" are the same number here):
    the check is about the figures, and typography of signs varies by language.
    """
    text = _ascii_digits(text)
    polish = language.lower().startswith("pl")
    pattern = _PL_NUMBER if polish else _EN_NUMBER
    found: Counter[Decimal] = Counter()
    for match in pattern.finditer(text):
        raw = match.group(0)
        # Polish: drop the group spaces, the comma is the decimal point; English: drop commas.
        raw = re.sub(f"[{_SPACES}]", "", raw).replace(",", ".") if polish else raw.replace(",", "")
        try:
            found[Decimal(raw).normalize()] += 1
        except InvalidOperation:  # pragma: no cover - the patterns only match digits
            continue
    return found


def _show(numbers: Counter[Decimal]) -> str:
    return ", ".join(
        f"{number:f}" + (f" ×{count}" if count > 1 else "")
        for number, count in sorted(numbers.items())
    )


def number_mismatch(english: str, translated: str, *, language: str) -> str:
    """Empty when both texts carry the same numbers; otherwise what differs, in words."""
    want = numbers_in(english, language=DEFAULT_DIRECTORY)
    have = numbers_in(translated, language=language)
    if want == have:
        return ""
    parts = []
    if want - have:
        parts.append(f"missing {_show(want - have)}")
    if have - want:
        parts.append(f"not in the English text {_show(have - want)}")
    return "the numbers differ from the English text: " + "; ".join(parts)


class _Collector:
    """Gathers mismatches as ``ContentError``s (the loader raises the first)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.errors: list[ContentError] = []

    def add(self, path: str | Path, message: str, field_name: str = "") -> None:
        self.errors.append(ContentError(path, message, field_name=field_name))

    def same(self, path, field_name: str, english, translated, what: str) -> None:
        if english != translated:
            self.add(
                path,
                f"{what} must be the same as in the English file "
                f"(English: {english!r}, here: {translated!r})",
                field_name,
            )

    def numbers(self, path, field_name: str, english: str, translated: str) -> None:
        problem = number_mismatch(english, translated, language=self.language)
        if problem:
            self.add(path, problem, field_name)


def align_translation(
    english: ParsedLanguage, translated: ParsedLanguage
) -> tuple[ParsedLanguage, list[ContentError]]:
    """The translation with its glossary anchors taken from English, and every mismatch.

    The glossary anchor (``slug``) of the i-th term of a translated lesson is the i-th
    English term's: a Chinese term has no ASCII slug, and the glossary page and the
    links in lessons must use the same ``#anchor`` in every language.
    """
    check = _Collector(translated.language)
    english_courses = {course.slug: course for course in english.courses}
    courses = []
    for course in translated.courses:
        original = english_courses.get(course.slug)
        if original is None:
            check.add(
                course.source_path,
                f"no English course {course.slug!r} to translate (same directory name)",
            )
            continue
        courses.append(_align_course(original, course, check))
    return replace(translated, courses=courses), check.errors


def _align_course(original: ParsedCourse, course: ParsedCourse, check: _Collector) -> ParsedCourse:
    path = course.source_path
    check.same(path, "order", original.order, course.order, "the order")
    check.numbers(path, "title", original.title, course.title)
    check.numbers(path, "summary", original.summary, course.summary)
    check.numbers(path, "body", original.intro_markdown, course.intro_markdown)
    english_lessons = {lesson.slug: lesson for lesson in original.lessons}
    lessons = []
    for lesson in course.lessons:
        twin = english_lessons.get(lesson.slug)
        if twin is None:
            check.add(
                lesson.source_path,
                f"no English lesson {lesson.key!r} to translate (same course and file name)",
            )
            continue
        lessons.append(_align_lesson(twin, lesson, check))
    return replace(course, lessons=lessons)


def _align_lesson(original: ParsedLesson, lesson: ParsedLesson, check: _Collector) -> ParsedLesson:
    path = lesson.source_path
    if Path(original.source_path).name != Path(path).name:
        check.same(path, "", Path(original.source_path).name, Path(path).name, "the file name")
    check.same(path, "order", original.order, lesson.order, "the order")
    check.same(
        path, "calculator.slug", original.calculator_slug, lesson.calculator_slug, "the calculator"
    )
    check.same(
        path,
        "calculator.inputs",
        original.calculator_inputs,
        lesson.calculator_inputs,
        "the calculator's inputs",
    )
    check.same(
        path,
        "calculator.results",
        original.calculator_results,
        lesson.calculator_results,
        "the calculator's results",
    )
    check.numbers(path, "title", original.title, lesson.title)
    check.numbers(path, "summary", original.summary, lesson.summary)
    check.numbers(path, "body", original.body_markdown, lesson.body_markdown)

    glossary = list(lesson.glossary)
    if len(original.glossary) != len(lesson.glossary):
        check.same(
            path,
            "glossary",
            len(original.glossary),
            len(lesson.glossary),
            "the number of [[glossary]] terms",
        )
    else:
        glossary = []
        for index, (term, translated) in enumerate(
            zip(original.glossary, lesson.glossary, strict=True)
        ):
            check.numbers(path, f"glossary[{index}].term", term.term, translated.term)
            check.numbers(
                path, f"glossary[{index}].definition", term.definition, translated.definition
            )
            glossary.append(replace(translated, slug=term.slug))

    if len(original.questions) != len(lesson.questions):
        check.same(
            path,
            "check",
            len(original.questions),
            len(lesson.questions),
            "the number of [[check]] questions",
        )
    else:
        for index, (question, translated) in enumerate(
            zip(original.questions, lesson.questions, strict=True)
        ):
            _compare_question(check, path, f"check[{index}].", "question", question, translated)
    return replace(lesson, glossary=glossary)


def _compare_question(
    check: _Collector, path, prefix: str, text_field: str, english, translated
) -> None:
    """A check question or a quiz question (both have text, options, answer_index,
    explanation); ``text_field`` is the question text's key in the file."""
    check.same(
        path, f"{prefix}answer", english.answer_index, translated.answer_index, "the correct option"
    )
    if len(english.options) != len(translated.options):
        check.same(
            path,
            f"{prefix}options",
            len(english.options),
            len(translated.options),
            "the number of options",
        )
    else:
        pairs = zip(english.options, translated.options, strict=True)
        for index, (option, t_option) in enumerate(pairs):
            check.numbers(path, f"{prefix}options[{index}]", option, t_option)
    check.numbers(path, f"{prefix}{text_field}", english.text, translated.text)
    check.numbers(path, f"{prefix}explanation", english.explanation, translated.explanation)


def compare_quiz_topics(
    english: Iterable, translated: Iterable, *, language: str
) -> list[ContentError]:
    """Every mismatch between a language's quiz bank files and the English ones.

    A translated topic file may leave questions out (they show in English); each
    question it has must be an English one, with the same answer, option count,
    lesson and numbers.
    """
    check = _Collector(language)
    english_topics = {topic.slug: topic for topic in english}
    for topic in translated:
        # Named as the author sees it, like the lessons: "zh_Hant/quiz/leverage.toml".
        path = "/".join(Path(topic.path).parts[-3:])
        original = english_topics.get(topic.slug)
        if original is None:
            check.add(path, f"no English quiz topic {topic.slug!r} to translate (same file name)")
            continue
        check.same(path, "lesson", original.lesson_key, topic.lesson_key, "the topic's lesson")
        check.numbers(path, "title", original.title, topic.title)
        questions = {question.key: question for question in original.questions}
        for question in topic.questions:
            twin = questions.get(question.key)
            where = f"question {question.key}."
            if twin is None:
                check.add(
                    path,
                    f"no English question with this id in {Path(original.path).name}",
                    f"question {question.key}.id",
                )
                continue
            check.same(path, f"{where}lesson", twin.lesson_key, question.lesson_key, "the lesson")
            _compare_question(check, path, where, "text", twin, question)
    return check.errors


def translation_directories(root: Path) -> Iterator[Path]:
    """The language directories under ``root`` other than English."""
    if not root.is_dir():
        return
    for path in sorted(root.iterdir()):
        hidden = path.name.startswith((".", "_"))
        if path.is_dir() and path.name != DEFAULT_DIRECTORY and not hidden:
            yield path


def check_translations(root: Path, *, english_root: Path | None = None) -> list[str]:
    """Every problem of every translation under ``root``, one message each.

    ``english_root`` (default ``root/en``) is the English directory to compare with; the
    translators' work in another checkout can be checked against this one's English.
    """
    from learn.quiz.loader import QUIZ_DIR, read_quiz_dir

    english_root = english_root or root / DEFAULT_DIRECTORY
    english = read_language(english_root)
    english_quiz = read_quiz_dir(english_root / QUIZ_DIR)
    problems: list[str] = []
    for directory in translation_directories(root):
        language = language_of_directory(directory.name)
        try:
            parsed = read_language(directory, language=language, translation=True)
        except ContentError as error:
            problems.append(str(error))
            parsed = None
        if parsed is not None:
            _aligned, errors = align_translation(english, parsed)
            problems.extend(str(error) for error in errors)
        try:
            topics = read_quiz_dir(directory / QUIZ_DIR)
        except ContentError as error:
            problems.append(str(error))
            continue
        problems.extend(
            str(error) for error in compare_quiz_topics(english_quiz, topics, language=language)
        )
    return problems
