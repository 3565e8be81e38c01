"""``python manage.py learn_load``: the curriculum files → the database (idempotent)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from learn.loader import content_root, load_content
from learn.parsing import ContentError


class Command(BaseCommand):
    help = (
        "Load courses, lessons, knowledge checks, the glossary and the quiz bank "
        "from learn/content/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--content-dir",
            type=Path,
            default=None,
            help="The directory holding the language folders (default: learn/content).",
        )

    def handle(self, *args, content_dir: Path | None = None, **options):
        root = content_dir or content_root()
        if not root.is_dir():
            raise CommandError(f"no content directory at {root}")
        try:
            report = load_content(root=root)
        except ContentError as error:
            # The whole load is one transaction: nothing was written.
            raise CommandError(f"{error} (nothing was loaded)") from None
        for line in report.lines(verbose=options.get("verbosity", 1) > 1):
            self.stdout.write(line)
        if report.retired:
            self.stderr.write(
                self.style.WARNING(
                    f"{len(report.retired)} removed file(s) kept as retired rows: learners have "
                    "progress on them. Restore the file, or leave them retired (hidden)."
                )
            )
