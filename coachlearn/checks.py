"""System checks: the database connections every process may open fit the server's limit.

Each gunicorn worker keeps its own pool (DB_POOL_MAX_SIZE connections; without a pool, one
persistent connection per thread), every app server runs WEB_CONCURRENCY workers, and
job workers, management commands and PostgreSQL's reserved superuser slots need some
too (DB_OTHER_CONNECTIONS). `manage.py check` warns when the sum passes max_connections.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.checks import Warning, register


@dataclass(frozen=True)
class ConnectionBudget:
    per_worker: int
    workers: int
    servers: int
    others: int
    limit: int

    @property
    def needed(self) -> int:
        return self.per_worker * self.workers * self.servers + self.others

    def describe(self) -> str:
        return (
            f"{self.per_worker} per worker × {self.workers} workers × {self.servers} servers"
            f" + {self.others} others = {self.needed} connections"
            f" (PostgreSQL max_connections: {self.limit})"
        )


def connection_budget() -> ConnectionBudget:
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    per_worker = pool["max_size"] if pool else settings.GUNICORN_THREADS
    return ConnectionBudget(
        per_worker=per_worker,
        workers=settings.WEB_CONCURRENCY,
        servers=settings.APP_SERVERS,
        others=settings.DB_OTHER_CONNECTIONS,
        limit=settings.DB_MAX_CONNECTIONS,
    )


@register()
def check_connection_budget(app_configs, **kwargs) -> list[Warning]:
    budget = connection_budget()
    if budget.needed <= budget.limit:
        return []
    return [
        Warning(
            f"The app may open more database connections than the server allows: "
            f"{budget.describe()}.",
            hint="Lower DB_POOL_MAX_SIZE or WEB_CONCURRENCY, raise max_connections (and"
            " DB_MAX_CONNECTIONS), or put PgBouncer in front of PostgreSQL (README).",
            id="coachlearn.W001",
        )
    ]
