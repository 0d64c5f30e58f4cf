"""Write a module's package: `python manage.py export_module SLUG OUT` (a folder, or OUT.zip)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from modules.models import Module
from packages.export import export_module
from packages.manifest import PackageError


class Command(BaseCommand):
    help = "Export a module (module.toml, transcript.vtt, video, poster) to a folder or a .zip."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The module's slug.")
        parser.add_argument("out", help="A folder to write into, or a file name ending in .zip.")

    def handle(self, *args, slug: str, out: str, **options):
        module = Module.objects.filter(slug=slug).first()
        if module is None:
            raise CommandError(f"No module with the slug {slug!r}.")
        try:
            path = export_module(module=module, out=Path(out))
        except PackageError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{module.activity_code} {module.title} → {path}"))
