"""Read the curriculum files: TOML front matter between ``+++`` lines, then Markdown.

Pure Python (no database): ``read_language(root)`` turns ``learn/content/<language>/``
into plain dataclasses, or raises ``ContentError`` naming the file and the field that
is wrong. The loader (``learn/loader.py``) writes the result to the database. The file
format is in /work CURRICULUM.md and docs/learn.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.text import slugify

COURSE_FILE = "course.md"
LESSON_FILE = re.compile(r"^(?P<number>\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
COURSE_DIR = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FENCE = "+++"
# Directories next to the courses that hold other kinds of content (the quiz bank).
NOT_COURSES = frozenset({"quiz"})

MIN_QUESTIONS, MAX_QUESTIONS = 2, 3
MIN_OPTIONS, MAX_OPTIONS = 3, 4


class ContentError(ValueError):
    """A curriculum file is malformed; the message names the file and the field."""

    def __init__(self, path: Path | str, message: str, *, field_name: str = "") -> None:
        self.path = str(path)
        self.field_name = field_name
        where = f"{self.path}: {field_name}: " if field_name else f"{self.path}: "
        super().__init__(where + message)


@dataclass(frozen=True)
class ParsedQuestion:
    order: int
    text: str
    options: list[str]
    answer_index: int
    explanation: str


@dataclass(frozen=True)
class ParsedGlossaryTerm:
    term: str
    slug: str
    definition: str
    aliases: list[str]
    lesson_key: str
    source_path: str


@dataclass(frozen=True)
class ParsedLesson:
    course_slug: str
    slug: str
    title: str
    order: int
    summary: str
    body_markdown: str
    calculator_slug: str
    calculator_inputs: dict[str, str]
    calculator_results: dict[str, str]
    questions: list[ParsedQuestion]
    glossary: list[ParsedGlossaryTerm]
    source_path: str

    @property
    def key(self) -> str:
        return f"{self.course_slug}/{self.slug}"


@dataclass(frozen=True)
class ParsedCourse:
    slug: str
    title: str
    order: int
    summary: str
    intro_markdown: str
    source_path: str
    lessons: list[ParsedLesson] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedLanguage:
    language: str
    courses: list[ParsedCourse]

    @property
    def lessons(self) -> list[ParsedLesson]:
        return [lesson for course in self.courses for lesson in course.lessons]

    @property
    def glossary(self) -> list[ParsedGlossaryTerm]:
        return [term for lesson in self.lessons for term in lesson.glossary]


def split_front_matter(text: str, path: Path | str) -> tuple[dict[str, Any], str]:
    """The TOML between the opening and closing ``+++`` lines, and the Markdown after."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        raise ContentError(path, "must start with a '+++' line (TOML front matter)")
    for index in range(1, len(lines)):
        if lines[index].strip() == FENCE:
            front = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            break
    else:
        raise ContentError(path, "the front matter has no closing '+++' line")
    try:
        data = tomllib.loads(front)
    except tomllib.TOMLDecodeError as error:
        raise ContentError(path, f"front matter is not valid TOML ({error})") from None
    return data, body.strip() + "\n" if body.strip() else ""


class _Fields:
    """Typed reads from one TOML table, each error naming the file and the field."""

    def __init__(self, data: dict[str, Any], path: Path | str, prefix: str = "") -> None:
        self.data = data
        self.path = path
        self.prefix = prefix

    def _name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def error(self, key: str, message: str) -> ContentError:
        return ContentError(self.path, message, field_name=self._name(key))

    def reject_unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(
                    key, f"unknown field (expected one of: {', '.join(sorted(allowed))})"
                )

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error(key, "is missing")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.error(key, "must be a non-empty string")
        return value.strip()

    def integer(self, key: str, *, minimum: int = 0) -> int:
        value = self.data.get(key)
        if value is None:
            raise self.error(key, "is missing")
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(key, f"must be a whole number ≥ {minimum}")
        return value

    def strings(self, key: str, *, required: bool = True) -> list[str]:
        value = self.data.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise self.error(key, "must be a list of non-empty strings")
        return [item.strip() for item in value]

    def string_table(self, key: str) -> dict[str, str]:
        value = self.data.get(key)
        if value is None:
            raise self.error(key, "is missing")
        if not isinstance(value, dict) or not value:
            raise self.error(key, 'must be a table of name = "decimal string"')
        for name, item in value.items():
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"{key}.{name}", "must be a string (write numbers in quotes)")
        return {name: item.strip() for name, item in value.items()}

    def tables(self, key: str) -> list[dict[str, Any]]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.error(key, f"must be written as [[{key}]] tables")
        return value


def parse_course(path: Path, *, root: Path) -> ParsedCourse:
    data, body = split_front_matter(path.read_text(encoding="utf-8"), _relative(path, root))
    fields = _Fields(data, _relative(path, root))
    fields.reject_unknown({"title", "order", "summary"})
    return ParsedCourse(
        slug=path.parent.name,
        title=fields.text("title"),
        order=fields.integer("order", minimum=1),
        summary=fields.text("summary", required=False),
        intro_markdown=body,
        source_path=_relative(path, root),
    )


def parse_lesson(
    path: Path, *, root: Path, course_slug: str, translation: bool = False
) -> ParsedLesson:
    source = _relative(path, root)
    match = LESSON_FILE.match(path.name)
    if match is None:
        raise ContentError(
            source, "a lesson file is named NN-<lesson-slug>.md (e.g. 01-what-is-leverage.md)"
        )
    slug = match["slug"]
    data, body = split_front_matter(path.read_text(encoding="utf-8"), source)
    fields = _Fields(data, source)
    fields.reject_unknown({"title", "order", "summary", "calculator", "glossary", "check"})
    if not body.strip():
        raise ContentError(source, "the lesson has no Markdown body after the front matter")
    calculator_slug, inputs, results = _parse_calculator(data.get("calculator"), source)
    key = f"{course_slug}/{slug}"
    glossary = [
        _parse_glossary_term(entry, source, index, lesson_key=key, translation=translation)
        for index, entry in enumerate(fields.tables("glossary"))
    ]
    checks = fields.tables("check")
    if not MIN_QUESTIONS <= len(checks) <= MAX_QUESTIONS:
        raise ContentError(
            source,
            f"a knowledge check has {MIN_QUESTIONS}–{MAX_QUESTIONS} questions, found {len(checks)}",
            field_name="check",
        )
    questions = [_parse_question(entry, source, index) for index, entry in enumerate(checks)]
    return ParsedLesson(
        course_slug=course_slug,
        slug=slug,
        title=fields.text("title"),
        order=fields.integer("order", minimum=1),
        summary=fields.text("summary", required=False),
        body_markdown=body,
        calculator_slug=calculator_slug,
        calculator_inputs=inputs,
        calculator_results=results,
        questions=questions,
        glossary=glossary,
        source_path=source,
    )


def _parse_calculator(value: Any, source: str) -> tuple[str, dict[str, str], dict[str, str]]:
    from calculators.definitions import DEFINITIONS

    if value is None:
        raise ContentError(
            source, "is missing (every lesson embeds a calculator)", field_name="calculator"
        )
    if not isinstance(value, dict):
        raise ContentError(source, "must be a [calculator] table", field_name="calculator")
    fields = _Fields(value, source, prefix="calculator.")
    fields.reject_unknown({"slug", "inputs", "results"})
    slug = fields.text("slug")
    if slug not in DEFINITIONS:
        raise fields.error(
            "slug", f"unknown calculator {slug!r} (known: {', '.join(sorted(DEFINITIONS))})"
        )
    return slug, fields.string_table("inputs"), fields.string_table("results")


def _parse_glossary_term(
    entry: dict[str, Any], source: str, index: int, *, lesson_key: str, translation: bool = False
) -> ParsedGlossaryTerm:
    fields = _Fields(entry, source, prefix=f"glossary[{index}].")
    fields.reject_unknown({"term", "definition", "aliases"})
    term = fields.text("term")
    # A translated term ("槓桿", "dźwignia") takes the anchor of the English term in the
    # same position (learn/translations.py), so links and #anchors match across languages.
    slug = "" if translation else slugify(term)
    if not slug and not translation:
        raise fields.error("term", "needs letters or digits to make an anchor from")
    return ParsedGlossaryTerm(
        term=term,
        slug=slug,
        definition=fields.text("definition"),
        aliases=fields.strings("aliases", required=False),
        lesson_key=lesson_key,
        source_path=source,
    )


def _parse_question(entry: dict[str, Any], source: str, index: int) -> ParsedQuestion:
    fields = _Fields(entry, source, prefix=f"check[{index}].")
    fields.reject_unknown({"question", "options", "answer", "explanation"})
    options = fields.strings("options")
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise fields.error(
            "options", f"needs {MIN_OPTIONS}–{MAX_OPTIONS} options, found {len(options)}"
        )
    if len(set(options)) != len(options):
        raise fields.error("options", "has the same option twice")
    answer = fields.integer("answer")
    if answer >= len(options):
        raise fields.error("answer", f"is a 0-based index into options (0–{len(options) - 1})")
    return ParsedQuestion(
        order=index + 1,
        text=fields.text("question"),
        options=options,
        answer_index=answer,
        explanation=fields.text("explanation"),
    )


def read_language(
    root: Path, *, language: str | None = None, translation: bool = False
) -> ParsedLanguage:
    """Every course and lesson under ``root`` (one language's directory), checked.

    ``translation``: the directory translates the English one. Its glossary terms get
    their anchors from the English file (``learn.translations.align_translation``), so
    they are not slugified here, and the English files already checked them unique.
    """
    language = language or root.name
    courses = []
    for directory in sorted(p for p in root.iterdir() if p.is_dir()):
        if directory.name in NOT_COURSES or directory.name.startswith((".", "_")):
            continue
        courses.append(_read_course(directory, root=root, translation=translation))
    _check_unique(root, courses, check_terms=not translation)
    courses.sort(key=lambda course: (course.order, course.slug))
    return ParsedLanguage(language=language, courses=courses)


def _read_course(directory: Path, *, root: Path, translation: bool = False) -> ParsedCourse:
    if not COURSE_DIR.match(directory.name):
        raise ContentError(
            _relative(directory, root), "a course directory name is a slug (a-z, 0-9, -)"
        )
    course_file = directory / COURSE_FILE
    if not course_file.is_file():
        raise ContentError(_relative(directory, root), f"the course has no {COURSE_FILE}")
    course = parse_course(course_file, root=root)
    for path in sorted(directory.iterdir()):
        if path.name == COURSE_FILE or path.name.startswith("."):
            continue
        if path.suffix != ".md":
            raise ContentError(
                _relative(path, root), "unexpected file in a course directory (only .md)"
            )
        lesson = parse_lesson(path, root=root, course_slug=course.slug, translation=translation)
        twin = next((other for other in course.lessons if other.slug == lesson.slug), None)
        if twin is not None:
            raise ContentError(lesson.source_path, f"the slug is also used by {twin.source_path}")
        course.lessons.append(lesson)
    if not course.lessons:
        raise ContentError(course.source_path, "the course has no lessons")
    course.lessons.sort(key=lambda lesson: (lesson.order, lesson.slug))
    return course


def _check_unique(root: Path, courses: list[ParsedCourse], *, check_terms: bool = True) -> None:
    seen_course_orders: dict[int, str] = {}
    seen_terms: dict[str, str] = {}
    for course in courses:
        if course.order in seen_course_orders:
            raise ContentError(
                course.source_path,
                f"order {course.order} is also used by {seen_course_orders[course.order]}",
                field_name="order",
            )
        seen_course_orders[course.order] = course.source_path
        seen_lesson_orders: dict[int, str] = {}
        for lesson in course.lessons:
            if lesson.order in seen_lesson_orders:
                raise ContentError(
                    lesson.source_path,
                    f"order {lesson.order} is also used by {seen_lesson_orders[lesson.order]}",
                    field_name="order",
                )
            seen_lesson_orders[lesson.order] = lesson.source_path
            for term in lesson.glossary if check_terms else ():
                if term.slug in seen_terms:
                    raise ContentError(
                        lesson.source_path,
                        f"the term {term.term!r} is also defined in {seen_terms[term.slug]}",
                        field_name="glossary",
                    )
                seen_terms[term.slug] = lesson.source_path


def _relative(path: Path, root: Path) -> str:
    # Messages name the file as the author sees it: "en/leverage-basics/01-….md".
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)
