"""My learning: in progress, saved, completed with certificate links, credit totals."""

import pytest
from django.urls import reverse

from certificates.services import issue_certificate
from modules.models import SavedCourse
from quizzes.services import record_watch
from tests.factories import make_completion, make_module, make_quiz

pytestmark = pytest.mark.django_db


def test_my_learning_needs_sign_in(client):
    response = client.get(reverse("my_learning"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_empty_picture_says_where_to_start(client, learner):
    client.force_login(learner)
    html = client.get(reverse("my_learning")).content.decode()
    assert "Nothing here yet" in html and 'href="/"' in html


def test_my_learning_shows_progress_saved_completed_and_credit(client, learner, other_learner):
    watching = make_module(title="Asking Questions", duration_seconds=600)
    make_quiz(watching)
    record_watch(user=learner, module=watching, intervals=[[0, 60]], position=61)
    saved = make_module(title="Goal Setting")
    SavedCourse.objects.create(user=learner, module=saved)
    done = make_module(title="Coaching Basics")
    issue_certificate(completion=make_completion(learner, done), printed_name="Lee")
    claimable = make_module(title="Feedback Basics")
    make_completion(learner, claimable)
    make_completion(other_learner, make_module(title="Not Mine"))

    client.force_login(learner)
    html = client.get(reverse("my_learning")).content.decode()
    in_progress = html[html.index("In progress") : html.index('id="saved-heading"')]
    assert "Asking Questions" in in_progress and "Watched 10%" in in_progress
    assert "Resume at 1:01" in in_progress
    saved_part = html[html.index('id="saved-heading"') : html.index('id="completed-heading"')]
    assert "Goal Setting" in saved_part
    completed = html[html.index('id="completed-heading"') :]
    assert "Coaching Basics" in completed and "Download certificate" in completed
    assert "Feedback Basics" in completed and "Claim certificate" in completed
    assert "Not Mine" not in html
    assert "<strong>0.25</strong> credit in" in html


def test_header_links_to_my_learning_once_signed_in(client, learner):
    client.force_login(learner)
    assert 'href="/me/"' in client.get("/").content.decode()


def test_sign_in_lands_on_my_learning_without_next(client, learner):
    from tests.factories import PASSWORD

    response = client.post(reverse("account_login"), {"login": learner.email, "password": PASSWORD})
    assert response["Location"] == "/me/"
