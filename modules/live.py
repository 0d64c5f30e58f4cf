"""Which modules are live, and at which version: one snapshot per process.

A page hit served from the cache needs, from the database, only the module's id and version
and the catalogue's version. Asking for them on every request cost two queries, more than
everything else such a hit does. The snapshot is re-checked at most every
LIVE_MODULES_MAX_AGE seconds with one small aggregate, and reloaded only when that changed.
A change made by any app server shows on every page within that many seconds (1 by
default; 0 re-checks on every request). A module that is not in the snapshot (unpublished,
or published a moment ago) is looked up in the database as before.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, OperationalError, connection
from django.utils import timezone

from modules.models import Module
from modules.page_cache import version_of


@dataclass(frozen=True)
class LiveModule:
    pk: int
    version: str  # updated_at, spelled as modules.page_cache.version_of() spells it


@dataclass(frozen=True)
class LiveCatalog:
    version: str  # changes when any live module changes, appears or goes
    modules: dict[str, LiveModule]  # by slug
    checked_at: float  # time.monotonic()


_current: LiveCatalog | None = None
_failed_at: float | None = None  # when the last check could not reach the database
_lock = threading.Lock()


def live_catalog() -> LiveCatalog:
    global _failed_at
    asked_at = time.monotonic()
    current = _current
    if current is not None and asked_at - current.checked_at < _max_age():
        return current
    with _lock:  # one check at a time per process; the other threads take its result
        current = _current
        if current is not None and time.monotonic() - current.checked_at < _max_age():
            return current
        if _failed_at is not None and _failed_at >= asked_at:
            # The check this thread waited for found no database: answer as it did, at
            # once, instead of each waiting thread spending its own connect timeout.
            raise OperationalError("The database did not answer (live modules check).")
        try:
            return _check(current)
        except DatabaseError:
            _failed_at = time.monotonic()
            raise


def forget() -> None:
    """Drop this process's snapshot (the tests do, between tests)."""
    global _current, _failed_at
    _current, _failed_at = None, None


def live_module(slug: str) -> Module | None:
    """The live module with this slug, from this process's memory when its version is
    known; None when the snapshot does not list it, or when the database no longer has it
    live at that version (changed since the snapshot: the caller looks it up as usual)."""
    entry = live_catalog().modules.get(slug)
    if entry is None:
        return None
    local = caches["local"]
    key = f"module-object:{entry.pk}:{entry.version}"
    module = local.get(key)
    if module is None:
        module = (
            Module.objects.published()
            .select_related("series")
            .defer("search_vector")  # large, and only search needs it
            .filter(pk=entry.pk)
            .first()
        )
        if module is None or version_of(module.updated_at) != entry.version:
            return None
        local.set(key, module, 60 * 60)
    return module


def _max_age() -> float:
    return getattr(settings, "LIVE_MODULES_MAX_AGE", 1.0)


def _check(previous: LiveCatalog | None) -> LiveCatalog:
    global _current
    now = timezone.now()
    # The sum of all update times moves with any change, even one stamped by an app server
    # whose clock lags behind (which a maximum alone would miss).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), max(updated_at), sum(extract(epoch FROM updated_at))"  # noqa: S608
            f" FROM {Module._meta.db_table} WHERE is_published AND published_at <= %s",
            [now],
        )
        count, latest, total = cursor.fetchone()
    version = f"{count}:{latest.timestamp() if latest else 0:.6f}:{total or 0}"
    if previous is not None and previous.version == version:
        modules = previous.modules
    else:
        modules = {
            slug: LiveModule(pk, version_of(updated_at))
            for pk, slug, updated_at in Module.objects.filter(
                is_published=True, published_at__lte=now
            ).values_list("pk", "slug", "updated_at")
        }
    _current = LiveCatalog(version=version, modules=modules, checked_at=time.monotonic())
    return _current
