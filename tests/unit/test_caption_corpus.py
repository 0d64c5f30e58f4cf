"""Conformance: caption files written by others, read as independent readers read them.

Every .vtt and .srt file of `<repo>/../shared/corpus/captions` (web-platform-tests, real
film and Netflix subtitles, broadcast fixtures, Teams and Zoom exports; see its README) is
read by our reader and by a reference: the `srt` library for SRT, webvtt-py for WebVTT
(tests/caption_reference.py), and Chromium's own `<track>` parser for WebVTT too. Per
file: no crash, no word of the reference lost, no speaker that the file does not write in
that cue, the same start and end times, and captions served with the file's own times.
Where we differ on purpose, the file is in an allow-list below with the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import webvtt

from modules.transcripts import ParsedCue, TranscriptError, cues_to_vtt, read_transcript
from tests.caption_reference import (
    CORPUS,
    ReferenceCue,
    corpus_files,
    reference_cues,
    teams_metadata,
    words,
    words_lost,
)

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


def _read(path: Path, speaker_labels: bool | None = None) -> list[ParsedCue] | None:
    try:
        reading = read_transcript(
            path.read_bytes(), filename=path.name, speaker_labels=speaker_labels
        )
        return reading.cues
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


@pytest.mark.parametrize("speaker_labels", [None, True], ids=["names-if-convention", "names-asked"])
def test_no_word_of_the_reference_is_lost(corpus_file, speaker_labels):
    cues, reference = _read(corpus_file, speaker_labels), _reference(corpus_file)
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


# ----------------------------------------------------------------------------- the browser

VTT_FILES = [path for path in FILES if path.suffix == ".vtt"]
# Reads a WebVTT text with a <track> of a <video>, as a page playing it would, and returns
# what the browser's parser made of it: [start ms, end ms, text as shown] per cue.
TRACK_CUES = """async (text) => {
  const video = document.createElement("video");
  const track = document.createElement("track");
  track.src = URL.createObjectURL(new Blob([text], {type: "text/vtt"}));
  video.append(track);
  document.body.append(video);
  track.track.mode = "hidden";
  const state = await new Promise((resolve) => {
    track.addEventListener("load", () => resolve("loaded"));
    track.addEventListener("error", () => resolve("error"));
  });
  const cues = Array.from(track.track.cues || [], (cue) => [
    Math.round(cue.startTime * 1000), Math.round(cue.endTime * 1000),
    cue.getCueAsHTML().textContent,
  ]);
  video.remove();
  return {state, cues};
}"""


@pytest.fixture(scope="module")
def track_page(browser):
    """One page that reads every WebVTT text given to it."""
    page = browser.new_page()
    page.set_content("<!doctype html><title>tracks</title>")
    yield page
    page.close()


@pytest.fixture(scope="module")
def browser_readings(track_page) -> dict[str, list[ReferenceCue]]:
    """What Chromium reads of each WebVTT file of the corpus."""
    readings = {}
    for path in VTT_FILES:
        text = path.read_bytes().decode("utf-8", errors="replace")
        result = track_page.evaluate(TRACK_CUES, text)
        cues = [
            ReferenceCue(start, end, *_voice_and_text(text)) for start, end, text in result["cues"]
        ]
        readings[_name(path)] = [cue for cue in cues if cue.text.strip()]
    return readings


def _voice_and_text(text: str) -> tuple[str, str]:
    return teams_metadata(text) or ("", text)


@pytest.fixture(params=VTT_FILES, ids=_name)
def vtt_file(request) -> Path:
    return request.param


@pytest.mark.browser
def test_a_file_the_browser_plays_is_read(vtt_file, browser_readings):
    name = _name(vtt_file)
    if _read(vtt_file) is None and browser_readings[name]:
        assert name in REFUSED_ALTHOUGH_THE_REFERENCE_READS, f"{name} is refused"


@pytest.mark.browser
def test_no_word_the_browser_shows_is_lost(vtt_file, browser_readings):
    cues, shown = _read(vtt_file), browser_readings[_name(vtt_file)]
    if cues is None or not shown:
        pytest.skip("refused, or the browser shows no text")
    assert words_lost(shown, [f"{cue.speaker} {cue.text}" for cue in cues]) == Counter()


@pytest.mark.browser
def test_start_and_end_times_are_the_browser_s(vtt_file, browser_readings):
    name = _name(vtt_file)
    cues, shown = _read(vtt_file), browser_readings[name]
    if cues is None or not shown or name in TIMES_DIFFER:
        pytest.skip(TIMES_DIFFER.get(name, "refused, or the browser shows no text"))
    ours = {(_ms(c.start_seconds), _ms(c.end_seconds)) for c in cues if c.start_seconds is not None}
    assert {(cue.start_ms, cue.end_ms) for cue in shown} - ours == set()


@pytest.mark.browser
def test_the_browser_reads_our_captions_with_every_word(corpus_file, track_page):
    """Our captions.vtt of each corpus file, played by the browser: every word is shown."""
    cues = _read(corpus_file)
    if not cues:
        pytest.skip("refused")
    result = track_page.evaluate(TRACK_CUES, cues_to_vtt(cues))
    assert result["state"] == "loaded"
    shown = Counter(word for _, _, text in result["cues"] for word in words(text))
    assert Counter(word for cue in cues for word in words(cue.text)) - shown == Counter()
