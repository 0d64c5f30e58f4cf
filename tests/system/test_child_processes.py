"""Every process a test starts works on the test database, whatever DATABASE_URL the
machine has (tests/processes.py is the one place that builds their environment)."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]
CURRENT_DATABASE = (
    "import django; django.setup(); from django.db import connection; "
    "cursor = connection.cursor(); cursor.execute('SELECT current_database()'); "
    "print(cursor.fetchone()[0])"
)


@pytest.mark.django_db
def test_a_child_uses_the_test_database_when_the_parent_has_a_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://owner:secret@production.invalid/coachlearn")
    result = subprocess.run(
        [sys.executable, "-c", CURRENT_DATABASE],
        cwd=ROOT,
        env=child_env(DJANGO_SETTINGS_MODULE="coachlearn.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == connection.settings_dict["NAME"]
    assert connection.settings_dict["NAME"].startswith("test_")


def test_a_child_started_before_any_database_test_is_named_the_test_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://owner:secret@production.invalid/coachlearn")
    env = child_env()
    assert "DATABASE_URL" not in env
    assert env["EMBEDDED_DATABASE_NAME"].startswith("test_")


@pytest.mark.django_db
def test_a_child_gets_the_test_database_under_djangos_default_name_too(monkeypatch):
    # Without TEST_DATABASE_NAME the test database is Django's test_<name>, already in NAME.
    monkeypatch.setitem(connection.settings_dict, "TEST", {"NAME": None})
    monkeypatch.delenv("DATABASE_URL", raising=False)
    env = child_env()
    name = env.get("EMBEDDED_DATABASE_NAME") or env["DATABASE_URL"].rsplit("/", 1)[1]
    assert name == connection.settings_dict["NAME"]
