from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class StatementForm(forms.Form):
    # Not required here: the service refuses an unticked box, with its own message.
    understood = forms.BooleanField(label=_("I understand"), required=False)


ANSWER_PREFIX = "q-"


def posted_answers(data) -> dict[str, list[str]]:
    """The quiz form's answers: ``q-<question token>`` → the posted option token(s).

    Only parses; whether each question and option belongs to the attempt is the
    service's rule (attempt_submit).
    """
    return {
        name.removeprefix(ANSWER_PREFIX): values
        for name, values in data.lists()
        if name.startswith(ANSWER_PREFIX)
    }
