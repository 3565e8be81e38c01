"""The header's language switcher reads the site's languages from here."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def site_languages() -> list[tuple[str, str]]:
    """``settings.LANGUAGES`` as written: each language named in itself ("Polski").

    Django's ``get_available_languages`` would translate the names into the page's
    language ("angielski"), which is not what a reader looking for their own language
    scans for.
    """
    return list(settings.LANGUAGES)
