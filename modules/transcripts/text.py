"""Cues out as readable text, and timestamps as people write them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from modules.transcripts.model import CueLike, normalize

_CLOCK = re.compile(r"(?:([0-9]{1,2}):)?([0-9]{1,2}):([0-9]{2})")


class TimestampError(ValueError):
    """A time that is not m:ss or h:mm:ss; `problem` says what is wrong with `written`."""

    def __init__(self, written: str, problem: str) -> None:
        self.written, self.problem = written, problem
        super().__init__(f'"{written}" {problem}')


def parse_timestamp(written: str) -> int:
    """Whole seconds of "m:ss" or "h:mm:ss" (6:59, 1:02:03), the way the site writes times.

    The one reader of the times people write: plain transcripts, packages, the demo and the
    admin's time fields. Minutes and seconds stop at 59 (75:00 is refused, not read as
    1:15:00). Raises TimestampError.
    """
    text = written.strip()
    match = _CLOCK.fullmatch(text)
    if match is None:
        raise TimestampError(text, "is not a time; write m:ss or h:mm:ss, such as 6:59")
    hours, minutes, seconds = int(match[1] or 0), int(match[2]), int(match[3])
    if minutes >= 60:
        raise TimestampError(text, f"has {minutes} minutes")
    if seconds >= 60:
        raise TimestampError(text, f"has {seconds} seconds")
    return hours * 3600 + minutes * 60 + seconds


_WHOLE_SECONDS = re.compile(r"[0-9]{1,6}")


def parse_offset(written: str) -> int:
    """Signed whole seconds of a shift of times: "-3", "+90", "+1:30", "-1:02:03".

    Seconds alone, or a time as parse_timestamp reads it, after an optional sign.
    Raises TimestampError.
    """
    text = written.strip()
    sign = -1 if text.startswith("-") else 1
    body = text[1:].strip() if text.startswith(("-", "+")) else text
    if _WHOLE_SECONDS.fullmatch(body):
        return sign * int(body)
    try:
        return sign * parse_timestamp(body)
    except TimestampError:
        raise TimestampError(
            text, "is not a shift; write seconds or m:ss with a sign, such as -3 or +1:30"
        ) from None


def format_timestamp(seconds: float | None) -> str:
    """0:05, 6:41, 1:02:03 (whole seconds, rounded down); "" for None."""
    if seconds is None:
        return ""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def cues_to_text(cues: Iterable[CueLike], *, title: str = "") -> str:
    """A readable download: "[6:41] Coach: text" paragraphs, which parse_plain reads back."""
    paragraphs = [normalize(title)] if normalize(title) else []
    for cue in cues:
        text = normalize(cue.text or "")
        if not text:
            continue
        stamp = f"[{format_timestamp(cue.start_seconds)}] " if cue.start_seconds is not None else ""
        speaker = normalize(cue.speaker or "")
        paragraphs.append(f"{stamp}{speaker}: {text}" if speaker else f"{stamp}{text}")
    return "\n\n".join(paragraphs) + "\n" if paragraphs else ""
