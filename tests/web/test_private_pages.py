"""Pages for a signed-in person are never kept by a cache: `Cache-Control: private,
no-store`, unless the response says otherwise."""

import pytest
from django.urls import reverse

from certificates.services import issue_certificate
from modules.models import SavedSearch
from tests.factories import make_completion, make_module, make_quiz

pytestmark = pytest.mark.django_db

PRIVATE = "private, no-store"


@pytest.fixture
def learners_things(learner):
    module = make_module()
    make_quiz(module)
    completion = make_completion(learner, module)
    certificate = issue_certificate(completion=completion, printed_name="Lee Learner")
    SavedSearch.objects.create(user=learner, name="Mine", query="coaching")
    return module, completion.attempt, certificate


PAGES = {
    "my learning": lambda m, a, c: "/me/",
    "saved searches": lambda m, a, c: "/me/searches/",
    "saved courses": lambda m, a, c: "/me/courses/",
    "my certificates": lambda m, a, c: "/certificates/",
    "transcript pdf": lambda m, a, c: "/certificates/transcript.pdf",
    "transcript csv": lambda m, a, c: "/certificates/transcript.csv",
    "certificate pdf": lambda m, a, c: f"/certificates/{c.code}.pdf",
    "attempt": lambda m, a, c: reverse("quizzes:attempt", args=[m.slug, a.pk]),
    "quiz": lambda m, a, c: reverse("quizzes:take", args=[m.slug]),
    "profile": lambda m, a, c: "/accounts/profile/",
    "email addresses": lambda m, a, c: "/accounts/email/",
    "module page": lambda m, a, c: m.get_absolute_url(),
    "catalog": lambda m, a, c: "/",
}


@pytest.mark.parametrize("page", PAGES)
def test_a_signed_in_persons_page_is_private_and_not_stored(client, learner, learners_things, page):
    client.force_login(learner)
    response = client.get(PAGES[page](*learners_things))
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_signed_out_pages_are_not_marked_private(client, learners_things):
    response = client.get("/")
    assert response.status_code == 200
    assert PRIVATE not in response.get("Cache-Control", "")


def test_a_response_that_sets_its_own_cache_control_keeps_it(client, learner, learners_things):
    client.force_login(learner)
    certificate = learners_things[2]
    response = client.get(reverse("certificates:verify", args=[certificate.code]))
    assert response["Cache-Control"] == "no-cache"
