"""Transcripts: the one place where transcript files become cues and cues become captions.

Three formats are read: WebVTT, SRT and the plain format coaching videos are usually
transcribed in (`modules.transcripts.plain`). No word of the file's text is lost: only
real formatting is removed (`markup`), and what cannot be read as written is repaired and
reported with its line (`timed`), so the admin sees every repair. Only a file with nothing
readable is refused with a `TranscriptError`. Speakers come only from where the file marks
them (`speakers`). Captions are cut to a readable size when written (`captions`).

This package must not import Django models (the models import it).
"""

from __future__ import annotations

from modules.transcripts.captions import cues_to_vtt, format_vtt_timestamp
from modules.transcripts.decoding import decode, encoding_name
from modules.transcripts.model import (
    EMPTY,
    CueLike,
    ParsedCue,
    Repair,
    TranscriptError,
    TranscriptReading,
    numbered,
)
from modules.transcripts.plain import read_plain
from modules.transcripts.text import (
    TimestampError,
    cues_to_text,
    format_timestamp,
    parse_offset,
    parse_timestamp,
)
from modules.transcripts.timed import SRT, WEBVTT, is_index, is_timing, read_timed

PLAIN = "plain text"
NOT_WEBVTT = "not a WebVTT file: its first line must be WEBVTT, and cues need timings"
NOT_SRT = "not an SRT file: it has no cue timing such as 00:00:01,000 --> 00:00:04,000"

__all__ = [
    "CueLike",
    "ParsedCue",
    "Repair",
    "TranscriptError",
    "TranscriptReading",
    "cues_to_text",
    "cues_to_vtt",
    "encoding_name",
    "format_timestamp",
    "parse_offset",
    "parse_timestamp",
    "TimestampError",
    "format_vtt_timestamp",
    "parse_plain",
    "parse_srt",
    "parse_transcript",
    "parse_vtt",
    "read_transcript",
]


PLAIN_SPEAKER_RULE = "labels starting paragraphs and timed lines, the plain format's rule"


def read_transcript(
    data: str | bytes, *, filename: str = "", speaker_labels: bool | None = None
) -> TranscriptReading:
    """Read a transcript in any supported format, detected from its content (or its name).

    speaker_labels: True when every line of an SRT or WebVTT file starts with the speaker's
    name (the admin says so); None to take names only where that is the file's convention.
    """
    text, encoding, repairs = decode(data)
    if not text.strip():
        raise TranscriptError(EMPTY)
    fmt = format_of(text, filename)
    if fmt == PLAIN:
        cues, rule = read_plain(text), PLAIN_SPEAKER_RULE
    else:
        timed = read_timed(text, fmt, labels=speaker_labels)
        cues, rule = timed.cues, timed.speaker_rule
        repairs = repairs + timed.repairs
    if not cues:
        raise _nothing_readable(text, fmt)
    if not any(cue.speaker for cue in cues):
        rule = ""
    return TranscriptReading(cues, fmt, encoding, repairs, rule)


def _nothing_readable(text: str, fmt: str) -> TranscriptError:
    """Why a file gave no cue: no timings at all (so not the format it claims), or no text."""
    lines = [(number, line) for number, line in numbered(text) if line.strip()]
    if fmt != PLAIN and not any(is_timing(line) for _, line in lines):
        if fmt == WEBVTT and not lines[0][1].strip().upper().startswith("WEBVTT"):
            return TranscriptError(NOT_WEBVTT, line=lines[0][0])
        if fmt == SRT:
            return TranscriptError(NOT_SRT, line=lines[0][0])
    return TranscriptError(f"{EMPTY}: it has no spoken text")


def parse_transcript(data: str | bytes, *, filename: str = "") -> list[ParsedCue]:
    """The cues of a transcript (see read_transcript for the repairs made)."""
    return read_transcript(data, filename=filename).cues


def parse_plain(text: str) -> list[ParsedCue]:
    return read_plain(decode(text)[0])


def parse_vtt(text: str, *, speaker_labels: bool | None = None) -> list[ParsedCue]:
    return read_timed(decode(text)[0], WEBVTT, labels=speaker_labels).cues


def parse_srt(text: str, *, speaker_labels: bool | None = None) -> list[ParsedCue]:
    return read_timed(decode(text)[0], SRT, labels=speaker_labels).cues


# Where to look for a timing line that tells a timed file without a header from plain text.
_FIRST_LINES = 20


def format_of(text: str, filename: str) -> str:
    """WebVTT by its header, SRT by its name or its first cue, else plain text; a file of
    cues without either (a WebVTT file without its header) is read as WebVTT."""
    first = [line for _, line in numbered(text) if line.strip()][:_FIRST_LINES]
    name = filename.lower()
    if first[0].strip().upper().startswith("WEBVTT"):
        return WEBVTT
    if name.endswith(".srt") or _starts_like_srt(first):
        return SRT
    if name.endswith(".vtt"):
        return WEBVTT
    if any(is_timing(line) for line in first):
        return SRT if any("," in line for line in first if is_timing(line)) else WEBVTT
    return PLAIN


def _starts_like_srt(first: list[str]) -> bool:
    return len(first) >= 2 and is_index(first[0]) and is_timing(first[1])
