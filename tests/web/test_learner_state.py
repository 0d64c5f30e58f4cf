"""The learner's state in a module, read in one statement as the module page's panels show it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quizzes.learner_state import read_learner_module_state
from quizzes.models import Attempt
from quizzes.services import record_watch
from tests.factories import make_completion, make_module, make_quiz

pytestmark = pytest.mark.django_db


def _submitted(user, quiz, score, *, minutes_ago):
    started = timezone.now() - timedelta(minutes=minutes_ago)
    attempt = Attempt.objects.create(user=user, quiz=quiz, score_percent=score, passed=False)
    Attempt.objects.filter(pk=attempt.pk).update(started_at=started, finished_at=started)
    return attempt


def test_nothing_done_yet_reads_as_the_quiz_alone(learner):
    module = make_module(cues=1)
    quiz = make_quiz(module)
    state = read_learner_module_state(user_id=learner.pk, module=module)
    assert state.quiz == quiz and state.quiz.pass_mark == quiz.pass_mark
    assert (state.watched_percent, state.resume_seconds, state.completion) == (0, 0, None)
    assert (state.attempt_count, state.best_score, state.latest_attempt) == (0, None, None)


def test_a_module_without_a_quiz_still_reads_the_watch_progress(learner):
    module = make_module(cues=1, duration_seconds=600)
    record_watch(user=learner, module=module, intervals=[[0, 60]], position=45)
    state = read_learner_module_state(user_id=learner.pk, module=module)
    assert state.quiz is None
    assert state.watched_percent == 10
    assert state.resume_seconds == 45


def test_attempts_are_counted_with_the_best_score_and_the_latest_one(learner, other_learner):
    module = make_module(cues=1)
    quiz = make_quiz(module)
    _submitted(learner, quiz, Decimal("40"), minutes_ago=30)
    latest = _submitted(learner, quiz, Decimal("60"), minutes_ago=5)
    _submitted(learner, quiz, Decimal("75.5"), minutes_ago=20)
    Attempt.objects.create(user=learner, quiz=quiz)  # open, not submitted: not counted
    _submitted(other_learner, quiz, Decimal("100"), minutes_ago=1)  # someone else's

    with CaptureQueriesContext(connection) as queries:
        state = read_learner_module_state(user_id=learner.pk, module=module)
        url = state.latest_attempt.get_absolute_url()
    assert len(queries.captured_queries) == 1
    assert state.attempt_count == 3
    assert state.best_score == Decimal("75.5")
    assert state.latest_attempt.pk == latest.pk
    assert url == latest.get_absolute_url()
    assert state.completion is None


def test_a_completion_comes_with_its_date_score_and_result_link(learner, other_learner):
    module = make_module(cues=1)
    make_quiz(module)
    make_completion(other_learner, module)
    completion = make_completion(learner, module)
    state = read_learner_module_state(user_id=learner.pk, module=module)
    assert state.completion.completed_at == completion.completed_at
    assert state.completion.attempt.pk == completion.attempt.pk
    assert state.completion.attempt.score_percent == completion.attempt.score_percent == 100
    assert state.completion.attempt.get_absolute_url() == completion.attempt.get_absolute_url()
    assert state.attempt_count == 1
