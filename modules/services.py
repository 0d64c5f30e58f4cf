"""Workflows that change a module's content."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F

from modules.models import Cue, Module, TranscriptTiming, VideoProcessing
from modules.search import refresh_search_vector
from modules.transcripts import (
    ParsedCue,
    TimestampError,
    TranscriptReading,
    format_timestamp,
    parse_offset,
    parse_timestamp,
    read_transcript,
)
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


# --- correcting a transcript line by line (the transcript editor) --------------------------

SPEAKER_MAX = Cue._meta.get_field("speaker").max_length
# Positions are moved out of the way and back, so the unique (module, position) pair holds
# after every row PostgreSQL updates.
_MOVED_ASIDE = 10**9


def _line(module: Module, position: int) -> Cue:
    # Without the model's ordering (by module), which would join the module table.
    lines = Cue.objects.select_for_update().filter(module=module, position=position)
    cue = lines.order_by().first()
    if cue is None:
        raise ModuleError(f"Line {position} does not exist any more; reload the page.")
    return cue


def _checked_speaker(position: int | None, speaker: str) -> str:
    speaker = " ".join(speaker.split())
    if len(speaker) > SPEAKER_MAX:
        where = f"Line {position}, speaker" if position is not None else "New speaker name"
        raise ModuleError(f"{where}: at most {SPEAKER_MAX} characters (this has {len(speaker)}).")
    return speaker


def _renumber_after(module: Module, position: int, *, by: int) -> None:
    """Lines after `position` move `by` places (+1 to make room, -1 to close a gap)."""
    later = Cue.objects.filter(module=module, position__gt=position)
    later.update(position=F("position") + _MOVED_ASIDE)
    Cue.objects.filter(module=module, position__gt=_MOVED_ASIDE).update(
        position=F("position") - _MOVED_ASIDE + by
    )
    # Proposed times are kept by position: after a split or a merge they name other lines.
    TranscriptTiming.objects.filter(module=module).delete()


@transaction.atomic
def edit_cue(*, module: Module, position: int, speaker: str, text: str, time: str) -> Cue:
    """One line's speaker, text and time (m:ss or h:mm:ss as typed; empty for untimed).

    A time left as shown keeps the exact start (the file's fractions of a second); a new
    start keeps the line's length, so a file's own end moves with it.
    """
    cue = _line(module, position)
    text = text.strip()
    if not text:
        raise ModuleError(
            f"Line {position}, text: a line needs words; to remove it, merge it with the next."
        )
    speaker = _checked_speaker(position, speaker)
    start = _typed_start(cue, time)
    if start != cue.start_seconds:
        length = (
            cue.end_seconds - cue.start_seconds
            if cue.end_seconds is not None and cue.start_seconds is not None
            else None
        )
        cue.end_seconds = start + length if start is not None and length is not None else None
        cue.start_seconds = start
    cue.speaker, cue.text = speaker, text
    cue.save(update_fields=["start_seconds", "end_seconds", "speaker", "text"])
    module_changed(module)
    return cue


def _typed_start(cue: Cue, time: str) -> float | None:
    written = time.strip()
    if not written:
        return None
    if written == format_timestamp(cue.start_seconds):
        return cue.start_seconds
    try:
        return float(parse_timestamp(written))
    except TimestampError as error:
        raise ModuleError(f"Line {cue.position}, time: {error}.") from None


@transaction.atomic
def rename_speaker(*, module: Module, speaker: str, new_name: str) -> int:
    """Every line of `speaker` gets `new_name`; the number of lines renamed."""
    new_name = _checked_speaker(None, new_name)
    if not new_name:
        raise ModuleError("New speaker name: write the name the lines should have.")
    lines = Cue.objects.filter(module=module, speaker=speaker)
    if not speaker or not lines.exists():
        raise ModuleError(f'Speaker: no line has the speaker "{speaker}"; reload the page.')
    renamed = lines.update(speaker=new_name)
    module_changed(module)
    return renamed


@transaction.atomic
def shift_times(*, module: Module, offset: str, from_position: int = 1) -> int:
    """Every timed line from `from_position` on moves by `offset` ("-3", "+1:30").

    Refused, changing nothing, when a line would start before 0:00. Returns the lines moved.
    """
    try:
        seconds = parse_offset(offset)
    except TimestampError as error:
        raise ModuleError(f"Shift: {error}.") from None
    if seconds == 0:
        raise ModuleError("Shift: a shift of 0 seconds changes nothing; write -3 or +1:30.")
    lines = Cue.objects.select_for_update().filter(
        module=module, position__gte=from_position, start_seconds__isnull=False
    )
    earliest = lines.order_by("start_seconds", "position").first()
    if earliest is None:
        raise ModuleError(f"Shift: no timed line from line {from_position} on.")
    if earliest.start_seconds + seconds < 0:
        raise ModuleError(
            f"Shift: {offset.strip()} would move line {earliest.position} "
            f"({format_timestamp(earliest.start_seconds)}) before 0:00; lines can move back "
            f"at most {format_timestamp(earliest.start_seconds)}."
        )
    moved = lines.update(
        start_seconds=F("start_seconds") + seconds, end_seconds=F("end_seconds") + seconds
    )
    module_changed(module)
    return moved


@transaction.atomic
def split_cue(*, module: Module, position: int, before: str = "", at: int | None = None) -> Cue:
    """Split a line where its text reads `before` (its first occurrence), or at character `at`.

    The second part is timed in proportion to its share of the text, between the line's
    start and its end (or the next line's start); untimed when the line is. Returns it.
    """
    cue = _line(module, position)
    at = _split_point(cue, before, at)
    first, second = cue.text[:at].rstrip(), cue.text[at:].lstrip()
    if not first or not second:
        raise ModuleError(
            f"Line {position}, split: choose a point inside the text, with words on both sides."
        )
    start = _second_start(module, cue, share=len(first) / (len(first) + len(second)))
    _renumber_after(module, position, by=1)
    part = Cue.objects.create(
        module=module,
        position=position + 1,
        start_seconds=start,
        end_seconds=cue.end_seconds if start is not None else None,
        speaker=cue.speaker,
        text=second,
    )
    cue.text = first
    if cue.end_seconds is not None and start is not None:
        cue.end_seconds = start
    cue.save(update_fields=["text", "end_seconds"])
    module_changed(module)
    return part


def _split_point(cue: Cue, before: str, at: int | None) -> int:
    if at is not None:
        if not 0 < at < len(cue.text):
            raise ModuleError(f"Line {cue.position}, split: place the cursor inside the text.")
        return at
    words = before.strip()
    if not words:
        raise ModuleError(
            f"Line {cue.position}, split: write the words the second part starts with."
        )
    found = cue.text.find(words, 1)
    if found < 0:
        raise ModuleError(
            f'Line {cue.position}, split: "{words}" is not in the line after its start.'
        )
    return found


def _second_start(module: Module, cue: Cue, *, share: float) -> float | None:
    if cue.start_seconds is None:
        return None
    until = cue.end_seconds
    if until is None:
        later = (
            Cue.objects.filter(
                module=module, position__gt=cue.position, start_seconds__gt=cue.start_seconds
            )
            .order_by("position")
            .first()
        )
        until = later.start_seconds if later else None
    if until is None:
        return None
    return round(cue.start_seconds + (until - cue.start_seconds) * share, 3)


@transaction.atomic
def merge_with_next(*, module: Module, position: int) -> Cue:
    """A line and the next become one: its words then the next's, from the first start to
    the last end. Refused for two speakers (rename one first)."""
    cue = _line(module, position)
    following = (
        _line(module, position + 1) if module.cues.filter(position=position + 1).exists() else None
    )
    if following is None:
        raise ModuleError(f"Line {position}, merge: it is the last line; there is no next line.")
    if cue.speaker and following.speaker and cue.speaker != following.speaker:
        raise ModuleError(
            f"Line {position}, merge: {cue.speaker} speaks it and {following.speaker} line "
            f"{position + 1}; change one speaker first."
        )
    cue.speaker = cue.speaker or following.speaker
    cue.text = f"{cue.text} {following.text}"
    if cue.start_seconds is None:
        cue.start_seconds = following.start_seconds
    ends = [end for end in (cue.end_seconds, following.end_seconds) if end is not None]
    cue.end_seconds = max(ends) if ends and cue.start_seconds is not None else None
    if cue.end_seconds is not None and cue.end_seconds < cue.start_seconds:
        cue.end_seconds = None
    following.delete()
    cue.save(update_fields=["speaker", "text", "start_seconds", "end_seconds"])
    _renumber_after(module, position + 1, by=-1)
    module_changed(module)
    return cue
