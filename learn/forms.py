"""Reading a knowledge-check submission: fields named ``answer-<question id>``.

The radios carry the option's 0-based index. Anything that is not a whole number, or
that names a question the lesson does not have, is refused before grading; the
service checks the same rules again against the lesson's own questions.
"""

from __future__ import annotations

from django.http import QueryDict

from learn.services import NOT_AN_OPTION, NOT_THIS_LESSON, CheckRejected

ANSWER_PREFIX = "answer-"


def answer_field(question_id: int) -> str:
    return f"{ANSWER_PREFIX}{question_id}"


def read_answers(data: QueryDict) -> dict[int, int]:
    """{question id: chosen option index} from a POST; raises ``CheckRejected``."""
    answers: dict[int, int] = {}
    for name in data:
        if not name.startswith(ANSWER_PREFIX):
            continue
        question = name.removeprefix(ANSWER_PREFIX)
        if not question.isascii() or not question.isdigit():
            raise CheckRejected(NOT_THIS_LESSON)
        values = data.getlist(name)
        # One radio group gives one value; several means a hand-made request.
        if len(values) != 1 or not values[0].isascii() or not values[0].isdigit():
            raise CheckRejected(NOT_AN_OPTION)
        answers[int(question)] = int(values[0])
    return answers
