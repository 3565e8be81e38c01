"""The error every formula raises for inputs that parse but make no sense together."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal


def gettext_noop(s: str) -> str:
    """Mark ``s`` for translation without translating it (``makemessages`` looks for this name;
    the formulas import nothing from Django)."""
    return s


class CalculatorInputError(ValueError):
    """Inputs that parse but make no sense together; ``field`` names the input to blame.

    ``message`` is the untranslated English template (marked with ``gettext_noop``) and
    ``params`` fills its ``%(name)s`` placeholders after translation. ``str(error)`` is the
    filled-in English message. The calculator form shows it next to ``field`` (HTTP 400 in
    the API); the sandbox can show it as is.
    """

    def __init__(self, field: str, message: str, params: Mapping[str, str] | None = None) -> None:
        self.field = field
        self.message = message
        self.params = dict(params or {})
        super().__init__(message % self.params if self.params else message)


def require_finite(field: str, value: Decimal | int) -> None:
    if not isinstance(value, Decimal | int) or not Decimal(value).is_finite():
        raise CalculatorInputError(field, gettext_noop("Enter a finite number."))


def require_positive(field: str, value: Decimal) -> None:
    require_finite(field, value)
    if value <= 0:
        raise CalculatorInputError(field, gettext_noop("Enter a number greater than zero."))


def require_non_negative(field: str, value: Decimal) -> None:
    require_finite(field, value)
    if value < 0:
        raise CalculatorInputError(field, gettext_noop("Enter zero or a positive number."))
