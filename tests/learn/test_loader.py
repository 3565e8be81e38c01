"""learn_load: idempotent, updates edits, keeps (and reports) removed lessons with progress."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from learn.loader import load_content
from learn.models import Course, GlossaryTerm, KnowledgeCheckQuestion, Lesson, LessonProgress
from learn.parsing import ContentError
from tests.learn.translation_fixtures import write_translation

TERM = """\
[[glossary]]
term = "Leverage"
definition = "Trading bigger than your money by borrowing."
aliases = ["leveraged"]
"""

pytestmark = pytest.mark.usefixtures("empty_curriculum")


def snapshot():
    """Every curriculum row with every field, and when it was last written."""
    return {
        "courses": list(Course.objects.order_by("pk").values()),
        "lessons": list(Lesson.objects.order_by("pk").values()),
        "questions": list(KnowledgeCheckQuestion.objects.order_by("pk").values()),
        "glossary": list(GlossaryTerm.objects.order_by("pk").values()),
    }


@pytest.fixture
def two_lessons(tree):
    tree.course("basics")
    tree.lesson("basics", "one", order=1, title="One", glossary=TERM)
    tree.lesson("basics", "two", order=2, title="Two", body="Leverage again, and leveraged trades.")
    return tree


def test_it_loads_courses_lessons_questions_and_glossary(two_lessons):
    report = load_content(root=two_lessons.root)
    assert Course.objects.get(slug="basics").title == "Test course"
    lessons = list(Lesson.objects.order_by("order"))
    assert [lesson.key for lesson in lessons] == ["basics/one", "basics/two"]
    assert lessons[0].calculator_slug == "initial-margin"
    assert lessons[0].calculator_results == {"notional": "30000", "initial_margin": "3000"}
    assert lessons[0].source_path == "en/basics/01-one.md"
    assert lessons[0].questions.count() == 2
    term = GlossaryTerm.objects.get()
    assert (term.slug, term.lesson, term.aliases) == ("leverage", lessons[0], ["leveraged"])
    # The second lesson links the term's first use to the glossary entry.
    assert '<a href="/learn/glossary/#leverage" class="glossary-link"' in lessons[1].body_html
    assert len(report.created) == 1 + 2 + 1


def test_it_changes_nothing_when_run_twice(two_lessons):
    with time_machine.travel(timezone.now() - timedelta(days=1), tick=False):
        load_content(root=two_lessons.root)
    before = snapshot()
    report = load_content(root=two_lessons.root)
    assert not report.changed
    assert report.unchanged == 1 + 2 + 1
    # Same rows, same ids, same values - and updated_at untouched (it would be "now").
    assert snapshot() == before


def test_it_updates_the_lesson_whose_file_was_edited(two_lessons):
    with time_machine.travel(timezone.now() - timedelta(days=1), tick=False):
        load_content(root=two_lessons.root)
    one_before = Lesson.objects.get(key="basics/one")
    two_before = Lesson.objects.get(key="basics/two")
    two_lessons.lesson("basics", "two", order=2, title="Two, rewritten", body="New text.")

    report = load_content(root=two_lessons.root)

    assert report.updated == ["lesson en:basics/two"]
    two = Lesson.objects.get(key="basics/two")
    assert two.pk == two_before.pk
    assert two.title == "Two, rewritten"
    assert "New text." in two.body_html
    assert two.updated_at > two_before.updated_at
    assert Lesson.objects.get(key="basics/one").updated_at == one_before.updated_at


def test_it_updates_a_changed_knowledge_check(two_lessons):
    load_content(root=two_lessons.root)
    path = two_lessons.en / "basics" / "01-one.md"
    path.write_text(path.read_text().replace('"Only on Tuesdays"', '"Never"'), encoding="utf-8")
    report = load_content(root=two_lessons.root)
    assert report.updated == ["lesson en:basics/one"]
    question = KnowledgeCheckQuestion.objects.get(lesson__key="basics/one", order=2)
    assert question.options == ["Yes", "No", "Never"]


def test_it_deletes_a_removed_lesson_nobody_has_studied(two_lessons):
    load_content(root=two_lessons.root)
    (two_lessons.en / "basics" / "02-two.md").unlink()
    report = load_content(root=two_lessons.root)
    assert report.deleted == ["lesson en:basics/two (en/basics/02-two.md)"]
    assert not Lesson.objects.filter(key="basics/two").exists()
    assert not report.retired


def test_it_keeps_and_reports_a_removed_lesson_with_progress(two_lessons, learner):
    load_content(root=two_lessons.root)
    two = Lesson.objects.get(key="basics/two")
    now = timezone.now()
    LessonProgress.objects.create(user=learner, lesson=two, first_opened_at=now, last_opened_at=now)
    (two_lessons.en / "basics" / "02-two.md").unlink()
    out, err = io.StringIO(), io.StringIO()

    call_command("learn_load", content_dir=two_lessons.root, stdout=out, stderr=err)

    two.refresh_from_db()
    assert two.retired_at is not None
    assert LessonProgress.objects.filter(user=learner, lesson=two).exists()
    assert "KEPT (retired, learners have progress) lesson en:basics/two" in out.getvalue()
    assert "1 learner(s) have progress" in out.getvalue()
    assert "kept as retired rows" in err.getvalue()
    # Hidden from navigation: only live lessons are listed.
    assert list(Lesson.objects.live().values_list("key", flat=True)) == ["basics/one"]

    # Still reported (not silently forgotten) on the next run, and still not deleted.
    report = load_content(root=two_lessons.root)
    assert report.retired and not report.deleted
    # Restoring the file brings it back to life.
    two_lessons.lesson("basics", "two", order=2, title="Two")
    load_content(root=two_lessons.root)
    two.refresh_from_db()
    assert two.retired_at is None


def test_it_keeps_a_removed_course_whose_lesson_has_progress(two_lessons, learner):
    load_content(root=two_lessons.root)
    now = timezone.now()
    LessonProgress.objects.create(
        user=learner,
        lesson=Lesson.objects.get(key="basics/one"),
        first_opened_at=now,
        last_opened_at=now,
    )
    two_lessons.course("next-steps", order=2)
    two_lessons.lesson("next-steps", "three", order=1)
    for path in (two_lessons.en / "basics").iterdir():
        path.unlink()
    (two_lessons.en / "basics").rmdir()

    report = load_content(root=two_lessons.root)

    assert Course.objects.get(slug="basics").retired_at is not None
    assert "lesson en:basics/two (en/basics/02-two.md)" in report.deleted
    assert any(line.startswith("course en:basics") for line in report.retired)


def test_a_malformed_file_changes_nothing_and_names_the_file(two_lessons):
    load_content(root=two_lessons.root)
    before = snapshot()
    two_lessons.lesson("basics", "two", order=2, title="Changed")
    path = two_lessons.en / "basics" / "01-one.md"
    path.write_text(path.read_text().replace("answer = 1\n", "answer = 7\n"), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("learn_load", content_dir=two_lessons.root, stdout=io.StringIO())

    assert "en/basics/01-one.md: check[0].answer:" in str(error.value)
    assert "nothing was loaded" in str(error.value)
    assert snapshot() == before


def test_it_raises_content_errors_from_the_function_too(tree):
    tree.course("basics")
    (tree.en / "basics" / "01-x.md").write_text("no front matter", encoding="utf-8")
    with pytest.raises(ContentError, match=re.escape("en/basics/01-x.md")):
        load_content(root=tree.root)


def test_it_loads_each_language_directory_with_its_own_rows(two_lessons):
    # Copying the English files would not do: Polish writes "3,000" as "3 000".
    write_translation(two_lessons.root, "pl")
    load_content(root=two_lessons.root)
    assert set(Lesson.objects.values_list("language", "key")) == {
        ("en", "basics/one"),
        ("en", "basics/two"),
        ("pl", "basics/one"),
        ("pl", "basics/two"),
    }
    assert GlossaryTerm.objects.filter(language="pl").count() == 1


def test_a_translation_without_an_english_original_is_refused(two_lessons):
    polish = two_lessons.root / "pl" / "basics"
    polish.mkdir(parents=True)
    (polish / "course.md").write_text((two_lessons.en / "basics" / "course.md").read_text())
    (polish / "03-three.md").write_text((two_lessons.en / "basics" / "01-one.md").read_text())
    with pytest.raises(ContentError, match="no English lesson 'basics/three'"):
        load_content(root=two_lessons.root)
    assert not Lesson.objects.exists()
