"""A module written out as a package: module.toml, transcript.vtt and the media as uploaded."""

from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from modules.media_files import served_type
from modules.models import LearningObjective, Module
from modules.transcripts import cues_to_vtt, format_timestamp
from packages.manifest import COPY_CHUNK, MANIFEST, PACKAGE_FORMAT, TRANSCRIPT, PackageError
from quizzes.models import Question, Quiz


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
    files = [_OutFile(MANIFEST, manifest_text(document).encode())]
    cues = list(module.cues.order_by("position"))
    if cues:
        vtt = cues_to_vtt(cues, duration=module.duration_seconds, whole_lines=True)
        files.append(_OutFile(TRANSCRIPT, vtt.encode()))
    entry = document["module"]
    for name in ("video", "poster"):
        if name in entry:
            files.append(_OutFile(entry[name], field_file=getattr(module, name)))
    return files


def manifest_text(document: dict) -> str:
    """module.toml's text; text with line breaks stays readable as multi-line strings."""
    return tomli_w.dumps(document, multiline_strings=True)


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
