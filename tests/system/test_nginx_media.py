"""deploy/nginx.conf: the app checks access, nginx sends the video with Range (X-Accel)."""

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from tests.app_server import production_env, wait_for_port
from tests.conftest import free_port
from tests.factories import attach_demo_video, make_module
from tests.processes import child_env

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture
def open_folder():
    folder = Path(tempfile.mkdtemp(prefix="coachlearn-nginx-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def stack(open_folder, collected_static, settings):
    """gunicorn with production settings and MEDIA_SERVING=x-accel, behind nginx."""
    if not os.path.exists(NGINX):
        pytest.fail("Debian's nginx is missing; `make test` installs it (apt-get install nginx)")
    media = open_folder / "media"
    media.mkdir()
    media.chmod(0o755)
    settings.MEDIA_ROOT = media
    app_port, web_port = free_port(), free_port()
    env = production_env(
        ALLOWED_HOSTS="127.0.0.1",
        MEDIA_ROOT=str(media),
        MEDIA_SERVING="x-accel",
        # deploy/nginx.conf is the one proxy in front of gunicorn.
        TRUSTED_PROXY_COUNT="1",
        STATIC_ROOT=str(collected_static),
    )
    app = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "coachlearn.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{app_port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = (
        site.replace("listen 80;", f"listen 127.0.0.1:{web_port};")
        .replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
        .replace("/srv/coachlearn/var/media/", f"{media}/")
        .replace("/srv/coachlearn/var/static/", f"{collected_static}/")
    )
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (open_folder / name).mkdir(mode=0o777)
    conf = open_folder / "nginx.conf"
    conf.write_text(
        f"""
        daemon off;
        worker_processes 1;
        pid {open_folder}/nginx.pid;
        error_log {open_folder}/error.log warn;
        events {{ worker_connections 64; }}
        http {{
            include /etc/nginx/mime.types;
            access_log off;
            client_body_temp_path {open_folder}/body;
            proxy_temp_path {open_folder}/proxy;
            fastcgi_temp_path {open_folder}/fastcgi;
            uwsgi_temp_path {open_folder}/uwsgi;
            scgi_temp_path {open_folder}/scgi;
            {site}
        }}
        """
    )
    web = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(open_folder)], env=child_env())
    try:
        wait_for_port(app_port, app)
        wait_for_port(web_port, web)
        yield f"http://127.0.0.1:{web_port}"
    finally:
        for process in (web, app):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def _get(url: str, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_nginx_serves_the_video_with_range_after_the_apps_check(stack):
    module = attach_demo_video(make_module())
    with module.video.open("rb") as handle:
        data = handle.read()
    url = f"{stack}/modules/{module.slug}/video"
    status, headers, body = _get(url, Range="bytes=1000-1999")
    assert status == 206
    assert headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert body == data[1000:2000]
    status, headers, body = _get(url)
    assert status == 200 and body == data
    assert headers.get("Accept-Ranges") == "bytes"


def test_nginx_sends_media_with_the_apps_type_and_the_headers_that_keep_it_data(stack):
    module = attach_demo_video(make_module())
    # A page stored under its uploader's name (before names were ours) as the poster.
    module.poster.save("evil.html", ContentFile(b"<script>document.title='x'</script>"))
    for path, content_type in (("video", "video/webm"), ("poster", "application/octet-stream")):
        status, headers, _ = _get(f"{stack}/modules/{module.slug}/{path}")
        assert status == 200
        assert headers["Content-Type"] == content_type
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "public, max-age=86400"


def test_nginx_keeps_unpublished_video_private(stack):
    module = attach_demo_video(make_module(published=False))
    status, _, _ = _get(f"{stack}/modules/{module.slug}/video")
    assert status == 404


def test_protected_media_cannot_be_fetched_directly(stack):
    module = attach_demo_video(make_module())
    status, _, _ = _get(f"{stack}/protected-media/{module.video.name}")
    assert status == 404


def test_nginx_serves_hashed_static_files_with_a_long_cache(stack, collected_static):
    manifest = (collected_static / "staticfiles.json").read_text()
    hashed = next(line.split('"')[3] for line in manifest.split(", ") if '"css/site.css"' in line)
    status, headers, body = _get(f"{stack}/static/{hashed}")
    assert status == 200 and b"--accent" in body
    assert "immutable" in headers["Cache-Control"]
