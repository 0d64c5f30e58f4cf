"""Hooks through which higher layers (quizzes) add to the catalog and the admin.

modules/ never imports the apps above it. They register small functions here in their
AppConfig.ready(); the catalog and the admin call whatever is registered. (The module page
is composed above every layer, in learning.module_page, and needs no hook.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

CatalogNotes = Callable[[HttpRequest, Iterable["object"]], dict[int, list[str]]]

_catalog_notes: list[CatalogNotes] = []


def register_catalog_notes(notes: CatalogNotes) -> CatalogNotes:
    """`notes(request, modules)` returns {module id: ["Watched 40%", …]} for the catalog."""
    if notes not in _catalog_notes:
        _catalog_notes.append(notes)
    return notes


def catalog_notes(request: HttpRequest, modules: list) -> dict[int, list[str]]:
    combined: dict[int, list[str]] = {}
    for notes in _catalog_notes:
        for module_id, lines in notes(request, modules).items():
            combined.setdefault(module_id, []).extend(lines)
    return combined


# ----------------------------------------------------------------------------- authoring

# `check(module, objectives)` returns one message per missing piece ([] when all is there).
# `objectives` are the module's objectives as they are about to be saved (some maybe new).
PublishCheck = Callable[["object", list], list[str]]
# `panel(request, module)` returns HTML for the module's change page in the admin.
AdminPanel = Callable[[HttpRequest, "object"], str]

_publish_checks: list[PublishCheck] = []
_admin_panels: list[AdminPanel] = []


def register_publish_check(check: PublishCheck) -> PublishCheck:
    """Add a publishing rule from a higher layer (the quiz adds "a question per objective")."""
    if check not in _publish_checks:
        _publish_checks.append(check)
    return check


def publish_checks() -> list[PublishCheck]:
    return list(_publish_checks)


def register_admin_panel(panel: AdminPanel) -> AdminPanel:
    if panel not in _admin_panels:
        _admin_panels.append(panel)
    return panel


def admin_panels(request: HttpRequest, module) -> SafeString:
    return mark_safe("".join(panel(request, module) for panel in _admin_panels))
