"""Speaker labels ("Coach:", "MAN 2:", "Dr. Smith:"): what looks like one, and when one counts.

A label looks like a name of up to four words, the first starting with a capital letter,
followed by a colon and a space or the end of the line (so "http://" and "and then:" are no
labels). In the plain format every label counts (it is the format's own convention). In SRT
and WebVTT a label is an ordinary sentence ("Step 1: write down your goal.", "Note: this is
optional.") unless the file writes speakers that way, as Rev, 3Play, Zoom and broadcast
captions do; `LabelConvention.of` decides that from the whole file (see its rule).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from modules.transcripts.model import normalize

# Up to four words, the first starting with a letter, then a colon followed by a space or
# the end of the line.
_LABEL = re.compile(r"\s*(?P<name>[^\W\d_][\w.'’\-]*(?:[ \t]+[\w.'’\-]+){0,3})[ \t]*:(?=\s|$)")
_LABEL_MAX = 40


def label_at(text: str, pos: int = 0) -> re.Match[str] | None:
    """A label-shaped name at `pos`, or None."""
    match = _LABEL.match(text, pos)
    if match is None:
        return None
    name = match["name"]
    # Names start with a letter and are capitalized; this keeps "and then: ..." a sentence.
    if len(name) > _LABEL_MAX or not name[0].isalpha() or name[0].islower():
        return None
    return match


def label_name(match: re.Match[str]) -> str:
    return normalize(match["name"])


# The rule for a file's convention (SRT, WebVTT). Labels are counted at the start of cue
# lines. The file writes speakers as labels when
# - at least MIN_LABELLED lines start with one, and they are at least MIN_SHARE of the cues
#   (captions whose speaker changes every 15 cues count; a film with three "J'ai dit:"
#   among 1,332 cues does not);
# - some names recur (at least twice), at most MAX_NAMES of them (a few people speak), and
#   the names that are speakers make at least SPEAKER_SHARE of the labels (ordinary
#   sentences do not repeat their openings).
# The speakers are the recurring names, and a name seen once when it is written in capitals
# like every recurring one (broadcast captions: "MAN:", "MAN 2:", "NARRATOR:").
MIN_LABELLED = 3
MIN_SHARE = 0.05
SPEAKER_SHARE = 2 / 3
MAX_NAMES = 12


@dataclass(frozen=True)
class LabelConvention:
    names: frozenset[str]  # recurring names that are speakers
    capitals: bool  # one-off names in capitals count too
    every_label: bool = False  # the admin said every line starts with the speaker's name

    @classmethod
    def everything(cls) -> LabelConvention:
        return cls(frozenset(), capitals=False, every_label=True)

    @classmethod
    def none(cls) -> LabelConvention:
        return cls(frozenset(), capitals=False)

    @classmethod
    def of(cls, labels: Iterable[str], cue_count: int) -> LabelConvention:
        """The convention of a file whose cue lines start with these label-shaped names."""
        counts = Counter(labels)
        total = sum(counts.values())
        recurring = frozenset(name for name, count in counts.items() if count >= 2)
        if total < MIN_LABELLED or total < MIN_SHARE * cue_count or not recurring:
            return cls.none()
        if len(recurring) > MAX_NAMES:
            return cls.none()
        convention = cls(recurring, capitals=all(_in_capitals(name) for name in recurring))
        as_speakers = sum(count for name, count in counts.items() if convention.is_speaker(name))
        return convention if as_speakers >= SPEAKER_SHARE * total else cls.none()

    def is_speaker(self, name: str) -> bool:
        return self.every_label or name in self.names or (self.capitals and _in_capitals(name))

    @property
    def found(self) -> bool:
        return self.every_label or bool(self.names)


def _in_capitals(name: str) -> bool:
    return name.upper() == name and any(char.isalpha() for char in name)
