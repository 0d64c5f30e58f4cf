"""Several app servers, shown: two gunicorns with production settings on one PostgreSQL and
one bucket (moto's S3 server), as on two machines; neither has media of its own.

- signed in on one, the visitor is signed in on the other;
- a module imported through one machine's settings plays from the other;
- a change made through one shows on the other's cached pages within LIVE_MODULES_MAX_AGE.

- a job queued by one server (a password-reset mail) is done by a worker, a third process.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import zipfile

import pytest
from django.utils.timezone import now

from modules.models import Module
from tests.app_server import ROOT, app_server, get, production_env, sign_in
from tests.factories import DEMO_DIR, PASSWORD, make_module
from tests.system.test_object_storage import bucket, s3_endpoint  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)
MAX_AGE = 1


@pytest.fixture
def stack(bucket, collected_static, tmp_path):  # noqa: F811 - the imported fixture
    """{"one": url, "two": url, "env": the machines' environment}."""
    _, env = bucket
    env = {**env, "STATIC_ROOT": str(collected_static), "LIVE_MODULES_MAX_AGE": str(MAX_AGE)}
    with (
        app_server(workers=2, MEDIA_ROOT=str(tmp_path / "one"), **env) as one,
        app_server(workers=2, MEDIA_ROOT=str(tmp_path / "two"), **env) as two,
    ):
        yield {"one": one, "two": two, "env": env}


def test_signed_in_on_one_server_the_visitor_is_signed_in_on_the_other(stack, learner):
    cookie = sign_in(stack["one"], learner.email, PASSWORD)
    status, _, body = get(stack["two"] + "/me/", Cookie=cookie)
    assert status == 200 and b"Signed in as" in body


def _package(path):
    manifest = """format = 1

[module]
slug = "imported-on-one"
title = "Imported on one"
activity_code = "TW-0001"
objectives = ["Listen first."]
transcript = "transcript.vtt"
video = "video.webm"
"""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("module.toml", manifest)
        archive.writestr("transcript.vtt", "WEBVTT\n\n00:00.000 --> 00:04.000\nWelcome.\n")
        archive.write(DEMO_DIR / "coaching-basics.webm", "video.webm")
    return path


def test_a_module_imported_through_one_machine_plays_from_the_other(stack, tmp_path):
    env = production_env(**stack["env"], MEDIA_ROOT=str(tmp_path / "importer"))
    subprocess.run(
        [sys.executable, "manage.py", "import_module", str(_package(tmp_path / "m.zip"))],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    Module.objects.filter(slug="imported-on-one").update(is_published=True, published_at=now())
    status, headers, _ = get(stack["two"] + "/modules/imported-on-one/video")
    assert status == 302
    status, _, body = get(headers["Location"], Range="bytes=0-99")
    assert status == 206 and body == (DEMO_DIR / "coaching-basics.webm").read_bytes()[:100]


def test_a_change_shows_on_the_other_servers_cached_page_within_the_max_age(stack):
    module = make_module(title="Before the change")
    for server in (stack["one"], stack["two"]):
        for _ in range(3):  # cached on every worker
            assert b"Before the change" in get(f"{server}/modules/{module.slug}/")[2]
    module.title = "After the change"
    module.save()  # what the admin on server one does
    deadline = time.monotonic() + MAX_AGE + 10  # generous: the machine is shared
    while b"After the change" not in get(f"{stack['two']}/modules/{module.slug}/")[2]:
        assert time.monotonic() < deadline, "the change never showed on server two"
        time.sleep(0.1)


def test_a_job_queued_by_one_server_is_done_by_the_worker(stack, learner, tmp_path):
    from tests.app_server import post
    from tests.system.test_background_jobs import Worker, status_of, wait_for

    status, headers, body = get(stack["one"] + "/accounts/password/reset/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
    status, _, _ = post(
        stack["one"] + "/accounts/password/reset/",
        {"email": learner.email, "csrfmiddlewaretoken": token},
        Cookie=f"csrftoken={cookie}",
        Referer=stack["one"] + "/",
    )
    assert status == 302
    assert status_of("accounts.tasks.send_mail") == "todo"  # queued, not sent by the server
    mail = tmp_path / "mail"
    worker = Worker(tmp_path / "worker-media", mail, **stack["env"])
    try:
        wait_for(lambda: status_of("accounts.tasks.send_mail") == "succeeded")
    finally:
        worker.stop()
    [sent] = mail.iterdir()
    assert learner.email in sent.read_text() and "/accounts/password/reset/key/" in sent.read_text()
