"""Hooks through which higher layers (quizzes, certificates) add to module pages.

modules/ never imports the apps above it. They register small functions here in their
AppConfig.ready(); the module page and the catalog call whatever is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

ModulePanel = Callable[[HttpRequest, "object"], str]
CatalogNotes = Callable[[HttpRequest, Iterable["object"]], dict[int, list[str]]]

_module_panels: list[tuple[int, ModulePanel]] = []
_catalog_notes: list[CatalogNotes] = []


def register_module_panel(panel: ModulePanel, *, order: int = 50) -> ModulePanel:
    """`panel(request, module)` returns HTML shown under the module's title."""
    if panel not in [registered for _, registered in _module_panels]:
        _module_panels.append((order, panel))
        _module_panels.sort(key=lambda item: item[0])
    return panel


def register_catalog_notes(notes: CatalogNotes) -> CatalogNotes:
    """`notes(request, modules)` returns {module id: ["Watched 40%", …]} for the catalog."""
    if notes not in _catalog_notes:
        _catalog_notes.append(notes)
    return notes


def module_panels(request: HttpRequest, module) -> SafeString:
    return mark_safe("".join(panel(request, module) for _, panel in _module_panels))


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


@dataclass(frozen=True)
class PublishRule:
    """One item of the publishing checklist: its name (`key`), what it checks (`label`) and
    the check itself. A rule that is not `required` is asked for by the authoring page's
    Publish button, not by imports or the list's action (packages carry no evaluation)."""

    key: str
    label: str
    check: PublishCheck
    required: bool = True


_publish_rules: list[PublishRule] = []


def register_publish_check(
    check: PublishCheck, *, key: str, label: str, required: bool = True
) -> PublishCheck:
    """Add a publishing rule from a higher layer (the quiz adds "a question per objective")."""
    if key not in [rule.key for rule in _publish_rules]:
        _publish_rules.append(PublishRule(key=key, label=label, check=check, required=required))
    return check


def publish_rules() -> list[PublishRule]:
    return list(_publish_rules)
