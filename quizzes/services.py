"""Quiz workflows: starting and submitting attempts, completion, watch progress."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from modules.models import Module
from quizzes.grading import ChoiceSpec, QuestionSpec, grade
from quizzes.models import Attempt, Completion, Question, Quiz, WatchProgress
from quizzes.watching import covered_seconds, merge_intervals

# The fastest playback the player offers, and slack for network delays.
MAX_PLAYBACK_RATE = 2.0
REPORT_SLACK_SECONDS = 10.0
FIRST_REPORT_BUDGET_SECONDS = 60.0
MAX_INTERVALS_PER_REPORT = 200


class QuizError(Exception):
    """A quiz action that cannot go ahead; the message is for the learner."""


class UnansweredQuestions(QuizError):
    def __init__(self, question_ids: list[int]):
        self.question_ids = question_ids
        count = len(question_ids)
        super().__init__(
            f"{count} question{'s' if count != 1 else ''} still need"
            f"{'s' if count == 1 else ''} an answer."
        )


class WatchReportRejected(Exception):
    """A watch-progress report that does not add up; the message says why."""


def submitted_attempts(*, user, quiz: Quiz):
    return Attempt.objects.for_learner(user, quiz).submitted()


def watched_percent(*, user, module: Module) -> int:
    progress = WatchProgress.objects.filter(user=user, module=module).first()
    return progress.percent_of(module.duration_seconds) if progress else 0


def _check_may_attempt(*, user, quiz: Quiz, excluding: Attempt | None = None) -> None:
    if quiz.max_attempts is not None:
        done = submitted_attempts(user=user, quiz=quiz)
        if excluding is not None:
            done = done.exclude(pk=excluding.pk)
        if done.count() >= quiz.max_attempts:
            raise QuizError(
                f"You have used all {quiz.max_attempts} attempts allowed for this quiz."
            )
    if quiz.required_watch_percent:
        watched = watched_percent(user=user, module=quiz.module)
        if not quiz.watch_requirement_met(watched):
            raise QuizError(
                f"Watch at least {quiz.required_watch_percent}% of the video before the quiz "
                f"(you have watched {watched}%)."
            )


def _question_order(quiz: Quiz) -> list[dict]:
    questions = list(quiz.questions.prefetch_related("choices"))
    if quiz.shuffle:
        random.shuffle(questions)
    order = []
    for question in questions:
        choices = [choice.pk for choice in question.choices.all()]
        if quiz.shuffle and question.kind != Question.Kind.TRUE_FALSE:
            random.shuffle(choices)
        order.append({"question": question.pk, "choices": choices})
    return order


def start_attempt(*, user, quiz: Quiz) -> Attempt:
    """The learner's open attempt at this quiz, or a new one in a fresh order."""
    existing = Attempt.objects.for_learner(user, quiz).open().first()
    if existing is not None:
        return existing
    _check_may_attempt(user=user, quiz=quiz)
    if not quiz.questions.exists():
        raise QuizError("This quiz has no questions yet.")
    try:
        with transaction.atomic():
            return Attempt.objects.create(user=user, quiz=quiz, order=_question_order(quiz))
    except IntegrityError:
        # Another tab opened one at the same moment: use that.
        return Attempt.objects.for_learner(user, quiz).open().get()


def shown_questions(attempt: Attempt) -> list[tuple[Question, list]]:
    """The attempt's questions and choices in the order the learner was shown them."""
    ids = [entry["question"] for entry in attempt.order]
    questions = {
        question.pk: question
        for question in Question.objects.filter(pk__in=ids)
        .select_related("objective")
        .prefetch_related("choices")
    }
    shown = []
    for entry in attempt.order:
        question = questions.get(entry["question"])
        if question is None:  # removed from the quiz since the attempt began
            continue
        choices = {choice.pk: choice for choice in question.choices.all()}
        ordered = [choices[pk] for pk in entry["choices"] if pk in choices]
        ordered += [choice for pk, choice in choices.items() if pk not in entry["choices"]]
        shown.append((question, ordered))
    return shown


def _specs(shown: list[tuple[Question, list]]) -> list[QuestionSpec]:
    return [
        QuestionSpec(
            id=question.pk,
            text=question.text,
            kind=question.kind,
            objective_id=question.objective_id,
            objective_text=question.objective.text,
            objective_position=question.objective.position,
            review_at_seconds=question.review_at_seconds,
            choices=tuple(ChoiceSpec(c.pk, c.text, c.is_correct, c.explanation) for c in choices),
        )
        for question, choices in shown
    ]


def submit_attempt(*, user, token, answers: Mapping[int, set[int]]) -> Attempt:
    """Grade an attempt once. Submitting the same attempt again returns it unchanged."""
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .select_related("quiz__module")
            .filter(token=token, user=user)
            .first()
        )
        if attempt is None:
            raise QuizError("This quiz form is no longer valid. Open the quiz again.")
        if attempt.is_finished:
            return attempt
        _check_may_attempt(user=user, quiz=attempt.quiz, excluding=attempt)
        specs = _specs(shown_questions(attempt))
        unanswered = [spec.id for spec in specs if not answers.get(spec.id)]
        if unanswered:
            raise UnansweredQuestions(unanswered)
        result = grade(specs, answers, pass_mark=attempt.quiz.pass_mark)
        attempt.answers = {str(key): sorted(value) for key, value in answers.items()}
        attempt.result = result.as_json()
        attempt.score_percent = result.score_percent
        attempt.passed = result.passed
        attempt.finished_at = timezone.now()
        attempt.save(update_fields=["answers", "result", "score_percent", "passed", "finished_at"])
        if result.passed:
            _complete(attempt)
    return attempt


def _complete(attempt: Attempt) -> None:
    module = attempt.quiz.module
    if Completion.objects.filter(user=attempt.user, module=module).exists():
        return
    try:
        with transaction.atomic():
            Completion.objects.create(
                user=attempt.user, module=module, attempt=attempt, completed_at=attempt.finished_at
            )
    except IntegrityError:
        pass  # a concurrent passing attempt completed the module first


def record_watch(
    *,
    user,
    module: Module,
    intervals: Iterable[Iterable[float]],
    position: float,
    now: datetime | None = None,
) -> WatchProgress:
    """Add played stretches to a learner's progress, checked against the video and the clock."""
    now = now or timezone.now()
    duration = float(module.duration_seconds or 0)
    if duration <= 0:
        raise WatchReportRejected("This module's video has no known duration.")
    reported = []
    for item in list(intervals)[: MAX_INTERVALS_PER_REPORT + 1]:
        start, end = (float(value) for value in item)
        if not (0 <= start < end <= duration + 1):
            raise WatchReportRejected(
                f"Interval {start:g}–{end:g} s is outside the video (0–{duration:g} s)."
            )
        reported.append([start, min(end, duration)])
    if len(reported) > MAX_INTERVALS_PER_REPORT:
        raise WatchReportRejected("Too many intervals in one report.")
    with transaction.atomic():
        progress, _ = WatchProgress.objects.select_for_update().get_or_create(
            user=user, module=module
        )
        merged = merge_intervals([*progress.intervals, *reported])
        watched = covered_seconds(merged)
        added = watched - progress.watched_seconds
        if progress.last_report_at is None:
            budget = FIRST_REPORT_BUDGET_SECONDS
        else:
            elapsed = (now - progress.last_report_at) / timedelta(seconds=1)
            budget = max(elapsed, 0) * MAX_PLAYBACK_RATE + REPORT_SLACK_SECONDS
        if added > budget:
            raise WatchReportRejected(
                f"The report adds {added:.0f} s of video, but only {budget:.0f} s could have "
                "been played since the last one."
            )
        progress.intervals = merged
        progress.watched_seconds = watched
        progress.position_seconds = max(0.0, min(float(position), duration))
        progress.last_report_at = now
        progress.save()
    return progress
