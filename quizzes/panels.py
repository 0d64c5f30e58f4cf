"""What the quiz layer shows on module pages and in the catalog (see modules.extensions)."""

from django.template.loader import render_to_string

from modules.transcripts import format_timestamp
from quizzes.learner_state import learner_module_state
from quizzes.models import Completion, Quiz, WatchProgress


def learner_completion(request, module) -> Completion | None:
    """The signed-in learner's completion of the module (the certificate panel asks too)."""
    return learner_module_state(request, module).completion


def quiz_panel(request, module) -> str:
    context = {"module": module, "request": request, "user": request.user}
    if not request.user.is_authenticated:
        context["quiz"] = Quiz.objects.filter(module=module).first()
    else:
        state = learner_module_state(request, module)
        context["quiz"] = state.quiz
        if state.progress:
            context["watched_percent"] = state.progress.percent_of(module.duration_seconds)
            if state.progress.position_seconds >= 1:
                context["resume_seconds"] = int(state.progress.position_seconds)
                context["resume_at"] = format_timestamp(int(state.progress.position_seconds))
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
