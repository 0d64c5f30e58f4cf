"""The sample systemd units in deploy/systemd/: parsed, and checked by systemd-analyze.

systemd-analyze verify checks a unit's syntax and that its programs exist; it runs on a copy
whose /srv/coachlearn paths point at this checkout (and whose user is the one running the
test), so the check covers the programs the units name.
"""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
SERVE_VENV = "/srv/coachlearn/.venv-serve"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(path)
    return parser


def test_there_is_a_unit_for_the_web_server_and_for_the_job_worker():
    assert [path.name for path in UNITS] == [
        "coachlearn-web.service",
        "coachlearn-worker.service",
    ]


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_a_unit_runs_the_production_venv_as_its_own_user_and_restarts_on_failure(path):
    service = _unit(path)["Service"]
    program, *arguments = shlex.split(service["ExecStart"])
    assert program.startswith(SERVE_VENV + "/bin/")
    assert service["User"] == "coachlearn" and service["Group"] == "coachlearn"
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/coachlearn/env"
    assert service["NoNewPrivileges"] == "true" and service["ProtectSystem"] == "strict"
    if "--config" in arguments:  # files of the checkout it names exist
        config = arguments[arguments.index("--config") + 1]
        assert (ROOT / config.removeprefix("/srv/coachlearn/")).is_file()


def test_the_worker_unit_runs_procrastinates_worker_and_lets_jobs_finish():
    service = _unit(ROOT / "deploy" / "systemd" / "coachlearn-worker.service")["Service"]
    assert shlex.split(service["ExecStart"])[1:] == ["manage.py", "procrastinate", "worker"]
    assert int(service["TimeoutStopSec"]) >= 60


def test_systemd_analyze_verifies_both_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed; the units were parsed above")
    venv = Path(sys.executable).parent.parent
    for path in UNITS:
        text = (
            path.read_text()
            .replace(SERVE_VENV, str(venv))
            .replace("/srv/coachlearn", str(ROOT))
            .replace("=coachlearn\n", "=root\n")
            .replace("EnvironmentFile=/", "EnvironmentFile=-/")  # no /etc/coachlearn here
        )
        (tmp_path / path.name).write_text(text)
    result = subprocess.run(
        [analyze, "verify", *sorted(str(p) for p in tmp_path.glob("*.service"))],
        capture_output=True,
        text=True,
        env=child_env(),
    )
    assert result.returncode == 0 and "coachlearn" not in result.stderr, result.stderr
