"""deploy/gunicorn.conf.py: settings from the environment, and two instances side by side."""

from __future__ import annotations

import subprocess

import pytest

from tests.app_server import GUNICORN, GUNICORN_CONF, ROOT, app_server, get
from tests.processes import child_env


def _resolved(tmp_path, **env: str) -> dict[str, str]:
    result = subprocess.run(
        [GUNICORN, "--config", str(GUNICORN_CONF), "--print-config", "coachlearn.wsgi"],
        cwd=ROOT,
        env=child_env(inherit=False, PATH="/usr/bin:/bin", HOME=str(tmp_path), **env),
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        key.strip(): value.strip()
        for key, _, value in (line.partition("=") for line in result.stdout.splitlines())
    }


def test_workers_bind_and_threads_come_from_the_environment(tmp_path):
    config = _resolved(
        tmp_path, WEB_CONCURRENCY="3", GUNICORN_BIND="127.0.0.1:9001", GUNICORN_THREADS="2"
    )
    assert config["workers"] == "3" and config["threads"] == "2"
    assert config["bind"] == "['127.0.0.1:9001']" and config["worker_class"] == "gthread"
    assert config["timeout"] == "30" and config["graceful_timeout"] == "20"
    assert config["control_socket_disable"] == "True"


@pytest.mark.django_db(transaction=True)
def test_two_instances_on_one_machine_both_serve_and_open_no_control_socket(tmp_path):
    home = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path)}
    with app_server(**home) as one, app_server(**home) as two:
        assert get(one + "/healthz")[0] == 200 and get(two + "/healthz")[0] == 200
        assert not list(tmp_path.rglob("*.ctl"))
