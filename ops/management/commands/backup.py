from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the media into var/backups/<timestamp>/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dest", type=Path, help="folder to create the backup in (default var/backups)"
        )

    def handle(self, *args, dest=None, **options):
        try:
            folder = backup(dest)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(folder))
