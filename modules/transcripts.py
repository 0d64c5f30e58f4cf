"""Transcripts: the one place where transcript text becomes cues and cues become WebVTT or text.

Three formats are read: WebVTT, SRT and the plain format coaching videos are usually
transcribed in (see `parse_plain`). The rule everywhere is that no spoken word is lost: input
that cannot be read completely is rejected with a `TranscriptError` naming the line, never
skipped. This module must not import Django models (the models import it).
"""

from __future__ import annotations

import bisect
import functools
import html
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Timestamp

__all__ = [
    "CueLike",
    "ParsedCue",
    "TranscriptError",
    "cues_to_text",
    "cues_to_vtt",
    "format_timestamp",
    "format_vtt_timestamp",
    "parse_plain",
    "parse_srt",
    "parse_transcript",
    "parse_vtt",
]


@dataclass(frozen=True)
class ParsedCue:
    start_seconds: float | None  # None = untimed line
    end_seconds: float | None
    speaker: str  # "" when none
    text: str


class CueLike(Protocol):
    """What the writers need: a ParsedCue or a Cue model instance."""

    @property
    def start_seconds(self) -> float | None: ...
    @property
    def end_seconds(self) -> float | None: ...
    @property
    def speaker(self) -> str: ...
    @property
    def text(self) -> str: ...


class TranscriptError(ValueError):
    """The one error type for bad transcript input."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)

    def __reduce__(self):  # keep `line` when pickled (e.g. by a cache or a task queue)
        return functools.partial(type(self), line=self.line), (self.message,)


EMPTY = "the transcript is empty"
NOT_TEXT = (
    "not text: the file contains NUL bytes (a binary file, or text saved as UTF-16); "
    "upload plain text, WebVTT or SRT saved as UTF-8"
)

# WebVTT's line terminators; str.splitlines() would also break on characters such as U+2028.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

Line = tuple[int, str]  # (1-based line number, text)


# ----------------------------------------------------------------------------- entry point


def parse_transcript(data: str | bytes, *, filename: str = "") -> list[ParsedCue]:
    """Read a transcript in any supported format, detected from its content (or .srt name)."""
    text = _decode(data)
    if not text.strip():
        raise TranscriptError(EMPTY)
    cues = _parser_for(text, filename)(text)
    if not cues:
        raise TranscriptError(f"{EMPTY}: it has no spoken text")
    return cues


def _decode(data: str | bytes) -> str:
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if b"\x00" in raw:
            raise TranscriptError(NOT_TEXT)
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            before = raw[: error.start].decode("utf-8-sig", errors="replace")
            raise TranscriptError(
                "not UTF-8 text; save the file as UTF-8 and upload it again",
                line=len(_LINE_BREAK.split(before)),
            ) from None
    return _clean(data)


def _clean(text: str) -> str:
    if "\x00" in text:
        raise TranscriptError(NOT_TEXT)
    return text.removeprefix("\ufeff")


def _parser_for(text: str, filename: str) -> Callable[[str], list[ParsedCue]]:
    first = [line for line in _LINE_BREAK.split(text) if line.strip()][:2]
    name = filename.lower()
    if first[0].startswith("WEBVTT"):
        return parse_vtt
    if name.endswith(".srt") or _starts_like_srt(first):
        return parse_srt
    if name.endswith(".vtt"):
        return parse_vtt  # its header error is more useful than reading timings as words
    return parse_plain


def _starts_like_srt(first_lines: list[str]) -> bool:
    return (
        len(first_lines) == 2
        and _is_index(first_lines[0])
        and bool(_SRT_TIMING.match(first_lines[1]))
    )


def _numbered(text: str) -> list[Line]:
    return list(enumerate(_LINE_BREAK.split(_clean(text)), start=1))


def _blank_separated(lines: Iterable[Line]) -> Iterator[list[Line]]:
    """Blocks of lines separated by blank (or whitespace-only) lines."""
    block: list[Line] = []
    for item in lines:
        if item[1].strip():
            block.append(item)
        elif block:
            yield block
            block = []
    if block:
        yield block


def _normalize(text: str) -> str:
    """One space between words; every kind of line break or odd space becomes a space."""
    return " ".join(text.split())


# ----------------------------------------------------------------------------- speaker labels

# "Coach:", "Dr. Smith:", "Mary-Jane O'Brien:", "Speaker 2:" at the start of a paragraph or cue:
# up to four words, the first starting with a letter, and the colon followed by a space or the
# end of the line (so "http://" is no label).
_LABEL = re.compile(r"\s*(?P<name>[^\W\d_][\w.'’\-]*(?:[ \t]+[\w.'’\-]+){0,3})[ \t]*:(?=\s|$)")
_LABEL_MAX = 40


def _label_at(text: str, pos: int = 0) -> re.Match[str] | None:
    match = _LABEL.match(text, pos)
    if match is None:
        return None
    name = match["name"]
    # Names start with a letter and are capitalized; this keeps "and then: ..." a sentence.
    if len(name) > _LABEL_MAX or not name[0].isalpha() or name[0].islower():
        return None
    return match


# ----------------------------------------------------------------------------- plain format

# Anything bracketed made of digits, colons and dots; it is then a timestamp or an error.
_BRACKETED_NUMBER = re.compile(r"\[\s*([0-9:.]+)\s*\]")
_M_SS = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_H_MM_SS = re.compile(r"([0-9]{1,2}):([0-9]{2}):([0-9]{2})")


@dataclass(frozen=True)
class _Stamp:
    start: int  # span in the paragraph text
    end: int
    seconds: int
    written: str  # as in the input, for messages
    line: int


@dataclass(frozen=True)
class _Paragraph:
    text: str  # its lines joined with "\n"
    first_line: int
    offsets: tuple[int, ...]  # where each line starts in text

    @classmethod
    def of(cls, lines: list[Line]) -> _Paragraph:
        offsets, position = [], 0
        for _, line in lines:
            offsets.append(position)
            position += len(line) + 1
        return cls("\n".join(line for _, line in lines), lines[0][0], tuple(offsets))

    def line_at(self, position: int) -> int:
        return self.first_line + bisect.bisect_right(self.offsets, position) - 1


def parse_plain(text: str) -> list[ParsedCue]:
    """Read the plain format: paragraphs like "Coach: [06:41] Are you familiar ...?".

    A paragraph may start with a speaker label and a timestamp ([m:ss] or [h:mm:ss], before
    or after the label); without a label it continues the previous speaker, without a
    timestamp it is untimed. A timestamp inside a paragraph splits it into two cues. Other
    bracketed or parenthesized notes are text. A timed cue ends where the next timed one starts.
    """
    reader = _PlainReader()
    for block in _blank_separated(_numbered(text)):
        reader.read(_Paragraph.of(block))
    return _with_end_times(reader.cues)


@dataclass
class _PlainReader:
    cues: list[ParsedCue] = field(default_factory=list)
    speaker: str = ""
    start: int | None = None  # time of the words being collected
    words: list[str] = field(default_factory=list)
    previous: _Stamp | None = None

    def read(self, paragraph: _Paragraph) -> None:
        text = paragraph.text
        stamps = self._stamps(paragraph)
        leading = stamps and not text[: stamps[0].start].strip()
        label = _label_at(text, stamps[0].end if leading else 0)
        cuts: list[tuple[int, int, _Stamp | None]] = [(s.start, s.end, s) for s in stamps]
        if label:
            self.speaker = _normalize(label["name"])
            cuts.append((label.start(), label.end(), None))
        position = 0
        for start, end, stamp in sorted(cuts, key=lambda cut: cut[0]):
            self.words.extend(text[position:start].split())
            if stamp is not None:
                self._mark(stamp.seconds)
            position = end
        self.words.extend(text[position:].split())
        self._flush()  # a paragraph ends a cue; a bare timestamp carries on to the next words

    def _stamps(self, paragraph: _Paragraph) -> list[_Stamp]:
        stamps = []
        for match in _BRACKETED_NUMBER.finditer(paragraph.text):
            content = match[1]
            if ":" not in content or not any(char.isdigit() for char in content):
                continue  # "[1]", "[2.5]": a note, so text
            line = paragraph.line_at(match.start())
            written = f"[{content}]"
            stamp = _Stamp(match.start(), match.end(), _stamp_seconds(written, line), written, line)
            self._check_order(stamp)
            stamps.append(stamp)
        return stamps

    def _check_order(self, stamp: _Stamp) -> None:
        previous = self.previous
        if previous is not None and stamp.seconds < previous.seconds:
            raise TranscriptError(
                f"timestamp {stamp.written} goes backwards "
                f"(the previous one was {previous.written} on line {previous.line})",
                line=stamp.line,
            )
        self.previous = stamp

    def _mark(self, seconds: int) -> None:
        if self.words:
            self._flush()
        self.start = seconds

    def _flush(self) -> None:
        if not self.words:
            return
        start = None if self.start is None else float(self.start)
        self.cues.append(ParsedCue(start, None, self.speaker, " ".join(self.words)))
        self.words = []
        self.start = None


def _stamp_seconds(written: str, line: int) -> int:
    content = written[1:-1]
    if match := _M_SS.fullmatch(content):
        hours, minutes, seconds = 0, int(match[1]), int(match[2])
    elif match := _H_MM_SS.fullmatch(content):
        hours, minutes, seconds = (int(part) for part in match.groups())
    else:
        raise TranscriptError(f"not a timestamp: {written}; write [m:ss] or [h:mm:ss]", line=line)
    if minutes >= 60:
        raise TranscriptError(f"timestamp {written} has {minutes} minutes", line=line)
    if seconds >= 60:
        raise TranscriptError(f"timestamp {written} has {seconds} seconds", line=line)
    return hours * 3600 + minutes * 60 + seconds


def _with_end_times(cues: list[ParsedCue]) -> list[ParsedCue]:
    """A timed cue ends where the next timed cue starts (the last one stays open)."""
    result: list[ParsedCue] = []
    next_start: float | None = None
    for cue in reversed(cues):
        if cue.start_seconds is not None:
            cue = replace(cue, end_seconds=next_start)
            next_start = cue.start_seconds
        result.append(cue)
    return result[::-1]


# ----------------------------------------------------------------------------- WebVTT and SRT in


@dataclass
class _RawCue:
    line: int  # of the timing line
    start_ms: int
    end_ms: int
    lines: list[str]  # cue text with its tags and entities


def parse_vtt(text: str) -> list[ParsedCue]:
    """Read WebVTT; voice tags and leading "Name:" labels become speakers."""
    blocks = _vtt_blocks(_numbered(text))
    header = next(blocks, None)
    if header is None or not header[0][1].startswith("WEBVTT"):
        raise TranscriptError(
            "not a WebVTT file: its first line must be WEBVTT",
            line=header[0][0] if header else 1,
        )
    raw_cues: list[_RawCue] = []
    for block in blocks:
        if "-->" in block[0][1] or (len(block) > 1 and "-->" in block[1][1]):
            raw_cues.append(_vtt_cue(block))
        elif not _is_vtt_metadata(block[0][1]):
            _continue_cue(raw_cues, block, "put it in a cue or start the block with NOTE")
    return _cues_from_raw(raw_cues)


def _vtt_blocks(lines: list[Line]) -> Iterator[list[Line]]:
    """Blocks as webvtt-py sees them: a "-->" line that cannot be a block's timing starts one."""
    in_header = True
    for block in _blank_separated(lines):
        part: list[Line] = []
        for item in block:
            if part and "-->" in item[1] and (in_header or len(part) > 1 or "-->" in part[0][1]):
                yield part
                part, in_header = [], False
            part.append(item)
        yield part
        in_header = False


def _is_vtt_metadata(first_line: str) -> bool:
    word = first_line.split(maxsplit=1)[0]
    return word in {"NOTE", "STYLE", "REGION"}


def _vtt_cue(block: list[Line]) -> _RawCue:
    timing_at = 0 if "-->" in block[0][1] else 1
    number, timing = block[timing_at]
    try:  # webvtt-py reads the cue (identifier, timings, settings); alone so we know its line
        captions = webvtt.from_string("WEBVTT\n\n" + "\n".join(line for _, line in block)).captions
    except (MalformedFileError, MalformedCaptionError, ValueError):
        captions = []
    if len(captions) != 1:
        raise TranscriptError(
            f"not a cue timing: {timing.strip()!r}; write 00:00:01.000 --> 00:00:04.000",
            line=number,
        )
    caption = captions[0]
    return _RawCue(
        number,
        caption.start_time.in_milliseconds(),
        caption.end_time.in_milliseconds(),
        list(caption.lines),
    )


def _continue_cue(raw_cues: list[_RawCue], block: list[Line], hint: str) -> None:
    """Text after a blank line inside a cue still belongs to it: keep every word."""
    if not raw_cues:
        number, line = block[0]
        raise TranscriptError(f"text before the first cue: {line.strip()!r}; {hint}", line=number)
    raw_cues[-1].lines.extend(line for _, line in block)


# "00:00:01,000 --> 00:00:04,000" (optionally followed by SRT position coordinates).
_SRT_TIMING = re.compile(r"\s*([0-9:,.]+)\s*-->\s*([0-9:,.]+)(?=\s|$)")
_INDEX = re.compile(r"\s*[0-9]+\s*")


def _is_index(line: str) -> bool:
    return bool(_INDEX.fullmatch(line))


def parse_srt(text: str) -> list[ParsedCue]:
    """Read SubRip; a leading "Name:" label in a cue becomes its speaker."""
    raw_cues: list[_RawCue] = []
    for part in _srt_parts(_numbered(text)):
        if "-->" in part[0][1] or (len(part) > 1 and "-->" in part[1][1]):
            raw_cues.append(_srt_cue(part))
        else:
            hint = "a cue starts with a number and a line like 00:00:01,000 --> 00:00:04,000"
            _continue_cue(raw_cues, part, hint)
    return _cues_from_raw(raw_cues)


def _srt_parts(lines: list[Line]) -> Iterator[list[Line]]:
    """Cue blocks, also split where a cue starts without a blank line before it.

    A timing line starts a cue unless it follows the block's only line, a cue number; a
    number line right before it goes with it. A lone number block joins the next block
    when that starts with timings. Any other line before a timing is text, never dropped.
    """
    held: list[Line] | None = None  # a lone cue number waiting for its timings
    for block in _blank_separated(lines):
        for part in _split_srt_block(block):
            if held is not None:
                if "-->" in part[0][1]:
                    part = held + part
                else:
                    yield held
                held = None
            if len(part) == 1 and _is_index(part[0][1]):
                held = part
            else:
                yield part
    if held is not None:
        yield held


def _split_srt_block(block: list[Line]) -> Iterator[list[Line]]:
    part: list[Line] = []
    for item in block:
        starts_cue = "-->" in item[1] and not (len(part) == 1 and _is_index(part[0][1]))
        if part and starts_cue:
            carried = [part.pop()] if len(part) > 1 and _is_index(part[-1][1]) else []
            yield part
            part = carried
        part.append(item)
    yield part


def _srt_cue(part: list[Line]) -> _RawCue:
    timing_at = 0 if "-->" in part[0][1] else 1
    number, timing = part[timing_at]
    match = _SRT_TIMING.match(timing)
    try:
        if match is None:
            raise MalformedCaptionError(timing)
        start, end = (Timestamp.from_string(value.replace(",", ".")) for value in match.groups())
    except MalformedCaptionError:
        raise TranscriptError(
            f"not a cue timing: {timing.strip()!r}; write 00:00:01,000 --> 00:00:04,000",
            line=number,
        ) from None
    lines = [line for _, line in part[timing_at + 1 :]]
    return _RawCue(number, start.in_milliseconds(), end.in_milliseconds(), lines)


def _cues_from_raw(raw_cues: Sequence[_RawCue]) -> list[ParsedCue]:
    cues: list[ParsedCue] = []
    speaker = ""
    previous: _RawCue | None = None
    for raw in raw_cues:
        _check_cue_times(raw, previous)
        previous = raw
        start, end = raw.start_ms / 1000, raw.end_ms / 1000
        for voice, body in _voice_pieces(raw.lines):
            speaker, text = _speaker_and_text(voice, body, speaker)
            if text:
                cues.append(ParsedCue(start, end, speaker, text))
    return cues


def _check_cue_times(raw: _RawCue, previous: _RawCue | None) -> None:
    start, end = _vtt_time(raw.start_ms), _vtt_time(raw.end_ms)
    if raw.end_ms < raw.start_ms:
        raise TranscriptError(f"the cue ends before it starts ({start} --> {end})", line=raw.line)
    if previous is not None and raw.start_ms < previous.start_ms:
        raise TranscriptError(
            f"cue time {start} goes backwards "
            f"(the previous one was {_vtt_time(previous.start_ms)} on line {previous.line})",
            line=raw.line,
        )


_TAG = re.compile(r"<([^<>]*)>")
# A voice start tag's content: "v Coach", "v.loud Coach" (classes, whitespace, annotation).
_VOICE = re.compile(r"v(?:\.[^\s.]+)*\s+(\S.*)", re.DOTALL)


def _voice_pieces(lines: Sequence[str]) -> list[tuple[str | None, str]]:
    """Split cue text where a voice starts; other tags are dropped, entities kept for now."""
    pieces: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in lines:
        position = 0
        for tag in _TAG.finditer(line):
            pieces[-1][1].append(line[position : tag.start()])
            if voice := _VOICE.fullmatch(tag[1]):
                pieces.append((_normalize(html.unescape(voice[1])), []))
            position = tag.end()
        pieces[-1][1].extend((line[position:], " "))  # lines join with a space
    return [(voice, "".join(parts)) for voice, parts in pieces]


def _speaker_and_text(voice: str | None, body: str, speaker: str) -> tuple[str, str]:
    """A voice tag, else a leading label (looked for before unescaping), else the same speaker."""
    if voice:
        return voice, _normalize(html.unescape(body))
    if label := _label_at(body):
        speaker, body = _normalize(html.unescape(label["name"])), body[label.end() :]
    return speaker, _normalize(html.unescape(body))


# ----------------------------------------------------------------------------- WebVTT out

_MIN_CUE_MS = 500
_UNTIMED_TAIL_MS = 4000


@dataclass(frozen=True)
class _OutCue:
    start_ms: int | None
    end_ms: int | None
    speaker: str
    text: str


def cues_to_vtt(cues: Iterable[CueLike], *, duration: float | None = None) -> str:
    """Write cues as WebVTT; untimed cues get times between their neighbours."""
    items = _out_cues(cues)
    duration_ms = _milliseconds(duration)
    starts = _fill_starts([item.start_ms for item in items], duration_ms)
    ends = _end_times(items, starts, duration_ms)
    lines = ["WEBVTT", ""]
    for item, start, end in zip(items, starts, ends, strict=True):
        lines += [f"{_vtt_time(start)} --> {_vtt_time(end)}", _vtt_payload(item), ""]
    return "\n".join(lines)


def _out_cues(cues: Iterable[CueLike]) -> list[_OutCue]:
    items = []
    for cue in cues:
        text = _normalize(cue.text or "")
        if not text:
            continue  # no words, and an empty payload would end the cue block
        start = _milliseconds(cue.start_seconds)
        end = _milliseconds(cue.end_seconds) if start is not None else None
        items.append(_OutCue(start, end, _normalize(cue.speaker or ""), text))
    return items


def _milliseconds(seconds: float | None) -> int | None:
    if seconds is None or not math.isfinite(float(seconds)):
        return None
    return max(0, round(float(seconds) * 1000))


def _fill_starts(known: list[int | None], duration_ms: int | None) -> list[int]:
    """Times for untimed runs, and timed ones made non-decreasing (text order is the truth)."""
    latest = 0
    clamped: list[int | None] = []
    for start in known:
        if start is not None:
            latest = max(latest, start)
            clamped.append(latest)
        else:
            clamped.append(None)
    starts: list[int] = []
    index = 0
    while index < len(clamped):
        start = clamped[index]
        if start is not None:
            starts.append(start)
            index += 1
            continue
        run_end = index
        while run_end < len(clamped) and clamped[run_end] is None:
            run_end += 1
        before = starts[-1] if starts else None
        after = clamped[run_end] if run_end < len(clamped) else None
        starts += _spread(before, after, run_end - index, duration_ms)
        index = run_end
    return starts


def _spread(
    before: int | None, after: int | None, count: int, duration_ms: int | None
) -> list[int]:
    """Starts for `count` untimed cues between the timed `before` and `after` (either may be None).

    After a timed cue they share its slot with it (so steps of count + 1); before any timed
    cue they start at 0; after the last one they fill up to the duration, or take 4 s each.
    """
    if before is not None and after is not None:
        return [before + (after - before) * step // (count + 1) for step in range(1, count + 1)]
    if after is not None:
        return [after * step // count for step in range(count)]
    origin = 0 if before is None else before
    if duration_ms is not None and duration_ms > origin:
        if before is None:
            return [duration_ms * step // count for step in range(count)]
        span = duration_ms - origin
        return [origin + span * step // (count + 1) for step in range(1, count + 1)]
    first = 0 if before is None else 1
    return [origin + _UNTIMED_TAIL_MS * step for step in range(first, first + count)]


def _end_times(items: list[_OutCue], starts: list[int], duration_ms: int | None) -> list[int]:
    """Each cue ends when the next starts (or at its own earlier end), lasting at least 0.5 s."""
    ends = []
    for index, (item, start) in enumerate(zip(items, starts, strict=True)):
        own = item.end_ms if item.end_ms is not None and item.end_ms > start else None
        if index + 1 < len(starts):
            end = starts[index + 1]
            if own is not None and own < end:
                end = own
        elif own is not None:
            end = own
        elif duration_ms is not None and duration_ms > start:
            end = duration_ms
        else:
            end = start + _UNTIMED_TAIL_MS
        ends.append(max(end, start + _MIN_CUE_MS))
    return ends


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt_payload(item: _OutCue) -> str:
    if item.speaker:
        return f"<v {_vtt_escape(item.speaker)}>{_vtt_escape(item.text)}"
    if label := _label_at(item.text):
        # Without a voice, "Note: ..." would be read back as speaker "Note": hide the colon.
        colon = label.end() - 1
        return f"{_vtt_escape(item.text[:colon])}&#58;{_vtt_escape(item.text[colon + 1 :])}"
    return _vtt_escape(item.text)


def _vtt_time(milliseconds: int) -> str:
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def format_vtt_timestamp(seconds: float) -> str:
    """00:06:41.000"""
    return _vtt_time(max(0, round(float(seconds) * 1000)))


# ----------------------------------------------------------------------------- text out


def format_timestamp(seconds: float | None) -> str:
    """0:05, 6:41, 1:02:03 (whole seconds, rounded down); "" for None."""
    if seconds is None:
        return ""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def cues_to_text(cues: Iterable[CueLike], *, title: str = "") -> str:
    """A readable download: "[6:41] Coach: text" paragraphs, which parse_plain reads back."""
    paragraphs = [_normalize(title)] if _normalize(title) else []
    for cue in cues:
        text = _normalize(cue.text or "")
        if not text:
            continue
        stamp = f"[{format_timestamp(cue.start_seconds)}] " if cue.start_seconds is not None else ""
        speaker = _normalize(cue.speaker or "")
        paragraphs.append(f"{stamp}{speaker}: {text}" if speaker else f"{stamp}{text}")
    return "\n\n".join(paragraphs) + "\n" if paragraphs else ""
