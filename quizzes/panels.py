"""What the quiz layer shows on module pages and in the catalog (see modules.extensions)."""

from django.db.models import Count, Max
from django.template.loader import render_to_string

from modules.transcripts import format_timestamp
from quizzes.models import Attempt, Completion, Quiz, WatchProgress


def quiz_panel(request, module) -> str:
    context = {"module": module, "request": request, "user": request.user}
    quiz = Quiz.objects.filter(module=module).first()
    context["quiz"] = quiz
    if request.user.is_authenticated:
        progress = WatchProgress.objects.filter(user=request.user, module=module).first()
        if progress:
            context["watched_percent"] = progress.percent_of(module.duration_seconds)
            if progress.position_seconds >= 1:
                context["resume_seconds"] = int(progress.position_seconds)
                context["resume_at"] = format_timestamp(int(progress.position_seconds))
        if quiz is not None:
            context["completion"] = (
                Completion.objects.filter(user=request.user, module=module)
                .select_related("attempt")
                .first()
            )
            stats = (
                Attempt.objects.for_learner(request.user, quiz)
                .submitted()
                .aggregate(count=Count("pk"), best=Max("score_percent"))
            )
            context["attempt_count"] = stats["count"]
            context["best_score"] = stats["best"]
            context["latest_attempt"] = (
                Attempt.objects.for_learner(request.user, quiz).submitted().first()
            )
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
