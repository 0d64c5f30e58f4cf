"""The package format: its file names and limits, its one error, and module.toml read into
a checked ModuleSpec (every error names the file and the key: `module.toml: quiz.pass_mark: …`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from modules.transcripts import ParsedCue, TimestampError, parse_timestamp
from quizzes.models import Question

PACKAGE_FORMAT = 1
MANIFEST = "module.toml"
TRANSCRIPT = "transcript.vtt"
MAX_MANIFEST_BYTES = 10**6
COPY_CHUNK = 1024 * 1024  # files are copied in and out in pieces this size


class PackageError(Exception):
    """The one error of export and import; the message names the file and the place."""


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
            fail_at(where, "expected a table")
        self.data = data
        self.where = where
        self.read: set[str] = set()

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kinds: tuple, expected: str, *, required: bool, default=None):
        self.read.add(key)
        if key not in self.data:
            if required:
                fail_at(self.path(key), "missing")
            return default
        value = self.data[key]
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            fail_at(self.path(key), f"expected {expected}")
        return value

    def text(self, key: str, *, required: bool = False) -> str:
        return self.get(key, (str,), "text", required=required, default="")

    def integer(self, key: str, *, required: bool = False, default=None):
        value = self.get(key, (int,), "a whole number", required=required, default=default)
        if value is not None and value < 0:
            fail_at(self.path(key), "must not be negative")
        return value

    def boolean(self, key: str, *, default: bool = False) -> bool:
        return self.get(key, (bool,), "true or false", required=False, default=default)

    def texts(self, key: str) -> list[str]:
        values = self.get(key, (list,), "a list of texts", required=False, default=[])
        for number, value in enumerate(values, start=1):
            if not isinstance(value, str) or not value.strip():
                fail_at(f"{self.path(key)}[{number}]", "expected text")
        return [value.strip() for value in values]

    def tables(self, key: str) -> list[_Table]:
        values = self.get(key, (list,), "a list of tables", required=False, default=[])
        return [_Table(value, f"{self.path(key)}[{n}]") for n, value in enumerate(values, 1)]

    def table(self, key: str) -> _Table | None:
        value = self.get(key, (dict,), "a table", required=False)
        return None if value is None else _Table(value, self.path(key))

    def done(self) -> None:
        for key in sorted(set(self.data) - self.read):
            fail_at(self.path(key), "unknown key")


def fail_at(where: str, message: str):
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
        fail_at("format", f"this installation reads format {PACKAGE_FORMAT}, not {version}")
    module = root.table("module")
    if module is None:
        fail_at("module", "missing")
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
        fail_at(table.path("published_at"), "give a time zone (e.g. 2025-01-31T09:00:00Z)")
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
        fail_at(table.path(key), f"not a number: {value!r}")


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
        fail_at(table.path("kind"), f"{kind!r} is not one of {', '.join(Question.Kind.values)}")
    spec = QuestionSpec(
        text=table.text("text", required=True).strip(),
        kind=kind,
        objective=_objective_index(table, objectives),
        review_at_seconds=_clock(table, "review_at"),
        choices=[_choice(item) for item in table.tables("choices")],
    )
    if not spec.text:
        fail_at(table.path("text"), "empty")
    table.done()
    return spec


def _objective_index(table: _Table, objectives: list[str]) -> int:
    value = table.get("objective", (str, int), "an objective's text or number", required=True)
    where = table.path("objective")
    if isinstance(value, int):
        if not 1 <= value <= len(objectives):
            fail_at(where, f"no objective {value} (there are {len(objectives)})")
        return value - 1
    matches = [index for index, text in enumerate(objectives) if text == value.strip()]
    if not matches:
        fail_at(where, f'no objective "{value}"')
    if len(matches) > 1:
        fail_at(where, f'two objectives read "{value}"; give its number instead')
    return matches[0]


def _clock(table: _Table, key: str) -> int | None:
    """Seconds from 401, "6:41" or "1:06:41"."""
    value = table.get(key, (str, int), 'seconds or a time such as "6:41"', required=False)
    if value is None or isinstance(value, int):
        return value
    try:
        return parse_timestamp(value)
    except TimestampError as error:
        fail_at(table.path(key), f"not a time: {error}")


def _choice(table: _Table) -> tuple[str, bool, str]:
    choice = (
        table.text("text", required=True).strip(),
        table.boolean("correct"),
        table.text("explanation").strip(),
    )
    table.done()
    return choice
