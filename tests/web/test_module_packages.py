"""Module packages: export, import all or nothing, and untrusted zips refused safely."""

import hashlib
import io
import shutil
import stat
import tomllib
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from modules.models import Competency, Module, Series
from modules.services import replace_cues
from modules.transcripts import parse_transcript
from packages.export import manifest_text
from packages.importer import import_package
from packages.zips import ZipLimits
from quizzes.models import Question, Quiz
from tests.factories import DEMO_DIR, attach_demo_video, make_module, make_quiz

pytestmark = pytest.mark.django_db

MEDIA_NAMES = ["video.webm", "poster.png"]


@pytest.fixture
def full_module(db):
    series = Series.objects.create(
        slug="foundations", title="Foundations", description='Two lines,\nsome "quotes" \\ too.'
    )
    module = make_module(
        series=series,
        title="Coaching Basics",
        slug="coaching-basics",
        activity_code="CL-0001",
        objectives=3,
        description="First paragraph.\n\nSecond paragraph.",
        duration_seconds=200,
    )
    module.competencies.set(
        [Competency.objects.create(name=name) for name in ("Listening", "Agreements")]
    )
    attach_demo_video(module)
    module.poster.save("p.png", ContentFile((DEMO_DIR / "coaching-basics.png").read_bytes()))
    demo = (DEMO_DIR / "coaching-basics.txt").read_bytes()
    replace_cues(module=module, cues=parse_transcript(demo, filename="coaching-basics.txt"))
    quiz = make_quiz(module, max_attempts=3, shuffle=True)
    quiz.questions.filter(position=2).update(kind=Question.Kind.MULTIPLE, review_at_seconds=None)
    return module


def export(slug: str, out: Path) -> Path:
    call_command("export_module", slug, str(out), stdout=io.StringIO())
    return out


def import_(path: Path) -> str:
    out = io.StringIO()
    call_command("import_module", str(path), stdout=out)
    return out.getvalue()


def empty_the_database_and_media(settings) -> None:
    Quiz.objects.all().delete()
    Module.objects.all().delete()
    Series.objects.all().delete()
    Competency.objects.all().delete()
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def stored_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_package(folder: Path, manifest: str, **files: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "module.toml").write_text(manifest)
    for name, data in files.items():
        (folder / name.replace("_", ".")).write_bytes(data)
    return folder


def make_zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return path


# --- export and round trip -------------------------------------------------------------


def test_export_writes_every_part_of_the_module(full_module, tmp_path):
    folder = export(full_module.slug, tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["module.toml", "transcript.vtt", *MEDIA_NAMES]
    )
    document = tomllib.loads((folder / "module.toml").read_text())
    entry = document["module"]
    assert entry["activity_code"] == "CL-0001" and entry["credit"] == "0.25"
    assert entry["competencies"] == ["Agreements", "Listening"]
    assert entry["objectives"][0] == "Objective 1 of Coaching Basics"
    assert entry["published"] is True and entry["published_at"] == full_module.published_at
    assert entry["disclosure_statement"] == "Nothing to disclose."
    assert document["series"]["description"] == 'Two lines,\nsome "quotes" \\ too.'
    quiz = document["quiz"]
    assert (quiz["max_attempts"], quiz["shuffle"]) == (3, True)
    assert quiz["questions"][1]["kind"] == "multiple"
    assert quiz["questions"][1]["objective"] == "Objective 2 of Coaching Basics"
    assert quiz["questions"][0]["review_at"] == "1:01"
    assert quiz["questions"][0]["choices"][0] == {
        "text": "Right answer 1",
        "correct": True,
        "explanation": "Why answer 1 is right.",
    }
    assert (folder / "transcript.vtt").read_text().startswith("WEBVTT")
    assert sha256(folder / "video.webm") == sha256(DEMO_DIR / "coaching-basics.webm")


def test_export_import_into_an_empty_database_and_export_again_is_identical(
    full_module, tmp_path, settings
):
    first = export(full_module.slug, tmp_path / "first")
    empty_the_database_and_media(settings)
    assert "Created CL-0001 Coaching Basics (published)." in import_(first)
    second = export("coaching-basics", tmp_path / "second")
    for name in ["module.toml", "transcript.vtt"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    for name in MEDIA_NAMES:
        assert sha256(first / name) == sha256(second / name), name


def test_the_transcript_comes_back_line_for_line(full_module, tmp_path, settings):
    """The package holds the transcript's lines, not captions cut to size."""
    lines = list(full_module.cues.values_list("speaker", "text"))
    timed = list(full_module.cues.exclude(start_seconds=None).values_list("start_seconds", "text"))
    first = export(full_module.slug, tmp_path / "first")
    empty_the_database_and_media(settings)
    import_(first)
    module = Module.objects.get()
    assert list(module.cues.values_list("speaker", "text")) == lines
    assert set(timed) <= set(module.cues.values_list("start_seconds", "text"))


def test_a_zip_export_imports_and_exports_to_the_same_bytes(full_module, tmp_path, settings):
    first = export(full_module.slug, tmp_path / "first.zip")
    empty_the_database_and_media(settings)
    import_(first)
    second = export("coaching-basics", tmp_path / "second.zip")
    assert first.read_bytes() == second.read_bytes()


def test_importing_again_updates_the_module_found_by_slug(full_module, tmp_path):
    folder = export(full_module.slug, tmp_path / "pkg")
    manifest = (folder / "module.toml").read_text()
    (folder / "module.toml").write_text(manifest.replace('"Coaching Basics"', '"Basics, revised"'))
    assert "Updated CL-0001 Basics, revised" in import_(folder)
    module = Module.objects.get()
    assert module.pk == full_module.pk and module.title == "Basics, revised"
    assert module.video.name == full_module.video.name  # the same video is not copied again


@pytest.mark.parametrize(
    "name, fixture", [("talk.srt", "coaching_basics.srt"), ("talk.txt", "coaching_basics.txt")]
)
def test_a_package_transcript_may_be_srt_or_plain_text(full_module, tmp_path, name, fixture):
    folder = export(full_module.slug, tmp_path / "pkg")
    (folder / "transcript.vtt").unlink()
    source = Path(__file__).parents[1] / "fixtures" / "transcripts" / fixture
    shutil.copy(source, folder / name)
    manifest = (folder / "module.toml").read_text()
    (folder / "module.toml").write_text(manifest.replace('"transcript.vtt"', f'"{name}"'))
    import_(folder)
    expected = parse_transcript(source.read_bytes(), filename=name)
    assert Module.objects.get().cues.count() == len(expected)


# --- refusals: nothing is written ------------------------------------------------------


def assert_refused(path: Path, message: str, settings) -> None:
    modules_before, files_before = Module.objects.count(), stored_files(settings)
    with pytest.raises(CommandError) as refused:
        import_(path)
    assert message in str(refused.value)
    assert Module.objects.count() == modules_before
    assert stored_files(settings) == files_before


@pytest.fixture
def package(full_module, tmp_path, settings):
    folder = export(full_module.slug, tmp_path / "pkg")
    empty_the_database_and_media(settings)
    return folder


def edit_manifest(folder: Path, old: str, new: str) -> None:
    manifest = (folder / "module.toml").read_text()
    assert old in manifest
    (folder / "module.toml").write_text(manifest.replace(old, new, 1))


def test_a_question_naming_an_unknown_objective_is_refused_with_its_place(package, settings):
    edit_manifest(
        package,
        'objective = "Objective 3 of Coaching Basics"',
        'objective = "Roles"',
    )
    message = 'module.toml: quiz.questions[3].objective: no objective "Roles"'
    assert_refused(package, message, settings)


def test_malformed_toml_is_refused_with_its_line(package, settings):
    edit_manifest(package, "pass_mark = 80", "pass_mark = = 80")
    assert_refused(package, "module.toml: not valid TOML: Invalid value (at line", settings)


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("pass_mark = 80", 'pass_mark = "high"', "quiz.pass_mark: expected a whole number"),
        ("shuffle = true", "shufle = true", "quiz.shufle: unknown key"),
        ('kind = "multiple"', 'kind = "essay"', "quiz.questions[2].kind: 'essay' is not one of"),
        ('activity_code = "CL-0001"', 'activity_code = "nope"', "module.activity_code: Use"),
        ('credit = "0.25"', 'credit = "0.3"', "module.credit: Credit must be a positive multiple"),
        ('review_at = "1:01"', 'review_at = "1:75"', "quiz.questions[1].review_at: not a time"),
        ("format = 1", "format = 9", "format: this installation reads format 1, not 9"),
    ],
)
def test_wrong_values_in_module_toml_are_refused_with_their_place(
    package, settings, old, new, message
):
    edit_manifest(package, old, new)
    assert_refused(package, f"module.toml: {message}", settings)


def test_a_transcript_with_nothing_readable_in_a_package_is_refused_with_its_line(
    package, settings
):
    (package / "transcript.vtt").write_text("\nHello, no header and no cues.\n")
    assert_refused(package, "transcript.vtt, line 2: not a WebVTT file", settings)


def test_a_package_may_say_that_its_transcript_lines_start_with_the_speaker(package):
    srt = "1\n00:00:01,000 --> 00:00:02,000\nCOACH: Welcome.\n"
    (package / "transcript.srt").write_text(srt)
    names = '"transcript.srt"\ntranscript_names_speakers = true'
    edit_manifest(package, '"transcript.vtt"', names)
    import_(package)
    assert list(Module.objects.get().cues.values_list("speaker", "text")) == [("COACH", "Welcome.")]


def test_a_repaired_transcript_in_a_package_is_imported_and_the_repairs_printed(package):
    (package / "transcript.vtt").write_text("WEBVTT\n\n00:00:01.000 --> nonsense\nHello\n")
    out = import_(package)
    assert "transcript.vtt was read (WebVTT): 1 line. No speakers: the file marks none." in out
    assert (
        "transcript.vtt, line 3: not a cue timing: '00:00:01.000 --> nonsense'; "
        "its text is kept as an untimed line" in out
    )
    assert list(Module.objects.get().cues.values_list("start_seconds", "text")) == [(None, "Hello")]


def test_a_renamed_text_file_as_the_video_is_refused(package, settings):
    (package / "video.webm").write_text("not a video")
    assert_refused(package, "video.webm is not an MP4 or WebM video", settings)


def test_a_video_over_the_limit_is_refused(package, settings):
    settings.MAX_VIDEO_UPLOAD_BYTES = 1000
    size = (package / "video.webm").stat().st_size  # the demo video's, which is regenerated
    assert_refused(package, f"video.webm: {size} bytes; files up to 1000 are allowed", settings)


def test_a_file_named_outside_the_package_is_refused(package, settings, tmp_path):
    (tmp_path / "secret.webm").write_bytes((DEMO_DIR / "coaching-basics.webm").read_bytes())
    edit_manifest(package, 'video = "video.webm"', 'video = "../secret.webm"')
    assert_refused(package, "../secret.webm: a path outside the package is not allowed", settings)


def test_media_written_before_a_late_failure_are_removed(package, settings):
    # Publishing is checked last, once everything is in place: here the quiz is missing.
    manifest = (package / "module.toml").read_text()
    (package / "module.toml").write_text(manifest.split("\n[quiz]")[0] + "\n")
    assert_refused(package, "module.published: the module can't be published", settings)
    assert Series.objects.count() == 0


def test_a_quiz_learners_have_attempted_is_not_replaced(full_module, tmp_path, learner):
    from quizzes.models import Attempt

    folder = export(full_module.slug, tmp_path / "pkg")
    Attempt.objects.create(user=learner, quiz=full_module.quiz)
    edit_manifest(folder, 'text = "Question 1 on', 'text = "Reworded question 1 on')
    with pytest.raises(CommandError, match="learners have attempted this module's quiz"):
        import_(folder)
    assert full_module.quiz.questions.filter(text__startswith="Question 1 on").exists()


# --- untrusted zips --------------------------------------------------------------------


def test_a_zip_slip_entry_is_refused_and_nothing_is_written(package, settings, tmp_path):
    entries = [(p.name, p.read_bytes()) for p in package.iterdir()]
    evil = make_zip(tmp_path / "evil.zip", [*entries, ("../../escaped.txt", b"gotcha")])
    assert_refused(evil, "evil.zip: ../../escaped.txt: a path outside the package", settings)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path.parent / "escaped.txt").exists()


@pytest.mark.parametrize("name", ["/etc/cron.d/evil", "C:/evil.txt", "pkg\\..\\evil.txt"])
def test_absolute_and_backslash_paths_in_a_zip_are_refused(tmp_path, settings, db, name):
    evil = make_zip(tmp_path / "evil.zip", [("module.toml", b"format = 1"), (name, b"x")])
    assert_refused(evil, "a path outside the package is not allowed", settings)


def test_a_zip_bomb_ratio_is_refused(tmp_path, settings, db):
    bomb = make_zip(tmp_path / "bomb.zip", [("module.toml", b"format = 1\n" + b" " * 5 * 10**6)])
    assert_refused(bomb, "bomb.zip: module.toml: compressed", settings)


def test_a_symlink_entry_is_refused(tmp_path, settings, db):
    link = zipfile.ZipInfo("transcript.vtt")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    evil = make_zip(tmp_path / "link.zip", [("module.toml", b"format = 1"), (link, b"/etc/passwd")])
    assert_refused(evil, "link.zip: transcript.vtt: symbolic links are not allowed", settings)


def test_a_symlink_in_a_package_folder_is_refused(package, settings):
    (package / "transcript.vtt").unlink()
    (package / "transcript.vtt").symlink_to("/etc/passwd")
    assert_refused(package, "transcript.vtt: symbolic links are not allowed", settings)


def test_too_many_files_in_a_zip_are_refused(tmp_path, settings, db):
    crowded = make_zip(tmp_path / "many.zip", [(f"f{n}.txt", b"x") for n in range(60)])
    assert_refused(crowded, "many.zip: 60 entries; a package may hold 50", settings)


def test_too_large_a_zip_is_refused_before_unpacking(tmp_path, db):
    big = make_zip(tmp_path / "big.zip", [("module.toml", b"x" * 3000), ("b.bin", b"y" * 3000)])
    limits = ZipLimits(max_file_bytes=4000, max_total_bytes=5000)
    with pytest.raises(Exception, match="big.zip: unpacks to 6000 bytes; the limit is 5000"):
        import_package(path=big, limits=limits)
    with pytest.raises(Exception, match="module.toml: 3000 bytes; files up to 2000"):
        import_package(path=big, limits=ZipLimits(max_file_bytes=2000))


def test_a_package_inside_one_folder_of_the_zip_is_read(package, tmp_path):
    entries = [(f"coaching-basics/{p.name}", p.read_bytes()) for p in package.iterdir()]
    import_(make_zip(tmp_path / "wrapped.zip", entries))
    assert Module.objects.get().slug == "coaching-basics"


def test_something_that_is_not_a_package_is_refused(tmp_path, settings, db):
    (tmp_path / "notes.txt").write_text("hello")
    assert_refused(tmp_path / "notes.txt", "notes.txt: not a folder or a zip file", settings)
    assert_refused(tmp_path / "missing", "missing: no such file or folder", settings)


def test_exporting_an_unknown_module_fails(tmp_path, db):
    with pytest.raises(CommandError, match="No module with the slug 'nope'"):
        export("nope", tmp_path / "out")


# --- the TOML writer -------------------------------------------------------------------


@given(st.text(), st.lists(st.text(), max_size=3), st.integers(0, 10**9), st.booleans())
def test_written_toml_reads_back_unchanged(text, texts, number, flag):
    document = {
        "format": 1,
        "module": {"text": text, "texts": texts, "number": number, "flag": flag},
        "quiz": {"questions": [{"text": text, "choices": [{"text": text}]}]},
    }
    assert tomllib.loads(manifest_text(document)) == document


def test_a_module_without_quiz_or_media_round_trips(tmp_path, settings, db):
    make_module(slug="bare", activity_code="BR-0001", objectives=1, published=False)
    first = export("bare", tmp_path / "first")
    assert sorted(p.name for p in first.iterdir()) == ["module.toml"]
    empty_the_database_and_media(settings)
    import_(first)
    second = export("bare", tmp_path / "second")
    assert (first / "module.toml").read_bytes() == (second / "module.toml").read_bytes()


def test_an_objective_shared_by_two_texts_is_named_by_number(tmp_path, settings, db):
    module = attach_demo_video(make_module(objectives=2, published=False))
    module.objectives.update(text="Same words")
    make_quiz(module)
    folder = export(module.slug, tmp_path / "pkg")
    document = tomllib.loads((folder / "module.toml").read_text())
    assert [q["objective"] for q in document["quiz"]["questions"]] == [1, 2]
    empty_the_database_and_media(settings)
    import_(folder)
    assert Question.objects.get(position=2).objective.position == 2
