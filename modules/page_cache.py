"""Rendered pages and parts of them, cached under keys that change with their content.

A key names a version (a module's updated_at, moved by modules.services.module_changed, or
the catalogue's, from modules.live), so what is stored under it never changes: each worker
keeps a copy in its own memory in front of the shared cache (database or Redis), and a hit
costs no query and no network round trip. Parts that depend on the person (progress, saved
courses, certificate buttons) are never stored here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches

# A safety net for a change that did not move a version (a row updated by hand).
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


def version_of(updated_at) -> str:
    """A module's version as keys spell it."""
    return f"{updated_at.timestamp():.6f}"


def module_key(module, part: str) -> str:
    """The key of a part of this module at its current version."""
    return f"module:{module.pk}:{version_of(module.updated_at)}:{part}"


def same_for_everyone(request) -> bool:
    """Signed out, no query string, no session and no flash message: the page a visitor
    gets is the one every such visitor gets, so it can be served whole from the cache."""
    return not (
        request.user.is_authenticated
        or request.GET
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or "messages" in request.COOKIES
    )
