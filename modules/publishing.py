"""Publishing: what a module needs before learners may see it, checked on the server.

Every way of publishing (the admin's checkbox, its "Publish" action, a package import) asks
`publish_problems`, which returns one message per missing piece. The quiz layer adds its
own rule through modules.extensions.register_publish_check, so modules/ needs no quiz import.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from modules.extensions import publish_checks
from modules.models import LearningObjective, Module

NO_VIDEO = "A video is missing: upload an MP4 or WebM file."
NO_TRANSCRIPT = "A transcript is missing: upload a .txt, .vtt or .srt file."
NO_OBJECTIVE = "At least one learning objective is needed."


class PublishError(Exception):
    """The module lacks something learners need; `problems` has one message per piece."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def publish_problems(
    module: Module,
    *,
    objectives: Sequence[LearningObjective] | None = None,
    has_video: bool | None = None,
    has_transcript: bool | None = None,
) -> list[str]:
    """What is missing; the keywords describe a module about to be saved, else the database."""
    if objectives is None:
        objectives = list(module.objectives.order_by("position", "pk")) if module.pk else []
    if has_video is None:
        has_video = bool(module.video)
    if has_transcript is None:
        has_transcript = bool(module.pk) and module.cues.exists()
    problems = []
    if not has_video:
        problems.append(NO_VIDEO)
    if not has_transcript:
        problems.append(NO_TRANSCRIPT)
    if not objectives:
        problems.append(NO_OBJECTIVE)
    for check in publish_checks():
        problems.extend(check(module, list(objectives)))
    return problems


@transaction.atomic
def publish_module(*, module: Module) -> Module:
    """Publish now (or at its scheduled time), or raise PublishError."""
    module = Module.objects.select_for_update().get(pk=module.pk)
    problems = publish_problems(module)
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
