import os
import sys

from django.apps import AppConfig


class DevDBConfig(AppConfig):
    """Installed by settings only when the embedded server is the database."""

    name = "devdb"
    verbose_name = "Embedded PostgreSQL"

    def ready(self) -> None:
        from devdb import pgserver

        if not _is_autoreloader_parent():
            pgserver.exit_cleanly_on_sigterm()


def _is_autoreloader_parent() -> bool:
    """runserver's watching process: it never uses the database, and on an exception it
    kills its child, which would then not release the embedded server. It keeps Python's
    default SIGTERM, so the child is left to exit by itself."""
    return (
        "runserver" in sys.argv
        and "--noreload" not in sys.argv
        and os.environ.get("RUN_MAIN") != "true"
    )
