"""Error reports: sentry-sdk starts only with SENTRY_DSN, and its events carry no personal data.

The DSN points at a small HTTP server of the test's own on the loopback that keeps what it
is sent; a settings module of the test adds a view that fails, served through the whole
middleware stack by Django's test client in a separate process.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)

FAILING_SITE = """
from coachlearn.settings import *  # noqa
ROOT_URLCONF = "failing_urls"
"""
FAILING_URLS = """
from django.urls import include, path

def boom(request):
    raise ValueError("boom for the error report test")

urlpatterns = [path("boom/", boom), path("", include("coachlearn.urls"))]
"""
REQUEST = """
import django, json, sys; django.setup()
import sentry_sdk
from django.test import Client
response = Client(raise_request_exception=False).post(
    "/boom/?email=lee@example.org",
    {"password": "hunter2-secret", "email": "lee@example.org"},
    HTTP_COOKIE="sessionid=cookie-secret-value",
    HTTP_REFERER="http://testserver/search/?q=referer-secret",
)
sentry_sdk.flush(5)
print(json.dumps({"status": response.status_code, "id": response.headers["X-Request-ID"]}))
"""
ACTIVE = """
import django, sys; django.setup()
print("sentry_sdk" in sys.modules and __import__("sentry_sdk").get_client().is_active())
"""


class Collector(http.server.BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        Collector.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def collector():
    Collector.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://public-key@127.0.0.1:{server.server_address[1]}/1", Collector.received
    server.shutdown()


def _run(script: str, tmp_path: Path, **extra: str) -> str:
    (tmp_path / "failing_site.py").write_text(FAILING_SITE)
    (tmp_path / "failing_urls.py").write_text(FAILING_URLS)

    # The test's database: the failing request reads a session like any other.
    env = child_env(
        testing=False,
        DJANGO_SETTINGS_MODULE="failing_site",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
        DEBUG="0",
        HTTPS="0",
        SECRET_KEY="error-report-test-" + "k" * 50,
        ALLOWED_HOSTS="testserver",
        **extra,
    )
    if "SENTRY_DSN" not in extra:
        env.pop("SENTRY_DSN", None)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_without_sentry_dsn_no_error_reporter_starts(tmp_path):
    assert _run(ACTIVE, tmp_path) == "False"


def test_a_failing_request_is_reported_with_its_request_id_and_no_personal_data(
    collector, tmp_path
):
    dsn, received = collector
    answer = json.loads(_run(REQUEST, tmp_path, SENTRY_DSN=dsn))
    assert answer["status"] == 500
    # One event; a slow loopback can make the transport send it twice, under one id.
    events = {
        event["event_id"]: event
        for event in (
            json.loads(line)
            for envelope in received
            for line in envelope.splitlines()
            if b'"exception"' in line
        )
    }
    assert len(events) == 1
    [event] = events.values()
    assert event["exception"]["values"][-1]["value"] == "boom for the error report test"
    assert event["tags"]["request_id"] == answer["id"]
    sent = b"".join(received)
    for secret in (
        b"hunter2-secret",
        b"cookie-secret-value",
        b"lee@example.org",
        b"referer-secret",
    ):
        assert secret not in sent, secret
