"""The connection budget: pool size × workers × servers (+ others) against max_connections.

`manage.py check` warns (coachlearn.W001) when the settings from the environment may open
more connections than the server allows, and a real app server keeps within its share.
"""

from __future__ import annotations

import concurrent.futures
import subprocess
import sys

import pytest
from django.db import connection

from coachlearn.checks import check_connection_budget, connection_budget
from tests.app_server import ROOT, app_server, get, production_env
from tests.factories import make_module
from tests.processes import child_env


def _check(**env: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=child_env(testing=False, **{"DEBUG": "0", "SECRET_KEY": "budget-" + "k" * 50, **env}),
        capture_output=True,
        text=True,
    )
    return result.stdout + result.stderr


def test_the_production_defaults_fit_postgresqls_default_limit():
    # 4 per worker (the pool) × 5 workers (2 cores) × 1 server + 10 = 30 of 100.
    output = _check(WEB_CONCURRENCY="5")
    assert "coachlearn.W001" not in output and "no issues" in output


def test_the_budget_counts_one_connection_per_thread_without_a_pool(settings, monkeypatch):
    monkeypatch.setitem(settings.DATABASES["default"], "OPTIONS", {})
    settings.GUNICORN_THREADS, settings.WEB_CONCURRENCY, settings.APP_SERVERS = 8, 5, 3
    budget = connection_budget()
    assert budget.needed == 8 * 5 * 3 + 10
    assert [warning.id for warning in check_connection_budget(None)] == ["coachlearn.W001"]


def test_three_servers_of_nine_workers_are_warned_about():
    output = _check(APP_SERVERS="3", WEB_CONCURRENCY="9", DB_POOL_MAX_SIZE="4")
    assert "coachlearn.W001" in output
    assert "4 per worker × 9 workers × 3 servers + 10 others = 118 connections" in output


def test_a_raised_max_connections_silences_the_warning():
    output = _check(
        APP_SERVERS="3", WEB_CONCURRENCY="9", DB_POOL_MAX_SIZE="4", DB_MAX_CONNECTIONS="200"
    )
    assert "coachlearn.W001" not in output and "no issues" in output


def _backends(database: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_app_server_under_load_opens_at_most_pool_size_times_workers(collected_static):  # noqa: F811
    module = make_module(cues=3)
    database = connection.settings_dict["NAME"]
    assert production_env()["EMBEDDED_DATABASE_NAME"] == database
    others = _backends(database)  # connections of earlier tests' processes still closing
    with app_server(
        workers=2, DB_POOL_MAX_SIZE="2", GUNICORN_THREADS="4", STATIC_ROOT=str(collected_static)
    ) as url:
        paths = [f"/modules/{module.slug}/?t={n}" for n in range(80)] + ["/"] * 40
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda path: get(url + path)[0], paths))
        peak = _backends(database) - others
    assert set(statuses) == {200}
    assert 1 <= peak <= 2 * 2
