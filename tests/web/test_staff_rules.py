"""Staff rules that cannot be walked around: two-factor for every staff page, found by the
view a request resolves to; learners' records behind their own permission."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from certificates.services import issue_certificate
from quizzes.models import Attempt
from tests.factories import attach_demo_video, make_completion, make_module, make_quiz

pytestmark = pytest.mark.django_db

SET_UP = reverse("mfa_activate_totp")


@pytest.fixture(autouse=True)
def _two_factor_required(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


def with_two_factor(user):
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def records(learner):
    """A learner's attempt and certificate in a published module, and a draft module."""
    module = make_module(cues=2)
    make_quiz(module)
    completion = make_completion(learner, module)
    certificate = issue_certificate(completion=completion, printed_name="Lee Learner")
    draft = attach_demo_video(make_module(published=False, cues=2))
    make_quiz(draft)
    return {
        "attempt": f"/modules/{module.slug}/quiz/attempts/{completion.attempt_id}/",
        "certificate": f"/certificates/{certificate.code}.pdf",
        "report": "/certificates/report.csv",
        "evaluations": "/certificates/evaluations/",
        "draft": f"/modules/{draft.slug}/",
        "draft video": f"/modules/{draft.slug}/video",
        "draft captions": f"/modules/{draft.slug}/captions.vtt",
        "draft quiz": f"/modules/{draft.slug}/quiz/",
    }


STAFF_PAGES = [
    "attempt",
    "certificate",
    "report",
    "evaluations",
    "draft",
    "draft video",
    "draft captions",
    "draft quiz",
]


# --- two-factor covers every staff page ---------------------------------------------------


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_without_two_factor_are_sent_to_set_it_up_from_every_staff_page(
    programme_staff, records, page
):
    response = signed_in(programme_staff).get(records[page])
    assert response.status_code == 302
    assert response["Location"] == SET_UP


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_with_two_factor_open_every_staff_page(programme_staff, records, page):
    response = signed_in(with_two_factor(programme_staff)).get(records[page])
    assert response.status_code == 200


def test_the_admin_is_recognised_by_its_view_not_by_a_script_name_header(author):
    # gunicorn takes SCRIPT_NAME from a request header: the path becomes /x/admin/ while the
    # view is still the admin's.
    client = signed_in(author)
    response = client.get("/admin/", SCRIPT_NAME="/x")
    assert response.status_code == 302
    assert response["Location"].endswith(SET_UP)
    assert client.get("/admin/modules/module/", SCRIPT_NAME="/x").status_code == 302


def test_staff_without_two_factor_still_see_published_pages_and_their_own_records(
    programme_staff,
):
    module = make_module(cues=2)
    make_quiz(module)
    completion = make_completion(programme_staff, module)
    certificate = issue_certificate(completion=completion, printed_name="Pat Programme")
    client = signed_in(programme_staff)
    for path in (
        f"/modules/{module.slug}/",
        f"/modules/{module.slug}/quiz/attempts/{completion.attempt_id}/",
        f"/certificates/{certificate.code}.pdf",
        "/me/",
    ):
        assert client.get(path).status_code == 200, path


def test_learners_are_not_asked_for_two_factor(learner, records):
    response = signed_in(learner).get(records["attempt"])
    assert response.status_code == 200


# --- learners' records need their own permission -----------------------------------------


@pytest.mark.parametrize("page", ["attempt", "certificate", "report", "evaluations"])
def test_module_authors_with_two_factor_do_not_see_learners_records(author, records, page):
    assert signed_in(with_two_factor(author)).get(records[page]).status_code == 404


def test_the_permission_alone_opens_learners_records_to_any_staff_member(author, records):
    author.user_permissions.add(
        Permission.objects.get(
            codename="view_learner_records", content_type__app_label="certificates"
        )
    )
    client = signed_in(with_two_factor(author))
    for page in ("attempt", "certificate", "report", "evaluations"):
        assert client.get(records[page]).status_code == 200, page


def test_module_authors_see_no_learners_in_the_admin(author, records):
    from tests.conftest import migration_group

    author.groups.add(migration_group("0001_module_authors_group"))
    client = signed_in(with_two_factor(author))
    for model in ("certificates/certificate", "quizzes/attempt", "accounts/user"):
        assert client.get(f"/admin/{model}/").status_code == 403, model
    assert Attempt.objects.exists()


def test_looking_up_a_drafts_code_is_a_staff_right_that_needs_two_factor(programme_staff):
    draft = make_module(published=False)
    client = signed_in(programme_staff)
    response = client.get(f"/lookup/?code={draft.activity_code}")
    assert response.status_code == 302 and response["Location"] == SET_UP
    response = signed_in(with_two_factor(programme_staff)).get(
        f"/lookup/?code={draft.activity_code}"
    )
    assert response["Location"] == draft.get_absolute_url()


def test_staff_without_two_factor_can_still_sign_out_of_the_admin(author):
    client = signed_in(author)
    response = client.post("/admin/logout/")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
