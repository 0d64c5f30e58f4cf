from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from modules.transcripts import TranscriptError, cues_to_vtt, parse_transcript


class Command(BaseCommand):
    help = "Print the WebVTT captions for a transcript file (plain text, .vtt or .srt)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        try:
            cues = parse_transcript(data, filename=path.name)
        except TranscriptError as error:
            raise CommandError(f"{path}: {error}") from error
        self.stdout.write(cues_to_vtt(cues), ending="")
