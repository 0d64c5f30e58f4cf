"""Media in a private bucket: a real S3 API server (moto's server mode) on the loopback.

The test process uploads through the storage as the admin would; app servers (gunicorn with
production settings, MEDIA_STORAGE=s3, a media folder of their own that stays empty) check
access and answer a 302 to a short-lived presigned address, and the bucket answers the
Range requests. A second app server that never saw the upload serves the same files.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from moto.server import ThreadedMotoServer

from certificates.services import issue_certificate
from tests.app_server import ROOT, SECRET_KEY, app_server, get, production_env
from tests.conftest import free_port
from tests.factories import attach_demo_video, make_completion, make_module

pytestmark = pytest.mark.django_db(transaction=True)
REGION = "us-east-1"
KEYS = {"AWS_ACCESS_KEY_ID": "coachlearn-test", "AWS_SECRET_ACCESS_KEY": "coachlearn-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    """http://127.0.0.1:<port> of a moto S3 server, for this module's tests."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture
def bucket(s3_endpoint, settings):
    """A new private bucket, used as this process's default storage too."""
    name = f"coachlearn-{uuid.uuid4().hex[:12]}"
    _client(s3_endpoint).create_bucket(Bucket=name)
    env = {
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": name,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_S3_ADDRESSING_STYLE": "path",
        **KEYS,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "access_key": KEYS["AWS_ACCESS_KEY_ID"],
                "secret_key": KEYS["AWS_SECRET_ACCESS_KEY"],
                "addressing_style": "path",
                "signature_version": "s3v4",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": True,
            },
        },
    }
    settings.MEDIA_SERVING = "redirect"
    settings.SECRET_KEY = SECRET_KEY  # sessions made here are read by the app servers
    return name, env


@pytest.fixture
def two_servers(bucket, collected_static, tmp_path):
    """Two app servers on the bucket, each with an empty media folder of its own."""
    _, env = bucket
    folders = [tmp_path / "one", tmp_path / "two"]
    with (
        app_server(MEDIA_ROOT=str(folders[0]), STATIC_ROOT=str(collected_static), **env) as one,
        app_server(MEDIA_ROOT=str(folders[1]), STATIC_ROOT=str(collected_static), **env) as two,
    ):
        yield one, two
    assert not any(folder.exists() and any(folder.iterdir()) for folder in folders)


def _demo_video(module):
    attach_demo_video(module)
    with module.video.open("rb") as handle:
        return handle.read()


def test_the_video_is_a_redirect_to_a_presigned_address_that_answers_range(two_servers):
    module = make_module()
    data = _demo_video(module)
    status, headers, _ = get(f"{two_servers[0]}/modules/{module.slug}/video")
    assert status == 302
    location = headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["300"]
    assert query["response-content-type"] == ["video/webm"]
    assert headers["Cache-Control"] == "private, max-age=60"

    status, headers, body = get(location, Range="bytes=1000-1999")
    assert status == 206
    assert headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert headers["Content-Type"] == "video/webm"
    assert body == data[1000:2000]


def test_a_second_server_that_never_saw_the_upload_serves_the_same_video(two_servers):
    module = make_module()
    data = _demo_video(module)
    for server in two_servers:
        status, headers, _ = get(f"{server}/modules/{module.slug}/video")
        assert status == 302
        status, _, body = get(headers["Location"])
        assert status == 200 and body == data


def test_an_unpublished_modules_video_is_404_to_a_visitor_with_no_redirect(two_servers):
    module = make_module(published=False)
    _demo_video(module)
    status, headers, _ = get(f"{two_servers[1]}/modules/{module.slug}/video")
    assert status == 404 and "Location" not in headers


def test_the_bucket_is_private_an_unsigned_address_is_refused(two_servers, bucket, s3_endpoint):
    module = make_module()
    _demo_video(module)
    status, _, _ = get(f"{s3_endpoint}/{bucket[0]}/{module.video.name}")
    assert status == 403


def test_a_file_of_no_known_type_leaves_the_bucket_as_a_download(two_servers):
    module = make_module()
    module.poster.save("evil.html", ContentFile(b"<script>document.title='x'</script>"))
    status, headers, _ = get(f"{two_servers[0]}/modules/{module.slug}/poster")
    assert status == 302
    status, headers, _ = get(headers["Location"])
    assert status == 200
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"].startswith("attachment;")


def test_the_module_page_allows_the_origin_the_video_redirects_to_for_media_only(two_servers):
    module = make_module()
    _demo_video(module)
    location = get(f"{two_servers[0]}/modules/{module.slug}/video")[1]["Location"]
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(location))
    status, headers, body = get(f"{two_servers[0]}/modules/{module.slug}/")
    assert status == 200 and b"module-video" in body
    policy = dict(
        part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";")
    )
    assert origin in policy["media-src"].split() and origin in policy["img-src"].split()
    assert origin not in policy["script-src"] and origin not in policy["connect-src"]


def test_a_certificate_pdf_rendered_on_one_server_downloads_from_the_bucket_on_another(
    two_servers, learner
):
    certificate = issue_certificate(
        completion=make_completion(learner, make_module()), printed_name="Lee Learner"
    )
    client = Client()
    client.force_login(learner)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    path = f"/certificates/{certificate.code}.pdf"
    bodies = []
    for server in two_servers:
        status, headers, _ = get(server + path, Cookie=cookie)
        assert status == 302, status
        status, headers, body = get(headers["Location"])
        assert status == 200 and headers["Content-Type"] == "application/pdf"
        assert headers["Content-Disposition"].startswith("attachment;")
        bodies.append(body)
    certificate.refresh_from_db()
    assert bodies[0] == bodies[1] and bodies[0].startswith(b"%PDF")
    assert hashlib.sha256(bodies[0]).hexdigest() == certificate.pdf_sha256
    assert get(f"{two_servers[0]}{path}")[0] == 302  # signed out: to the sign-in page
    assert "amazonaws" not in get(f"{two_servers[0]}{path}")[1]["Location"]


# --------------------------------------------------------------------- backup and restore

POPULATE = """
import django; django.setup()
from django.core.files.base import ContentFile
from modules.models import Module
module = Module.objects.create(title="Stored", slug="stored", activity_code="ST-0001")
module.video.save("a.webm", ContentFile(open(%r, "rb").read()))
module.poster.save("nested/p.png", ContentFile(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(200)))
"""


def _run(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _objects(endpoint: str, name: str) -> dict[str, bytes]:
    client = _client(endpoint)
    listed = client.list_objects_v2(Bucket=name).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=name, Key=item["Key"])["Body"].read()
        for item in listed
    }


def test_backup_and_restore_cover_every_object_in_the_bucket(bucket, s3_endpoint, tmp_path):
    name, env = bucket
    database = f"coachlearn_s3_backup_{uuid.uuid4().hex[:8]}"
    site = {
        **production_env(**env),
        "EMBEDDED_DATABASE_NAME": database,
        "MEDIA_ROOT": str(tmp_path / "unused"),
    }
    site.pop("DATABASE_URL", None)
    demo = ROOT / "modules" / "demo" / "coaching-basics.webm"
    _run(site, "manage.py", "migrate", "--noinput", "-v0")
    _run(site, "-c", POPULATE % str(demo))
    before = _objects(s3_endpoint, name)
    assert len(before) == 2

    folder = Path(_run(site, "manage.py", "backup", "--dest", str(tmp_path / "b")).strip())
    backed_up = (folder / "media").rglob("*")
    files = sorted(p.relative_to(folder / "media").as_posix() for p in backed_up if p.is_file())
    assert files == sorted(before)
    client = _client(s3_endpoint)
    for key in before:
        client.delete_object(Bucket=name, Key=key)
    assert _objects(s3_endpoint, name) == {}

    _run(site, "manage.py", "restore", str(folder), "--noinput")
    assert _objects(s3_endpoint, name) == before
    assert not os.path.exists(site["MEDIA_ROOT"])
    _drop(database)


def _drop(database: str) -> None:
    import psycopg

    from devdb.embedded_db.base import server

    with psycopg.connect(
        host=str(server().socket_dir), user="postgres", dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.mark.parametrize(
    ("region", "style", "endpoint"),
    [
        ("eu-west-1", None, None),
        ("eu-west-1", "virtual", None),
        ("us-east-1", "path", None),
        (None, "virtual", "https://objects.example.org"),
    ],
)
def test_the_csp_names_the_origin_django_storages_signs_addresses_for(region, style, endpoint):
    from storages.backends.s3 import S3Storage

    from coachlearn.object_storage import bucket_origin

    storage = S3Storage(
        bucket_name="coachlearn-media",
        region_name=region,
        addressing_style=style,
        endpoint_url=endpoint,
        access_key="a",
        secret_key="b",
        signature_version="s3v4",
    )
    signed = urlsplit(storage.url("videos/x.webm"))
    expected = bucket_origin(
        bucket="coachlearn-media", endpoint_url=endpoint, region=region, addressing_style=style
    )
    assert f"{signed.scheme}://{signed.netloc}" == expected


def test_a_file_that_may_not_redirect_is_streamed_from_the_bucket_with_range(bucket):
    from django.test import RequestFactory

    from modules.ranged_files import ranged_file_response

    module = make_module()
    data = _demo_video(module)
    request = RequestFactory().get("/", HTTP_RANGE="bytes=10-19")
    response = ranged_file_response(
        request, module.video, content_type="video/webm", may_redirect=False
    )
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == data[10:20]
