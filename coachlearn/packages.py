"""Module packages: a whole module moved between installations as a folder or a zip.

A package holds `module.toml` (the module, its series, objectives, competencies, statements
and quiz), `transcript.vtt` and the video (and poster) as they were uploaded. It lives here,
above modules/ and quizzes/, because it touches both.

Import is all or nothing: the package is read and checked completely (TOML, transcript,
media types, limits) before anything is written; the database changes happen in one
transaction and media written during it are removed again if it fails. Zips are untrusted:
entries that would land outside the package, symbolic links, too many or too large files
and suspicious compression ratios are refused before anything is extracted.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import stat
import tempfile
import tomllib
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from coachlearn import toml_writer
from modules.forms import (
    MAX_TRANSCRIPT_BYTES,
    TRANSCRIPT_SUFFIXES,
    transcript_error_message,
    transcript_report,
)
from modules.media_files import (
    MAX_POSTER_BYTES,
    MediaFileError,
    MediaRole,
    check_media,
    served_type,
    store_media,
)
from modules.models import Competency, LearningObjective, Module, Series
from modules.publishing import publish_problems
from modules.services import replace_cues, video_changed
from modules.transcripts import (
    ParsedCue,
    TimestampError,
    TranscriptError,
    cues_to_vtt,
    format_timestamp,
    parse_timestamp,
    read_transcript,
)
from quizzes.models import Choice, Question, Quiz

PACKAGE_FORMAT = 1
MANIFEST = "module.toml"
TRANSCRIPT = "transcript.vtt"
MAX_MANIFEST_BYTES = 10**6
COPY_CHUNK = 1024 * 1024
# What reading a damaged zip raises (bad headers or CRC, cut-off or corrupt deflate data,
# an unknown compression method, a name that is not UTF-8 though flagged so, a NUL in a
# name). Found by tests/test_fuzz_parsers.py. OSError is left out: it is the disk's.
DAMAGED_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError)
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


class PackageError(Exception):
    """The one error of export and import; the message names the file and the place."""


@dataclass(frozen=True)
class ZipLimits:
    max_files: int = 50
    max_file_bytes: int = 500 * 10**6
    max_total_bytes: int = 600 * 10**6
    # Video barely compresses and text about 10:1; far more is a zip bomb's signature.
    max_ratio: int = 100
    ratio_applies_above: int = 10**6

    @classmethod
    def from_settings(cls) -> ZipLimits:
        largest = settings.MAX_VIDEO_UPLOAD_BYTES
        return cls(max_file_bytes=largest, max_total_bytes=largest + 100 * 10**6)


# ============================================================================= export


def export_module(*, module: Module, out: Path) -> Path:
    """Write the module's package to `out`: a folder, or a zip when `out` ends with .zip."""
    files = _package_files(module)
    if out.suffix.lower() == ".zip":
        _write_zip(out, files)
    else:
        _write_folder(out, files)
    return out


@dataclass(frozen=True)
class _OutFile:
    name: str
    data: bytes | None = None  # text made here
    field_file: object = None  # or a stored media file, streamed


def _package_files(module: Module) -> list[_OutFile]:
    document = module_document(module)
    files = [_OutFile(MANIFEST, toml_writer.dumps(document).encode())]
    cues = list(module.cues.order_by("position"))
    if cues:
        vtt = cues_to_vtt(cues, duration=module.duration_seconds, whole_lines=True)
        files.append(_OutFile(TRANSCRIPT, vtt.encode()))
    entry = document["module"]
    for name in ("video", "poster"):
        if name in entry:
            files.append(_OutFile(entry[name], field_file=getattr(module, name)))
    return files


def module_document(module: Module) -> dict:
    """Everything about the module, as written to module.toml (keys in a fixed order)."""
    document: dict = {"format": PACKAGE_FORMAT, "module": _module_table(module)}
    if module.series_id:
        series = module.series
        document["series"] = {
            "slug": series.slug,
            "title": series.title,
            "description": series.description,
        }
    quiz = Quiz.objects.filter(module=module).first()
    if quiz is not None:
        document["quiz"] = _quiz_table(quiz, list(module.objectives.order_by("position", "pk")))
    return document


def _module_table(module: Module) -> dict:
    table: dict = {
        "slug": module.slug,
        "title": module.title,
        "activity_code": module.activity_code,
        "position": module.position,
        "summary": module.summary,
        "description": module.description,
        "credit": str(module.credit),
    }
    if module.duration_seconds is not None:
        table["duration_seconds"] = module.duration_seconds
    table["disclosure_statement"] = module.disclosure_statement
    table["participation_statement"] = module.participation_statement
    table["published"] = module.is_published
    if module.published_at is not None:
        table["published_at"] = module.published_at
    table["competencies"] = sorted(module.competencies.values_list("name", flat=True))
    table["objectives"] = list(
        module.objectives.order_by("position", "pk").values_list("text", flat=True)
    )
    if module.cues.exists():
        table["transcript"] = TRANSCRIPT
    for name in ("video", "poster"):
        field_file = getattr(module, name)
        kind = served_type(field_file) if field_file else None
        if kind is not None:
            table[name] = name + kind.extension
    return table


def _quiz_table(quiz: Quiz, objectives: list[LearningObjective]) -> dict:
    texts = [objective.text for objective in objectives]
    numbers = {objective.pk: number for number, objective in enumerate(objectives, start=1)}
    table: dict = {"pass_mark": quiz.pass_mark}
    if quiz.max_attempts is not None:
        table["max_attempts"] = quiz.max_attempts
    table["shuffle"] = quiz.shuffle
    table["required_watch_percent"] = quiz.required_watch_percent
    table["show_missed_objectives"] = quiz.show_missed_objectives
    questions = quiz.questions.select_related("objective").prefetch_related("choices")
    table["questions"] = [_question_table(q, texts, numbers) for q in questions]
    return table


def _question_table(question: Question, texts: list[str], numbers: dict[int, int]) -> dict:
    text = question.objective.text
    # An objective is named by its text, or by its number when two objectives read the same.
    objective = text if texts.count(text) == 1 else numbers[question.objective_id]
    table: dict = {"text": question.text, "kind": question.kind, "objective": objective}
    if question.review_at_seconds is not None:
        table["review_at"] = format_timestamp(question.review_at_seconds)
    table["choices"] = [
        {"text": choice.text, "correct": choice.is_correct, "explanation": choice.explanation}
        for choice in question.choices.all()
    ]
    return table


def _write_folder(out: Path, files: list[_OutFile]) -> None:
    if out.exists() and not out.is_dir():
        raise PackageError(f"{out}: exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    for item in files:
        with (out / item.name).open("wb") as target:
            _copy_out(item, target)


def _write_zip(out: Path, files: list[_OutFile]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as archive:
        for item in files:
            # Fixed dates and modes: exporting the same module twice gives the same bytes.
            info = zipfile.ZipInfo(item.name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED if item.data else zipfile.ZIP_STORED
            with archive.open(info, "w", force_zip64=True) as target:
                _copy_out(item, target)


def _copy_out(item: _OutFile, target) -> None:
    if item.data is not None:
        target.write(item.data)
        return
    with item.field_file.open("rb") as source:
        shutil.copyfileobj(source, target, COPY_CHUNK)


# ============================================================================= reading


@dataclass
class QuestionSpec:
    text: str
    kind: str
    objective: int  # index into ModuleSpec.objectives
    review_at_seconds: int | None
    choices: list[tuple[str, bool, str]]  # (text, correct, explanation)


@dataclass
class QuizSpec:
    pass_mark: int
    max_attempts: int | None
    shuffle: bool
    required_watch_percent: int
    show_missed_objectives: bool
    questions: list[QuestionSpec]


@dataclass
class ModuleSpec:
    fields: dict  # Module field values
    series: dict | None
    competencies: list[str]
    objectives: list[str]
    quiz: QuizSpec | None
    files: dict[str, str] = field(default_factory=dict)  # "video" → "video.webm", …
    cues: list[ParsedCue] = field(default_factory=list)
    transcript_notes: list[str] = field(default_factory=list)  # what reading it found
    # The transcript's lines start with the speaker's name (SRT/WebVTT; see the admin form).
    transcript_names_speakers: bool = False
    video: Path | None = None
    poster: Path | None = None


class _Table:
    """Typed reads from one TOML table; errors say where: `module.toml: quiz.pass_mark: …`."""

    def __init__(self, data, where: str) -> None:
        if not isinstance(data, dict):
            _fail(where, "expected a table")
        self.data = data
        self.where = where
        self.read: set[str] = set()

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kinds: tuple, expected: str, *, required: bool, default=None):
        self.read.add(key)
        if key not in self.data:
            if required:
                _fail(self.path(key), "missing")
            return default
        value = self.data[key]
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            _fail(self.path(key), f"expected {expected}")
        return value

    def text(self, key: str, *, required: bool = False) -> str:
        return self.get(key, (str,), "text", required=required, default="")

    def integer(self, key: str, *, required: bool = False, default=None):
        value = self.get(key, (int,), "a whole number", required=required, default=default)
        if value is not None and value < 0:
            _fail(self.path(key), "must not be negative")
        return value

    def boolean(self, key: str, *, default: bool = False) -> bool:
        return self.get(key, (bool,), "true or false", required=False, default=default)

    def texts(self, key: str) -> list[str]:
        values = self.get(key, (list,), "a list of texts", required=False, default=[])
        for number, value in enumerate(values, start=1):
            if not isinstance(value, str) or not value.strip():
                _fail(f"{self.path(key)}[{number}]", "expected text")
        return [value.strip() for value in values]

    def tables(self, key: str) -> list[_Table]:
        values = self.get(key, (list,), "a list of tables", required=False, default=[])
        return [_Table(value, f"{self.path(key)}[{n}]") for n, value in enumerate(values, 1)]

    def table(self, key: str) -> _Table | None:
        value = self.get(key, (dict,), "a table", required=False)
        return None if value is None else _Table(value, self.path(key))

    def done(self) -> None:
        for key in sorted(set(self.data) - self.read):
            _fail(self.path(key), "unknown key")


def _fail(where: str, message: str):
    raise PackageError(f"{MANIFEST}: {where}: {message}")


def read_manifest(text: str) -> ModuleSpec:
    """The module described by module.toml's text, checked; raises PackageError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PackageError(f"{MANIFEST}: not valid TOML: {error}") from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively.
        raise PackageError(f"{MANIFEST}: arrays or tables nested too deeply") from None
    root = _Table(data, "")
    version = root.integer("format", required=True)
    if version != PACKAGE_FORMAT:
        _fail("format", f"this installation reads format {PACKAGE_FORMAT}, not {version}")
    module = root.table("module")
    if module is None:
        _fail("module", "missing")
    series = root.table("series")
    quiz = root.table("quiz")
    root.done()
    spec = _module_spec(module)
    spec.series = _series_fields(series) if series else None
    spec.quiz = _quiz_spec(quiz, spec.objectives) if quiz else None
    return spec


def _module_spec(table: _Table) -> ModuleSpec:
    fields = {
        "slug": table.text("slug", required=True),
        "title": table.text("title", required=True),
        "activity_code": table.text("activity_code", required=True),
        "position": table.integer("position", default=1),
        "summary": table.text("summary"),
        "description": table.text("description"),
        "credit": _decimal(table, "credit"),
        "duration_seconds": table.integer("duration_seconds"),
        "disclosure_statement": table.text("disclosure_statement"),
        "participation_statement": table.text("participation_statement"),
        "is_published": table.boolean("published"),
        "published_at": table.get("published_at", (datetime,), "a date and time", required=False),
    }
    if fields["published_at"] is not None and fields["published_at"].tzinfo is None:
        _fail(table.path("published_at"), "give a time zone (e.g. 2025-01-31T09:00:00Z)")
    spec = ModuleSpec(
        fields=fields,
        series=None,
        competencies=table.texts("competencies"),
        objectives=table.texts("objectives"),
        quiz=None,
        files={name: table.text(name) for name in ("transcript", "video", "poster")},
        transcript_names_speakers=table.boolean("transcript_names_speakers"),
    )
    table.done()
    return spec


def _decimal(table: _Table, key: str) -> Decimal:
    value = table.get(key, (str, int, float), 'a number such as "0.25"', required=False)
    if value is None:
        return Decimal("0.25")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        _fail(table.path(key), f"not a number: {value!r}")


def _series_fields(table: _Table) -> dict:
    fields = {
        "slug": table.text("slug", required=True),
        "title": table.text("title", required=True),
        "description": table.text("description"),
    }
    table.done()
    return fields


def _quiz_spec(table: _Table, objectives: list[str]) -> QuizSpec:
    spec = QuizSpec(
        pass_mark=table.integer("pass_mark", default=80),
        max_attempts=table.integer("max_attempts"),
        shuffle=table.boolean("shuffle"),
        required_watch_percent=table.integer("required_watch_percent", default=0),
        show_missed_objectives=table.boolean("show_missed_objectives"),
        questions=[_question_spec(item, objectives) for item in table.tables("questions")],
    )
    table.done()
    return spec


def _question_spec(table: _Table, objectives: list[str]) -> QuestionSpec:
    kind = table.text("kind") or Question.Kind.SINGLE
    if kind not in Question.Kind.values:
        _fail(table.path("kind"), f"{kind!r} is not one of {', '.join(Question.Kind.values)}")
    spec = QuestionSpec(
        text=table.text("text", required=True).strip(),
        kind=kind,
        objective=_objective_index(table, objectives),
        review_at_seconds=_clock(table, "review_at"),
        choices=[_choice(item) for item in table.tables("choices")],
    )
    if not spec.text:
        _fail(table.path("text"), "empty")
    table.done()
    return spec


def _objective_index(table: _Table, objectives: list[str]) -> int:
    value = table.get("objective", (str, int), "an objective's text or number", required=True)
    where = table.path("objective")
    if isinstance(value, int):
        if not 1 <= value <= len(objectives):
            _fail(where, f"no objective {value} (there are {len(objectives)})")
        return value - 1
    matches = [index for index, text in enumerate(objectives) if text == value.strip()]
    if not matches:
        _fail(where, f'no objective "{value}"')
    if len(matches) > 1:
        _fail(where, f'two objectives read "{value}"; give its number instead')
    return matches[0]


def _clock(table: _Table, key: str) -> int | None:
    """Seconds from 401, "6:41" or "1:06:41"."""
    value = table.get(key, (str, int), 'seconds or a time such as "6:41"', required=False)
    if value is None or isinstance(value, int):
        return value
    try:
        return parse_timestamp(value)
    except TimestampError as error:
        _fail(table.path(key), f"not a time: {error}")


def _choice(table: _Table) -> tuple[str, bool, str]:
    choice = (
        table.text("text", required=True).strip(),
        table.boolean("correct"),
        table.text("explanation").strip(),
    )
    table.done()
    return choice


# ============================================================================= the package


_UNSAFE_NAME = re.compile(r"^(/|\\|[A-Za-z]:)|\\")


def _check_name(name: str, where: str) -> list[str]:
    """The parts of a relative path, or PackageError for absolute paths, `..` and the like."""
    parts = name.rstrip("/").split("/")
    if _UNSAFE_NAME.search(name) or any(part in ("", ".", "..") for part in parts):
        raise PackageError(f"{where}: {name}: a path outside the package is not allowed")
    return parts


@contextmanager
def open_package(path: Path, *, limits: ZipLimits | None = None) -> Iterator[Path]:
    """The package as a folder: `path` itself, or a zip checked and unpacked to a temp folder."""
    if path.is_dir():
        yield path
        return
    if not path.is_file():
        raise PackageError(f"{path}: no such file or folder")
    if not zipfile.is_zipfile(path):
        raise PackageError(f"{path.name}: not a folder or a zip file")
    limits = limits or ZipLimits.from_settings()
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        try:
            with zipfile.ZipFile(path) as archive:
                members = _checked_members(archive, path.name, limits)
                for info, parts in members:
                    _extract(archive, info, root.joinpath(*parts), path.name)
        except DAMAGED_ZIP_ERRORS as error:
            # A zip cut short or with damaged bytes fails while it is read, in zipfile or
            # zlib; it is the package's fault, so it is refused like any other bad package.
            raise PackageError(f"{path.name}: a damaged zip file ({error})") from None
        yield root


def _checked_members(archive, zip_name: str, limits: ZipLimits) -> list:
    infos = archive.infolist()
    if len(infos) > limits.max_files:
        raise PackageError(
            f"{zip_name}: {len(infos)} entries; a package may hold {limits.max_files}"
        )
    members, seen, total = [], set(), 0
    for info in infos:
        parts = _check_name(info.filename, zip_name)
        _check_entry(info, zip_name, limits)
        if info.is_dir():
            continue
        if info.filename in seen:
            raise PackageError(f"{zip_name}: {info.filename}: appears twice")
        seen.add(info.filename)
        total += info.file_size
        members.append((info, parts))
    if total > limits.max_total_bytes:
        raise PackageError(
            f"{zip_name}: unpacks to {total} bytes; the limit is {limits.max_total_bytes}"
        )
    return _without_top_folder(members)


def _check_entry(info: zipfile.ZipInfo, zip_name: str, limits: ZipLimits) -> None:
    where = f"{zip_name}: {info.filename}"
    if stat.S_ISLNK(info.external_attr >> 16):
        raise PackageError(f"{where}: symbolic links are not allowed")
    if info.flag_bits & 0x1:
        raise PackageError(f"{where}: encrypted entries are not supported")
    if info.header_offset < 0:  # a damaged directory; seeking there would fail with EINVAL
        raise PackageError(f"{where}: a damaged zip file (the entry lies before its start)")
    if info.compress_type not in ZIP_METHODS:
        # Packages are stored or deflated (as exported and as "compress" tools make them);
        # bzip2, LZMA and the rest fail in their own ways when damaged.
        raise PackageError(
            f"{where}: compression method {info.compress_type} is not supported; "
            "zip the package with the usual (deflate) compression"
        )
    if info.file_size > limits.max_file_bytes:
        raise PackageError(
            f"{where}: {info.file_size} bytes; files up to {limits.max_file_bytes} are allowed"
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_applies_above and ratio > limits.max_ratio:
        raise PackageError(
            f"{where}: compressed {ratio:.0f} times; refused as a possible zip bomb "
            f"(the limit is {limits.max_ratio})"
        )


def _without_top_folder(members: list) -> list:
    """Zips made by "compress this folder" hold everything inside one folder."""
    tops = {parts[0] for _, parts in members}
    if len(tops) == 1 and all(len(parts) > 1 for _, parts in members):
        return [(info, parts[1:]) for info, parts in members]
    return members


def _extract(archive, info: zipfile.ZipInfo, target: Path, zip_name: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with archive.open(info) as source, target.open("wb") as out:
        while chunk := source.read(COPY_CHUNK):
            written += len(chunk)
            if written > info.file_size:  # never trust the header's size alone
                raise PackageError(f"{zip_name}: {info.filename}: larger than it claims")
            out.write(chunk)


def _package_file(folder: Path, name: str, *, max_bytes: int) -> Path:
    """A regular file of the package named in module.toml, checked."""
    _check_name(name, MANIFEST)
    path = folder / name
    if path.is_symlink():
        raise PackageError(f"{name}: symbolic links are not allowed")
    if not path.is_file():
        raise PackageError(f"{MANIFEST}: names {name}, which is not in the package")
    if not path.resolve().is_relative_to(folder.resolve()):
        raise PackageError(f"{name}: a path outside the package is not allowed")
    size = path.stat().st_size
    if size > max_bytes:
        raise PackageError(f"{name}: {size} bytes; files up to {max_bytes} are allowed")
    return path


def read_package(folder: Path) -> ModuleSpec:
    """Read and check everything in the package; nothing is written."""
    manifest = _package_file(folder, MANIFEST, max_bytes=MAX_MANIFEST_BYTES)
    try:
        text = manifest.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PackageError(f"{MANIFEST}: not UTF-8 text") from None
    spec = read_manifest(text)
    files = spec.files
    spec.cues, spec.transcript_notes = _read_transcript(
        folder, files.get("transcript"), names_speakers=spec.transcript_names_speakers
    )
    spec.video = _media(folder, files.get("video"), "video", settings.MAX_VIDEO_UPLOAD_BYTES)
    spec.poster = _media(folder, files.get("poster"), "poster", MAX_POSTER_BYTES)
    return spec


def _read_transcript(
    folder: Path, name: str | None, *, names_speakers: bool = False
) -> tuple[list[ParsedCue], list[str]]:
    """The cues, and the notes for whoever imports: speakers found, encoding, repairs."""
    if not name:
        return [], []
    if not name.lower().endswith(TRANSCRIPT_SUFFIXES):
        _fail("module.transcript", f"{name}: use a .vtt, .srt or .txt file")
    path = _package_file(folder, name, max_bytes=MAX_TRANSCRIPT_BYTES)
    try:
        labels = True if names_speakers else None
        reading = read_transcript(path.read_bytes(), filename=name, speaker_labels=labels)
    except TranscriptError as error:
        raise PackageError(transcript_error_message(name, error)) from None
    summary, warnings = transcript_report(name, reading)
    return reading.cues, [summary, *warnings]


def _media(folder: Path, name: str | None, role: MediaRole, max_bytes: int) -> Path | None:
    if not name:
        return None
    path = _package_file(folder, name, max_bytes=max_bytes)
    with path.open("rb") as handle:
        try:
            check_media(handle, role=role, name=name, size=path.stat().st_size)
        except MediaFileError as error:
            raise PackageError(str(error)) from None
    return path


# ============================================================================= import


@dataclass(frozen=True)
class ImportResult:
    module: Module
    created: bool
    transcript_notes: list[str] = field(default_factory=list)


def import_package(*, path: Path, limits: ZipLimits | None = None) -> ImportResult:
    """Create or update the module described by the package at `path`, all or nothing."""
    with open_package(path, limits=limits) as folder:
        spec = read_package(folder)
        return _apply(spec)


def _apply(spec: ModuleSpec) -> ImportResult:
    written: list[tuple[object, str]] = []  # (storage, name) of media written so far
    try:
        with transaction.atomic():
            result = _save(spec, written)
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
    return result


def _save(spec: ModuleSpec, written: list) -> ImportResult:
    existing = Module.objects.select_for_update().filter(slug=spec.fields["slug"])
    module = existing.order_by("pk").first()  # no default ordering: it joins the series
    created = module is None
    module = module or Module()
    replaced = [f.name for f in (module.video, module.poster) if f] if not created else []
    old_video = module.video.name
    for name, value in spec.fields.items():
        setattr(module, name, value)
    module.series = _series(spec.series)  # _validate's full_clean dates a published module
    _validate(module, "module", exclude=["video", "poster"])
    _attach(module, "video", spec.video, written)
    _attach(module, "poster", spec.poster, written)
    module.save()
    _delete_after_commit(module, replaced)
    module.competencies.set(Competency.objects.get_or_create(name=n)[0] for n in spec.competencies)
    objectives, stale = _sync_objectives(module, spec.objectives)
    _sync_quiz(module, spec.quiz, objectives)
    LearningObjective.objects.filter(pk__in=[o.pk for o in stale]).delete()
    if module.video.name != old_video:
        video_changed(module=module)
    replace_cues(module=module, cues=spec.cues)  # last: it refreshes the search vector too
    _check_publishable(module)
    return ImportResult(module=module, created=created, transcript_notes=spec.transcript_notes)


def _validate(instance, where: str, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        field_name, messages = next(iter(error.message_dict.items()))
        key = {"is_published": "published", "__all__": ""}.get(field_name, field_name)
        _fail(f"{where}.{key}".rstrip("."), " ".join(messages))


def _series(fields: dict | None) -> Series | None:
    if fields is None:
        return None
    series = Series.objects.filter(slug=fields["slug"]).first() or Series()
    for name, value in fields.items():
        setattr(series, name, value)
    _validate(series, "series")
    series.save()
    return series


def _attach(module: Module, name: str, source: Path | None, written: list) -> None:
    field_file = getattr(module, name)
    if source is None:
        setattr(module, name, "")
        return
    if field_file and _same_content(field_file, source):
        return  # unchanged: keep the stored file
    with source.open("rb") as handle:
        store_media(field_file, handle, role=name, name=source.name)
    written.append((field_file.storage, field_file.name))


def _same_content(field_file, source: Path) -> bool:
    storage, name = field_file.storage, field_file.name
    if not storage.exists(name) or storage.size(name) != source.stat().st_size:
        return False
    with field_file.open("rb") as stored, source.open("rb") as new:
        return _digest(stored) == _digest(new)


def _digest(handle) -> str:
    return hashlib.file_digest(handle, "sha256").hexdigest()


def _delete_after_commit(module: Module, old_names: list[str]) -> None:
    current = {module.video.name, module.poster.name}
    storage = module.video.storage
    for name in old_names:
        if name not in current:
            transaction.on_commit(lambda name=name: storage.delete(name))


def _sync_objectives(module: Module, texts: list[str]):
    """Objectives matched by position; those no longer wanted are returned to delete later
    (after the questions that may point at them are replaced)."""
    existing = list(module.objectives.order_by("position", "pk"))
    objectives = []
    for position, text in enumerate(texts, start=1):
        objective = existing[position - 1] if position <= len(existing) else None
        objective = objective or LearningObjective(module=module)
        objective.position, objective.text = position, text
        _validate(objective, f"module.objectives[{position}]", exclude=["module"])
        objective.save()
        objectives.append(objective)
    return objectives, existing[len(texts) :]


def _sync_quiz(module: Module, spec: QuizSpec | None, objectives: list) -> None:
    quiz = Quiz.objects.filter(module=module).first()
    if spec is None:
        if quiz is not None:
            _refuse_if_attempted(quiz, "a package without a quiz can't remove it")
            quiz.delete()
        return
    quiz = quiz or Quiz(module=module)
    quiz.pass_mark, quiz.max_attempts = spec.pass_mark, spec.max_attempts
    quiz.shuffle, quiz.required_watch_percent = spec.shuffle, spec.required_watch_percent
    quiz.show_missed_objectives = spec.show_missed_objectives
    _validate(quiz, "quiz", exclude=["module"])  # Quiz.clean runs once the questions exist
    quiz.save()
    wanted = [_question_row(q, objectives) for q in spec.questions]
    if _question_rows(quiz) == wanted:
        return
    _refuse_if_attempted(quiz, "its questions can't be replaced")
    quiz.questions.all().delete()
    for position, question in enumerate(spec.questions, start=1):
        _create_question(quiz, position, question, objectives[question.objective])


def _refuse_if_attempted(quiz: Quiz, consequence: str) -> None:
    if quiz.attempts.exists():
        _fail("quiz", f"learners have attempted this module's quiz, so {consequence}")


def _question_row(spec: QuestionSpec, objectives: list) -> tuple:
    return (
        spec.text,
        spec.kind,
        objectives[spec.objective].pk,
        spec.review_at_seconds,
        spec.choices,
    )


def _question_rows(quiz: Quiz) -> list[tuple]:
    return [
        (
            question.text,
            question.kind,
            question.objective_id,
            question.review_at_seconds,
            [(c.text, c.is_correct, c.explanation) for c in question.choices.all()],
        )
        for question in quiz.questions.prefetch_related("choices")
    ]


def _create_question(quiz: Quiz, position: int, spec: QuestionSpec, objective) -> None:
    where = f"quiz.questions[{position}]"
    question = Question(
        quiz=quiz,
        position=position,
        text=spec.text,
        kind=spec.kind,
        objective=objective,
        review_at_seconds=spec.review_at_seconds,
    )
    _validate(question, where)
    question.save()
    for number, (text, correct, explanation) in enumerate(spec.choices, start=1):
        choice = Choice(
            question=question,
            position=number,
            text=text,
            is_correct=correct,
            explanation=explanation,
        )
        _validate(choice, f"{where}.choices[{number}]")
        choice.save()


def _check_publishable(module: Module) -> None:
    if not module.is_published:
        return
    problems = publish_problems(module)
    if problems:
        _fail("module.published", "the module can't be published: " + " ".join(problems))
