"""Rendered page fragments, cached under keys that change whenever their content does.

A key names a version (a module's updated_at, or the catalog's state), so what is stored
under it never changes: each worker keeps a copy in its own memory in front of the shared
cache (database or Redis), and a hit costs no query and no network round trip. Parts that
depend on the person (progress, saved courses, certificate buttons) are never stored here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches

# A safety net for changes that do not move a version (a competency renamed elsewhere).
FRAGMENT_TIMEOUT = 60 * 60


def _release() -> str:
    """A digest of the templates and page scripts and styles: a new release of them must
    not be served pages rendered by the old one (with old markup, old static names)."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder, pattern in (
        ("templates", "**/*.html"),
        ("static", "**/*.css"),
        ("static", "**/*.js"),
    ):
        for path in sorted((base / folder).glob(pattern)):
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


RELEASE = _release()


def fragment(
    key: str, build: Callable[[], str], *, timeout: int = FRAGMENT_TIMEOUT, shared: bool = True
) -> str:
    """What is cached under key, built when missing. shared=False keeps it in this worker's
    memory only: for large values that are quick to rebuild from shared parts."""
    key = f"{RELEASE}:{key}"
    local = caches["local"]
    value = local.get(key)
    if value is not None:
        return value
    value = cache.get(key) if shared else None
    if value is None:
        value = build()
        if shared:
            cache.set(key, value, timeout)
    local.set(key, value, timeout)
    return value
