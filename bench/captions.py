"""Figures of the transcript reader against the caption corpus, and caption lengths served.

    .venv/bin/python bench/captions.py [--corpus PATH]

For every .vtt and .srt file of `../shared/corpus/captions` (files written by others): is it
read or refused, how many cues get a speaker (and how many of those are not written in that
cue), how many words of the reference reading (the `srt` library, webvtt-py) are lost, and
how many cues are served (captions.vtt) with other start or end times than the file gives.
Then a histogram of the captions served for the demo transcripts and one long real file.
No database, no server: a few seconds.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import webvtt  # noqa: E402

from modules import transcripts  # noqa: E402
from modules.transcripts import TranscriptError, cues_to_vtt, parse_transcript  # noqa: E402
from tests.caption_reference import (  # noqa: E402
    CORPUS,
    ReferenceCue,
    corpus_files,
    reference_cues,
    words_lost,
)

DEMO = ROOT / "modules" / "demo"
LONG_REAL = Path("1c7-vtt-test-file") / "1._Contain_Index_Number_like_1_2_3_.vtt"


@dataclass
class Tally:
    read: int = 0
    refused: list[str] = field(default_factory=list)
    refused_but_reference_reads: list[str] = field(default_factory=list)
    cues: int = 0
    with_speaker: int = 0
    speaker_not_in_cue: int = 0
    words_lost: int = 0
    files_losing_words: int = 0
    reference_cues: int = 0
    times_changed: int = 0
    repairs: int = 0
    files_repaired: int = 0
    not_utf8: list[str] = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    corpus = parser.parse_args().corpus
    files = corpus_files() if corpus == CORPUS else sorted(corpus.rglob("*.[vs][tr][tt]"))
    if not files:
        sys.exit(f"no caption corpus at {corpus}")
    tally = Tally()
    for path in files:
        measure(path, corpus, tally)
    report(tally, len(files))
    print()
    print("Captions served (captions.vtt):")
    histogram("demo transcripts", [p.read_bytes() for p in sorted(DEMO.glob("*.txt"))])
    if (corpus / LONG_REAL).exists():
        histogram(str(LONG_REAL), [(corpus / LONG_REAL).read_bytes()])


def measure(path: Path, corpus: Path, tally: Tally) -> None:
    name = str(path.relative_to(corpus))
    reference = [cue for cue in reference_cues(path) or [] if cue.text.strip()] or None
    try:
        cues = parse_transcript(path.read_bytes(), filename=path.name)
    except TranscriptError as error:
        tally.refused.append(f"{name}: {error}")
        if reference:
            tally.refused_but_reference_reads.append(name)
        return
    tally.read += 1
    count_repairs(path, name, tally)
    tally.cues += len(cues)
    tally.with_speaker += sum(1 for cue in cues if cue.speaker)
    tally.speaker_not_in_cue += speakers_not_in_cue(cues, reference or [], path)
    if not reference:
        return
    lost = words_lost(reference, [f"{cue.speaker} {cue.text}" for cue in cues])
    tally.words_lost += sum(lost.values())
    tally.files_losing_words += bool(lost)
    tally.reference_cues += len(reference)
    tally.times_changed += times_changed(reference, cues_to_vtt(cues))


def count_repairs(path: Path, name: str, tally: Tally) -> None:
    """Repairs reported and encodings read (the reader before issue 15 had neither)."""
    if not hasattr(transcripts, "read_transcript"):
        return
    reading = transcripts.read_transcript(path.read_bytes(), filename=path.name)
    tally.repairs += len(reading.repairs)
    tally.files_repaired += bool(reading.repairs)
    if not reading.is_utf8:
        tally.not_utf8.append(f"{name} ({reading.encoding})")


def speakers_not_in_cue(cues, reference: list[ReferenceCue], path: Path) -> int:
    """Cues whose speaker is neither a voice of the file nor a "Name:" written in that cue."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    at_start: dict[int, list[ReferenceCue]] = {}
    for item in reference:
        at_start.setdefault(item.start_ms, []).append(item)
    count = 0
    for cue in cues:
        if not cue.speaker or cue.start_seconds is None:
            continue
        if f"<v {cue.speaker}" in raw:
            continue
        same_time = at_start.get(round(cue.start_seconds * 1000), [])
        label = re.compile(rf"(?m)^\W*{re.escape(cue.speaker)}\s*:")
        if not any(item.voice == cue.speaker or label.search(item.text) for item in same_time):
            count += 1
    return count


def times_changed(reference: list[ReferenceCue], vtt: str) -> int:
    """Reference cues whose end (or start) no served caption has: counted with repeats, so
    two cues ending at 0:05 need two captions ending at 0:05; captions cut in pieces keep
    the first piece's start and the last one's end."""
    served = webvtt.from_string(vtt).captions
    starts = Counter(caption.start_time.in_milliseconds() for caption in served)
    ends = Counter(caption.end_time.in_milliseconds() for caption in served)
    missing_starts = Counter(cue.start_ms for cue in reference) - starts
    missing_ends = Counter(cue.end_ms for cue in reference) - ends
    return max(sum(missing_starts.values()), sum(missing_ends.values()))


def report(tally: Tally, total: int) -> None:
    print(f"Corpus: {total} files (.vtt, .srt)")
    print(f"  read: {tally.read}, refused: {len(tally.refused)}")
    print(f"  refused although the reference reads them: {len(tally.refused_but_reference_reads)}")
    for line in tally.refused:
        print(f"    refused {line}")
    if hasattr(transcripts, "read_transcript"):
        print(f"  repairs reported: {tally.repairs} (in {tally.files_repaired} files)")
        print(f"  read as another encoding than UTF-8: {', '.join(tally.not_utf8) or 'none'}")
    else:
        print("  repairs and encodings: not reported by this reader")
    print(f"  cues read: {tally.cues}")
    print(f"  cues with a speaker: {tally.with_speaker}")
    print(f"  cues with a speaker not written in that cue: {tally.speaker_not_in_cue}")
    print(
        f"  words of the reference lost: {tally.words_lost} (in {tally.files_losing_words} files)"
    )
    print(
        f"  reference cues served with another start or end: {tally.times_changed} "
        f"of {tally.reference_cues}"
    )


BUCKETS = {
    "words per caption": [5, 10, 15, 20, 40, 100],
    "characters per line": [32, 42, 60, 100],
    "seconds per caption": [1, 3, 7, 10, 20],
}


def histogram(title: str, files: Iterable[bytes]) -> None:
    measures: dict[str, list[float]] = {name: [] for name in BUCKETS}
    for data in files:
        for caption in webvtt.from_string(cues_to_vtt(parse_transcript(data))).captions:
            measures["words per caption"].append(len(caption.text.split()))
            measures["characters per line"] += [len(line) for line in caption.text.splitlines()]
            seconds = caption.end_time.in_milliseconds() - caption.start_time.in_milliseconds()
            measures["seconds per caption"].append(seconds / 1000)
    print(f"  {title}: {len(measures['words per caption'])} captions")
    for name, values in measures.items():
        counts = bucket_counts(values, BUCKETS[name])
        summary = f"median {statistics.median(values):g}, max {max(values):g}"
        print(f"    {name:20} {counts}  ({summary})")


def bucket_counts(values: list[float], edges: list[int]) -> str:
    counts: Counter[str] = Counter()
    for value in values:
        label = next((f"≤{edge}" for edge in edges if value <= edge), f">{edges[-1]}")
        counts[label] += 1
    labels = [f"≤{edge}" for edge in edges] + [f">{edges[-1]}"]
    return " ".join(f"{label}:{counts[label]}" for label in labels)


if __name__ == "__main__":
    main()
