"""SRT and WebVTT in: lenient like a browser, honest like a ledger.

Times are kept as the file gives them: overlapping cues, cues with the same start, cues out
of order and zero-length cues stay as they are. What cannot be read as written is repaired
and reported (`Repair`, with its line), never dropped silently:
- a timing without milliseconds (`00:00:13 --> 00:00:16`) is read as .000; a short millisecond
  field (`00:00:02,50`) as that many milliseconds (2.050 s), as the SRT libraries read it;
- a cue that ends before it starts keeps its start, and its end is computed like an untimed
  line's;
- a timing line that cannot be read at all makes its cue's text an untimed line in its
  place (so it is shown next to the cue before it);
- a line with `-->` inside cue text, and text after a blank line inside a cue, stay text;
- SRT text before the first cue is an untimed line; WebVTT text between the header and the
  first cue (old-style metadata such as `Kind: captions`) is not read, and reported.
A file with no cue text at all is refused by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from modules.transcripts.markup import Segment, line_labels, pieces, segments_of, teams_json
from modules.transcripts.model import Line, ParsedCue, Repair, blank_separated, numbered
from modules.transcripts.speakers import LabelConvention

SRT = "SRT"
WEBVTT = "WebVTT"
_METADATA_BLOCKS = {"NOTE", "STYLE", "REGION"}
_STAMP = r"(?:[0-9]+:)?[0-9]{1,2}:[0-9]{1,2}(?:[.,][0-9]+)?"
# After the end time come settings (WebVTT) or coordinates (SRT): anything but more of a time.
_TIMING = re.compile(rf"[^\S\n]*({_STAMP})[^\S\n]*-->[^\S\n]*({_STAMP})(?![0-9A-Za-z.,:]).*")
_STAMP_PARTS = re.compile(r"(?:([0-9]+):)?([0-9]{1,2}):([0-9]{1,2})(?:([.,])([0-9]{1,3}))?")
_INDEX = re.compile(r"\s*[0-9]+\s*")


def is_index(line: str) -> bool:
    return bool(_INDEX.fullmatch(line))


def is_timing(line: str) -> bool:
    return _read_timing(line, WEBVTT) is not None


@dataclass
class _Cue:
    line: int  # of its timing (or of its first text line, when untimed)
    start_ms: int | None
    end_ms: int | None
    lines: list[str] = field(default_factory=list)  # text with its tags and entities


@dataclass
class TimedReading:
    cues: list[ParsedCue]
    repairs: list[Repair]
    speaker_rule: str


def read_timed(text: str, fmt: str, *, labels: bool | None = None) -> TimedReading:
    """Read SRT or WebVTT text. labels: True when every line starts with the speaker's name,
    False for no labels at all, None to follow the file's own convention."""
    repairs: list[Repair] = []
    lines = numbered(text)
    if fmt == WEBVTT:
        lines = _after_header(lines, repairs)
    cues = _cues(lines, fmt, repairs)
    parsed, rule = _parsed(cues, labels)
    return TimedReading(parsed, sorted(repairs, key=_line_of), rule)


def _line_of(repair: Repair) -> int:
    return repair.line or 0


def _after_header(lines: list[Line], repairs: list[Repair]) -> list[Line]:
    """The lines after WebVTT's header block (the header itself is not text)."""
    first = next((item for item in lines if item[1].strip()), None)
    if first is None:
        return lines
    number, line = first
    if not line.startswith("WEBVTT"):
        found = line.strip()[:20]
        if line.strip().upper().startswith("WEBVTT"):
            repairs.append(Repair(number, f"the header is {found!r}, read as WEBVTT"))
        else:
            repairs.append(Repair(number, "no WEBVTT header; read as WebVTT all the same"))
            return lines
    rest = lines[number:]
    for index, (_, text) in enumerate(rest):
        if not text.strip():
            return rest[index:]
        if "-->" in text:  # a cue right under the header, without a blank line
            return rest[index:]
    return []


def _cues(lines: list[Line], fmt: str, repairs: list[Repair]) -> list[_Cue]:
    cues: list[_Cue] = []
    for part in _parts(lines, fmt):
        timing_at = _timing_position(part, fmt)
        if _is_metadata(part, fmt):
            continue
        if timing_at is None:
            _other_block(part, fmt, cues, repairs)
        else:
            cues.append(_cue(part, timing_at, fmt, repairs))
    return cues


def _parts(lines: list[Line], fmt: str) -> Iterator[list[Line]]:
    """Cue blocks, also split where a cue starts without a blank line before it.

    A lone cue number right before a block that starts with a timing goes with it.
    """
    held: list[Line] | None = None
    for block in blank_separated(lines):
        for part in [block] if _is_metadata(block, fmt) else _split_block(block, fmt):
            if held is not None:
                if "-->" in part[0][1]:
                    part = held + part
                else:
                    yield held
                held = None
            if len(part) == 1 and is_index(part[0][1]):
                held = part
            else:
                yield part
    if held is not None:
        yield held


def _is_metadata(block: list[Line], fmt: str) -> bool:
    """A WebVTT NOTE, STYLE or REGION block, whatever it holds (even "-->")."""
    words = block[0][1].split(maxsplit=1)
    return fmt == WEBVTT and bool(words) and words[0] in _METADATA_BLOCKS


def _split_block(block: list[Line], fmt: str) -> Iterator[list[Line]]:
    """A timing line that can be read starts a new cue, even without a blank line; a cue
    number right before it goes with it. A line with "-->" that is no timing stays text."""
    part: list[Line] = []
    for item in block:
        if part and _starts_cue(item[1], part, fmt):
            carried = [part.pop()] if len(part) > 1 and is_index(part[-1][1]) else []
            yield part
            part = carried
        part.append(item)
    yield part


def _starts_cue(line: str, part: list[Line], fmt: str) -> bool:
    if "-->" not in line:
        return False
    if len(part) == 1 and "-->" not in part[0][1] and _is_identifier(part[0][1], fmt):
        return False  # this part's own timing, under its identifier
    has_timing = _timing_position(part, fmt) is not None
    return _read_timing(line, fmt) is not None or not has_timing


def _is_identifier(line: str, fmt: str) -> bool:
    return fmt == WEBVTT or is_index(line)


def _timing_position(part: list[Line], fmt: str) -> int | None:
    if "-->" in part[0][1]:
        return 0
    if len(part) > 1 and "-->" in part[1][1] and _is_identifier(part[0][1], fmt):
        return 1
    return None


def _other_block(part: list[Line], fmt: str, cues: list[_Cue], repairs: list[Repair]) -> None:
    """A block without a timing: WebVTT metadata, text before the first cue, or more text."""
    number, first = part[0]
    quoted = _quote(first)
    if cues:
        cues[-1].lines.extend(line for _, line in part)
        repairs.append(Repair(number, f"text after a blank line ({quoted}) kept with its cue"))
    elif fmt == WEBVTT:
        repairs.append(Repair(number, f"not read: {quoted}, text before the first cue"))
    else:
        cues.append(_Cue(number, None, None, [line for _, line in part]))
        repairs.append(Repair(number, f"text before the first cue ({quoted}) kept, untimed"))


def _cue(part: list[Line], timing_at: int, fmt: str, repairs: list[Repair]) -> _Cue:
    number, timing = part[timing_at]
    text = part[timing_at + 1 :]
    for line_number, line in text:
        if "-->" in line:
            repairs.append(Repair(line_number, f"{_quote(line)} has '-->' but is kept as text"))
    lines = [line for _, line in text]
    read = _read_timing(timing, fmt)
    if read is None:
        what = "its text is kept as an untimed line" if text else "it has no text"
        repairs.append(Repair(number, f"not a cue timing: {_quote(timing)}; {what}"))
        return _Cue(text[0][0] if text else number, None, None, lines)
    start, end, notes = read
    repairs += [Repair(number, note) for note in notes]
    if end < start:
        written = timing.strip()
        repairs.append(
            Repair(number, f"the cue ends before it starts ({written}); its end is computed")
        )
        return _Cue(number, start, None, lines)
    return _Cue(number, start, end, lines)


def _quote(line: str) -> str:
    line = line.strip()
    return repr(line if len(line) <= 60 else line[:57] + "...")


def _read_timing(line: str, fmt: str) -> tuple[int, int, list[str]] | None:
    """(start ms, end ms, notes on what was read leniently), or None."""
    match = _TIMING.fullmatch(line)
    if match is None:
        return None
    notes: list[str] = []
    start, end = _stamp_ms(match[1], fmt, notes), _stamp_ms(match[2], fmt, notes)
    if start is None or end is None:
        return None
    return start, end, notes


def _stamp_ms(written: str, fmt: str, notes: list[str]) -> int | None:
    match = _STAMP_PARTS.fullmatch(written)
    if match is None:
        return None
    hours, minutes, seconds = int(match[1] or 0), int(match[2]), int(match[3])
    separator, fraction = match[4], match[5]
    if minutes >= 60 or seconds >= 60:
        return None
    milliseconds = int(fraction) if fraction else 0
    if fraction is None:
        notes.append(f"{written} has no milliseconds; read as {written}.000")
    elif len(fraction) < 3 and milliseconds:
        notes.append(
            f"{written} has {len(fraction)} millisecond digits; read as "
            f"{milliseconds:03d} ms, as SRT players read it"
        )
    if fmt == WEBVTT and separator == ",":
        notes.append(f"{written} has a comma; read as a WebVTT dot")
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + milliseconds


# ----------------------------------------------------------------------------- text and speakers


def _parsed(cues: list[_Cue], labels: bool | None) -> tuple[list[ParsedCue], str]:
    texts = [_TextOfCue.of(cue) for cue in cues]
    convention = _convention(texts, labels)
    result: list[ParsedCue] = []
    for cue, item in zip(cues, texts, strict=True):
        start = None if cue.start_ms is None else cue.start_ms / 1000
        end = None if cue.end_ms is None else cue.end_ms / 1000
        for speaker, text in item.pieces(convention):
            result.append(ParsedCue(start, end, speaker, text))
    return result, _speaker_rule(texts, convention, result)


@dataclass(frozen=True)
class _TextOfCue:
    segments: list[Segment]
    teams: tuple[str, str] | None  # (speaker, text) of a Teams JSON cue

    @classmethod
    def of(cls, cue: _Cue) -> _TextOfCue:
        teams = teams_json(cue.lines)
        return cls([] if teams else segments_of(cue.lines), teams)

    def pieces(self, convention: LabelConvention) -> list[tuple[str, str]]:
        if self.teams is not None:
            return [self.teams] if self.teams[1] else []
        return pieces(self.segments, convention)

    @property
    def has_voice(self) -> bool:
        return any(segment.voice for segment in self.segments)


def _convention(texts: list[_TextOfCue], labels: bool | None) -> LabelConvention:
    if labels is True:
        return LabelConvention.everything()
    if labels is False:
        return LabelConvention.none()
    names = [name for item in texts for name in line_labels(item.segments)]
    return LabelConvention.of(names, cue_count=len(texts))


_RULES: list[tuple[str, Callable[[list[_TextOfCue], LabelConvention], bool]]] = [
    ("WebVTT voice tags", lambda texts, _: any(t.has_voice for t in texts)),
    ("Microsoft Teams speaker names", lambda texts, _: any(t.teams for t in texts)),
    ("names at line starts, as asked", lambda _, convention: convention.every_label),
    (
        "names at line starts, a convention of this file",
        lambda _, convention: bool(convention.names),
    ),
]


def _speaker_rule(
    texts: list[_TextOfCue], convention: LabelConvention, cues: list[ParsedCue]
) -> str:
    if not any(cue.speaker for cue in cues):
        return ""
    return "; ".join(name for name, applies in _RULES if applies(texts, convention))
