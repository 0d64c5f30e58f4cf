"""PostgreSQL backend that starts the embedded server on the first connection.

Used when DATABASE_URL is unset. Everything else is Django's own PostgreSQL backend, with
django-prometheus's counts of connections, queries and errors.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import psycopg
from django.conf import settings
from django_prometheus.db.backends.postgresql import base

from devdb import pgserver

_layout: pgserver.Layout | None = None


def server() -> pgserver.Layout:
    """The running embedded server of this process, started on first use."""
    global _layout
    if _layout is None:
        _layout = pgserver.ensure_running(Path(settings.EMBEDDED_POSTGRES_DIR))
    return _layout


def _ensure_database(layout: pgserver.Layout, name: str) -> None:
    with psycopg.connect(
        host=str(layout.socket_dir), user="postgres", dbname="postgres", autocommit=True
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            # Another process may create it meanwhile.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                connection.execute(f'CREATE DATABASE "{name}"')


class DatabaseWrapper(base.DatabaseWrapper):
    _checked_databases: set[str] = set()

    def get_connection_params(self):
        layout = server()
        params = super().get_connection_params()
        params["host"] = str(layout.socket_dir)
        params.pop("port", None)
        name = params.get("dbname")
        if name and name != "postgres" and name not in self._checked_databases:
            # Tests create and drop their own databases; only the main one is made here.
            if not name.startswith("test_"):
                _ensure_database(layout, name)
            DatabaseWrapper._checked_databases.add(name)
        return params
