"""What independent readers make of the caption corpus: the reference our reader is held to.

The corpus (`<repo>/../shared/corpus/captions`, files written by others) is data only: it is
read from where it lies, never copied into the project. SRT files are read by the `srt`
library, WebVTT files by webvtt-py; both are maintained projects that know nothing of ours.
Only the decoding of bytes and the removal of SRT's formatting tags are done here, because
neither library does them.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import srt
import webvtt

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "captions"
SUFFIXES = (".vtt", ".srt")

# Formatting tags an SRT player hides (SubRip's <i> <b> <u> <s> <font>) and ASS overrides.
_SRT_FORMATTING = re.compile(r"</?(?:i|b|u|s|font)(?:\s[^<>]*)?>|\{\\[^{}]*\}", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


@dataclass(frozen=True)
class ReferenceCue:
    start_ms: int
    end_ms: int
    voice: str  # "" when the cue has no <v> voice
    text: str  # tags removed, entities decoded


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())


def decode(raw: bytes) -> str:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding).removeprefix("\ufeff")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        best = charset_normalizer.from_bytes(raw).best()
        return str(best) if best is not None else raw.decode("cp1252", errors="replace")


def reference_cues(path: Path) -> list[ReferenceCue] | None:
    """The cues the reference library reads, or None when it refuses the file."""
    text = decode(path.read_bytes())
    try:
        if path.suffix.lower() == ".srt":
            return _srt_cues(text)
        return _vtt_cues(text)
    except Exception:  # noqa: BLE001 - any refusal of the reference counts as "refused"
        return None


def _srt_cues(text: str) -> list[ReferenceCue]:
    return [
        ReferenceCue(
            round(item.start.total_seconds() * 1000),
            round(item.end.total_seconds() * 1000),
            "",
            html.unescape(_SRT_FORMATTING.sub("", item.content)),
        )
        for item in srt.parse(text)
    ]


def _vtt_cues(text: str) -> list[ReferenceCue]:
    cues = []
    for caption in webvtt.from_string(text).captions:
        voice, text = html.unescape(caption.voice or ""), html.unescape(caption.text)
        voice, text = teams_metadata(text) or (voice, text)
        start, end = caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()
        cues.append(ReferenceCue(start, end, voice, text))
    return cues


def teams_metadata(text: str) -> tuple[str, str] | None:
    """Microsoft Teams' metadataContent cue: JSON whose spokenText is what was said, and
    speakerName who said it (Microsoft Graph's documentation of callTranscript)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("spokenText"), str):
        return str(data.get("speakerName") or ""), data["spokenText"]
    return None


def words(text: str) -> list[str]:
    """Words as a reader counts them: runs of letters and digits, punctuation aside."""
    return _WORD.findall(text)


def words_lost(reference: list[ReferenceCue], texts: list[str]) -> Counter[str]:
    """Words of the reference's cue text that the given texts do not have."""
    theirs = Counter(word for cue in reference for word in words(cue.text))
    ours = Counter(word for text in texts for word in words(text))
    return theirs - ours
