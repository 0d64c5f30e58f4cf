"""Conformance: caption files written by others, read as independent readers read them.

Every .vtt and .srt file of `<repo>/../shared/corpus/captions` (web-platform-tests, real
film and Netflix subtitles, broadcast fixtures, Teams and Zoom exports; see its README) is
read by our reader and by a reference: the `srt` library for SRT and webvtt-py for WebVTT
(tests/caption_reference.py). Per file: no crash, no word of the reference lost, no speaker
that the file does not write in that cue, the same start and end times, and captions served
with the file's own times. Where we differ on purpose, the file is in an allow-list below
with the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import webvtt

from modules.transcripts import ParsedCue, TranscriptError, cues_to_vtt, read_transcript
from tests.caption_reference import CORPUS, ReferenceCue, corpus_files, reference_cues, words_lost

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"no caption corpus at {CORPUS} (CI has shared/ beside the repository)",
)

FILES = corpus_files()

# Files the reference reads and we refuse: none today. An entry needs its reason.
REFUSED_ALTHOUGH_THE_REFERENCE_READS: dict[str, str] = {}

# Files whose times differ from the reference's on purpose.
TIMES_DIFFER = {
    # The browser keeps a cue that ends before it starts (and never shows it); we keep its
    # start and compute its end, and report the repair.
    "wpt/vtt/timings-negative.vtt": "cues ending before they start get a computed end",
}

# Speakers expected where a file has label-shaped text, so that a rule that is too eager
# (or too shy) shows here by name, not only as a count.
SPEAKERS = {
    "webvtt-py/netflix_chicas_del_cable.vtt": [],  # 'Digo: "Le doy un abrazo..."' once
    "pysrt/utf-8.srt": [],  # "Evénement du jour:", "Règle numéro un:" once each
    "pysrt/windows-1252.srt": [],
    "pysrt/capability_tester.srt": [],
    "pycaption/sample_srt.srt": ["MAN", "MAN 2"],  # broadcast captions, names in capitals
    "vendor-docs/zoom_incharge_example.vtt": ["Christina", "Chris"],
    "vendor-docs/teams_graph_example4.vtt": ["MOD Administrator"],
    "vendor-docs/teams_graph_example6_metadata.vtt": ["User Name"],
}


def _name(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def _read(path: Path) -> list[ParsedCue] | None:
    try:
        return read_transcript(path.read_bytes(), filename=path.name).cues
    except TranscriptError:
        return None


def _reference(path: Path) -> list[ReferenceCue]:
    return [cue for cue in reference_cues(path) or [] if cue.text.strip()]


@pytest.fixture(params=FILES, ids=_name)
def corpus_file(request) -> Path:
    return request.param


def test_the_corpus_is_there_and_large():
    assert len(FILES) >= 100, f"only {len(FILES)} files in {CORPUS}"


def test_every_file_is_read_or_refused_with_a_transcript_error(corpus_file):
    try:
        read_transcript(corpus_file.read_bytes(), filename=corpus_file.name)
    except TranscriptError as error:
        assert error.message


def test_a_file_the_reference_reads_is_read(corpus_file):
    name = _name(corpus_file)
    if _read(corpus_file) is None and _reference(corpus_file):
        assert name in REFUSED_ALTHOUGH_THE_REFERENCE_READS, f"{name} is refused"


def test_the_allow_lists_name_files_of_the_corpus():
    names = {_name(path) for path in FILES}
    listed = {*REFUSED_ALTHOUGH_THE_REFERENCE_READS, *TIMES_DIFFER, *SPEAKERS}
    assert listed <= names, listed - names


def test_no_word_of_the_reference_is_lost(corpus_file):
    cues, reference = _read(corpus_file), _reference(corpus_file)
    if cues is None or not reference:
        pytest.skip("refused (see the test above) or the reference reads no text")
    assert words_lost(reference, [f"{cue.speaker} {cue.text}" for cue in cues]) == Counter()


def test_no_speaker_that_the_cue_does_not_write(corpus_file):
    cues = _read(corpus_file) or []
    raw = corpus_file.read_bytes().decode("utf-8", errors="replace")
    by_start: dict[int | None, list[ReferenceCue]] = {}
    for item in _reference(corpus_file):
        by_start.setdefault(item.start_ms, []).append(item)
    invented = [
        cue
        for cue in cues
        if cue.speaker and not _written(cue, raw, by_start.get(_ms(cue.start_seconds), []))
    ]
    assert invented == []


def _written(cue: ParsedCue, raw: str, same_start: list[ReferenceCue]) -> bool:
    """The speaker is a <v> voice of the file, the reference's voice of that cue, or a
    "Name:" at a line start of that cue's text."""
    label = re.compile(rf"(?m)^\W*{re.escape(cue.speaker)}\s*:")
    return f"<v {cue.speaker}" in raw or any(
        item.voice == cue.speaker or label.search(item.text) for item in same_start
    )


def test_speakers_of_files_with_names_in_their_text(corpus_file):
    name = _name(corpus_file)
    if name not in SPEAKERS:
        pytest.skip("no expectation written for this file")
    cues = _read(corpus_file) or []
    assert list(dict.fromkeys(c.speaker for c in cues if c.speaker)) == SPEAKERS[name]


def test_start_and_end_times_are_the_reference_s(corpus_file):
    name = _name(corpus_file)
    cues, reference = _read(corpus_file), _reference(corpus_file)
    if cues is None or not reference or name in TIMES_DIFFER:
        pytest.skip(TIMES_DIFFER.get(name, "refused, or the reference reads no text"))
    theirs = {(cue.start_ms, cue.end_ms) for cue in reference}
    ours = {
        (_ms(cue.start_seconds), _ms(cue.end_seconds))
        for cue in cues
        if cue.start_seconds is not None
    }
    assert theirs - ours == set(), "cues of the reference that we time otherwise"


def test_captions_are_served_with_the_file_s_times(corpus_file):
    name = _name(corpus_file)
    cues, reference = _read(corpus_file), _reference(corpus_file)
    if cues is None or not reference or name in TIMES_DIFFER:
        pytest.skip(TIMES_DIFFER.get(name, "refused, or the reference reads no text"))
    served = webvtt.from_string(cues_to_vtt(cues)).captions
    starts = Counter(caption.start_time.in_milliseconds() for caption in served)
    ends = Counter(caption.end_time.in_milliseconds() for caption in served)
    assert Counter(cue.start_ms for cue in reference) - starts == Counter()
    assert Counter(cue.end_ms for cue in reference) - ends == Counter()


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)
