"""Workflows that change a module's content."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from modules.models import Cue, Module, TranscriptTiming, VideoProcessing
from modules.search import refresh_search_vector
from modules.transcripts import ParsedCue, TranscriptReading, read_transcript
from modules.video_pipeline import OUTPUT_ROOT, delete_tree


class ModuleError(Exception):
    """A change to a module that cannot go ahead; the message is for the author."""


def module_changed(module: Module) -> None:
    """What learners see of this module changed: the one call every writer makes.

    Its fields, cues, objectives, competencies, series or video. Moves the module's version,
    so every cached page, fragment and caption file of it is built anew, and rewrites its
    search vector from its rows (a competency renamed elsewhere is found under its new name).
    """
    module.touch()
    refresh_search_vector(module)


@transaction.atomic
def replace_cues(*, module: Module, cues: Sequence[ParsedCue]) -> int:
    """Swap a module's whole transcript for new cues, all or nothing."""
    # Times proposed for the old lines would land on other lines of the new transcript.
    TranscriptTiming.objects.filter(module=module).delete()
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
    module_changed(module)
    return len(cues)


def import_transcript(
    *, module: Module, data: str | bytes, filename: str = "", speaker_labels: bool | None = None
) -> TranscriptReading:
    """Read a transcript file and replace the module's cues; raises TranscriptError."""
    reading = read_transcript(data, filename=filename, speaker_labels=speaker_labels)
    replace_cues(module=module, cues=reading.cues)
    return reading


def video_changed(*, module: Module) -> None:
    """The module's video was uploaded or replaced: queue what the server makes of it.

    Called by every writer of `Module.video` (the admin, the package import, the demo
    loader) after saving. Learners keep the uploaded file until processing is done.
    """
    from modules.tasks import process_video

    # Times proposed from the old video's speech do not apply to the new one.
    TranscriptTiming.objects.filter(module=module).delete()
    if not module.video:
        VideoProcessing.objects.filter(module=module).delete()
        storage, root = module.video.storage, f"{OUTPUT_ROOT}/{module.pk}"
        transaction.on_commit(lambda: delete_tree(storage, root))
        return
    VideoProcessing.objects.update_or_create(
        module=module,
        defaults={
            "source": module.video.name,
            "status": VideoProcessing.Status.QUEUED,
            "step": "Waiting for a worker",
            "percent": 0,
            "error": "",
        },
    )
    # One run per module at a time; deferred in the caller's transaction, so a job exists
    # only if the new video was saved.
    process_video.configure(lock=f"video:{module.pk}").defer(
        module_id=module.pk, source=module.video.name
    )


def time_transcript_later(*, module: Module) -> TranscriptTiming:
    """Queue the alignment of the module's transcript to its video's speech."""
    from modules.tasks import align_transcript

    if not module.video:
        raise ModuleError("Upload the video first: the times come from its speech.")
    if not module.cues.exists():
        raise ModuleError("Upload the transcript first: its words are looked for in the video.")
    timing, _ = TranscriptTiming.objects.update_or_create(
        module=module,
        defaults={"status": TranscriptTiming.Status.QUEUED, "error": "", "proposals": []},
    )
    align_transcript.configure(lock=f"timing:{module.pk}").defer(module_id=module.pk)
    return timing


@transaction.atomic
def accept_timing(*, module: Module) -> int:
    """The proposed start of every line becomes its time; the number of lines changed.

    Ends are left to be computed from the next line's start, as for any untimed file.
    """
    timing = TranscriptTiming.objects.select_for_update().filter(module=module).first()
    if timing is None or timing.status != TranscriptTiming.Status.READY:
        raise ModuleError("There are no proposed times to accept yet.")
    starts = timing.proposed_starts()
    changed = []
    for cue in Cue.objects.select_for_update().filter(module=module).order_by("position"):
        start = starts.get(cue.position)
        if start is not None and start != cue.start_seconds:
            cue.start_seconds, cue.end_seconds = start, None
            changed.append(cue)
    Cue.objects.bulk_update(changed, ["start_seconds", "end_seconds"])
    timing.delete()
    module_changed(module)
    return len(changed)
