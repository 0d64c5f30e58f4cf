"""Hooks through which higher layers (quizzes) add to the catalog and the admin.

modules/ never imports the apps above it. They register small functions here in their
AppConfig.ready(); the catalog and the admin call whatever is registered. (The module page
is composed above every layer, in learning.module_page, and needs no hook.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import HttpRequest

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
