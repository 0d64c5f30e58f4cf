"""Watch progress: distinct seconds actually played, checked against the video and the clock."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Attempt, Completion, WatchProgress
from quizzes.services import WatchReportRejected, record_watch
from quizzes.watching import covered_seconds, merge_intervals
from tests.factories import make_module, make_quiz, right_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def module(db):
    return make_module(duration_seconds=600)


def _report(client, module, intervals, position=0):
    return client.post(
        reverse("quizzes:watch_progress", args=[module.slug]),
        data=json.dumps({"intervals": intervals, "position": position}),
        content_type="application/json",
    )


def test_intervals_merge_and_overlaps_count_once():
    assert merge_intervals([[10, 20], [0, 5], [15, 30], [30, 31]]) == [[0, 5], [10, 31]]
    assert covered_seconds([[0, 60], [0, 60], [30, 90]]) == 90


def test_replaying_one_minute_ten_times_counts_one_minute(learner, module):
    start = timezone.now()
    for minute in range(10):
        record_watch(
            user=learner,
            module=module,
            intervals=[[0, 60]],
            position=60,
            now=start + timedelta(minutes=minute + 1),
        )
    progress = WatchProgress.objects.get(user=learner, module=module)
    assert progress.watched_seconds == 60
    assert progress.percent_of(600) == 10


def test_dragging_to_the_end_does_not_count_as_watching(learner, module):
    record_watch(user=learner, module=module, intervals=[[590, 600]], position=600)
    assert WatchProgress.objects.get(user=learner).percent_of(600) == 1


def test_ten_minutes_watched_in_one_minute_is_refused(learner, module):
    start = timezone.now()
    record_watch(user=learner, module=module, intervals=[[0, 30]], position=30, now=start)
    with pytest.raises(WatchReportRejected, match="only 130 s could have been played"):
        record_watch(
            user=learner,
            module=module,
            intervals=[[30, 600]],
            position=600,
            now=start + timedelta(minutes=1),
        )
    assert WatchProgress.objects.get(user=learner).watched_seconds == 30


def test_a_first_report_cannot_claim_the_whole_video(learner, module):
    with pytest.raises(WatchReportRejected):
        record_watch(user=learner, module=module, intervals=[[0, 600]], position=600)


def test_intervals_outside_the_video_are_refused(learner, module):
    with pytest.raises(WatchReportRejected, match="outside the video"):
        record_watch(user=learner, module=module, intervals=[[0, 900]], position=0)


def test_progress_endpoint_records_and_answers_the_percentage(client, learner, module):
    client.force_login(learner)
    response = _report(client, module, [[0, 30]], position=30)
    assert response.status_code == 200
    assert response.json() == {"watched_seconds": 30.0, "watched_percent": 5, "position": 30.0}


def test_progress_endpoint_explains_a_refusal(client, learner, module):
    client.force_login(learner)
    response = _report(client, module, [[0, 600]], position=600)
    assert response.status_code == 422
    assert "could have been played" in response.json()["error"]


def test_progress_endpoint_rejects_nonsense(client, learner, module):
    client.force_login(learner)
    response = client.post(
        reverse("quizzes:watch_progress", args=[module.slug]),
        data="not json",
        content_type="application/json",
    )
    assert response.status_code == 400


def test_progress_endpoint_needs_a_signed_in_learner(client, module):
    assert _report(client, module, [[0, 10]]).status_code == 403
    assert not WatchProgress.objects.exists()


def test_progress_endpoint_is_csrf_protected(learner, module):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert _report(client, module, [[0, 10]]).status_code == 403


def test_progress_for_an_unpublished_module_is_404(client, learner):
    draft = make_module(published=False)
    client.force_login(learner)
    assert _report(client, draft, [[0, 10]]).status_code == 404


def test_module_page_and_catalog_show_watched_share_and_resume_point(client, learner, module):
    client.force_login(learner)
    _report(client, module, [[0, 60]], position=83)
    html = client.get(module.get_absolute_url()).content.decode()
    assert "Watched 10% of the video" in html
    assert f'href="{module.get_absolute_url()}?t=83">Resume at 1:23' in html
    assert "Watched 10%" in client.get(reverse("modules:catalog")).content.decode()


def test_watch_requirement_is_enforced_before_the_quiz(client, learner, module):
    make_quiz(module, required_watch_percent=50)
    client.force_login(learner)
    response = client.get(reverse("quizzes:take", args=[module.slug]))
    assert response.status_code == 403
    assert "Watch at least 50% of the video before the quiz" in response.content.decode()
    start = timezone.now()
    for step in range(6):
        record_watch(
            user=learner,
            module=module,
            intervals=[[step * 50, step * 50 + 50]],
            position=0,
            now=start + timedelta(minutes=step),
        )
    assert client.get(reverse("quizzes:take", args=[module.slug])).status_code == 200


def test_watch_requirement_is_enforced_on_the_submit_too(client, learner, module):
    # An attempt opened before the requirement was set (or in another tab, say) is still
    # refused when it is sent: the server checks again, not only when showing the quiz.
    quiz = make_quiz(module, required_watch_percent=0)
    client.force_login(learner)
    url = reverse("quizzes:take", args=[module.slug])
    assert client.get(url).status_code == 200
    attempt = Attempt.objects.get(user=learner, quiz=quiz)
    quiz.required_watch_percent = 50
    quiz.save()
    response = client.post(url, {"token": str(attempt.token), **right_answers(quiz)})
    assert response.status_code == 403
    assert "Watch at least 50% of the video before the quiz" in response.content.decode()
    attempt.refresh_from_db()
    assert not attempt.is_finished
    assert not Completion.objects.filter(user=learner).exists()
