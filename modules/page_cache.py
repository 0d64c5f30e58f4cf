"""Rendered page fragments, cached under keys that change whenever their content does.

A key names a version (a module's updated_at, or the catalog's state), so what is stored
under it never changes: each worker keeps a copy in its own memory in front of the shared
cache (database or Redis), and a hit costs no query and no network round trip. Parts that
depend on the person (progress, saved courses, certificate buttons) are never stored here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache, caches

# A safety net for changes that do not move a version (a competency renamed elsewhere).
FRAGMENT_TIMEOUT = 60 * 60


def fragment(key: str, build: Callable[[], str], *, timeout: int = FRAGMENT_TIMEOUT) -> str:
    local = caches["local"]
    value = local.get(key)
    if value is not None:
        return value
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    local.set(key, value, timeout)
    return value
