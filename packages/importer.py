"""Import is all or nothing: the package is read and checked completely (TOML, transcript,
media types, limits) before anything is written; the database changes happen in one
transaction and media written during it are removed again if it fails.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

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
    store_media,
)
from modules.models import Competency, LearningObjective, Module, Series
from modules.publishing import publish_problems
from modules.services import replace_cues, video_changed
from modules.transcripts import ParsedCue, TranscriptError, read_transcript
from packages.manifest import (
    MANIFEST,
    MAX_MANIFEST_BYTES,
    ModuleSpec,
    PackageError,
    QuestionSpec,
    QuizSpec,
    fail_at,
    read_manifest,
)
from packages.zips import ZipLimits, checked_parts, open_package
from quizzes.models import Choice, Question, Quiz


def _package_file(folder: Path, name: str, *, max_bytes: int) -> Path:
    """A regular file of the package named in module.toml, checked."""
    checked_parts(name, MANIFEST)
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
        fail_at("module.transcript", f"{name}: use a .vtt, .srt or .txt file")
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
        if name == "published_at" and value is None:
            continue  # a package without a date keeps the one the module was published at
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
        fail_at(f"{where}.{key}".rstrip("."), " ".join(messages))


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
        fail_at("quiz", f"learners have attempted this module's quiz, so {consequence}")


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
        fail_at("module.published", "the module can't be published: " + " ".join(problems))
