"""Workflows that change a module's content."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from modules.models import Cue, Module
from modules.search import refresh_search_vector
from modules.transcripts import ParsedCue, TranscriptReading, read_transcript


@transaction.atomic
def replace_cues(*, module: Module, cues: Sequence[ParsedCue]) -> int:
    """Swap a module's whole transcript for new cues, all or nothing."""
    Cue.objects.filter(module=module).delete()
    Cue.objects.bulk_create(
        Cue(
            module=module,
            position=index,
            start_seconds=cue.start_seconds,
            end_seconds=cue.end_seconds,
            speaker=cue.speaker,
            text=cue.text,
        )
        for index, cue in enumerate(cues, start=1)
    )
    module.touch()
    refresh_search_vector(module)
    return len(cues)


def import_transcript(
    *, module: Module, data: str | bytes, filename: str = "", speaker_labels: bool | None = None
) -> TranscriptReading:
    """Read a transcript file and replace the module's cues; raises TranscriptError."""
    reading = read_transcript(data, filename=filename, speaker_labels=speaker_labels)
    replace_cues(module=module, cues=reading.cues)
    return reading
