"""What the quiz layer shows on module pages (learning.module_page) and in the catalog."""

from django.template.loader import render_to_string

from modules.transcripts import format_timestamp
from quizzes.learner_state import LearnerModuleState
from quizzes.models import Completion, Quiz, WatchProgress


def quiz_panel(request, module, state: LearnerModuleState | None) -> str:
    """The learner's progress and the way to the quiz; `state` is None for a visitor."""
    context = {"module": module, "request": request, "user": request.user}
    if state is None:
        context["quiz"] = Quiz.objects.filter(module=module).first()
    else:
        context["quiz"] = state.quiz
        context["watched_percent"] = state.watched_percent
        if state.resume_seconds:
            context["resume_seconds"] = state.resume_seconds
            context["resume_at"] = format_timestamp(state.resume_seconds)
        if state.quiz is not None:
            context["watch_requirement_met"] = state.quiz.watch_requirement_met(
                context.get("watched_percent", 0)
            )
            context["completion"] = state.completion
            context["attempt_count"] = state.attempt_count
            context["best_score"] = state.best_score
            context["latest_attempt"] = state.latest_attempt
    return render_to_string("quizzes/includes/module_quiz_panel.html", context, request=request)


def catalog_progress(request, modules) -> dict[int, list[str]]:
    if not request.user.is_authenticated:
        return {}
    ids = [module.pk for module in modules]
    durations = {module.pk: module.duration_seconds for module in modules}
    notes: dict[int, list[str]] = {}
    for progress in WatchProgress.objects.filter(user=request.user, module_id__in=ids):
        percent = progress.percent_of(durations.get(progress.module_id))
        if percent:
            notes.setdefault(progress.module_id, []).append(f"Watched {percent}%")
    for module_id in Completion.objects.filter(user=request.user, module_id__in=ids).values_list(
        "module_id", flat=True
    ):
        notes.setdefault(module_id, []).append("Completed")
    return notes
