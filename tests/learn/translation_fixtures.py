"""Small Polish and Traditional Chinese translations of the loader tests' content tree.

They translate ``tests/learn/conftest.py``'s ``COURSE`` and ``LESSON`` (course "basics",
lessons "one" and "two", the term "Leverage" in lesson one) the way the translators'
files must: same file names, keys, order, calculator, answers; numbers written the
language's way (Polish "30 000", "0,5"; Chinese as English).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

THREE_LANGUAGES = [("en", "English"), ("zh-hant", "繁體中文"), ("pl", "Polski")]

PL_COURSE = """\
+++
title = "Kurs testowy"
order = 1
summary = "Kurs do testów ładowania."
+++

Krótki wstęp.
"""

ZH_COURSE = """\
+++
title = "測試課程"
order = 1
summary = "用於載入測試的課程。"
+++

簡短的介紹。
"""

PL_TERM = """\
[[glossary]]
term = "Dźwignia"
definition = "Handel kwotą większą niż własne środki, dzięki pożyczce."
aliases = ["dźwignią", "dźwigni"]
"""

ZH_TERM = """\
[[glossary]]
term = "槓桿"
definition = "借錢交易比自有資金更大的部位。"
aliases = ["槓桿交易"]
"""

PL_LESSON = """\
+++
title = "{title}"
order = {order}
summary = "Lekcja do testów ładowania."

[calculator]
slug = "initial-margin"
[calculator.inputs]
quantity = "0.5"
entry_price = "60000"
leverage = "10"
[calculator.results]
notional = "30000"
initial_margin = "3000"

{glossary}
[[check]]
question = "Ile to jest 30 000 ÷ 10?"
options = ["300", "3 000", "30 000"]
answer = 1
explanation = "Wartość nominalna ÷ dźwignia."

[[check]]
question = "Czy dźwignia to mnożnik?"
options = ["Tak", "Nie", "Tylko we wtorki"]
answer = 0
explanation = "2x, 5x, 10x."
+++

{body}
"""

ZH_LESSON = """\
+++
title = "{title}"
order = {order}
summary = "用於載入測試的課。"

[calculator]
slug = "initial-margin"
[calculator.inputs]
quantity = "0.5"
entry_price = "60000"
leverage = "10"
[calculator.results]
notional = "30000"
initial_margin = "3000"

{glossary}
[[check]]
question = "30,000 ÷ 10 是多少？"
options = ["300", "3,000", "30,000"]
answer = 1
explanation = "名義價值 ÷ 槓桿。"

[[check]]
question = "槓桿是一個倍數嗎？"
options = ["是", "否", "只在星期二"]
answer = 0
explanation = "2x、5x、10x。"
+++

{body}
"""

LESSONS = {
    "pl": {
        "course": PL_COURSE,
        "lesson": PL_LESSON,
        "one": {"title": "Pierwsza", "glossary": PL_TERM, "body": "Dźwignia mnoży zyski i straty."},
        "two": {"title": "Druga", "glossary": "", "body": "Znowu transakcje z dźwignią."},
    },
    "zh_Hant": {
        "course": ZH_COURSE,
        "lesson": ZH_LESSON,
        "one": {"title": "第一課", "glossary": ZH_TERM, "body": "槓桿放大獲利與虧損。"},
        "two": {"title": "第二課", "glossary": "", "body": "再談槓桿交易。"},
    },
}

ORDERS = {"one": 1, "two": 2}


def write_translation(root: Path, directory: str, *, lessons=("one", "two")) -> Path:
    """Translate course "basics" (and the given lessons) into ``root/<directory>/``."""
    texts = LESSONS[directory]
    course = root / directory / "basics"
    course.mkdir(parents=True, exist_ok=True)
    (course / "course.md").write_text(texts["course"], encoding="utf-8")
    for slug in lessons:
        order = ORDERS[slug]
        (course / f"{order:02d}-{slug}.md").write_text(
            texts["lesson"].format(order=order, **texts[slug]), encoding="utf-8"
        )
    return course


def language_cookie(client, language: str) -> None:
    """Ask for ``language`` the way the header's switcher remembers it (the cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
