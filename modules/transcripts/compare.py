"""What a corrected transcript would change: lines added, removed and changed, times moved,
speakers renamed; shown to the author before the transcript is replaced."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from modules.transcripts.model import CueLike, normalize

# Starts closer than this are the same time (files round to milliseconds).
SAME_TIME = 0.0005
# Lines of a replaced run this alike are one line corrected; less alike, one removed and one
# added (difflib's ratio: twice the matching characters over both lengths).
SIMILAR = 0.6


@dataclass(frozen=True)
class LineChange:
    """A line of the current transcript (`old`, numbered from 1) and of the file (`new`)."""

    old_line: int | None
    new_line: int | None
    old: CueLike | None
    new: CueLike | None


@dataclass
class Comparison:
    added: list[LineChange] = field(default_factory=list)
    removed: list[LineChange] = field(default_factory=list)
    changed: list[LineChange] = field(default_factory=list)  # words or speaker
    moved: list[LineChange] = field(default_factory=list)  # the same words at another time
    renamed: dict[str, str] = field(default_factory=dict)  # old speaker → new speaker
    unchanged: int = 0

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.moved or self.renamed)


def compare_cues(old: Sequence[CueLike], new: Sequence[CueLike]) -> Comparison:
    """Lines are matched by their words, in order (difflib); in a run of lines replaced by
    others, a line and its counterpart that read alike count as one changed line, the rest
    as added or removed. A speaker
    whose matched lines all carry one other name, a name no longer used, is renamed."""
    old_words = [normalize(cue.text) for cue in old]
    new_words = [normalize(cue.text) for cue in new]
    result = Comparison()
    pairs: list[tuple[int, int]] = []
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += list(zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        matched = _alike_in_order(old_words, new_words, range(i1, i2), range(j1, j2))
        pairs += matched
        paired_old, paired_new = {i for i, _ in matched}, {j for _, j in matched}
        result.removed += [
            LineChange(i + 1, None, old[i], None) for i in range(i1, i2) if i not in paired_old
        ]
        result.added += [
            LineChange(None, j + 1, None, new[j]) for j in range(j1, j2) if j not in paired_new
        ]
    result.removed.sort(key=lambda change: change.old_line)
    result.added.sort(key=lambda change: change.new_line)
    result.renamed = _renamed(old, new, pairs)
    for i, j in pairs:
        before, after = old[i], new[j]
        speaker = result.renamed.get(before.speaker, before.speaker)
        change = LineChange(i + 1, j + 1, before, after)
        if old_words[i] != new_words[j] or speaker != after.speaker:
            result.changed.append(change)
        elif not _same_time(before.start_seconds, after.start_seconds):
            result.moved.append(change)
        else:
            result.unchanged += 1
    return result


def _renamed(
    old: Sequence[CueLike], new: Sequence[CueLike], pairs: list[tuple[int, int]]
) -> dict[str, str]:
    names_now = defaultdict(set)
    for i, j in pairs:
        names_now[old[i].speaker].add(new[j].speaker)
    still_used = {cue.speaker for cue in new}
    return {
        speaker: next(iter(names))
        for speaker, names in names_now.items()
        if speaker and len(names) == 1 and "" not in names and speaker not in still_used
    }


def _alike_in_order(old_words, new_words, olds: range, news: range) -> list[tuple[int, int]]:
    """In a replaced run, each old line paired with the next new line that reads alike."""
    pairs, start = [], news.start
    for i in olds:
        for j in range(start, news.stop):
            if _similar(old_words[i], new_words[j]):
                pairs.append((i, j))
                start = j + 1
                break
    return pairs


def _similar(old_words: str, new_words: str) -> bool:
    """A corrected line rather than another line: most of its characters are the same."""
    return SequenceMatcher(None, old_words, new_words, autojunk=False).ratio() >= SIMILAR


def _same_time(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < SAME_TIME
