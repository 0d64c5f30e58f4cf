"""Who may open what: every URL pattern of the project, for every kind of visitor.

The table is keyed by URL pattern name (or by route, for the one unnamed pattern). Each
row gives the request and the status expected for each role, in the order of ROLES:

    signed out, learner (owns the objects), another learner, module author, programme
    staff, superuser

"login" means a redirect to the sign-in page (LOGIN_URL), "admin-login" a redirect to
the admin's login address (which itself sends to the sign-in page). Owners' objects are
404 to every other learner; the admin is staff only. A URL pattern that is not in the
table fails `test_every_url_pattern_is_in_the_table`, naming it: decide who may open it
and add a row.

Django admin's own model pages and allauth's internals are left out (they are the
libraries' and are covered by their permissions), but the admin index, our own admin
views and the sign-in, sign-up, sign-out and password-reset pages are in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from certificates.models import Certificate, CertificateEvent
from certificates.services import issue_certificate
from modules.models import VideoProcessing
from quizzes.models import Attempt
from tests.conftest import migration_group
from tests.factories import attach_demo_video, make_completion, make_module, make_quiz

pytestmark = pytest.mark.django_db

ROLES = (
    "signed_out",
    "learner",
    "other_learner",
    "module_author",
    "programme_staff",
    "superuser",
)
LOGIN = "login"
ADMIN_LOGIN = "admin-login"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@dataclass(frozen=True)
class Case:
    """One request and the status each role gets, in the order of ROLES."""

    path: str  # may name objects of the world: {slug}, {draft}, {attempt}, …
    expect: tuple
    method: str = "get"
    data: dict = field(default_factory=dict)


def every(status) -> tuple:
    return (status,) * len(ROLES)


SIGNED_IN = (LOGIN, 200, 200, 200, 200, 200)
# Learners' records need their own permission (programme staff, superusers); being staff
# is not enough, and 404 tells a learner nothing.
LEARNER_RECORDS = (LOGIN, 404, 404, 404, 200, 200)
OWNER_AND_RECORDS = (LOGIN, 200, 404, 404, 200, 200)
OWNER_ONLY = (LOGIN, 200, 404, 404, 404, 404)  # personal lists: not even staff
PUBLISHED = every(200)
DRAFT = (404, 404, 404, 200, 200, 200)  # unpublished modules: staff preview only
ADMIN = (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, 200)

# Keyed by URL pattern name (route for unnamed ones); a list holds several cases.
TABLE: dict[str, Case | list[Case]] = {
    # --- modules: catalog, module page and its files --------------------------------
    "modules:catalog": Case("/", PUBLISHED),
    "module_page": [Case("/modules/{slug}/", PUBLISHED), Case("/modules/{draft}/", DRAFT)],
    "modules:captions": [
        Case("/modules/{slug}/captions.vtt", PUBLISHED),
        Case("/modules/{draft}/captions.vtt", DRAFT),
    ],
    "modules:transcript_text": [
        Case("/modules/{slug}/transcript.txt", PUBLISHED),
        Case("/modules/{draft}/transcript.txt", DRAFT),
    ],
    "modules:video": [
        Case("/modules/{slug}/video", PUBLISHED),
        Case("/modules/{draft}/video", DRAFT),
    ],
    "modules:poster": [
        Case("/modules/{slug}/poster", PUBLISHED),
        Case("/modules/{draft}/poster", DRAFT),
    ],
    "modules:hls": [
        Case("/modules/{slug}/hls/ready/master.m3u8", PUBLISHED),
        Case("/modules/{draft}/hls/ready/master.m3u8", DRAFT),
    ],
    # --- search, lookup, saved searches and courses ---------------------------------
    "modules:search": Case("/search/?q=confidentiality", PUBLISHED),
    "modules:lookup": [
        Case("/lookup/?code={code}", every(302)),
        Case("/lookup/?code={draft_code}", (404, 404, 404, 302, 302, 302)),
    ],
    "modules:saved_searches": Case("/me/searches/", SIGNED_IN),
    "modules:saved_search_create": Case(
        "/me/searches/new/",
        (LOGIN, 302, 302, 302, 302, 302),
        method="post",
        data={"q": "feedback", "name": "Feedback"},
    ),
    "modules:saved_search_rename": Case(
        "/me/searches/{saved_search}/rename/",
        (LOGIN, 302, 404, 404, 404, 404),
        method="post",
        data={"name": "Renamed"},
    ),
    "modules:saved_search_delete": Case(
        "/me/searches/{saved_search_to_delete}/delete/",
        (LOGIN, 302, 404, 404, 404, 404),
        method="post",
    ),
    "modules:saved_courses": Case("/me/courses/", SIGNED_IN),
    "modules:course_save": [
        Case("/me/courses/{slug}/save/", (LOGIN, 302, 302, 302, 302, 302), method="post"),
        Case("/me/courses/{draft}/save/", (LOGIN, 404, 404, 302, 302, 302), method="post"),
    ],
    "modules:course_remove": Case(
        "/me/courses/{slug}/remove/", (LOGIN, 302, 302, 302, 302, 302), method="post"
    ),
    "my_learning": Case("/me/", SIGNED_IN),
    # --- quizzes ----------------------------------------------------------------------
    "quizzes:take": [
        Case("/modules/{slug}/quiz/", SIGNED_IN),
        Case("/modules/{draft}/quiz/", (LOGIN, 404, 404, 200, 200, 200)),
    ],
    "quizzes:attempt": Case("/modules/{slug}/quiz/attempts/{attempt}/", OWNER_AND_RECORDS),
    "quizzes:watch_progress": [
        Case("/modules/{slug}/progress", every(405)),
        Case(
            "/modules/{slug}/progress",
            (403, 200, 200, 200, 200, 200),
            method="post",
            data={"intervals": [[0, 5]], "position": 5},
        ),
        Case(
            "/modules/{draft}/progress",
            (403, 404, 404, 200, 200, 200),
            method="post",
            data={"intervals": [[0, 5]], "position": 5},
        ),
    ],
    # --- certificates -------------------------------------------------------------------
    "certificates:mine": Case("/certificates/", SIGNED_IN),
    # The owner already holds the certificate and the others have no completion: both
    # are sent on (to their certificates, or to the module's quiz).
    "certificates:claim": [
        Case("/certificates/claim/{slug}/", (LOGIN, 302, 302, 302, 302, 302)),
        Case("/certificates/claim/{draft}/", (LOGIN, 404, 404, 302, 302, 302)),
    ],
    "certificates:transcript_pdf": Case("/certificates/transcript.pdf", SIGNED_IN),
    "certificates:transcript_csv": Case("/certificates/transcript.csv", SIGNED_IN),
    "certificates:report_csv": Case("/certificates/report.csv", LEARNER_RECORDS),
    "certificates:evaluations": Case("/certificates/evaluations/", LEARNER_RECORDS),
    "certificates:pdf": [
        Case("/certificates/{certificate}.pdf", OWNER_AND_RECORDS),
        Case("/certificates/{certificate_lower}.pdf", OWNER_AND_RECORDS),
    ],
    "certificates:verify_form": Case("/verify/", PUBLISHED),
    "certificates:verify": [
        Case("/verify/{certificate}/", PUBLISHED),
        Case("/verify/NOSUCHCODE0000/", every(404)),
    ],
    # --- accounts ---------------------------------------------------------------------
    "accounts:profile": Case("/accounts/profile/", SIGNED_IN),
    "account_login": Case("/accounts/login/", (200, 302, 302, 302, 302, 302)),
    "account_signup": Case("/accounts/signup/", (200, 302, 302, 302, 302, 302)),
    "account_logout": Case("/accounts/logout/", (302, 200, 200, 200, 200, 200)),
    "account_reset_password": Case("/accounts/password/reset/", PUBLISHED),
    "account_reset_password_done": Case("/accounts/password/reset/done/", PUBLISHED),
    # A made-up key: the page says the link is bad, to everyone alike.
    "account_reset_password_from_key": Case("/accounts/password/reset/key/1-bad-key/", PUBLISHED),
    "account_reset_password_from_key_done": Case("/accounts/password/reset/key/done/", PUBLISHED),
    # --- the admin ----------------------------------------------------------------------
    "admin/login/": Case("/admin/login/", every(LOGIN)),
    "admin:index": Case("/admin/", ADMIN),
    # Needs the module's view permission: programme staff hold none of the modules app.
    # Timing a transcript changes the module: those who may change modules.
    "admin:modules_module_timing": Case(
        "/admin/modules/module/{module_pk}/timing/",
        (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 403, 200),
    ),
    # The transcript editor changes the module's lines: those who may change modules.
    "admin:modules_module_transcript": Case(
        "/admin/modules/module/{module_pk}/transcript/",
        (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 403, 200),
    ),
    "admin:modules_module_processing": Case(
        "/admin/modules/module/{module_pk}/processing.json",
        (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 403, 200),
    ),
    # Only those allowed to change certificates (superusers here) reissue or revoke.
    "admin:certificates_certificate_reissue": Case(
        "/admin/certificates/certificate/{certificate_pk}/reissue/",
        (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403, 200, 200),
    ),
    "admin:certificates_certificate_revoke": Case(
        "/admin/certificates/certificate/{certificate_pk}/revoke/",
        (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403, 200, 200),
    ),
    # The only question on its objective in a published module: nobody may delete it, and
    # those who may delete questions are sent back to it with the reason.
    "admin:quizzes_question_delete": Case(
        "/admin/quizzes/question/{question}/delete/",
        (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 302, 403, 302),
    ),
    # --- operations ---------------------------------------------------------------------
    "health": Case("/healthz", PUBLISHED),
    "ready": Case("/readyz", PUBLISHED),
    # Only for a scraper with METRICS_TOKEN (tests/system/test_metrics.py); no role opens it.
    "metrics": Case("/metrics", every(404)),
}


# --- walking the URL patterns -----------------------------------------------------------

PROJECT_CODE = (
    "accounts.",
    "authoring.",
    "certificates.",
    "coachlearn.",
    "modules.",
    "quizzes.",
)


def _is_library_internal(key: str, namespace: str, pattern: URLPattern) -> bool:
    """Django admin's model pages (not its index), and allauth's views beyond the pages in the table
    (e-mail management, re-authentication, login codes, two-factor setup): the libraries'
    own views, each behind its own permission or sign-in checks."""
    if namespace.startswith("admin:"):
        return not pattern.lookup_str.startswith(PROJECT_CODE) and key not in TABLE
    return pattern.lookup_str.startswith("allauth.") and key not in TABLE


def _patterns(patterns, namespace: str = "", prefix: str = ""):
    """(key, namespace, pattern) for every pattern: key is the name with its namespaces,
    or the route for an unnamed pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        else:
            key = f"{namespace}{pattern.name}" if pattern.name else prefix + str(pattern.pattern)
            yield key, namespace, pattern


def project_url_keys() -> list[str]:
    return [
        key
        for key, namespace, pattern in _patterns(get_resolver().url_patterns)
        if not _is_library_internal(key, namespace, pattern)
    ]


def table_cases() -> list[tuple[str, Case]]:
    return [
        (key, case)
        for key, cases in TABLE.items()
        for case in (cases if isinstance(cases, list) else [cases])
    ]


# --- the world every role visits --------------------------------------------------------


@pytest.fixture
def authors_group(db):
    return migration_group("0001_module_authors_group")


@pytest.fixture
def users(learner, other_learner, author, programme_staff, admin_user, authors_group):
    author.groups.add(authors_group)
    return {
        "signed_out": None,
        "learner": learner,
        "other_learner": other_learner,
        "module_author": author,
        "programme_staff": programme_staff,
        "superuser": admin_user,
    }


def _module(**fields):
    module = attach_demo_video(make_module(cues=4, duration_seconds=200, **fields))
    module.poster.save("poster.png", ContentFile(PNG), save=True)
    make_quiz(module)
    # Its streaming versions, as the video pipeline leaves them (only the playlist here).
    prefix = f"processed/{module.pk}/ready"
    module.video.storage.save(f"{prefix}/hls/master.m3u8", ContentFile(b"#EXTM3U\n"))
    VideoProcessing.objects.create(
        module=module,
        source=module.video.name,
        status=VideoProcessing.Status.READY,
        prefix=prefix,
        has_hls=True,
    )
    return module


@pytest.fixture
def world(users) -> dict:
    """A published and a draft module; the learner's attempt, certificate and lists."""
    from modules.saved import save_course, save_search

    learner = users["learner"]
    module = _module()
    draft = _module(published=False)
    completion = make_completion(learner, module)
    certificate = issue_certificate(completion=completion, printed_name="Lee Learner")
    attempt = Attempt.objects.get(pk=completion.attempt_id)
    keep = save_search(user=learner, name="Keep", query="agenda", series=None, competency=None)
    drop = save_search(user=learner, name="Drop", query="roles", series=None, competency=None)
    save_course(user=learner, module=module)
    return {
        "slug": module.slug,
        "module_pk": module.pk,
        "code": module.activity_code,
        "draft": draft.slug,
        "draft_code": draft.activity_code,
        "attempt": attempt.pk,
        "certificate": certificate.code,
        "certificate_lower": certificate.code.lower(),
        "certificate_pk": certificate.pk,
        "question": module.quiz.questions.first().pk,
        "saved_search": keep.pk,
        "saved_search_to_delete": drop.pk,
    }


def _client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _request(client: Client, case: Case, world: dict):
    path = case.path.format(**world)
    if case.method == "get":
        return path, client.get(path)
    if path.endswith("/progress"):
        return path, client.post(path, case.data, content_type="application/json")
    return path, client.post(path, case.data)


def _outcome(response) -> int | str:
    """The status, or LOGIN / ADMIN_LOGIN for redirects to a sign-in page."""
    if response.status_code == 302:
        target = response["Location"]
        if target.startswith(reverse(settings.LOGIN_URL)):
            return LOGIN
        if target.startswith("/admin/login/"):
            return ADMIN_LOGIN
    return response.status_code


# --- the tests ----------------------------------------------------------------------------


def test_every_url_pattern_is_in_the_table():
    missing = [key for key in project_url_keys() if key not in TABLE]
    assert not missing, (
        "URL patterns without a row in tests/web/test_access_table.py (decide who may open "
        f"them and add a row): {', '.join(missing)}"
    )


def test_every_row_of_the_table_names_an_existing_url_pattern():
    existing = set(project_url_keys())
    stale = [key for key in TABLE if key not in existing]
    assert not stale, f"rows for URL patterns that no longer exist: {', '.join(stale)}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_the_expected_status_from_every_url(role, users, world):
    client = _client_for(users[role])
    index = ROLES.index(role)
    wrong = []
    for key, case in table_cases():
        path, response = _request(client, case, world)
        expected, got = case.expect[index], _outcome(response)
        if got != expected:
            wrong.append(f"{key} {case.method.upper()} {path}: expected {expected}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_the_table_covers_every_role_for_every_case():
    assert all(len(case.expect) == len(ROLES) for _, case in table_cases())
    size = len(table_cases()) * len(ROLES)
    assert size >= 300, size  # at least 50 requests for each of the six roles


def test_another_learners_404_says_nothing_about_the_owner(users, world):
    client = _client_for(users["other_learner"])
    for path in (
        "/modules/{slug}/quiz/attempts/{attempt}/",
        "/certificates/{certificate}.pdf",
        "/me/searches/{saved_search}/rename/",
    ):
        method = client.post if path.endswith("rename/") else client.get
        response = method(path.format(**world))
        assert response.status_code == 404
        assert b"Lee Learner" not in response.content
        assert b"learner@example.org" not in response.content


# --- the certificate audit trail ----------------------------------------------------------

EVENTS = "/admin/certificates/certificateevent/"


@pytest.fixture
def revoked(users, world):
    """The learner's certificate, revoked by the superuser through the admin."""
    client = _client_for(users["superuser"])
    path = f"/admin/certificates/certificate/{world['certificate_pk']}/revoke/"
    assert client.post(path, {"reason": "Claimed for the wrong module"}).status_code == 302
    return CertificateEvent.objects.get(action=CertificateEvent.Action.REVOKED)


def test_staff_read_who_issued_and_revoked_a_certificate_when_and_why(users, revoked):
    client = _client_for(users["superuser"])
    listing = client.get(EVENTS).content.decode()
    assert "Issued" in listing and "Revoked" in listing
    page = client.get(f"{EVENTS}{revoked.pk}/change/").content.decode()
    assert "Claimed for the wrong module" in page and "admin@example.org" in page
    certificate = client.get(f"/admin/certificates/certificate/{revoked.certificate_id}/change/")
    assert "Claimed for the wrong module" in certificate.content.decode()


def test_nobody_can_add_change_or_delete_audit_events_through_the_admin(users, revoked):
    change, delete = f"{EVENTS}{revoked.pk}/change/", f"{EVENTS}{revoked.pk}/delete/"
    for role in ("superuser", "module_author"):
        client = _client_for(users[role])
        assert client.post(change, {"reason": "rewritten", "action": "issued"}).status_code == 403
        assert client.get(delete).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert client.get(f"{EVENTS}add/").status_code == 403
    page = _client_for(users["superuser"]).get(change).content.decode()
    assert 'name="_save"' not in page  # shown read-only
    revoked.refresh_from_db()
    assert revoked.reason == "Claimed for the wrong module"
    assert CertificateEvent.objects.count() == 2  # issued, revoked


def test_certificates_themselves_cannot_be_edited_or_deleted_in_the_admin(users, world):
    client = _client_for(users["superuser"])
    base = f"/admin/certificates/certificate/{world['certificate_pk']}"
    assert client.post(f"{base}/change/", {"learner_name": "Someone Else"}).status_code == 403
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert Certificate.objects.get(pk=world["certificate_pk"]).learner_name == "Lee Learner"


def test_module_authors_do_not_see_the_audit_trail(users, revoked):
    assert _client_for(users["module_author"]).get(EVENTS).status_code == 403
