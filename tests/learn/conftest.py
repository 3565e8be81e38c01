from __future__ import annotations

import pytest

from tests.learn.quiz_factories import build_bank


@pytest.fixture
def quiz_bank(db):
    """Ten core topics with five questions each (50 questions)."""
    return build_bank()
