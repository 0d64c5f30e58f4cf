import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import require_owner_or_learner_records
from modules.access import get_visible_module
from modules.models import Module
from quizzes.grading import missed_objectives
from quizzes.models import Attempt, Quiz
from quizzes.services import (
    QuizError,
    UnansweredQuestions,
    WatchReportRejected,
    record_watch,
    shown_questions,
    start_attempt,
    submit_attempt,
    submitted_attempts,
)


def _get_quiz(module: Module) -> Quiz:
    quiz = Quiz.objects.filter(module=module).first()
    if quiz is None:
        raise Http404("This module has no quiz yet.")
    return quiz


def _get_attempt_for_user(request, slug: str, pk: int) -> Attempt:
    """A submitted attempt, for its owner and those who may read learners' records."""
    attempts = Attempt.objects.submitted().select_related("quiz__module", "user")
    attempt = get_object_or_404(attempts, pk=pk, quiz__module__slug=slug)
    require_owner_or_learner_records(request.user, attempt.user_id)
    return attempt


def _answers_from(post, shown) -> dict[int, set[int]]:
    answers: dict[int, set[int]] = {}
    for question, choices in shown:
        valid = {choice.pk for choice in choices}
        picked = set()
        for value in post.getlist(f"question-{question.pk}"):
            if value.isdigit() and int(value) in valid:
                picked.add(int(value))
        if picked:
            answers[question.pk] = picked
    return answers


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def take_quiz(request, slug):
    module = get_visible_module(request.user, slug=slug)
    quiz = _get_quiz(module)
    context = {"module": module, "quiz": quiz}
    if request.method == "POST":
        attempt = Attempt.objects.filter(
            token=_token(request.POST.get("token")), user=request.user, quiz=quiz
        ).first()
        if attempt is None:
            messages.error(request, "This quiz form is no longer valid; here it is again.")
            return redirect("quizzes:take", slug=module.slug)
        if attempt.is_finished:  # a replayed or double-clicked submit
            return redirect(attempt)
        shown = shown_questions(attempt)
        answers = _answers_from(request.POST, shown)
        try:
            finished = submit_attempt(user=request.user, token=attempt.token, answers=answers)
        except UnansweredQuestions as error:
            context.update(unanswered=set(error.question_ids), error=str(error))
        except QuizError as error:
            context["blocked"] = str(error)
            return render(request, "quizzes/quiz.html", context, status=403)
        else:
            return redirect(finished)
    else:
        try:
            attempt = start_attempt(user=request.user, quiz=quiz)
        except QuizError as error:
            context["blocked"] = str(error)
            return render(request, "quizzes/quiz.html", context, status=403)
        shown = shown_questions(attempt)
        answers = {}
    done = submitted_attempts(user=request.user, quiz=quiz).count()
    context.update(attempt=attempt, shown=shown, answers=answers, attempt_number=done + 1)
    return render(request, "quizzes/quiz.html", context, status=400 if "error" in context else 200)


def _token(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


@login_required
def attempt_result(request, slug, pk):
    attempt = _get_attempt_for_user(request, slug, pk)
    quiz = attempt.quiz
    may_retry = not attempt.passed and (
        quiz.max_attempts is None
        or submitted_attempts(user=attempt.user, quiz=quiz).count() < quiz.max_attempts
    )
    answers_hidden = attempt.hides_answers_from(request.user)
    context = {
        "attempt": attempt,
        "module": quiz.module,
        "quiz": quiz,
        "result": attempt.result,
        "may_retry": may_retry and attempt.user == request.user,
        "answers_hidden": answers_hidden,
        "missed_objectives": missed_objectives(attempt.result) if answers_hidden else [],
    }
    return render(request, "quizzes/attempt.html", context)


@require_POST
def watch_progress(request, slug):
    if not request.user.is_authenticated:
        return JsonResponse({"error": "Sign in to keep your progress."}, status=403)
    module = get_visible_module(request.user, slug=slug)
    try:
        payload = json.loads(request.body or b"{}")
        intervals = payload.get("intervals", [])
        position = float(payload.get("position", 0))
        progress = record_watch(
            user=request.user, module=module, intervals=intervals, position=position
        )
    # RecursionError: json refuses deeply nested input ([[[[...) that way.
    except (ValueError, TypeError, AttributeError, RecursionError):
        return JsonResponse({"error": "The report is not valid JSON of intervals."}, status=400)
    except WatchReportRejected as error:
        return JsonResponse({"error": str(error)}, status=422)
    return JsonResponse(
        {
            "watched_seconds": progress.watched_seconds,
            "watched_percent": progress.percent_of(module.duration_seconds),
            "position": progress.position_seconds,
        }
    )
