from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from modules.forms import transcript_report
from modules.transcripts import TranscriptError, cues_to_vtt, read_transcript


class Command(BaseCommand):
    help = "Print the WebVTT captions for a transcript file (plain text, .vtt or .srt)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--names-speakers",
            action="store_true",
            help="SRT/WebVTT: every line starts with the speaker's name (COACH: ...).",
        )

    def handle(self, *args, path: Path, names_speakers: bool = False, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        try:
            reading = read_transcript(
                data, filename=path.name, speaker_labels=True if names_speakers else None
            )
        except TranscriptError as error:
            raise CommandError(f"{path}: {error}") from error
        summary, warnings = transcript_report(path.name, reading)
        for line in [summary, *warnings]:  # on stderr: stdout is the WebVTT
            self.stderr.write(line)
        self.stdout.write(cues_to_vtt(reading.cues), ending="")
