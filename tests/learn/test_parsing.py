"""The file format: front matter, validation messages, Markdown rendering, glossary links."""

from __future__ import annotations

import re

import pytest

from learn.parsing import ContentError, read_language, split_front_matter
from learn.rendering import TermLink, render_markdown

LEVERAGE = TermLink(
    slug="leverage", phrases=("Leverage", "leveraged"), title="Borrowing to trade bigger."
)
MARGIN = TermLink(slug="margin", phrases=("margin",), title="Collateral.")
MARGIN_LEVEL = TermLink(slug="margin-level", phrases=("margin level",), title="Assets ÷ debt.")


def test_it_splits_toml_front_matter_from_the_body():
    data, body = split_front_matter('+++\ntitle = "T"\norder = 2\n+++\n\nHello *world*\n', "x.md")
    assert data == {"title": "T", "order": 2}
    assert body == "Hello *world*\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title = 'T'\n", "must start with a '+++' line"),
        ("+++\ntitle = 'T'\n", "no closing '+++' line"),
        ("+++\ntitle = = 'T'\n+++\nbody", "not valid TOML"),
    ],
)
def test_it_names_the_file_when_front_matter_is_broken(text, message):
    with pytest.raises(ContentError) as error:
        split_front_matter(text, "en/c/01-x.md")
    assert str(error.value).startswith("en/c/01-x.md: ")
    assert message in str(error.value)


def _error_for(tree, path_edit) -> ContentError:
    tree.course("c")
    path = tree.lesson("c", "x")
    path.write_text(path_edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        read_language(tree.en)
    return error.value


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (lambda t: t.replace('title = "A lesson"\n', ""), "title", "is missing"),
        (lambda t: t.replace("order = 1\n", 'order = "one"\n'), "order", "whole number"),
        (
            lambda t: t.replace('slug = "initial-margin"', 'slug = "nope"'),
            "calculator.slug",
            "unknown calculator",
        ),
        (
            lambda t: t.replace('leverage = "10"', "leverage = 10"),
            "calculator.inputs.leverage",
            "must be a string",
        ),
        (lambda t: t.replace("answer = 1\n", "answer = 3\n"), "check[0].answer", "0-based index"),
        (
            lambda t: t.replace(
                'options = ["Yes", "No", "Only on Tuesdays"]', 'options = ["Yes", "No"]'
            ),
            "check[1].options",
            "3–4 options",
        ),
        (
            lambda t: t.replace("order = 1\n", "order = 1\ncolour = 'red'\n"),
            "colour",
            "unknown field",
        ),
    ],
)
def test_it_names_the_file_and_field_of_a_validation_error(tree, edit, field, message):
    error = _error_for(tree, edit)
    assert error.path == "en/c/01-x.md"
    assert error.field_name == field
    assert message in str(error)
    assert str(error).startswith(f"en/c/01-x.md: {field}: ")


def test_it_refuses_a_knowledge_check_of_one_question(tree):
    def one_question(text):
        head, _, rest = text.partition('[[check]]\nquestion = "Is leverage')
        return head + "+++" + rest.split("+++", 1)[1]

    error = _error_for(tree, one_question)
    assert error.field_name == "check"
    assert "found 1" in str(error)


def test_it_refuses_a_term_defined_in_two_lessons(tree):
    tree.course("c")
    term = '[[glossary]]\nterm = "Leverage"\ndefinition = "Borrowing."\n'
    tree.lesson("c", "one", order=1, glossary=term)
    tree.lesson("c", "two", order=2, glossary=term)
    with pytest.raises(ContentError, match=re.escape("also defined in en/c/01-one.md")):
        read_language(tree.en)


def test_it_refuses_two_lessons_with_the_same_order(tree):
    tree.course("c")
    tree.lesson("c", "one", order=1)
    (tree.en / "c" / "01-one.md").rename(tree.en / "c" / "02-one.md")
    tree.lesson("c", "two", order=1)
    with pytest.raises(ContentError, match="order 1 is also used"):
        read_language(tree.en)


def test_it_refuses_a_badly_named_lesson_file(tree):
    directory = tree.course("c")
    (directory / "lesson.md").write_text("+++\n+++\n", encoding="utf-8")
    with pytest.raises(ContentError, match=re.escape("NN-<lesson-slug>.md")):
        read_language(tree.en)


def test_it_reads_courses_and_lessons_in_order(tree):
    tree.course("second", order=2, title="Second")
    tree.course("first", order=1, title="First")
    tree.lesson("second", "b", order=1)
    tree.lesson("first", "z", order=2)
    tree.lesson("first", "a", order=1)
    parsed = read_language(tree.en)
    assert [c.slug for c in parsed.courses] == ["first", "second"]
    assert [lesson.key for lesson in parsed.lessons] == ["first/a", "first/z", "second/b"]
    lesson = parsed.lessons[0]
    assert lesson.calculator_inputs == {"quantity": "0.5", "entry_price": "60000", "leverage": "10"}
    assert [q.answer_index for q in lesson.questions] == [1, 0]


def test_it_never_passes_raw_html_or_template_syntax_through():
    html = render_markdown("Hi <script>alert(1)</script> {{ secret }} {% debug %}\n\n<b>bold</b>")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>" not in html
    # Template syntax is plain text: lessons are never rendered as Django templates.
    assert "{{ secret }}" in html
    assert "{% debug %}" in html


def test_it_drops_javascript_links():
    html = render_markdown("[click](javascript:alert(1))")
    assert "javascript:" not in html.split(">", 1)[0]
    assert 'href="javascript' not in html


def test_it_renders_commonmark_and_tables():
    html = render_markdown("## Head\n\n*em* and **strong**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h2>Head</h2>" in html
    assert "<em>em</em>" in html
    assert '<div class="table-scroll"><table>' in html


def test_it_links_only_the_first_use_of_a_term():
    html = render_markdown(
        "Leverage is useful. More leverage is riskier.",
        terms=[LEVERAGE],
        glossary_url="/learn/glossary/",
    )
    assert html.count('href="/learn/glossary/#leverage"') == 1
    assert '<a href="/learn/glossary/#leverage" class="glossary-link"' in html
    assert ">Leverage</a> is useful" in html


def test_it_links_an_alias_to_its_term():
    html = render_markdown("A leveraged trade.", terms=[LEVERAGE], glossary_url="/g/")
    assert (
        '<a href="/g/#leverage" class="glossary-link" '
        'title="Borrowing to trade bigger.">leveraged</a>' in html
    )


def test_it_does_not_link_inside_headings_code_or_links():
    source = (
        "## Leverage\n\n`leverage` and [leverage](/x/)\n\n```\nleverage\n```\n\nThen leverage.\n"
    )
    html = render_markdown(source, terms=[LEVERAGE], glossary_url="/g/")
    assert "<h2>Leverage</h2>" in html
    assert "<code>leverage</code>" in html
    assert '<a href="/x/">leverage</a>' in html
    assert "<pre><code>leverage\n</code></pre>" in html
    # The first use outside those places gets the link.
    assert 'Then <a href="/g/#leverage"' in html


def test_it_prefers_the_longest_term_and_respects_word_boundaries():
    html = render_markdown(
        "Your margin level is high; margins and margin matter.",
        terms=[MARGIN, MARGIN_LEVEL],
        glossary_url="/g/",
    )
    assert (
        '<a href="/g/#margin-level" class="glossary-link" title="Assets ÷ debt.">margin level</a>'
        in html
    )
    # "margins" is another word; the first whole "margin" is the one linked.
    assert 'margins and <a href="/g/#margin"' in html
