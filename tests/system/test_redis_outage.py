"""The shared cache in Redis: used when up, and slower pages, not errors, when it is down.

A real redis-server (Debian's package; `make test` installs it) on a loopback port, started
and stopped by the test, under an app server with production settings and REDIS_URL.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest
import redis

from tests.app_server import app_server, get, post, sign_in, wait_for_port
from tests.conftest import free_port
from tests.factories import PASSWORD, make_module
from tests.processes import child_env

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class Redis:
    """redis-server on 127.0.0.1:port, with no disk of its own; stop() and start() again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="coachlearn-redis-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, env=child_env(),
        )  # fmt: skip
        wait_for_port(self.port, self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.resume()
            self.process.terminate()
            self.process.wait(10)

    def pause(self) -> None:
        """Unreachable but holding its data (a network partition): SIGSTOP."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def keys(self) -> int:
        return redis.Redis(port=self.port).dbsize()


@pytest.fixture
def redis_server():
    if not Path(REDIS_SERVER).exists():
        pytest.fail("Debian's redis-server is missing; `make test` installs it")
    server = Redis()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture
def site(redis_server, collected_static):
    with app_server(
        workers=1,
        REDIS_URL=f"redis://127.0.0.1:{redis_server.port}/0",
        STATIC_ROOT=str(collected_static),
        # Cached public pages are trusted for a second: the cache is read on every request.
        LIVE_MODULES_MAX_AGE="1",
        METRICS_TOKEN="redis-test-token",
    ) as url:
        yield url


def _pages(url: str, module) -> list[int]:
    return [get(url + path)[0] for path in ("/", f"/modules/{module.slug}/", "/accounts/login/")]


def test_pages_fill_the_redis_cache_when_redis_is_up(site, redis_server, learner):
    module = make_module(cues=3)
    assert redis_server.keys() == 0
    assert _pages(site, module) == [200, 200, 200]
    assert redis_server.keys() > 0
    cookie = sign_in(site, learner.email, PASSWORD)
    status, _, body = get(site + "/me/", Cookie=cookie)
    assert status == 200 and b"Signed in as" in body


def test_with_redis_stopped_pages_and_sign_in_still_answer_200(site, redis_server, learner):
    module = make_module(cues=3)
    assert _pages(site, module) == [200, 200, 200]
    redis_server.stop()
    assert _pages(site, module) == [200, 200, 200]
    cookie = sign_in(site, learner.email, PASSWORD)  # the session is written to the database
    status, _, _ = get(site + "/me/", Cookie=cookie)
    assert status == 200
    redis_server.start()  # back: cached again, no restart of the app server
    assert _pages(site, make_module(cues=3)) == [200, 200, 200]
    assert redis_server.keys() > 0
    assert get(site + "/me/", Cookie=cookie)[0] == 200


def test_a_sign_out_while_redis_is_down_stays_signed_out_when_redis_returns(
    site, redis_server, learner
):
    cookie = sign_in(site, learner.email, PASSWORD)
    assert b"Signed in as" in get(site + "/me/", Cookie=cookie)[2]
    redis_server.pause()  # it keeps whatever it held of the session
    status, headers, body = get(site + "/accounts/logout/", Cookie=cookie)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    csrf = headers["Set-Cookie"].split("csrftoken=")[1].split(";")[0]
    status, _, _ = post(
        site + "/accounts/logout/",
        {"csrfmiddlewaretoken": token},
        Cookie=f"{cookie}; csrftoken={csrf}",
        Referer=site + "/",
    )
    assert status == 302
    redis_server.resume()
    status, headers, _ = get(site + "/me/", Cookie=cookie)
    assert status == 302 and "/accounts/login/" in headers["Location"]


def test_metrics_count_redis_hits_misses_and_failures(site, redis_server):
    module = make_module(cues=3)

    def redis_gets(kind: str) -> float:
        _, _, body = get(site + "/metrics", Authorization="Bearer redis-test-token")
        name = f'django_cache_{kind}_total{{backend="redis"}}'
        return sum(
            float(line.split()[-1]) for line in body.decode().splitlines() if line.startswith(name)
        )

    assert _pages(site, module) == [200, 200, 200]
    assert redis_gets("get") > 0 and redis_gets("get_misses") > 0
    failures = redis_gets("get_fail")
    redis_server.stop()
    assert _pages(site, make_module()) == [200, 200, 200]
    assert redis_gets("get_fail") > failures
