"""Chromium plays a processed module's HLS stream, seeks in it, and the transcript follows."""

import pytest
from django.core.files.base import ContentFile

from modules.services import video_changed
from modules.video_pipeline import process_module_video
from tests.factories import make_module
from tests.web.test_video_pipeline import ffmpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def streamed(transactional_db, tmp_path):
    clip = tmp_path / "talk.webm"
    ffmpeg(
        *["-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=30"],
        *["-f", "lavfi", "-i", "sine=f=330:d=30", "-shortest"],
        *["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k"],
        *["-c:a", "libopus", str(clip)],
    )
    module = make_module(cues=6, duration_seconds=30)
    module.video.save("talk.webm", ContentFile(clip.read_bytes()), save=True)
    video_changed(module=module)
    process_module_video(module)
    return module


# Chromium plays HLS natively; hiding that makes the page use hls.js, as Firefox would.
WITHOUT_NATIVE_HLS = """
const canPlayType = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
};
"""


@pytest.mark.parametrize("player", ["native", "hls.js"])
def test_the_browser_plays_the_hls_stream_seeks_and_the_transcript_follows(
    page, live_server, streamed, player
):
    if player == "hls.js":
        page.add_init_script(WITHOUT_NATIVE_HLS)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(live_server.url + streamed.get_absolute_url())
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    assert page.get_attribute("video", "data-hls-active") == player
    source = page.evaluate("document.querySelector('video').currentSrc")
    assert source.startswith("blob:" if player == "hls.js" else live_server.url), source

    page.click("[data-seek='20']")
    page.wait_for_function("() => document.querySelector('video').currentTime > 21")
    page.evaluate("document.querySelector('video').pause()")
    assert page.get_attribute("[data-seek][aria-current='true']", "data-seek") == "20"
    segments = [url for url in fetched if "/v0/segment" in url]
    assert segments, fetched
    assert any(url.endswith(("segment005.ts", "segment004.ts")) for url in segments)
    # The stream played, not the uploaded file.
    assert not any(url.endswith("/video") for url in fetched)
