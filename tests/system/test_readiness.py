"""/readyz tells a load balancer whether this server can do its work: 503 while the
database (or Redis, when the cache is there) cannot be reached; /healthz stays liveness."""

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.conftest import free_port
from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def _get(url: str, **headers: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=15
        ) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@pytest.mark.django_db
def test_ready_answers_200_and_is_never_cached(client):
    response = client.get(reverse("ready"))
    assert response.status_code == 200 and response.content == b"ready"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_answers_503_when_redis_cannot_be_reached(client, settings):
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": nowhere,
        "OPTIONS": {"socket_connect_timeout": 1},
    }
    # Undone inside the test: the cache is cleared after it.
    with override_settings(REDIS_URL=nowhere, CACHES={**settings.CACHES, "default": redis}):
        response = client.get(reverse("ready"))
    assert response.status_code == 503
    assert response.content.decode() == "not ready: cache unreachable"
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def server_without_database(tmp_path):
    """gunicorn with production settings and a DATABASE_URL where nothing listens."""
    port = free_port()
    env = child_env(
        testing=False,
        VAR_DIR=str(tmp_path),
        DEBUG="0",
        HTTPS="0",
        SECRET_KEY="readiness-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"postgres://coachlearn:x@127.0.0.1:{free_port()}/coachlearn",
        DB_CONNECT_TIMEOUT="1",
        DB_POOL_MAX_SIZE="0",
    )
    process = subprocess.Popen(
        [GUNICORN, "coachlearn.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                _get(url + "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_ready_answers_503_while_the_database_cannot_be_reached(server_without_database):
    status, body, headers = _get(server_without_database + "/readyz")
    assert status == 503
    assert body == "not ready: database unreachable"
    assert "no-store" in headers["Cache-Control"]
    # Alive all the same: a load balancer must not restart it for the database's sake.
    assert _get(server_without_database + "/healthz")[:2] == (200, "ok")


def test_liveness_with_a_session_cookie_needs_no_database(server_without_database):
    # A browser's cookie must not make /healthz read the session (in the database).
    cookie = {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}
    assert _get(server_without_database + "/healthz", **cookie)[:2] == (200, "ok")
