"""Cue text as SRT and WebVTT write it: tags, entities, voices, labels, Teams' JSON cues.

Only real formatting is removed: the tags of WebVTT and SubRip (`<i> <b> <u> <s> <font> <c>
<lang> <ruby> <rt> <br>`, timestamp tags such as `<00:00:01.500>`) and ASS override blocks
(`{\\an8}`). `<v Name>` starts a voice. Anything else in angle brackets is what someone
wrote: `<LAUGHING & WHOOPS!>`, `x < y and y > z`. Entities are decoded last, so `&lt;i&gt;`
stays text and `Note&#58;` is no label.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from modules.transcripts.model import normalize
from modules.transcripts.speakers import LabelConvention, label_at, label_name

_TAG = re.compile(r"<([^<>]*)>")
_FORMATTING = re.compile(
    r"/?(?:i|b|u|s|c|lang|ruby|rt|font|v)(?:[.\s][^<>]*)?|\d+(?::\d+)*(?:\.\d+)?",
    re.IGNORECASE,
)
_LINE_BREAK_TAG = re.compile(r"br\s*/?", re.IGNORECASE)
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")
# A voice start tag's content: "v Coach", "v.loud Coach" (classes, whitespace, annotation).
_VOICE = re.compile(r"v(?:\.[^\s.]+)*\s+(\S.*)", re.DOTALL | re.IGNORECASE)


@dataclass
class Segment:
    """A run of cue text under one voice ("" when none); tags gone, entities still there."""

    voice: str
    lines: list[str] = field(default_factory=lambda: [""])


def segments_of(lines: Sequence[str]) -> list[Segment]:
    segments = [Segment("")]
    for line in lines:
        position = 0
        line = _ASS_OVERRIDE.sub("", line)
        for tag in _TAG.finditer(line):
            segments[-1].lines[-1] += line[position : tag.start()]
            content = tag[1]
            if voice := _VOICE.fullmatch(content):
                segments.append(Segment(normalize(html.unescape(voice[1]))))
            elif _LINE_BREAK_TAG.fullmatch(content):
                segments[-1].lines.append("")
            elif not _FORMATTING.fullmatch(content):
                segments[-1].lines[-1] += tag[0]  # not a tag: text someone wrote
            position = tag.end()
        segments[-1].lines[-1] += line[position:]
        segments[-1].lines.append("")
    return segments


def line_labels(segments: Iterable[Segment]) -> list[str]:
    """Label-shaped names at the starts of lines without a voice."""
    return [
        label_name(match)
        for segment in segments
        if not segment.voice
        for line in segment.lines
        if (match := label_at(line))
    ]


def pieces(segments: Iterable[Segment], convention: LabelConvention) -> list[tuple[str, str]]:
    """(speaker, text) of each part of a cue with words in it. A name with no words after
    it in its cue ("NARRATOR:" alone) names nobody's words here: it stays text."""
    result: list[tuple[str, str, list[str]]] = []  # (speaker, the label as written, text)
    for segment in segments:
        result.append((segment.voice, "", []))
        for line in segment.lines:
            if segment.voice:
                line = without_voice_name(line, segment.voice)
            elif (match := label_at(line)) and convention.is_speaker(label_name(match)):
                result.append((html.unescape(label_name(match)), match[0], []))
                line = line[match.end() :]
            result[-1][2].append(line)
    found = []
    for speaker, label, parts in result:
        text = normalize(html.unescape(" ".join(parts)))
        if label and not text:
            speaker, text = "", normalize(html.unescape(label))
        if text:
            found.append((speaker, text))
    return found


def voice_name_prefix(voice: str) -> str:
    """How captions show who speaks in the text itself: "COACH: " (broadcast style)."""
    return voice.upper() + ": "


def without_voice_name(line: str, voice: str) -> str:
    """A line under a voice without the voice's own name before it ("<v Coach>COACH: Hi"):
    the name is the speaker, not words of the text."""
    prefix = escape(voice_name_prefix(voice).rstrip())  # the line is not unescaped yet
    head = line.lstrip()
    if head[: len(prefix)].casefold() == prefix.casefold():
        return head[len(prefix) :]
    return line


def escape(text: str) -> str:
    """Text as WebVTT cue text: &, < and > as entities, and { too (so that no text is read
    back as an ASS override or a Teams JSON cue)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("{", "&#123;")
    )


def teams_json(lines: Sequence[str]) -> tuple[str, str] | None:
    """(speaker, text) of a Microsoft Teams metadata cue: a JSON object with spokenText."""
    joined = "\n".join(lines).strip()
    if not (joined.startswith("{") and joined.endswith("}")):
        return None
    try:
        data = json.loads(joined)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("spokenText"), str):
        return None
    speaker = data.get("speakerName")
    return normalize(speaker if isinstance(speaker, str) else ""), normalize(data["spokenText"])
