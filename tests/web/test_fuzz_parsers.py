"""Property-based fuzzing of the two parsers that read untrusted files.

- The transcript parser: any bytes give cues or a TranscriptError (with a line number
  inside the text when it names one), never another exception.
- The module-package importer: any bytes as a zip, a real package with bytes flipped or
  cut off, and any module.toml text give the importer's one error, PackageError, and
  nothing is written (no module, no media file).

CI runs a few thousand examples in all; `make fuzz` sets FUZZ_EXAMPLES to run many more.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modules.models import Module
from modules.transcripts import ParsedCue, TranscriptError, parse_transcript
from packages.export import manifest_text
from packages.importer import import_package
from packages.manifest import PackageError, read_manifest

# Examples per test in CI; FUZZ_EXAMPLES (make fuzz) raises them all.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0")) or None


def fuzz(default: int):
    """Hypothesis settings for one fuzz test: `default` examples unless FUZZ_EXAMPLES is set,
    no deadline (the first call may compile regular expressions or warm the database)."""
    return settings(
        max_examples=EXAMPLES or default,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- transcripts ------------------------------------------------------------------------

LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Pieces of the three formats, so that generated text reaches past the first checks.
FRAGMENTS = [
    "WEBVTT",
    "WEBVTT - title",
    "NOTE a note",
    "STYLE",
    "00:00:01.000 --> 00:00:04.000",
    "00:01.000 --> 00:02.500 align:start",
    "00:00:05,000 --> 00:00:03,000",
    "99:99:99.999 --> 00:00:00.000",
    "1",
    "2",
    "0",
    "<v Coach>",
    "</v>",
    "<b>",
    "&amp;",
    "Coach:",
    "Student: ",
    "[00:00]",
    "[06:41]",
    "[01:75]",
    "[1:02:03]",
    "[99:99:99]",
    "(Laughter)",
    "[Indistinguishable]",
    " ",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "-->",
    ":",
    "\ufeff",
    "\u2028",
    "é",
]
transcript_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40
).map("".join)
file_names = st.sampled_from(["", "talk.txt", "talk.vtt", "talk.srt", "TALK.SRT"])


def _line_count(data: bytes | str) -> int:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return len(LINE_BREAK.split(text))


def assert_cues_or_transcript_error(data: bytes | str, filename: str) -> None:
    try:
        cues = parse_transcript(data, filename=filename)
    except TranscriptError as error:
        assert str(error)
        if error.line is not None:
            assert 1 <= error.line <= _line_count(data) + 1, (error.line, error)
        return
    assert cues and all(isinstance(cue, ParsedCue) for cue in cues)
    for cue in cues:
        if cue.start_seconds is not None and cue.end_seconds is not None:
            assert cue.end_seconds >= cue.start_seconds


@fuzz(1000)
@given(data=st.binary(max_size=2000), filename=file_names)
def test_any_bytes_give_cues_or_a_transcript_error(data, filename):
    assert_cues_or_transcript_error(data, filename)


@fuzz(800)
@given(text=transcript_text, filename=file_names)
def test_any_transcript_like_text_gives_cues_or_a_transcript_error(text, filename):
    assert_cues_or_transcript_error(text, filename)
    assert_cues_or_transcript_error(text.encode("utf-8", errors="surrogatepass"), filename)


# --- module packages ---------------------------------------------------------------------

MANIFEST = """format = 1

[module]
slug = "fuzzed"
title = "Fuzzed"
activity_code = "FZ-0001"
objectives = ["Listen first."]
transcript = "transcript.vtt"

[quiz]
pass_mark = 80

[[quiz.questions]]
text = "Who talks first?"
objective = 1

[[quiz.questions.choices]]
text = "The learner."
correct = true
"""
TRANSCRIPT = "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n<v Coach>Welcome.\n"


def _package_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("module.toml", MANIFEST)
        archive.writestr("transcript.vtt", TRANSCRIPT)
    return out.getvalue()


PACKAGE_ZIP = _package_zip()


def _media_files(media_root) -> list[Path]:
    root = Path(media_root)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def assert_refused_and_nothing_written(path: Path, media_root) -> None:
    before = Module.objects.count()
    with pytest.raises(PackageError):
        import_package(path=path)
    assert Module.objects.count() == before
    assert _media_files(media_root) == []


def _import_or_refuse(path: Path, media_root) -> None:
    """A mutated package may still be a valid one; otherwise: PackageError, nothing written."""
    before = Module.objects.count()
    try:
        result = import_package(path=path)
    except PackageError:
        assert Module.objects.count() == before
        assert _media_files(media_root) == []
    else:  # whole: the transcript, the objectives and the quiz all came in
        module = result.module
        assert module.cues.exists()
        assert module.objectives.exists()
        assert module.quiz.questions.exists()


@pytest.mark.django_db
def test_the_unmutated_package_imports(tmp_path):
    (tmp_path / "p.zip").write_bytes(PACKAGE_ZIP)
    assert import_package(path=tmp_path / "p.zip").module.cues.count() == 1


@pytest.mark.django_db
@fuzz(250)
@given(data=st.binary(max_size=3000))
def test_any_bytes_as_a_zip_are_refused_with_a_package_error(data, settings):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "package.zip"
        path.write_bytes(b"PK\x03\x04" + data)
        assert_refused_and_nothing_written(path, settings.MEDIA_ROOT)


@pytest.mark.django_db
@fuzz(300)
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(PACKAGE_ZIP) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=8,
    ),
    cut=st.one_of(st.none(), st.integers(0, len(PACKAGE_ZIP))),
)
def test_a_damaged_package_zip_is_imported_whole_or_refused_with_a_package_error(
    flips, cut, settings
):
    data = bytearray(PACKAGE_ZIP)
    for position, value in flips:
        data[position] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "package.zip"
        path.write_bytes(bytes(data[:cut]))
        _import_or_refuse(path, settings.MEDIA_ROOT)


@fuzz(600)
@given(text=st.text(max_size=500))
def test_any_module_toml_text_is_read_or_refused_with_a_package_error(text):
    try:
        read_manifest(text)
    except PackageError as error:
        assert str(error).startswith("module.toml")


# module.toml documents with the right keys and any kind of value.
KEYS = [
    "format",
    "slug",
    "title",
    "activity_code",
    "position",
    "credit",
    "duration_seconds",
    "published",
    "published_at",
    "objectives",
    "competencies",
    "transcript",
    "transcript_names_speakers",
    "video",
    "poster",
    "pass_mark",
    "max_attempts",
    "shuffle",
    "required_watch_percent",
    "show_missed_objectives",
    "questions",
    "text",
    "kind",
    "objective",
    "review_at",
    "choices",
    "correct",
    "explanation",
    "description",
]
scalars = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["single", "multiple", "6:41", "1:06:41", "0.25", "x", "../etc/passwd"]),
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.lists(st.text(max_size=10), max_size=3),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
        st.lists(st.dictionaries(st.sampled_from(KEYS), inner, max_size=4), min_size=1, max_size=3),
    ),
    max_leaves=20,
)
documents = st.fixed_dictionaries(
    {"format": st.one_of(st.just(1), st.integers(-5, 5))},
    optional={
        "module": st.dictionaries(st.sampled_from(KEYS), values, max_size=10),
        "series": st.dictionaries(st.sampled_from(KEYS), values, max_size=4),
        "quiz": st.dictionaries(st.sampled_from(KEYS), values, max_size=6),
    },
)


@pytest.mark.django_db
@fuzz(200)
@given(document=documents)
def test_any_module_toml_document_is_imported_or_refused_with_nothing_written(document, settings):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "module.toml").write_text(manifest_text(document))
        (Path(folder) / "transcript.vtt").write_text(TRANSCRIPT)
        _import_or_refuse(Path(folder), settings.MEDIA_ROOT)
