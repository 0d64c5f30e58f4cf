"""Timing a transcript without times: espeak-ng speaks known lines at known moments into a
video, the times are removed, and alignment must find every line within a second."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from modules.models import Cue, TranscriptTiming
from modules.services import replace_cues, time_transcript_later
from modules.tasks import align_transcript
from modules.transcripts import parse_transcript
from tests.factories import make_module
from tests.processes import child_env

pytestmark = pytest.mark.django_db

# (start in seconds, speaker, words): a coaching conversation, two voices.
SPOKEN = [
    (1.0, "Coach", "Welcome back. What would you like to focus on today?"),
    (5.5, "Learner", "I want to get better at giving feedback to my residents."),
    (11.0, "Coach", "What makes feedback hard for you right now?"),
    (15.5, "Learner", "I worry that they will take it personally."),
    (20.5, "Coach", "Let us look at one recent conversation together."),
    (25.0, "Learner", "Yesterday a resident missed an important finding."),
]
VOICES = {"Coach": "en-us", "Learner": "en-us+m3"}
LENGTH = 30


def _run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, timeout=120, env=child_env())


@pytest.fixture(scope="session")
def spoken_video(tmp_path_factory) -> Path:
    for program in ("espeak-ng", "ffmpeg"):
        if not shutil.which(program):
            pytest.fail(f"Debian's {program} is missing; `make test` installs it")
    folder = tmp_path_factory.mktemp("spoken")
    inputs, delays = [], []
    for index, (start, speaker, text) in enumerate(SPOKEN):
        wav = folder / f"line{index}.wav"
        _run("espeak-ng", "-v", VOICES[speaker], "-s", "160", "-w", str(wav), text)
        inputs += ["-i", str(wav)]
        delays.append(f"[{index + 1}:a]adelay={int(start * 1000)}:all=1[a{index}]")
    mix = "".join(f"[a{index}]" for index in range(len(SPOKEN)))
    graph = ";".join([*delays, f"{mix}amix=inputs={len(SPOKEN)}:normalize=0[sound]"])
    video = folder / "spoken.webm"
    _run(
        *["ffmpeg", "-v", "error", "-y", "-f", "lavfi"],
        *["-i", f"color=c=0x224466:s=320x180:r=10:d={LENGTH}", *inputs],
        *["-filter_complex", graph, "-map", "0:v", "-map", "[sound]", "-t", str(LENGTH)],
        *["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"],
        str(video),
    )
    return video


def untimed_transcript() -> bytes:
    """The same lines in the plain format, without a single timestamp, and with notes of
    the transcriber's that nobody says (they must not throw the alignment off)."""
    notes = {0: "(Smiles) ", 3: "[pause] "}
    return "\n\n".join(
        f"{speaker}: {notes.get(index, '')}{text}"
        for index, (_, speaker, text) in enumerate(SPOKEN)
    ).encode()


@pytest.fixture
def module(spoken_video):
    module = make_module(duration_seconds=LENGTH)
    module.video.save("spoken.webm", ContentFile(spoken_video.read_bytes()), save=True)
    replace_cues(module=module, cues=parse_transcript(untimed_transcript(), filename="t.txt"))
    assert not module.cues.filter(start_seconds__isnull=False).exists()
    return module


def test_every_spoken_line_is_found_within_a_second(module):
    time_transcript_later(module=module)
    align_transcript(module_id=module.pk)  # the job, run here
    timing = TranscriptTiming.objects.get(module=module)
    assert timing.status == TranscriptTiming.Status.READY, timing.error
    starts = timing.proposed_starts()
    errors = [abs(starts[position] - start) for position, (start, _, _) in enumerate(SPOKEN, 1)]
    assert max(errors) <= 1.0, errors


def test_staff_review_the_proposals_and_accept_them(module, admin_client):
    page = admin_client.get(f"/admin/modules/module/{module.pk}/timing/")
    assert "6 of them without a time now" in page.content.decode()
    admin_client.post(f"/admin/modules/module/{module.pk}/timing/", {"start": "1"})
    assert TranscriptTiming.objects.get(module=module).status == "queued"
    align_transcript(module_id=module.pk)
    review = admin_client.get(f"/admin/modules/module/{module.pk}/timing/").content.decode()
    assert "Accept the proposed times" in review
    assert Cue.objects.filter(module=module, start_seconds__isnull=False).count() == 0

    response = admin_client.post(f"/admin/modules/module/{module.pk}/timing/", {"accept": "1"})
    assert response.status_code == 302
    starts = list(module.cues.order_by("position").values_list("start_seconds", flat=True))
    assert all(abs(a - b) <= 1.0 for a, (b, _, _) in zip(starts, SPOKEN, strict=True))
    assert not TranscriptTiming.objects.filter(module=module).exists()
    captions = admin_client.get(f"/modules/{module.slug}/captions.vtt").content.decode()
    assert "00:00:05" in captions or "00:00:06" in captions


def test_a_video_without_speech_fails_in_words_and_changes_no_line(tmp_path):
    silent = tmp_path / "silent.webm"
    _run(
        *["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=s=320x180:r=10:d=5"],
        *["-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "5"],
        *["-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus", str(silent)],
    )
    module = make_module(duration_seconds=5)
    module.video.save("silent.webm", ContentFile(silent.read_bytes()), save=True)
    replace_cues(module=module, cues=parse_transcript(untimed_transcript(), filename="t.txt"))
    time_transcript_later(module=module)
    align_transcript(module_id=module.pk)
    timing = TranscriptTiming.objects.get(module=module)
    assert timing.status == TranscriptTiming.Status.FAILED
    assert "could not be matched to the speech" in timing.error
    assert not module.cues.filter(start_seconds__isnull=False).exists()


def test_timing_needs_a_video_and_a_transcript(admin_client):
    module = make_module()
    response = admin_client.post(
        f"/admin/modules/module/{module.pk}/timing/", {"start": "1"}, follow=True
    )
    assert "Upload the video first" in response.content.decode()
    assert not TranscriptTiming.objects.exists()


def test_a_new_transcript_drops_times_proposed_for_the_old_one(module, admin_client):
    time_transcript_later(module=module)
    align_transcript(module_id=module.pk)
    assert TranscriptTiming.objects.get(module=module).status == "ready"
    replace_cues(module=module, cues=parse_transcript(b"Coach: Other words.", filename="t.txt"))
    assert not TranscriptTiming.objects.filter(module=module).exists()
    response = admin_client.post(
        f"/admin/modules/module/{module.pk}/timing/", {"accept": "1"}, follow=True
    )
    assert "no proposed times to accept" in response.content.decode()
