from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from modules.forms import transcript_report
from modules.models import Module
from modules.services import import_transcript
from modules.transcripts import TranscriptError


class Command(BaseCommand):
    help = "Replace a module's transcript with the cues of a file, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--names-speakers",
            action="store_true",
            help="SRT/WebVTT: every line starts with the speaker's name (COACH: ...).",
        )

    def handle(self, *args, slug: str, path: Path, names_speakers: bool = False, **options):
        module = Module.objects.filter(slug=slug).first()
        if module is None:
            raise CommandError(f"no module with the slug {slug!r}")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        try:
            reading = import_transcript(
                module=module,
                data=data,
                filename=path.name,
                speaker_labels=True if names_speakers else None,
            )
        except TranscriptError as error:
            raise CommandError(f"{path}: {error}; the transcript was not changed") from error
        self.stdout.write(f"{module.slug}: {len(reading.cues)} cues imported from {path}")
        summary, warnings = transcript_report(path.name, reading)
        for line in [summary, *warnings]:
            self.stdout.write(line)
