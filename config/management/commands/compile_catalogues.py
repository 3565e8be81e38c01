"""``manage.py compile_catalogues``: the ``.po`` catalogues to ``.mo``, with Babel.

Django's own ``compilemessages`` needs GNU gettext's ``msgfmt``; this does not, so a
translator can fix a ``.po`` and compile it on any machine (docs/i18n.md).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.catalogues import catalogue_paths, catalogue_problems, compile_catalogue


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/django.po to .mo with Babel (no GNU gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Refuse to compile a catalogue with untranslated or fuzzy entries.",
        )

    def handle(self, *args, check: bool = False, **options):
        paths = [p for d in settings.LOCALE_PATHS for p in catalogue_paths(d)]
        if not paths:
            raise CommandError("No catalogues found under LOCALE_PATHS.")
        problems = [problem for path in paths for problem in catalogue_problems(path)]
        for problem in problems:
            self.stderr.write(problem)
        if check and problems:
            raise CommandError(f"{len(problems)} problem(s) in the catalogues.")
        for path in paths:
            mo_path = compile_catalogue(path)
            self.stdout.write(f"compiled {mo_path}")
