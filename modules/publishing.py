"""Publishing: what a module needs before learners may see it, checked on the server.

Every way of publishing (the authoring page's Publish button, the list's "Publish" action, a
package import) asks `publish_problems`, which returns one message per missing piece. The
same rules, item by item, are the authoring page's checklist (`publish_checklist`). Higher
layers (the quiz, the evaluation) add their rules through
modules.extensions.register_publish_check, so modules/ needs no quiz import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from modules.extensions import PublishRule, publish_rules
from modules.models import LearningObjective, Module

NO_VIDEO = "A video is missing: upload an MP4 or WebM file."
NO_TRANSCRIPT = "A transcript is missing: upload a .txt, .vtt or .srt file."
NO_OBJECTIVE = "At least one learning objective is needed."


class PublishError(Exception):
    """The module lacks something learners need; `problems` has one message per piece."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


@dataclass(frozen=True)
class ChecklistItem:
    rule: PublishRule
    problems: list[str]

    @property
    def done(self) -> bool:
        return not self.problems


def _own_rules(*, has_video: bool, has_transcript: bool) -> list[PublishRule]:
    return [
        PublishRule("video", "Video", lambda m, o: [] if has_video else [NO_VIDEO]),
        PublishRule(
            "transcript", "Transcript", lambda m, o: [] if has_transcript else [NO_TRANSCRIPT]
        ),
        PublishRule(
            "objectives",
            "Learning objectives",
            lambda m, objectives: [] if objectives else [NO_OBJECTIVE],
        ),
    ]


def publish_checklist(
    module: Module,
    *,
    objectives: Sequence[LearningObjective] | None = None,
    has_video: bool | None = None,
    has_transcript: bool | None = None,
) -> list[ChecklistItem]:
    """Every publishing rule with what it finds missing; the keywords describe a module about
    to be saved, else the database."""
    if objectives is None:
        objectives = list(module.objectives.order_by("position", "pk")) if module.pk else []
    if has_video is None:
        has_video = bool(module.video)
    if has_transcript is None:
        has_transcript = bool(module.pk) and module.cues.exists()
    rules = _own_rules(has_video=has_video, has_transcript=has_transcript) + publish_rules()
    return [ChecklistItem(rule, rule.check(module, list(objectives))) for rule in rules]


def publish_problems(
    module: Module, *, whole_checklist: bool = False, **about_to_be_saved
) -> list[str]:
    """What is missing, one message per piece: for the required rules, or with
    `whole_checklist` for every item (see publish_checklist for the other keywords)."""
    return [
        problem
        for item in publish_checklist(module, **about_to_be_saved)
        if whole_checklist or item.rule.required
        for problem in item.problems
    ]


@transaction.atomic
def publish_module(*, module: Module, whole_checklist: bool = False) -> Module:
    """Publish now (or at its scheduled time), or raise PublishError."""
    module = Module.objects.select_for_update().get(pk=module.pk)
    problems = publish_problems(module, whole_checklist=whole_checklist)
    if problems:
        raise PublishError(problems)
    if not module.is_published:
        module.is_published = True
        module.published_at = module.published_at or timezone.now()
        module.save(update_fields=["is_published", "published_at", "updated_at"])
    return module


def unpublish_module(*, module: Module) -> Module:
    module.is_published = False
    module.save(update_fields=["is_published", "updated_at"])
    return module
