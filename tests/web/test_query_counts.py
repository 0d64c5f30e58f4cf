"""SQL per request stays flat as the data grows: the pages of the load benchmark (bench/load)
ask the database as many times for small data as for large. The module page and the
catalog have theirs in test_page_cache.py and test_catalog.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates.services import issue_certificate
from modules.live import live_catalog
from quizzes.models import Attempt
from tests.factories import make_completion, make_module, make_quiz, right_answers

pytestmark = pytest.mark.django_db


def _queries(client, url, data=None, *, expect=200) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code == expect, (url, response.status_code)
    return len(context.captured_queries)


def test_captions_ask_as_much_for_1000_cues_as_for_10(client):
    small, large = make_module(cues=10), make_module(cues=1000)
    live_catalog()  # the live modules' list is read once after modules appear: not counted
    for _ in range(2):  # cold, then from the cache
        assert _queries(client, reverse("modules:captions", args=[small.slug])) == _queries(
            client, reverse("modules:captions", args=[large.slug])
        )


def _quiz_counts(client, module, quiz) -> tuple[int, int]:
    url = reverse("quizzes:take", args=[module.slug])
    opening = _queries(client, url)
    token = Attempt.objects.open().get(quiz=quiz).token
    submitting = _queries(client, url, {"token": str(token), **right_answers(quiz)}, expect=302)
    return opening, submitting


def test_opening_and_submitting_a_quiz_ask_as_much_for_18_questions_as_for_3(
    client, learner, other_learner
):
    client.force_login(learner)
    small = make_module(objectives=1, cues=3)
    large = make_module(objectives=6, cues=3)
    quizzes = {module: make_quiz(module, questions_per_objective=3) for module in (small, large)}
    for module in (small, large):  # others' attempts are no concern of this learner's page
        make_completion(other_learner, module)
    live_catalog()
    assert _quiz_counts(client, small, quizzes[small]) == _quiz_counts(
        client, large, quizzes[large]
    )


def _download_count(client, learner, certificates: int) -> int:
    issued = [
        issue_certificate(
            completion=make_completion(learner, make_module(cues=1)), printed_name="Pat Coach"
        )
        for _ in range(certificates)
    ]
    url = issued[0].get_absolute_url()
    _queries(client, url)  # renders and stores the PDF
    return _queries(client, url)


def test_a_stored_certificate_downloads_with_as_few_queries_among_30_as_alone(
    client, learner, other_learner
):
    client.force_login(learner)
    alone = _download_count(client, learner, 1)
    client.force_login(other_learner)
    among_many = _download_count(client, other_learner, 30)
    assert alone == among_many


def test_my_learning_asks_as_much_for_20_modules_as_for_2(client, learner, other_learner):
    def count(user, modules: int) -> int:
        client.force_login(user)
        for _ in range(modules):
            make_completion(user, make_module(cues=1))
        return _queries(client, reverse("my_learning"))

    assert count(learner, 2) == count(other_learner, 20)


def test_the_admin_quiz_page_asks_as_much_for_12_questions_as_for_2(client, admin_user):
    client.force_login(admin_user)
    small = make_quiz(make_module(objectives=1), questions_per_objective=2)
    large = make_quiz(make_module(objectives=4), questions_per_objective=3)
    counts = []
    for quiz in (small, large):
        url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
        page = client.get(url).content.decode()  # also loads Django's content types once
        counts.append(_queries(client, url))
        choices = quiz.questions.first().choices
        summary = f"{choices.count()} choices, {choices.filter(is_correct=True).count()} correct"
        assert summary in page
    assert counts[0] == counts[1]


def test_the_admin_attempt_list_asks_as_much_for_30_attempts_as_for_3(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:quizzes_attempt_changelist")

    def count(attempts: int) -> int:
        for _ in range(attempts):
            make_completion(admin_user, make_module(cues=1))  # a submitted attempt each
        return _queries(client, url)

    assert count(3) == count(27)
