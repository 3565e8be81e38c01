"""``python manage.py learn_check_translations``: every translated file checked against
the English one (structure, answers, calculators, numbers), all problems listed."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from learn.loader import content_root
from learn.parsing import ContentError
from learn.translations import check_translations


class Command(BaseCommand):
    help = (
        "Compare the translated lessons, glossary and quiz bank with the English files "
        "and list every difference in structure or numbers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--content-dir",
            type=Path,
            default=None,
            help="The directory holding the language folders (default: learn/content).",
        )
        parser.add_argument(
            "--english-dir",
            type=Path,
            default=None,
            help="The English directory to compare with (default: <content-dir>/en).",
        )

    def handle(self, *args, content_dir: Path | None = None, english_dir=None, **options):
        root = content_dir or content_root()
        if not root.is_dir():
            raise CommandError(f"no content directory at {root}")
        try:
            problems = check_translations(root, english_root=english_dir)
        except ContentError as error:
            raise CommandError(f"the English files do not load: {error}") from None
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in the translations")
        self.stdout.write("The translations match the English files.")
