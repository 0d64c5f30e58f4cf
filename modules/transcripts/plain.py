"""The plain format coaching videos are usually transcribed in (see `parse_plain`).

Its rules are its own and stay strict: a timestamp that cannot be read, or one that goes
backwards, is refused with its line, because the paragraphs have no other times.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace

from modules.transcripts.model import (
    Line,
    ParsedCue,
    TranscriptError,
    blank_separated,
    normalize,
    numbered,
)
from modules.transcripts.speakers import label_at
from modules.transcripts.text import TimestampError, parse_timestamp

# Anything bracketed made of digits, colons and dots; it is then a timestamp or an error.
_BRACKETED_NUMBER = re.compile(r"\[\s*([0-9:.]+)\s*\]")
# A timestamp-shaped bracket at a position (readable or not: reading it says which).
_LEADING_STAMP = re.compile(r"\s*\[\s*[0-9:.]*:[0-9:.]*\s*\]")
_CLOCK_SHAPE = re.compile(r"(?:[0-9]{1,2}:)?[0-9]{1,2}:[0-9]{2}")


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


def read_plain(text: str) -> list[ParsedCue]:
    """Read the plain format: paragraphs like "Coach: [06:41] Are you familiar ...?".

    A paragraph may start with a speaker label and a timestamp ([m:ss] or [h:mm:ss], before
    or after the label); without a label it continues the previous speaker, without a
    timestamp it is untimed. A timestamp inside a paragraph splits it into two cues. Other
    bracketed or parenthesized notes are text. A timed cue ends where the next timed one starts.
    A line that starts like a paragraph, with a label and a timestamp, starts one even without
    a blank line before it (transcripts written one turn a line).
    """
    reader = _PlainReader()
    for block in blank_separated(numbered(text)):
        for turn in _turns(block):
            reader.read(_Paragraph.of(turn))
    return _with_end_times(reader.cues)


def _turns(block: list[Line]) -> list[list[Line]]:
    """The block cut before each later line that starts with a label and a timestamp."""
    turns = [[block[0]]]
    for line in block[1:]:
        if _starts_turn(line[1]):
            turns.append([line])
        else:
            turns[-1].append(line)
    return turns


def _starts_turn(line: str) -> bool:
    label = label_at(line)
    if label is not None:
        return _LEADING_STAMP.match(line, label.end()) is not None
    stamp = _LEADING_STAMP.match(line)
    return stamp is not None and label_at(line, stamp.end()) is not None


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
        label = label_at(text, stamps[0].end if leading else 0)
        cuts: list[tuple[int, int, _Stamp | None]] = [(s.start, s.end, s) for s in stamps]
        if label:
            self.speaker = normalize(label["name"])
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
    try:
        return parse_timestamp(written[1:-1])
    except TimestampError as error:
        if not _CLOCK_SHAPE.fullmatch(written[1:-1].strip()):
            raise TranscriptError(
                f"not a timestamp: {written}; write [m:ss] or [h:mm:ss]", line=line
            ) from None
        raise TranscriptError(f"timestamp {written} {error.problem}", line=line) from None


def _with_end_times(cues: list[ParsedCue]) -> list[ParsedCue]:
    """A timed cue followed by a timed one ends where the next later one starts: paragraphs
    with the same timestamp share the time up to the next. Before an untimed paragraph, and
    at the end, the end stays open: the captions writer computes it with the untimed times."""
    result: list[ParsedCue] = []
    following: ParsedCue | None = None
    for cue in reversed(cues):
        if cue.start_seconds is not None and following and following.start_seconds is not None:
            same = following.start_seconds == cue.start_seconds
            end = following.end_seconds if same else following.start_seconds
            cue = replace(cue, end_seconds=end)
        result.append(cue)
        following = cue
    return result[::-1]
