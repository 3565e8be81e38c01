"""``{% calculator_widget %}``: a live calculator inside a lesson or any other page.

    {% load calculators %}
    {% calculator_widget "liquidation-price" side="long" entry_price="30000" quantity="1" %}

Prefill values are the API's parameters (strings, ``Decimal`` or ``bool``; ``entry`` takes a
list or space-separated ``price@quantity`` fills). Inputs not given keep the calculator's
worked example. The widget is the page's own ``#calculator`` partial: a GET form to the
calculator page (works without JavaScript) whose htmx requests swap only its result.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from calculators.definitions import DEFINITIONS
from calculators.views import _PREFIX, calculator_context

register = template.Library()

_COUNTER_KEY = "calculators.widget_count"


@register.simple_tag(takes_context=True)
def calculator_widget(context: template.Context, slug: str, **prefill: Any) -> SafeString:
    definition = DEFINITIONS.get(slug)
    if definition is None:
        raise template.TemplateSyntaxError(f"calculator_widget: unknown calculator {slug!r}")
    # Several widgets on one page need distinct element ids.
    count = context.render_context.get(_COUNTER_KEY, 0) + 1
    context.render_context[_COUNTER_KEY] = count
    prefix = str(prefill.pop("id", "") or f"w{count}-{slug}")
    if not _PREFIX.match(prefix):
        raise template.TemplateSyntaxError(f"calculator_widget: bad id {prefix!r}")
    request = context.get("request")
    query = definition.prefilled_query(prefill)
    widget_context = calculator_context(definition, query, prefix=prefix, embedded=True)
    return render_to_string("calculators/widget.html", widget_context, request=request)
