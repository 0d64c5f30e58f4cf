"""A learner's whole picture for "My learning": progress, saved courses, completions, credit.

It reads from every layer (modules, quizzes, certificates), which is why it lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max
from django.utils import timezone

from certificates.models import Certificate
from modules.models import Module, SavedCourse
from quizzes.models import Attempt, Completion, WatchProgress


@dataclass
class CourseState:
    module: Module
    watched_percent: int = 0
    resume_seconds: int = 0
    attempts: int = 0
    best_score: Decimal | None = None
    completion: Completion | None = None
    certificate: Certificate | None = None
    saved: bool = False


@dataclass
class Learning:
    in_progress: list[CourseState] = field(default_factory=list)
    saved: list[CourseState] = field(default_factory=list)
    completed: list[CourseState] = field(default_factory=list)
    credit_this_year: Decimal = Decimal("0")
    credit_all_time: Decimal = Decimal("0")

    @property
    def is_empty(self) -> bool:
        return not (self.in_progress or self.saved or self.completed)


def course_states(user) -> dict[int, CourseState]:
    """The learner's state for each module they touched."""
    progress = WatchProgress.objects.filter(user=user)
    attempts = Attempt.objects.filter(user=user, finished_at__isnull=False)
    completions = Completion.objects.filter(user=user).select_related("attempt")
    certificates = Certificate.objects.valid().filter(user=user)
    saved = SavedCourse.objects.filter(user=user)
    progress = {p.module_id: p for p in progress}
    attempt_stats = {
        row["quiz__module_id"]: row
        for row in attempts.values("quiz__module_id").annotate(
            count=Count("pk"), best=Max("score_percent")
        )
    }
    completions = {c.module_id: c for c in completions}
    certificates = {c.module_id: c for c in certificates}
    saved_ids = set(saved.values_list("module_id", flat=True))
    ids = set(progress) | set(attempt_stats) | set(completions) | saved_ids
    modules = Module.objects.filter(pk__in=ids).select_related("series").defer("search_vector")
    states = {}
    for module in modules:
        watch = progress.get(module.pk)
        stats = attempt_stats.get(module.pk, {})
        states[module.pk] = CourseState(
            module=module,
            watched_percent=watch.percent_of(module.duration_seconds) if watch else 0,
            resume_seconds=int(watch.position_seconds) if watch else 0,
            attempts=stats.get("count", 0),
            best_score=stats.get("best"),
            completion=completions.get(module.pk),
            certificate=certificates.get(module.pk),
            saved=module.pk in saved_ids,
        )
    return states


def learning_of(user) -> Learning:
    states = course_states(user)
    learning = Learning()
    for state in sorted(states.values(), key=lambda s: (s.module.title.lower(), s.module.pk)):
        if state.completion:
            learning.completed.append(state)
        elif state.watched_percent or state.attempts:
            learning.in_progress.append(state)
        if state.saved:
            learning.saved.append(state)
    learning.completed.sort(key=lambda s: s.completion.completed_at, reverse=True)
    learning.credit_all_time, learning.credit_this_year = (
        Certificate.objects.valid().filter(user=user).credit_totals(timezone.localdate().year)
    )
    return learning
