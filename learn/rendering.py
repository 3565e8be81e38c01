"""Lesson Markdown → HTML with markdown-it-py, and the glossary links in lesson text.

CommonMark (plus GitHub-style tables, which lessons use for threshold tables) with raw
HTML off: a ``<script>`` in a lesson file comes out as text. Lesson text is never run
through Django's template engine, so ``{{ }}`` in a lesson is just characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token


@dataclass(frozen=True)
class TermLink:
    """A glossary entry as the renderer needs it: the words that mean it and its anchor."""

    slug: str
    phrases: tuple[str, ...]
    title: str


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")

    # Wide tables scroll sideways inside their own box instead of widening a 375 px page.
    def table_open(renderer, tokens, index, options, env):
        return '<div class="table-scroll">' + renderer.renderToken(tokens, index, options, env)

    def table_close(renderer, tokens, index, options, env):
        return renderer.renderToken(tokens, index, options, env) + "</div>"

    md.add_render_rule("table_open", table_open)
    md.add_render_rule("table_close", table_close)
    return md


_MD = _markdown()


def render_markdown(source: str, *, terms: Iterable[TermLink] = (), glossary_url: str = "") -> str:
    """HTML for a lesson body; the first use of each glossary term links to its entry."""
    tokens = _MD.parse(source)
    terms = list(terms)
    if terms and glossary_url:
        _link_first_uses(tokens, terms, glossary_url)
    return _MD.renderer.render(tokens, _MD.options, {})


def _link_first_uses(tokens: list[Token], terms: list[TermLink], glossary_url: str) -> None:
    by_phrase: dict[str, TermLink] = {}
    for term in terms:
        for phrase in term.phrases:
            by_phrase.setdefault(phrase.casefold(), term)
    if not by_phrase:
        return
    # Longest phrase first, so "collateral margin level" wins over "margin level".
    alternatives = sorted(by_phrase, key=len, reverse=True)
    pattern = re.compile(
        "(" + "|".join(_whole_phrase(p) for p in alternatives) + ")", re.IGNORECASE
    )
    linked: set[str] = set()
    in_heading = False
    for token in tokens:
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline" and token.children and not in_heading:
            token.children = _link_children(
                token.children, pattern, by_phrase, linked, glossary_url
            )


def _is_wide(char: str) -> bool:
    # Chinese (and other wide) script has no spaces between words: a term there is
    # matched wherever it stands, not only between word boundaries.
    return unicodedata.east_asian_width(char) in ("W", "F")


def _whole_phrase(phrase: str) -> str:
    """The phrase as a pattern that does not match inside a longer word ("margin" in
    "margins"), except at an edge written in a script without spaces."""
    before = "" if _is_wide(phrase[0]) else r"(?<![\w-])"
    after = "" if _is_wide(phrase[-1]) else r"(?![\w-])"
    return f"(?:{before}{re.escape(phrase)}{after})"


def _link_children(
    children: list[Token],
    pattern: re.Pattern[str],
    by_phrase: dict[str, TermLink],
    linked: set[str],
    glossary_url: str,
) -> list[Token]:
    result: list[Token] = []
    link_depth = 0
    for child in children:
        if child.type == "link_open":
            link_depth += 1
        elif child.type == "link_close":
            link_depth -= 1
        if child.type != "text" or link_depth > 0:
            result.append(child)
            continue
        result.extend(_split_text(child.content, pattern, by_phrase, linked, glossary_url))
    return result


def _split_text(
    text: str,
    pattern: re.Pattern[str],
    by_phrase: dict[str, TermLink],
    linked: set[str],
    glossary_url: str,
) -> list[Token]:
    pieces: list[Token] = []
    position = 0
    for match in pattern.finditer(text):
        term = by_phrase[match.group(1).casefold()]
        if term.slug in linked:
            continue
        linked.add(term.slug)
        if match.start() > position:
            pieces.append(_text(text[position : match.start()]))
        link = Token("link_open", "a", 1)
        link.attrSet("href", f"{glossary_url}#{term.slug}")
        link.attrSet("class", "glossary-link")
        link.attrSet("title", term.title)
        pieces.extend([link, _text(match.group(1)), Token("link_close", "a", -1)])
        position = match.end()
    if position < len(text):
        pieces.append(_text(text[position:]))
    return pieces


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token
