"""Transcript lines out as WebVTT captions a viewer can read.

The interactive transcript shows whole lines; captions over the picture cannot. Following
the DCMP Captioning Key and the BBC subtitle guidelines, each transcript line becomes
captions of at most two lines of about 42 characters, cut at sentence ends first, then at
clause punctuation, then between words; they share the line's time span in proportion to
their length. A line that already fits one caption (as the cues of uploaded SRT or WebVTT
captions usually do) is one caption with the line's own times.

Who speaks is shown in the caption text itself ("COACH: ...", on the first caption after a
change of speaker, as broadcast captions do), because browsers do not show `<v>` names;
the `<v>` voice is written too, for players and readers that use it.

Times are the lines' own; only lines without them get computed ones: an untimed line takes
a share of the slot between the timed lines around it, and a line without an end ends where
the next later line starts (or at the video's end, or 4 s on).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from modules.transcripts.markup import escape, voice_name_prefix
from modules.transcripts.model import CueLike, normalize
from modules.transcripts.speakers import label_at

LINE_LENGTH = 42
LINES_PER_CAPTION = 2
_UNTIMED_TAIL_MS = 4000
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"”’)\]]))\s+")
# Words a line or a caption should not end with (the BBC's guidelines: keep an article with
# its noun, a preposition with its object, a conjunction with what it joins).
_JOINING_WORDS = frozenset(
    {"a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "by", "for"}
    | {"from", "with", "as", "that", "than", "if", "so", "my", "your", "our", "their", "his"}
    | {"her", "its"}
)
_CLAUSE_END = re.compile(r"(?<=[,;:—–])\s+|\s+(?=[—–]\s)")


@dataclass(frozen=True)
class _Line:
    """A transcript line with its times settled, in milliseconds."""

    start: int
    end: int
    speaker: str
    text: str


@dataclass(frozen=True)
class Caption:
    start: int
    end: int
    speaker: str
    prefix: str  # the speaker's name as shown on the first caption after a change, or ""
    lines: tuple[str, ...]  # as shown, the prefix included


def cues_to_vtt(
    cues: Iterable[CueLike], *, duration: float | None = None, whole_lines: bool = False
) -> str:
    """Write cues as WebVTT captions; untimed cues get times between their neighbours.
    whole_lines: one cue per transcript line, as it is (a module package's transcript, to
    be read back line for line), instead of captions cut to a readable size."""
    out = ["WEBVTT", ""]
    for caption in captions_of(cues, duration=duration, whole_lines=whole_lines):
        out += [f"{_vtt_time(caption.start)} --> {_vtt_time(caption.end)}", _payload(caption), ""]
    return "\n".join(out)


def captions_of(
    cues: Iterable[CueLike], *, duration: float | None = None, whole_lines: bool = False
) -> list[Caption]:
    lines = sorted(_timed_lines(cues, duration), key=lambda line: line.start)
    if whole_lines:
        return [Caption(line.start, line.end, line.speaker, "", (line.text,)) for line in lines]
    captions: list[Caption] = []
    previous_speaker = ""
    for line in lines:
        named = bool(line.speaker) and line.speaker != previous_speaker
        captions += _captions_of_line(line, named)
        previous_speaker = line.speaker
    return sorted(captions, key=lambda caption: caption.start)


# ----------------------------------------------------------------------------- times


@dataclass(frozen=True)
class _Given:
    start: int | None
    end: int | None
    speaker: str
    text: str


def _timed_lines(cues: Iterable[CueLike], duration: float | None) -> list[_Line]:
    given = _given(cues)
    duration_ms = _milliseconds(duration)
    starts = _fill_starts([item.start for item in given], duration_ms)
    ends = _end_times(given, starts, duration_ms)
    return [
        _Line(start, end, item.speaker, item.text)
        for item, start, end in zip(given, starts, ends, strict=True)
    ]


def _given(cues: Iterable[CueLike]) -> list[_Given]:
    items = []
    for cue in cues:
        text = normalize(cue.text or "")
        if not text:
            continue  # no words, and an empty payload would end the cue block
        start = _milliseconds(cue.start_seconds)
        end = _milliseconds(cue.end_seconds) if start is not None else None
        if end is not None and start is not None and end < start:
            end = None  # not a span: computed like a missing end
        items.append(_Given(start, end, normalize(cue.speaker or ""), text))
    return items


def _milliseconds(seconds: float | None) -> int | None:
    if seconds is None or not math.isfinite(float(seconds)):
        return None
    return max(0, round(float(seconds) * 1000))


def _fill_starts(known: list[int | None], duration_ms: int | None) -> list[int]:
    """Starts for the runs of untimed lines; timed lines keep theirs."""
    starts: list[int] = []
    index = 0
    while index < len(known):
        start = known[index]
        if start is not None:
            starts.append(start)
            index += 1
            continue
        run_end = index
        while run_end < len(known) and known[run_end] is None:
            run_end += 1
        before = starts[-1] if starts else None
        after = known[run_end] if run_end < len(known) else None
        if before is not None and after is not None and after < before:
            after = None  # the next timed line goes back in time: no slot to share
        starts += _spread(before, after, run_end - index, duration_ms)
        index = run_end
    return starts


def _spread(
    before: int | None, after: int | None, count: int, duration_ms: int | None
) -> list[int]:
    """Starts for `count` untimed lines between the timed `before` and `after` (either may be
    None). After a timed line they share its slot with it (so steps of count + 1); before any
    timed line they start at 0; after the last one they fill up to the duration, or take 4 s
    each."""
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


def _end_times(given: list[_Given], starts: list[int], duration_ms: int | None) -> list[int]:
    """A line's own end; else the next later start, the duration, or 4 s on."""
    return [
        item.end if item.end is not None else _computed_end(index, starts, duration_ms)
        for index, item in enumerate(given)
    ]


def _computed_end(index: int, starts: list[int], duration_ms: int | None) -> int:
    start = starts[index]
    later = next((other for other in starts[index + 1 :] if other > start), None)
    if later is not None:
        return later
    if duration_ms is not None and duration_ms > start:
        return duration_ms
    return start + _UNTIMED_TAIL_MS


# ----------------------------------------------------------------------------- cutting


def _captions_of_line(line: _Line, named: bool) -> list[Caption]:
    prefix = voice_name_prefix(line.speaker) if named else ""
    if line.end == line.start or _fits(line.text, len(prefix)):
        chunks = [line.text]  # one caption: the line as it came
    else:
        chunks = _chunks(line.text, len(prefix))
    times = _shares(line.start, line.end, [len(chunk) for chunk in chunks])
    captions = []
    for index, (chunk, (start, end)) in enumerate(zip(chunks, times, strict=True)):
        shown = prefix if index == 0 else ""
        text = shown + chunk
        lines = _wrap(text, len(shown)) or _wrap_anyhow(text, len(shown))
        captions.append(Caption(start, end, line.speaker, shown, tuple(lines)))
    return captions


def _chunks(text: str, first_room: int) -> list[str]:
    """Pieces that each fit a caption (the first one after a prefix of first_room chars).
    Whole sentences may share a caption; a sentence cut in pieces starts a new one, so no
    caption ends with the first words of a sentence."""
    chunks: list[str] = []
    current = ""
    for unit, starts_sentence, whole in _units(text, first_room):
        candidate = f"{current} {unit}" if current else unit
        room = first_room if not chunks else 0
        joins = whole or not starts_sentence
        if current and (not joins or not _fits(candidate, room)):
            chunks.append(current)
            current = unit
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def _units(text: str, first_room: int) -> list[tuple[str, bool, bool]]:
    """(piece, whether it starts a sentence, whether it is the whole sentence): sentences;
    a sentence too long for a caption in clauses; a clause too long in runs of words."""
    units = []
    for sentence in _SENTENCE_END.split(text):
        if not sentence:
            continue
        if _fits(sentence, first_room):
            units.append((sentence, True, True))
            continue
        pieces = []
        for clause in _CLAUSE_END.split(sentence):
            pieces += [clause] if _fits(clause, first_room) else _word_runs(clause, first_room)
        units += [(piece, index == 0, False) for index, piece in enumerate(pieces) if piece]
    return units


def _word_runs(text: str, first_room: int) -> list[str]:
    """Words packed into runs of about equal length, each fitting a caption, none ending
    with a joining word when that can be helped."""
    count = math.ceil(len(text) / (LINE_LENGTH * LINES_PER_CAPTION * 0.9))
    target = len(text) / max(count, 1)
    runs: list[list[str]] = [[]]
    for word in text.split():
        candidate = " ".join([*runs[-1], word])
        room = first_room if len(runs) == 1 else 0
        if runs[-1] and (len(candidate) > target * 1.1 or not _fits(candidate, room)):
            carried = [runs[-1].pop()] if _ends_joining(runs[-1]) else []
            runs.append(carried)
        runs[-1].append(word)
    return [" ".join(run) for run in runs if run]


def _ends_joining(words: list[str]) -> bool:
    return len(words) > 1 and words[-1].casefold() in _JOINING_WORDS


def _fits(text: str, room: int) -> bool:
    return _wrap("x" * room + text if room else text) is not None


def _wrap(text: str, keep: int = 0) -> list[str] | None:
    """One line if it fits, else two lines of at most LINE_LENGTH, broken where they are
    most even (a break after punctuation preferred, none in the first `keep` characters,
    the speaker's name); None when two lines are not enough."""
    if len(text) <= LINE_LENGTH:
        return [text]
    fitting = [
        at for at in _spaces(text, keep) if at <= LINE_LENGTH and len(text) - at - 1 <= LINE_LENGTH
    ]
    if not fitting:
        return None
    return _split_at(text, min(fitting, key=lambda at: _break_cost(text, at)))


def _break_cost(text: str, at: int) -> int:
    """Uneven lines cost; a break after punctuation is cheaper, one after a joining word
    dearer."""
    cost = abs(2 * at + 1 - len(text))
    if text[at - 1] in ",.;:!?":
        cost -= 8
    if text[:at].rsplit(" ", 1)[-1].casefold() in _JOINING_WORDS:
        cost += 12
    return cost


def _split_at(text: str, at: int) -> list[str]:
    return [text[:at], text[at + 1 :]]


def _wrap_anyhow(text: str, keep: int = 0) -> list[str]:
    """Two lines as even as can be, for a caption that cannot fit (a very long word)."""
    spaces = _spaces(text, keep)
    if not spaces:
        return [text]
    return _split_at(text, min(spaces, key=lambda at: abs(2 * at + 1 - len(text))))


def _spaces(text: str, keep: int) -> list[int]:
    return [index for index, char in enumerate(text) if char == " " and index >= keep]


def _shares(start: int, end: int, weights: list[int]) -> list[tuple[int, int]]:
    """The span cut in pieces proportional to the weights; the last ends at `end` exactly."""
    total = sum(weights) or 1
    times, done = [], 0
    for weight in weights:
        piece_start = start + (end - start) * done // total
        done += weight
        times.append((piece_start, start + (end - start) * done // total))
    return times


# ----------------------------------------------------------------------------- writing


def _payload(caption: Caption) -> str:
    first, *rest = caption.lines
    name = escape(caption.prefix) if first.startswith(caption.prefix) else ""
    voice = caption.speaker
    lines = [name + _escaped_line(first[len(caption.prefix) if name else 0 :], voice)]
    lines += [_escaped_line(line, voice) for line in rest]
    text = "\n".join(lines)
    return f"<v {escape(voice)}>{text}" if voice else text


def _escaped_line(line: str, voice: str) -> str:
    """Escaped for WebVTT. A colon after a name at the line start is written as &#58; where
    it would be read back as a speaker's name: any name in a caption without a voice
    ("Note: ..."), the voice's own name in one with a voice."""
    label = label_at(line)
    if label is None or voice and label["name"].strip().casefold() != voice.casefold():
        return escape(line)
    colon = label.end() - 1
    return f"{escape(line[:colon])}&#58;{escape(line[colon + 1 :])}"


def _vtt_time(milliseconds: int) -> str:
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def format_vtt_timestamp(seconds: float) -> str:
    """00:06:41.000"""
    return _vtt_time(max(0, round(float(seconds) * 1000)))
