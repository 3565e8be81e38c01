"""Drawing an attempt's questions: pure Python, no Django, so it is tested on its own.

The rule (SPEC §4): ``count`` questions at random, at least one from every core
topic, no question twice, the order of the questions and of each question's
options shuffled.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

Q = TypeVar("Q", bound=Hashable)


class DrawImpossible(ValueError):
    """The bank cannot give an attempt that covers every core topic."""


def draw_questions(
    *, rng: random.Random, questions_by_topic: Mapping[str, Sequence[Q]], count: int
) -> list[Q]:
    """One random question from each topic, the rest at random from what is left, shuffled."""
    topics = sorted(questions_by_topic)
    if count < len(topics):
        raise DrawImpossible(
            f"An attempt of {count} questions cannot cover {len(topics)} core topics."
        )
    empty = [topic for topic in topics if not questions_by_topic[topic]]
    if empty:
        raise DrawImpossible(f"No questions for core topic(s): {', '.join(empty)}.")
    chosen = [rng.choice(list(questions_by_topic[topic])) for topic in topics]
    picked = set(chosen)
    rest = [q for topic in topics for q in questions_by_topic[topic] if q not in picked]
    if len(rest) < count - len(chosen):
        raise DrawImpossible(f"The bank holds fewer than {count} questions.")
    chosen += rng.sample(rest, count - len(chosen))
    rng.shuffle(chosen)
    return chosen


def shuffled_order(*, rng: random.Random, option_count: int) -> list[int]:
    """The order options are shown in, as their indices in the bank file."""
    order = list(range(option_count))
    rng.shuffle(order)
    return order
