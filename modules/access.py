"""The one "visible module or 404" rule, for every view that names a module by its slug."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from accounts.roles import require_staff_two_factor
from modules.models import Module


def get_visible_module(user, *, slug: str) -> Module:
    """The module if `user` may see it: published ones for all, the rest for staff only.

    Anyone else gets a 404 for an unpublished module, as for one that does not exist.
    Staff previewing an unpublished module need two-factor sign-in (accounts.roles).
    """
    modules = Module.objects.visible_to(user).select_related("series")
    # The search vector of a long transcript is large and never needed by a page.
    module = get_object_or_404(modules.defer("search_vector"), slug=slug)
    if not module.is_live:
        require_staff_two_factor(user)
    return module
