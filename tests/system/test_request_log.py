"""One log line per request: UTC time, level, request id, method, path, status, duration, user
id (never the email), from an app server with production settings writing to stderr."""

from __future__ import annotations

import re
import time

import pytest

from tests.app_server import app_server, get, sign_in
from tests.factories import PASSWORD, make_module

pytestmark = pytest.mark.django_db(transaction=True)
LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?P<level>INFO) coachlearn\.requests "
    r"\[(?P<id>[^\]]+)\] (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) "
    r"(?P<ms>\d+\.\d)ms user=(?P<user>\S+)$"
)


def _lines(log_path) -> list[dict]:
    time.sleep(0.2)  # the worker's stderr is unbuffered; give the write a moment
    text = log_path.read_text()
    return [match.groupdict() for line in text.splitlines() if (match := LINE.match(line))]


@pytest.fixture
def logged_site(tmp_path, collected_static):
    log_path = tmp_path / "stderr.log"
    with (
        log_path.open("w") as log,
        app_server(stderr=log, TRUST_X_REQUEST_ID="1", STATIC_ROOT=str(collected_static)) as url,
    ):
        yield url, log_path


def test_each_request_writes_one_line_with_its_id_status_and_duration(logged_site):
    url, log_path = logged_site
    module = make_module()
    status, headers, _ = get(f"{url}/modules/{module.slug}/?t=5")
    assert status == 200
    line = next(line for line in _lines(log_path) if line["path"] == f"/modules/{module.slug}/")
    assert line["id"] == headers["X-Request-ID"] and len(line["id"]) == 32
    assert line["method"] == "GET" and line["status"] == "200" and line["user"] == "-"
    assert float(line["ms"]) > 0
    assert "t=5" not in log_path.read_text()  # no query string: searches stay private


def test_a_trusted_proxys_request_id_is_kept_and_echoed(logged_site):
    url, log_path = logged_site
    status, headers, _ = get(url + "/no-such-page/", **{"X-Request-ID": "edge-1234.5"})
    assert status == 404 and headers["X-Request-ID"] == "edge-1234.5"
    assert any(line["id"] == "edge-1234.5" and line["status"] == "404" for line in _lines(log_path))


def test_a_request_id_that_could_forge_a_log_line_is_replaced(logged_site):
    url, log_path = logged_site
    _, headers, _ = get(url + "/healthz", **{"X-Request-ID": "a b] INFO forged"})
    assert headers["X-Request-ID"] != "a b] INFO forged"
    assert "forged" not in log_path.read_text()


def test_a_signed_in_request_logs_the_user_id_never_the_email(logged_site, learner):
    url, log_path = logged_site
    cookie = sign_in(url, learner.email, PASSWORD)
    assert get(url + "/me/", Cookie=cookie)[0] == 200
    assert any(
        line["path"] == "/me/" and line["user"] == str(learner.pk) for line in _lines(log_path)
    )
    assert learner.email not in log_path.read_text()


def test_without_a_trusted_proxy_the_offered_id_is_ignored(tmp_path):
    with app_server() as url:
        _, headers, _ = get(url + "/healthz", **{"X-Request-ID": "chosen-by-visitor"})
    assert headers["X-Request-ID"] != "chosen-by-visitor" and len(headers["X-Request-ID"]) == 32
