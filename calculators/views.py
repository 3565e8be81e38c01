"""Calculator pages and the JSON API: one code path, form → formulas → result.

The page and the API differ only in how they answer: the page renders
``calculators/calculator.html`` (or just its ``#result`` partial for htmx), the API
serialises the same ``CalcResult`` to JSON.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_htmx.http import push_url, reswap

from calculators import definitions, fields, forms, formulas
from calculators.definitions import DEFINITIONS, CalculatorDefinition
from config.formatting import numbers_in

PAGE_TEMPLATE = "calculators/calculator.html"
RESULT_PARTIAL = "calculators/calculator.html#result"
DEFAULT_PREFIX = "calc"
# Widgets embedded in a lesson tell us their element prefix so the partial's ids match.
PREFIX_HEADER = "X-Calculator-Prefix"
_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,47}$")


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "calculators/index.html",
        {"title": _("Calculators"), "groups": definitions.GROUPS},
    )


def _definition(slug: str) -> CalculatorDefinition:
    try:
        return DEFINITIONS[slug]
    except KeyError:
        raise Http404("unknown calculator") from None


def calculator_context(
    definition: CalculatorDefinition,
    query: QueryDict,
    *,
    prefix: str = DEFAULT_PREFIX,
    embedded: bool = False,
) -> dict[str, Any]:
    """Validate ``query``, compute, and shape everything the template needs.

    Shared by the page and the ``{% calculator_widget %}`` tag so an embedded calculator
    is the same form, the same numbers and the same markup as the page.
    """
    form = definition.form_class(
        query,
        auto_id=f"{prefix}-%s",
        number_format=fields.display_number_format(get_language()),
    )
    result = form.compute()
    page_url = reverse("calculators:calculator", args=[definition.slug])
    clean_query = definition.clean_query(query, form.number_format)
    share_url = f"{page_url}?{clean_query}" if clean_query else page_url
    presentation = definitions.present(definition, form, result, prefix=prefix) if result else None
    advanced = [form[name] for name in definition.advanced]
    return {
        "main_fields": [form[n] for n in definition.field_names if n not in definition.advanced],
        "advanced_fields": advanced,
        # Unfold when the learner has typed something there, or something there is wrong.
        "advanced_open": any(f.errors or (f.data not in (None, "")) for f in advanced),
        "definition": definition,
        "form": form,
        "result": result,
        "shown": presentation,
        "prefix": prefix,
        "embedded": embedded,
        # Inside a widget the calculator's own headings sit one level lower.
        "heading": "h3" if embedded else "h2",
        "subheading": "h4" if embedded else "h3",
        "page_url": page_url,
        "share_url": share_url,
        "title": definition.title,
        "first_error": _first_error(form),
    }


def _first_error(form: forms.CalculatorForm) -> str:
    """The first problem with the inputs, for the live region (``""`` when there is none)."""
    for field in form:
        if field.errors:
            return f"{field.label}: {field.errors[0]}"
    non_field = form.non_field_errors()
    return str(non_field[0]) if non_field else ""


@require_safe
def calculator_page(request: HttpRequest, slug: str) -> HttpResponse:
    definition = _definition(slug)
    # First visit (no inputs in the URL): show a worked example instead of an empty form.
    query = request.GET if definition.is_submitted(request.GET) else definition.example_query()
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    prefix = DEFAULT_PREFIX
    if partial:
        prefix = request.headers.get(PREFIX_HEADER, DEFAULT_PREFIX)
        if not _PREFIX.match(prefix):
            prefix = DEFAULT_PREFIX
    context = calculator_context(definition, query, prefix=prefix)

    if not partial:
        response = render(request, PAGE_TEMPLATE, context)
    else:
        # The result partial also carries every field's message element, swapped out of
        # band: the messages live next to the fields, outside the swapped result.
        context["partial"] = True
        response = render(request, RESULT_PARTIAL, context)
        if context["result"] is None:
            # Keep the last good result on screen (dimmed by the out-of-band "not updated"
            # note); one bad keystroke should not wipe what the learner was reading.
            reswap(response, "none")
        if urlsplit(request.htmx.current_url_abs_path or "").path == request.path:
            # On the page itself: keep the address bar shareable, with the inputs in the
            # canonical order and nothing else.
            push_url(response, context["share_url"])
    # The same URL answers with a page or a fragment; caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- JSON API (SPEC §5.2) ------------------------------------------------------------


def _api_error(errors: dict[str, list[str]], status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False}
    )


@require_safe
def calculator_api(request: HttpRequest, slug: str) -> JsonResponse:
    definition = DEFINITIONS.get(slug)
    if definition is None:
        return _api_error({"calculator": [_("Unknown calculator.")]}, status=404)
    form: forms.CalculatorForm = definition.form_class(request.GET)
    # Locale-free numbers (SPEC §5.2): the steps' substituted numbers are written the
    # English way whatever the client's language; labels and messages follow it.
    with numbers_in("en"):
        result = form.compute()
    if result is None:
        return _api_error(
            {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        )
    body = {
        "calculator": slug,
        "inputs": form.api_inputs(),
        "results": {key: forms.serialise(value) for key, value in result.results.items()},
        "steps": [
            {
                "label": definitions.translate(step.label),
                "formula": definitions.translate(step.formula),
                "substituted": step.substituted,
                "value": None if step.value is None else formulas.plain_decimal(step.value),
            }
            for step in result.steps
        ],
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def bench_hello(request: HttpRequest) -> HttpResponse:
    """The bare Django view the API's throughput is compared with (bench/calculators.py).

    Routed only when BENCH_HELLO is on, so it never exists in a normal deployment.
    """
    return HttpResponse("hello", content_type="text/plain")
