"""The one "visible module or 404" rule, for every view that names a module."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from accounts.roles import require_staff_two_factor
from modules.live import live_module
from modules.models import Module


def get_visible_module(
    user, *, slug: str | None = None, activity_code: str | None = None
) -> Module:
    """The module with this slug or activity code if `user` may see it: published ones for
    all, the rest for staff only.

    Anyone else gets a 404 for an unpublished module, as for one that does not exist.
    Staff previewing an unpublished module need two-factor sign-in (accounts.roles).
    A live module named by its slug usually comes from this process's snapshot
    (modules.live), without a query; it is shared by the process's threads, so callers read
    it and never change it.
    """
    if (slug is None) == (activity_code is None):
        raise TypeError("Name the module by slug= or by activity_code=.")
    if slug is not None:
        module = live_module(slug)
        if module is not None:
            return module
    lookup = {"slug": slug} if slug is not None else {"activity_code": activity_code}
    modules = Module.objects.visible_to(user).select_related("series")
    # The search vector of a long transcript is large and never needed by a page.
    module = get_object_or_404(modules.defer("search_vector"), **lookup)
    if not module.is_live:
        require_staff_two_factor(user)
    return module
