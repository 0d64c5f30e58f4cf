"""Video is served with HTTP Range so that browsers can seek."""

import pytest
from django.urls import reverse

from modules.ranged_files import parse_range
from tests.factories import attach_demo_video, make_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def module(db):
    return attach_demo_video(make_module())


@pytest.fixture
def video_bytes(module):
    with module.video.open("rb") as handle:
        return handle.read()


def _get(client, module, range_header=None, **extra):
    headers = {"Range": range_header} if range_header else {}
    return client.get(reverse("modules:video", args=[module.slug]), headers={**headers, **extra})


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_whole_video_without_range(client, module, video_bytes):
    response = _get(client, module)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/webm"
    assert int(response["Content-Length"]) == len(video_bytes)
    assert _body(response) == video_bytes


def test_first_bytes(client, module, video_bytes):
    response = _get(client, module, "bytes=0-99")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-99/{len(video_bytes)}"
    assert response["Content-Length"] == "100"
    assert _body(response) == video_bytes[:100]


def test_middle_range(client, module, video_bytes):
    response = _get(client, module, "bytes=1000-204999")
    assert response.status_code == 206
    assert _body(response) == video_bytes[1000:205000]


def test_open_range_runs_to_the_end(client, module, video_bytes):
    start = len(video_bytes) - 5000
    response = _get(client, module, f"bytes={start}-")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{len(video_bytes) - 1}/{len(video_bytes)}"
    assert _body(response) == video_bytes[start:]


def test_suffix_range_gives_the_last_bytes(client, module, video_bytes):
    response = _get(client, module, "bytes=-500")
    assert response.status_code == 206
    assert _body(response) == video_bytes[-500:]


def test_range_past_the_end_is_416(client, module, video_bytes):
    response = _get(client, module, f"bytes={len(video_bytes)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(video_bytes)}"


def test_stale_if_range_gets_the_whole_file(client, module, video_bytes):
    response = _get(client, module, "bytes=0-9", **{"If-Range": '"not-the-etag"'})
    assert response.status_code == 200


def test_matching_if_range_gets_the_range(client, module):
    etag = _get(client, module)["ETag"]
    response = _get(client, module, "bytes=0-9", **{"If-Range": etag})
    assert response.status_code == 206


def test_module_without_video_is_404(client):
    module = make_module()
    assert _get(client, module).status_code == 404


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", (0, 0)),
        ("bytes=5-", (5, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=-1000", (0, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=100-", "unsatisfiable"),
        ("bytes=-0", "unsatisfiable"),
        ("bytes=9-3", None),
        ("bytes=0-1,5-6", None),
        ("items=0-5", None),
        ("bytes=-", None),
    ],
)
def test_range_header_parsing(header, expected):
    assert parse_range(header, 100) == expected


def test_served_in_chunks_not_read_whole(client, module, video_bytes):
    response = _get(client, module, "bytes=0-")
    chunks = list(response.streaming_content)
    assert len(chunks) > 1
    assert max(len(chunk) for chunk in chunks) <= 64 * 1024
