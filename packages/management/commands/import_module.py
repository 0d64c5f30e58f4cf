"""Read a module package: `python manage.py import_module PATH` (a folder or a .zip)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from packages.importer import import_package
from packages.manifest import PackageError


class Command(BaseCommand):
    help = (
        "Create or update a module (matched by slug) from a package folder or zip, all or "
        "nothing: on any error nothing is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A package folder or .zip made by export_module.")

    def handle(self, *args, path: str, **options):
        try:
            result = import_package(path=Path(path))
        except PackageError as error:
            raise CommandError(str(error)) from None
        module = result.module
        verb = "Created" if result.created else "Updated"
        state = "published" if module.is_published else "not published"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {module.activity_code} {module.title} ({state}).")
        )
        for note in result.transcript_notes:
            self.stdout.write(note)
