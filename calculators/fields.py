"""Strict form fields shared by the calculator pages and the JSON API.

Django's own ``DecimalField`` hands the text to ``Decimal()``, which happily accepts
``"NaN"``, ``"Infinity"``, ``"1e3"`` and ``"٣"`` (an Arabic-Indic three). A calculator
that teaches people to check their numbers should not guess, so these fields parse the
text themselves: plain ASCII digits, an optional sign, an optional fraction, nothing else.

Every widget here also refuses a parameter given twice (``?leverage=10&leverage=20``):
the API would otherwise silently use the last one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.formatting import MINUS as MINUS_SIGN
from config.formatting import number_symbols

# Above this, a number is a typo (or an attack), not a position: SPEC §5.2.
MAX_MAGNITUDE = Decimal("1e15")
# More places than any exchange quotes; keeps the formulas' 50-digit context comfortable.
MAX_DECIMAL_PLACES = 18
# A value longer than this cannot be a valid number under the two rules above.
MAX_TEXT_LENGTH = 40

_DECIMAL = re.compile(r"^(?P<sign>[+-]?)(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?$")
_INTEGER = re.compile(r"^\+?[0-9]+$")

TRUE_WORDS = frozenset({"true", "1", "on", "yes"})
FALSE_WORDS = frozenset({"false", "0", "off", "no", ""})


class _Repeated(list):
    """Marks a parameter that arrived more than once, so ``clean`` can refuse it."""


def _single_value(data: Any, name: str) -> Any:
    if hasattr(data, "getlist"):
        values = data.getlist(name)
        if len(values) > 1:
            return _Repeated(values)
        return values[0] if values else None
    return data.get(name)


class DecimalInput(forms.TextInput):
    """A text box with the decimal keypad on phones.

    Not ``type="number"``: browsers reformat, reject the leading ``+`` and hide invalid
    text from the server, so the learner would never see our message about it.
    """

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false", **(attrs or {})}
        )

    def value_from_datadict(self, data, files, name):
        return _single_value(data, name)


class StrictSelect(forms.Select):
    def value_from_datadict(self, data, files, name):
        return _single_value(data, name)


class StrictCheckbox(forms.CheckboxInput):
    """Returns the raw text (``CheckboxInput`` turns any unknown word into ``True``)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, check_test=lambda value: parse_bool(value) is True)

    def value_from_datadict(self, data, files, name):
        return _single_value(data, name)

    def value_omitted_from_data(self, data, files, name):
        # An unticked box sends nothing; that means "no", not "missing".
        return False


def parse_bool(value: Any) -> bool | None:
    """``True``/``False`` for the words the API accepts, ``None`` for anything else."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


class SharedFieldMixin:
    """Lets a form skip the deep copy Django makes of every field for every form instance.

    Opt-in per field (``share_between_forms = True``): only for forms that never change a
    field after the class is built, like the calculator forms (see ``forms.py``), whose API
    answers faster without copying eleven fields and their widgets per request
    (docs/performance.md). Other users of these fields get Django's usual copy.
    """

    share_between_forms = False

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        if self.share_between_forms:
            memo[id(self)] = self
            return self
        return super().__deepcopy__(memo)


def _refuse_repeats(value: Any) -> None:
    if isinstance(value, _Repeated):
        raise ValidationError(_("Give this value once."), code="repeated")


class StrictDecimalField(SharedFieldMixin, forms.Field):
    """A decimal typed as plain digits: ``30000``, ``+0.5``, ``.25``; never an exponent.

    ``minimum`` says which numbers make sense for the field:
    ``"positive"`` (> 0: prices, quantities, leverage), ``"non_negative"`` (≥ 0: balances,
    liabilities) or ``"any"`` (a return or an unrealised PnL can be negative).
    ``min_value``/``max_value`` narrow the range further (leverage 1–125, a rate below 1).
    """

    widget = DecimalInput
    default_error_messages = {
        "invalid": _("Enter a plain number such as 30000 or 0.5 (digits and one decimal point)."),
        "too_long": _("This number is too long."),
        "places": _("Use at most %(places)s decimal places."),
        "too_large": _("Enter a number no larger than 1,000,000,000,000,000."),
        "positive": _("Enter a number greater than zero."),
        "non_negative": _("Enter zero or a positive number."),
        "min_value": _("Enter at least %(limit)s."),
        "max_value": _("Enter at most %(limit)s."),
        "below_value": _("Enter a number below %(limit)s."),
    }

    def __init__(
        self,
        *,
        minimum: str = "positive",
        min_value: Decimal | None = None,
        max_value: Decimal | None = None,
        below_value: Decimal | None = None,
        **kwargs: Any,
    ) -> None:
        if minimum not in {"positive", "non_negative", "any"}:
            raise ValueError(f"unknown minimum rule {minimum!r}")
        self.minimum = minimum
        self.min_value = min_value
        self.max_value = max_value
        self.below_value = below_value
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        _refuse_repeats(value)
        if value is None:
            return None
        text = str(value).strip()
        if text == "":
            return None
        return parse_decimal(text, self.error_messages)

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        if value is None:
            return
        if self.minimum == "positive" and value <= 0:
            raise ValidationError(self.error_messages["positive"], code="positive")
        if self.minimum == "non_negative" and value < 0:
            raise ValidationError(self.error_messages["non_negative"], code="non_negative")
        for limit, failed, code in (
            (self.min_value, lambda v, lim: v < lim, "min_value"),
            (self.max_value, lambda v, lim: v > lim, "max_value"),
            (self.below_value, lambda v, lim: v >= lim, "below_value"),
        ):
            if limit is not None and failed(value, limit):
                raise ValidationError(
                    self.error_messages[code], code=code, params={"limit": f"{limit:f}"}
                )


def parse_decimal(text: str, messages: dict[str, Any]) -> Decimal:
    """Parse one plain decimal or raise ``ValidationError`` with the field's message."""
    if len(text) > MAX_TEXT_LENGTH:
        raise ValidationError(messages["too_long"], code="too_long")
    match = _DECIMAL.match(text)
    if match is None or not (match["int"] or match["frac"]):
        raise ValidationError(messages["invalid"], code="invalid")
    if match["frac"] and len(match["frac"]) > MAX_DECIMAL_PLACES:
        raise ValidationError(
            messages["places"], code="places", params={"places": MAX_DECIMAL_PLACES}
        )
    # The regex has ruled out everything Decimal() would read as special (NaN, exponents).
    number = Decimal(text)
    if abs(number) > MAX_MAGNITUDE:
        raise ValidationError(messages["too_large"], code="too_large")
    return number


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """How a language writes numbers on pages: its decimal mark and thousands separator.

    Pages print ``60,000.50`` (``config.formatting``), so a learner copying a number from a
    page back into a calculator must be understood (SPEC §7). ``to_plain`` turns text written
    this way into the plain form the strict parser reads and leaves anything else alone, so
    the parser's own message still explains a typo. The JSON API never uses this: it takes
    plain decimal strings only.
    """

    decimal: str = "."
    group: str = ","

    def __post_init__(self) -> None:
        if self.decimal == self.group or not self.decimal or not self.group:
            raise ValueError("the decimal mark and the group separator must differ")

    def group_marks(self) -> str:
        """The characters read as the thousands separator: the one pages print and, for
        a space-like one, the other spaces a learner may type or paste instead."""
        if self.group in SPACE_GROUPS:
            return SPACE_GROUPS
        return self.group

    def pattern(self) -> re.Pattern[str]:
        group = "[" + re.escape(self.group_marks()) + "]"
        decimal = re.escape(self.decimal)
        # Groups of exactly three digits after a first group of one to three: "1,234,567".
        return re.compile(
            rf"^(?P<sign>[+-]?)(?P<int>[0-9]{{1,3}}(?:{group}[0-9]{{3}})+|[0-9]*)"
            rf"(?:{decimal}(?P<frac>[0-9]*))?$"
        )

    def to_plain(self, text: str) -> str:
        """``60,000.50`` → ``60000.50``; text that is not a number written this way is
        returned unchanged (``6,00`` stays ``6,00`` and the parser refuses it)."""
        stripped = text.strip()
        if stripped.startswith(MINUS_SIGN):
            # Pages write negatives with the minus sign "−"; copied back, it means "-".
            stripped = "-" + stripped[1:]
        match = self.pattern().match(stripped)
        if match is None or not (match["int"] or match["frac"]):
            return text
        plain = match["sign"] + re.sub("[" + re.escape(self.group_marks()) + "]", "", match["int"])
        if match["frac"] is not None:
            plain += "." + match["frac"]
        return plain


# Polish pages print a no-break space between thousands; a learner types a plain space,
# and some keyboards and copied text give a narrow no-break space.
SPACE_GROUPS = " \u00a0\u202f"
DEFAULT_NUMBER_FORMAT = NumberFormat(decimal=".", group=",")


def display_number_format(language: str | None) -> NumberFormat:
    """The number format of ``language``'s pages: the separators ``config.formatting``
    prints in that language (English when it has none of its own), so what a page shows
    can be typed back. Plain ``1234.5`` is accepted in every language as well."""
    symbols = number_symbols(language or settings.LANGUAGE_CODE)
    return NumberFormat(decimal=symbols.decimal, group=symbols.group)


class StrictIntegerField(SharedFieldMixin, forms.Field):
    """A whole number typed as digits (the minute of the hour a loan was taken)."""

    widget = DecimalInput
    default_error_messages = {
        "invalid": _("Enter a whole number."),
        "range": _("Enter a whole number from %(low)s to %(high)s."),
    }

    def __init__(self, *, low: int, high: int, **kwargs: Any) -> None:
        self.low = low
        self.high = high
        kwargs.setdefault("widget", DecimalInput({"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        _refuse_repeats(value)
        if value is None or str(value).strip() == "":
            return None
        text = str(value).strip()
        if len(text) > MAX_TEXT_LENGTH or not _INTEGER.match(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        number = int(text)
        if not self.low <= number <= self.high:
            raise ValidationError(
                self.error_messages["range"],
                code="range",
                params={"low": self.low, "high": self.high},
            )
        return number


class StrictChoiceField(SharedFieldMixin, forms.ChoiceField):
    """A choice whose error names the allowed values, never the refused one: Django's own
    message repeats the input, which an API answer should not send back (it could be
    anything, markup included)."""

    widget = StrictSelect
    default_error_messages = {"invalid_choice": _("Select a valid choice: %(choices)s.")}

    def to_python(self, value: Any) -> str:
        _refuse_repeats(value)
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        try:
            super().validate(value)
        except ValidationError as error:
            if error.code != "invalid_choice":
                raise
            allowed = ", ".join(str(key) for key, _label in self.choices if key != "")
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"choices": allowed},
            ) from None


class StrictBooleanField(SharedFieldMixin, forms.Field):
    """``true``/``false``, ``1``/``0``, ``on``/``off``, ``yes``/``no``; missing means false."""

    widget = StrictCheckbox
    default_error_messages = {"invalid": _("Enter true or false.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> bool:
        _refuse_repeats(value)
        parsed = parse_bool(value)
        if parsed is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


# The page's own names for a fill's two numbers: price_1, quantity_1, … price_20,
# quantity_20. Numbered, not repeated, so a blank box never shifts a price onto another
# fill's quantity. The API (and any shared link with ``entry=price@quantity``) keeps
# ``entry``.
FILL_PRICE = "price_{}"
FILL_QUANTITY = "quantity_{}"
# "Add a row" asks for this many rows (a plain submit button, so it works without JS).
FILL_ROWS = "rows"


def fill_query_names(maximum: int) -> tuple[str, ...]:
    return tuple(
        name
        for number in range(1, maximum + 1)
        for name in (FILL_PRICE.format(number), FILL_QUANTITY.format(number))
    )


class EntryListInput(forms.Widget):
    """Fills as rows of two boxes (price, quantity), or the API's repeated ``entry``.

    ``value_from_datadict`` returns a list: ``(price, quantity)`` text pairs, one per row
    position (blank rows kept, so errors name the row the learner sees), or the
    ``price@quantity`` strings of ``entry`` when no row is given.
    """

    def __init__(self, attrs: dict[str, Any] | None = None, *, minimum: int = 3) -> None:
        self.minimum = minimum
        self.maximum = 20
        super().__init__(attrs)

    def value_from_datadict(self, data, files, name):
        rows = [
            (
                str(_first(data, FILL_PRICE.format(n)) or ""),
                str(_first(data, FILL_QUANTITY.format(n)) or ""),
            )
            for n in range(1, self.maximum + 1)
        ]
        while rows and rows[-1] == ("", ""):
            rows.pop()
        if rows:
            return rows
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(n in data for n in fill_query_names(self.maximum))

    def rows(self, value: Any, data: Any) -> list[tuple[str, str]]:
        """The rows to show: the learner's, then one empty row to type the next fill into
        (at least ``minimum``, more when "Add a row" asked for them, never above 20)."""
        pairs = [split_entry(v) for v in (value or [])][: self.maximum]
        wanted = _first(data, FILL_ROWS) if data is not None else None
        asked = int(wanted) if isinstance(wanted, str) and wanted.isdigit() else 0
        count = min(self.maximum, max(self.minimum, len(pairs) + 1, asked))
        return pairs + [("", "")] * (count - len(pairs))

    def id_for_label(self, id_):
        return f"{id_}_1_price" if id_ else id_


def _first(data: Any, name: str) -> Any:
    if hasattr(data, "getlist"):
        values = data.getlist(name)
        return values[0] if values else None
    value = data.get(name)
    return value[0] if isinstance(value, list | tuple) and value else value


def split_entry(value: Any) -> tuple[str, str]:
    """A fill as the (price, quantity) texts of its row."""
    if isinstance(value, tuple):
        return tuple(v if isinstance(v, str) else f"{v:f}" for v in value)
    price, _at, quantity = str(value).partition("@")
    return price.strip(), quantity.strip()


def format_entry(pair: Sequence[Decimal]) -> str:
    price, quantity = pair
    return f"{price:f}@{quantity:f}"


class EntryListField(SharedFieldMixin, forms.Field):
    """Fills, 2 to 20 of them: page rows of (price, quantity), or the API's
    ``price@quantity`` strings. Blank rows are skipped; each bad row is its own error,
    numbered as the row is on the page (``params["number"]``)."""

    widget = EntryListInput
    default_error_messages = {
        "format": _(
            "Fill %(number)s: write it as price@quantity, for example 30000@0.5 "
            "(both numbers greater than zero)."
        ),
        "row": _("Fill %(number)s: enter a price and a quantity, both numbers above zero."),
        "count": _("Enter between %(min)s and %(max)s fills."),
    }

    def __init__(self, *, min_entries: int = 2, max_entries: int = 20, **kwargs: Any) -> None:
        self.min_entries = min_entries
        self.max_entries = max_entries
        super().__init__(**kwargs)
        # Never more rows than fills the field takes.
        self.widget.maximum = max_entries

    def to_python(self, value: Any) -> list[tuple[Decimal, Decimal]]:
        items = list(value or [])
        rows = [item for item in items if isinstance(item, tuple)]
        if not rows:  # the API's entry=price@quantity, blank ones skipped
            items = [str(v).strip() for v in items]
            items = [text for text in items if text]
        filled = [item for item in items if item != ("", "")]
        if not self.min_entries <= len(filled) <= self.max_entries:
            raise ValidationError(
                self.error_messages["count"],
                code="count",
                params={"min": self.min_entries, "max": self.max_entries},
            )
        number_messages = StrictDecimalField().error_messages
        entries: list[tuple[Decimal, Decimal]] = []
        problems: list[ValidationError] = []
        for number, item in enumerate(items, start=1):
            if item == ("", ""):
                continue
            code = "row" if isinstance(item, tuple) else "format"
            if isinstance(item, tuple):
                price_text, quantity_text = item
            else:
                price_text, at, quantity_text = item.partition("@")
                if not at:
                    price_text = ""  # no "@": not a fill
            try:
                price = parse_decimal(price_text.strip(), number_messages)
                quantity = parse_decimal(quantity_text.strip(), number_messages)
                if price <= 0 or quantity <= 0:
                    raise ValidationError("not positive")
            except ValidationError:
                problems.append(
                    ValidationError(self.error_messages[code], code=code, params={"number": number})
                )
                continue
            entries.append((price, quantity))
        if problems:
            raise ValidationError(problems)
        return entries

    def validate(self, value: Any) -> None:
        # to_python has already checked the count; an empty list is not "missing" here.
        return None
