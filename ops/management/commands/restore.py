from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, restore, verify


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`: replaces the database's contents and copies the "
        "media back. Every file is checked against the backup's manifest first."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="a folder made by `manage.py backup`")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, folder, interactive, **options):
        try:
            manifest = verify(folder)
            if interactive and not self._confirmed(manifest):
                raise CommandError("Restore cancelled.")
            restore(folder, verified=manifest)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = ", ".join(f"{label}: {count}" for label, count in manifest["rows"].items())
        self.stdout.write(f"Restored {folder} (made {manifest['created_at']}). {rows}")

    def _confirmed(self, manifest) -> bool:
        # Everything written since the backup is lost: say so, and ask.
        self.stdout.write(
            f"This replaces everything in the database with the backup made "
            f"{manifest['created_at']} and copies its {len(manifest['media'])} media files back."
        )
        return input("Type 'yes' to continue: ").strip().lower() == "yes"
