"""What reading a transcript gives: cues, the repairs made on the way, the one error type."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ParsedCue:
    start_seconds: float | None  # None = untimed line
    end_seconds: float | None  # None = computed when captions are written
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


@dataclass(frozen=True)
class Repair:
    """Something of the file that was read differently from how it is written, and why."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


@dataclass(frozen=True)
class TranscriptReading:
    """All that reading a file found: the admin is shown more than the cues."""

    cues: list[ParsedCue]
    format: str  # "plain", "WebVTT" or "SRT"
    encoding: str  # Python's name of the codec used, e.g. "utf-8", "utf-16", "cp1252"
    repairs: list[Repair] = field(default_factory=list)
    speaker_rule: str = ""  # how speakers were found, for the admin; "" when there are none

    @property
    def speakers(self) -> list[str]:
        """Each speaker once, in order of appearance."""
        return list(dict.fromkeys(cue.speaker for cue in self.cues if cue.speaker))

    @property
    def is_utf8(self) -> bool:
        return self.encoding in {"utf-8", "utf-8-sig", "ascii"}


EMPTY = "the transcript is empty"

# WebVTT's line terminators; str.splitlines() would also break on characters such as U+2028.
LINE_BREAK = re.compile(r"\r\n|\r|\n")

Line = tuple[int, str]  # (1-based line number, text)


def numbered(text: str) -> list[Line]:
    return list(enumerate(LINE_BREAK.split(text), start=1))


def blank_separated(lines: Iterable[Line]) -> Iterator[list[Line]]:
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


def normalize(text: str) -> str:
    """One space between words; every kind of line break or odd space becomes a space."""
    return " ".join(text.split())
