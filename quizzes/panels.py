"""What the quiz layer shows on module pages and in the catalog (see modules.extensions)."""

from django.template.loader import render_to_string

from modules.transcripts import format_timestamp
from quizzes.models import Attempt, Completion, Quiz, WatchProgress


def learner_completion(request, module) -> Completion | None:
    """The signed-in learner's completion of the module, read once per request: the quiz
    panel and the certificate panel both need it."""
    memo = request.__dict__.setdefault("_module_completions", {})
    if module.pk not in memo:
        memo[module.pk] = (
            Completion.objects.filter(user=request.user, module=module)
            .select_related("attempt")
            .defer("attempt__order", "attempt__answers", "attempt__result")  # graded detail
            .first()
        )
    return memo[module.pk]


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
            quiz.module = module  # links to attempts name the module: no query for it
            context["completion"] = learner_completion(request, module)
            if context["completion"] is None:
                context.update(_attempt_summary(request.user, quiz))
    return render_to_string("quizzes/includes/module_quiz_panel.html", context, request=request)


def _attempt_summary(user, quiz) -> dict:
    """Count, best score and latest of the learner's submitted attempts, from one query
    (a learner has a handful of attempts at most)."""
    attempts = list(
        Attempt.objects.for_learner(user, quiz)
        .submitted()
        .only("pk", "quiz_id", "score_percent", "started_at")
        .order_by("-started_at")
    )
    for attempt in attempts:
        attempt.quiz = quiz
    scores = [attempt.score_percent for attempt in attempts if attempt.score_percent is not None]
    return {
        "attempt_count": len(attempts),
        "best_score": max(scores, default=None),
        "latest_attempt": attempts[0] if attempts else None,
    }


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
