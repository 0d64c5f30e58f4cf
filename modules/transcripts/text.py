"""Cues out as readable text, and timestamps as people write them."""

from __future__ import annotations

from collections.abc import Iterable

from modules.transcripts.model import CueLike, normalize


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
