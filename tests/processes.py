"""The environment of every process a test starts, in one place.

A child never inherits the machine's DATABASE_URL: it gets this run's test database (the
one pytest-django made, with pytest-xdist's worker suffix), on the embedded server or on
the DATABASE_URL server the tests themselves use. A test that wants another database for
its child says so in `extra`.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

PYTEST_VARIABLES = {"PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE"}
DATABASE_VARIABLES = {"DATABASE_URL", "EMBEDDED_DATABASE_NAME"}


def test_database_name() -> str:
    """This run's test database, whether or not the calling test has set it up yet."""
    database = connection.settings_dict
    test_name = database.get("TEST", {}).get("NAME")
    if test_name and database["NAME"] == test_name:
        return test_name  # pytest-django has set it up (and suffixed it for xdist)
    if not test_name and database["NAME"].startswith("test_"):
        return database["NAME"]  # set up under Django's default name, test_<name>
    name = test_name or f"test_{database['NAME']}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"{name}_{worker}" if worker and not name.endswith(f"_{worker}") else name


def child_env(*, testing: bool = True, inherit: bool = True, **extra: str) -> dict[str, str]:
    """The parent's environment (or none of it, `inherit=False`) on the test database;
    `testing=False` drops pytest's variables, so the child's settings are those of a real
    server (no test defaults)."""
    dropped = DATABASE_VARIABLES | {"DEBUG"} | (set() if testing else PYTEST_VARIABLES)
    parent = os.environ if inherit else {}
    env = {key: value for key, value in parent.items() if key not in dropped}
    name = test_database_name()
    if settings.DATABASE_URL:
        env["DATABASE_URL"] = urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path=f"/{name}"))
    else:
        env["EMBEDDED_DATABASE_NAME"] = name
    env.update(extra)
    return env
