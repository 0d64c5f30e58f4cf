"""gunicorn with production settings and deploy/gunicorn.conf.py on a loopback port.

It serves the test database of the calling test (EMBEDDED_DATABASE_NAME), so rows a
transactional test writes are what the server reads.
"""

from __future__ import annotations

import http.cookies
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

from tests.conftest import free_port
from tests.processes import child_env

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
# The production config: these servers are what `make serve` and the systemd unit run.
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
SECRET_KEY = "app-server-test-" + "k" * 50


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a server or worker a test starts: production settings (plain HTTP
    on the loopback), on this test's database, never on a DATABASE_URL of the machine."""
    defaults = {
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LIVE_MODULES_MAX_AGE": "0",
    }
    return child_env(testing=False, **{**defaults, **extra})


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


@contextmanager
def app_server(*, workers: int = 1, stderr=None, **extra: str) -> Iterator[str]:
    """http://127.0.0.1:<port> of a gunicorn with production settings and `extra` set."""
    port = free_port()
    process = subprocess.Popen(
        [
            GUNICORN,
            "coachlearn.wsgi",
            "--config",
            str(GUNICORN_CONF),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
        ],  # fmt: skip
        cwd=ROOT,
        env=production_env(**extra),
        stdout=subprocess.DEVNULL,
        stderr=stderr if stderr is not None else subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(NoRedirects)


def get(url: str, **headers: str) -> tuple[int, Message, bytes]:
    """(status, headers, body) of one GET, redirects not followed."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with _opener.open(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def post(url: str, data: dict[str, str], **headers: str) -> tuple[int, Message, bytes]:
    """(status, headers, body) of one form POST, redirects not followed."""
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with _opener.open(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def sign_in(url: str, email: str, password: str) -> str:
    """Sign in through the site's real form; the Cookie header of the signed-in session."""
    status, headers, body = get(url + "/accounts/login/")
    assert status == 200, status
    jar = http.cookies.SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    status, headers, _ = post(
        url + "/accounts/login/",
        {"login": email, "password": password, "csrfmiddlewaretoken": token},
        Cookie=f"csrftoken={jar['csrftoken'].value}",
        Referer=url + "/",
    )
    assert status == 302, status
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return f"sessionid={jar['sessionid'].value}"
