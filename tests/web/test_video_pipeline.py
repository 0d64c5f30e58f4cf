"""The video pipeline: a phone's HEVC .mov or a WebM becomes a poster, a web-safe MP4 where
needed and HLS renditions, checked with ffprobe; learners keep the upload until then."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from modules.models import Module, VideoProcessing
from modules.services import video_changed
from modules.tasks import process_video
from modules.video_pipeline import probe, process_module_video
from tests.factories import make_module
from tests.processes import child_env

pytestmark = pytest.mark.django_db

SECONDS = 6


def ffmpeg(*arguments: str) -> None:
    if not shutil.which("ffmpeg"):
        pytest.fail("Debian's ffmpeg is missing; `make test` installs it (apt-get install ffmpeg)")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", *arguments], check=True, timeout=120, env=child_env()
    )


@pytest.fixture(scope="session")
def sources(tmp_path_factory) -> dict[str, Path]:
    """Short clips as phones and screen recorders write them."""
    folder = tmp_path_factory.mktemp("sources")
    picture = f"testsrc2=s={{size}}:r=30:d={SECONDS}"
    sound = ["-f", "lavfi", "-i", f"sine=f=440:d={SECONDS}"]
    ffmpeg(
        *["-f", "lavfi", "-i", picture.format(size="720x1280"), *sound],
        *["-c:v", "libx265", "-x265-params", "log-level=error", "-preset", "ultrafast"],
        *["-tag:v", "hvc1", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"],
        str(folder / "phone.mov"),
    )
    ffmpeg(
        *["-f", "lavfi", "-i", picture.format(size="640x360"), *sound],
        *["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"],
        *["-c:a", "libopus", "-shortest"],
        str(folder / "screen.webm"),
    )
    # A phone held upright: landscape frames with a display matrix turning them 90°.
    ffmpeg(
        *["-f", "lavfi", "-i", picture.format(size="640x360"), *sound],
        *["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"],
        str(folder / "landscape.mp4"),
    )
    ffmpeg(
        *["-i", str(folder / "landscape.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90"],
        str(folder / "upright.mp4"),
    )
    return {
        "phone": folder / "phone.mov",
        "webm": folder / "screen.webm",
        "upright": folder / "upright.mp4",
    }


def streams(path: Path) -> dict:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
        + [str(path)],
        capture_output=True,
        text=True,
        check=True,
        env=child_env(),
    )
    data = json.loads(result.stdout)
    kinds = {s["codec_type"]: s for s in data["streams"]}
    return {
        "video": kinds.get("video", {}).get("codec_name"),
        "audio": kinds.get("audio", {}).get("codec_name"),
        "height": kinds.get("video", {}).get("height"),
        "duration": float(data["format"]["duration"]),
    }


def module_with(source: Path, **fields) -> Module:
    """A module whose video was uploaded through the admin's path (store, then queue)."""
    module = make_module(**fields)
    module.video.save(f"upload{source.suffix}", ContentFile(source.read_bytes()), save=True)
    video_changed(module=module)
    return module


def output(module: Module, relative: str) -> Path:
    processing = VideoProcessing.objects.get(module=module)
    return Path(module.video.storage.path(processing.output_name(relative)))


def test_a_phones_hevc_mov_becomes_an_h264_mp4_and_hls_of_the_same_length(sources):
    module = module_with(sources["phone"], duration_seconds=None)
    processing = process_module_video(module)
    assert processing.status == VideoProcessing.Status.READY
    assert processing.probe["video_codec"] == "hevc"
    assert processing.has_web_video and processing.has_hls

    web = streams(output(module, "web.mp4"))
    assert (web["video"], web["audio"]) == ("h264", "aac")
    assert abs(web["duration"] - SECONDS) <= 0.1
    for rendition, height in (("v0", 360), ("v1", 720)):
        stream = streams(output(module, f"hls/{rendition}/index.m3u8"))
        assert (stream["video"], stream["audio"], stream["height"]) == ("h264", "aac", height)
        assert abs(stream["duration"] - SECONDS) <= 0.1
    master = output(module, "hls/master.m3u8").read_text()
    assert "v0/index.m3u8" in master and "v1/index.m3u8" in master
    # web.mp4 starts with its index (faststart): "moov" before "mdat".
    head = output(module, "web.mp4").read_bytes()[:200_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat")

    module.refresh_from_db()
    assert module.duration_seconds == SECONDS  # the server's reading, not the browser's
    assert module.poster.name.endswith(".png")


def test_a_webm_is_already_web_safe_and_only_gets_hls(sources):
    module = module_with(sources["webm"])
    processing = process_module_video(module)
    assert processing.has_hls and not processing.has_web_video
    stream = streams(output(module, "hls/v0/index.m3u8"))
    assert stream["video"] == "h264" and abs(stream["duration"] - SECONDS) <= 0.1
    assert not output(module, "hls/v1/index.m3u8").exists()  # no 720p from a 360p source


def test_segments_start_on_aligned_keyframes_in_every_rendition(sources):
    module = module_with(sources["phone"])
    process_module_video(module)
    for rendition in ("v0", "v1"):
        playlist = output(module, f"hls/{rendition}/index.m3u8").read_text()
        durations = [float(line[8:].rstrip(",")) for line in playlist.split() if "#EXTINF:" in line]
        assert durations[:-1] == [pytest.approx(4.0, abs=0.05)] * (len(durations) - 1)


def test_an_uploaded_poster_is_kept(sources):
    module = make_module()
    module.poster.save("p.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 64), save=True)
    module.video.save("u.webm", ContentFile(sources["webm"].read_bytes()), save=True)
    video_changed(module=module)
    poster = module.poster.name
    process_module_video(module)
    module.refresh_from_db()
    assert module.poster.name == poster


def test_a_file_ffmpeg_cannot_read_fails_in_words_and_learners_keep_the_upload(client):
    module = make_module()
    # Passes the upload check (ftyp at byte 4) but is no video.
    module.video.save("x.mp4", ContentFile(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 500))
    video_changed(module=module)
    process_video(module_id=module.pk, source=module.video.name)  # the job, run here
    processing = VideoProcessing.objects.get(module=module)
    assert processing.status == VideoProcessing.Status.FAILED
    assert processing.error.startswith("The video could not be read")
    assert client.get(f"/modules/{module.slug}/video").status_code == 200


def test_learners_get_the_upload_until_processing_is_done_then_the_web_copy(sources, client):
    module = module_with(sources["phone"])
    before = client.get(f"/modules/{module.slug}/video", HTTP_RANGE="bytes=0-99")
    assert b"".join(before.streaming_content) == sources["phone"].read_bytes()[:100]
    process_module_video(module)
    after = client.get(f"/modules/{module.slug}/video", HTTP_RANGE="bytes=0-99")
    assert after.status_code == 206 and after["Content-Type"] == "video/mp4"
    assert b"".join(after.streaming_content) == output(module, "web.mp4").read_bytes()[:100]


def test_hls_is_served_with_range_under_the_modules_access_rules(sources, client, author):
    module = module_with(sources["webm"], published=False)
    run = process_module_video(module).run
    base = f"/modules/{module.slug}/hls/{run}"
    assert client.get(f"{base}/master.m3u8").status_code == 404  # a draft: staff only
    client.force_login(author)
    response = client.get(f"{base}/master.m3u8")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    segment = client.get(f"{base}/v0/segment000.ts", HTTP_RANGE="bytes=0-187")
    assert segment.status_code == 206 and segment["Content-Type"] == "video/mp2t"
    assert b"".join(segment.streaming_content)[0] == 0x47  # an MPEG-TS sync byte
    for name in (
        "../../../secret_key",
        "v0/../../web.mp4",
        "master.m3u8x",
        "master.m3u8%0A",  # a newline, which `$` would have let through
        "v0/other.ts",
        "v1/index.m3u8",  # a name of the right form whose file was never made (360p source)
        "v0/segment99999.ts",
    ):
        assert client.get(f"{base}/{name}").status_code == 404, name
    assert client.get(f"/modules/{module.slug}/hls/otherrun/master.m3u8").status_code == 404


def test_a_published_stream_is_cached_for_good_under_its_runs_address(sources, client):
    module = module_with(sources["webm"])
    run = process_module_video(module).run
    response = client.get(f"/modules/{module.slug}/hls/{run}/master.m3u8")
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    page = client.get(f"/modules/{module.slug}/").content.decode()
    assert f"/modules/{module.slug}/hls/{run}/master.m3u8" in page


def test_a_video_replaced_while_processing_runs_keeps_its_own_processing(sources):
    module = module_with(sources["webm"])
    first = module.video.name
    # The new upload arrives while the run for the first one is under way …
    module.video.save("new.webm", ContentFile(sources["webm"].read_bytes()), save=True)
    video_changed(module=module)
    stale = process_module_video(Module.objects.get(pk=module.pk), source=first)
    processing = VideoProcessing.objects.get(module=module)
    # … whose outputs are dropped: the row still waits for the new upload's own run.
    assert processing.source == module.video.name
    assert processing.status == VideoProcessing.Status.QUEUED
    assert Module.objects.get(pk=module.pk).ready_processing() is None
    assert stale.status == VideoProcessing.Status.QUEUED
    process_video(module_id=module.pk, source=module.video.name)
    assert VideoProcessing.objects.get(module=module).status == VideoProcessing.Status.READY


def test_a_new_upload_replaces_the_old_outputs(sources, django_capture_on_commit_callbacks):
    module = module_with(sources["webm"])
    first = process_module_video(module).prefix
    module.video.save("again.webm", ContentFile(sources["webm"].read_bytes()), save=True)
    video_changed(module=module)
    assert Module.objects.get(pk=module.pk).ready_processing() is None  # the old ones no more
    with django_capture_on_commit_callbacks(execute=True):
        second = process_module_video(Module.objects.get(pk=module.pk)).prefix
    assert second != first
    assert not Path(module.video.storage.path(first)).exists()


def test_a_run_killed_half_way_leaves_nothing_the_next_run_keeps(sources):
    module = module_with(sources["webm"])
    storage = module.video.storage
    # What a killed run leaves: a prefix of its own with part of its files.
    storage.save(f"processed/{module.pk}/deadbeef/hls/v0/segment000.ts", ContentFile(b"G" * 10))
    processing = process_module_video(module)
    folders, _ = storage.listdir(f"processed/{module.pk}")
    assert folders == [processing.prefix.rsplit("/", 1)[1]]


def test_the_admin_queues_processing_for_a_new_upload_and_shows_its_state(admin_client, sources):
    from tests.web.test_admin_authoring import ADD_URL, module_form, transcript

    upload = SimpleUploadedFile("clip.webm", sources["webm"].read_bytes(), "video/webm")
    response = admin_client.post(ADD_URL, module_form(video=upload, transcript_file=transcript()))
    assert response.status_code == 302
    module = Module.objects.get(slug="giving-feedback")
    processing = VideoProcessing.objects.get(module=module)
    assert processing.status == VideoProcessing.Status.QUEUED
    page = admin_client.get(f"/admin/modules/module/{module.pk}/change/").content.decode()
    assert "Waiting for a worker" in page
    process_module_video(module)
    state = admin_client.get(f"/admin/modules/module/{module.pk}/processing.json").json()
    assert state["status"] == "ready" and state["percent"] == 100
    assert "640×360" in state["words"] and "streaming versions made" in state["words"]


def test_probe_reads_duration_codecs_and_size(sources):
    found = probe(sources["phone"])
    assert (found.video_codec, found.audio_codec) == ("hevc", "aac")
    assert (found.width, found.height, found.shown_height) == (720, 1280, 1280)
    assert abs(found.duration - SECONDS) <= 0.1
    assert not found.is_web_safe()
    assert probe(sources["webm"]).is_web_safe()


def test_an_upright_phone_video_is_turned_the_right_way_in_its_web_copy(sources):
    found = probe(sources["upright"])
    assert found.rotation in (90, 270) and found.shown_height == 640
    assert not found.is_web_safe()  # some browsers ignore the rotation
    module = module_with(sources["upright"])
    process_module_video(module)
    web = output(module, "web.mp4")
    turned = probe(web)
    assert (turned.width, turned.height, turned.rotation) == (360, 640, 0)


def test_removing_the_video_removes_what_was_made_of_it(
    sources, django_capture_on_commit_callbacks
):
    module = module_with(sources["webm"])
    prefix = process_module_video(module).prefix
    assert Path(module.video.storage.path(prefix)).exists()
    module.video = ""
    module.save()
    with django_capture_on_commit_callbacks(execute=True):
        video_changed(module=module)
    assert not VideoProcessing.objects.filter(module=module).exists()
    assert not Path(module.video.storage.path(f"processed/{module.pk}")).exists()
