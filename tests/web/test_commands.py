import io

import pytest
from django.core.management import CommandError, call_command

from modules.models import Cue, Module
from tests.factories import make_module

pytestmark = pytest.mark.django_db

PLAIN = "Coach: [00:00] Hello there.\n\nStudent: [00:07] Hi, thanks for meeting.\n"


def test_transcript_to_vtt_prints_captions(tmp_path):
    path = tmp_path / "talk.txt"
    path.write_text(PLAIN)
    out = io.StringIO()
    call_command("transcript_to_vtt", str(path), stdout=out)
    assert out.getvalue().startswith("WEBVTT")
    assert "<v Student>STUDENT: Hi, thanks for meeting." in out.getvalue()


def test_transcript_to_vtt_reports_repairs_on_stderr_and_can_take_names_as_speakers(tmp_path):
    path = tmp_path / "talk.srt"
    path.write_text("1\n00:00:01 --> 00:00:02,000\nCOACH: Hello.\n")
    out, err = io.StringIO(), io.StringIO()
    call_command("transcript_to_vtt", str(path), "--names-speakers", stdout=out, stderr=err)
    assert "<v COACH>COACH: Hello." in out.getvalue()
    assert err.getvalue().splitlines() == [
        "talk.srt was read (SRT): 1 line. Speakers: COACH (from names at line starts, as asked).",
        "talk.srt, line 2: 00:00:01 has no milliseconds; read as 00:00:01.000",
    ]


def test_transcript_to_vtt_names_the_file_and_line_of_an_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("Coach: [00:00] Fine.\n\nCoach: [01:75] Broken.\n")
    with pytest.raises(CommandError, match=r"bad.txt: line 3: .*75 seconds"):
        call_command("transcript_to_vtt", str(path))


def test_import_transcript_replaces_the_cues(tmp_path):
    module = make_module(cues=5)
    path = tmp_path / "talk.txt"
    path.write_text(PLAIN)
    out = io.StringIO()
    call_command("import_transcript", module.slug, str(path), stdout=out)
    assert list(module.cues.values_list("speaker", "start_seconds")) == [
        ("Coach", 0.0),
        ("Student", 7.0),
    ]
    assert "talk.txt was read (plain text): 2 lines. Speakers: Coach, Student" in out.getvalue()


def test_import_transcript_changes_nothing_when_the_file_is_bad(tmp_path):
    module = make_module(cues=5)
    before = list(module.cues.values_list("text", flat=True))
    path = tmp_path / "bad.txt"
    path.write_text("Coach: [00:10] Fine.\n\nCoach: [00:05] Earlier than before.\n")
    with pytest.raises(CommandError, match="line 3.*backwards.*not changed"):
        call_command("import_transcript", module.slug, str(path))
    assert list(module.cues.values_list("text", flat=True)) == before


def test_import_transcript_for_an_unknown_module_says_so(tmp_path):
    path = tmp_path / "talk.txt"
    path.write_text(PLAIN)
    with pytest.raises(CommandError, match="no module with the slug 'nope'"):
        call_command("import_transcript", "nope", str(path))


def test_load_demo_is_idempotent():
    call_command("load_demo", stdout=io.StringIO())
    first = {
        "modules": Module.objects.count(),
        "cues": Cue.objects.count(),
    }
    call_command("load_demo", stdout=io.StringIO())
    assert Module.objects.count() == first["modules"] == 3
    assert Cue.objects.count() == first["cues"]

    basics = Module.objects.get(slug="coaching-basics")
    assert basics.activity_code == "CL-0001"
    assert basics.objectives.count() == 3
    assert set(basics.competencies.values_list("name", flat=True)) == {
        "Establishing the coaching agreement",
        "Cultivating self-management",
    }
    assert basics.cues.filter(start_seconds__isnull=True).exists(), "some untimed lines"
    assert basics.video and basics.video.storage.exists(basics.video.name)
    assert basics.is_live
