"""Security headers on every kind of page, production settings, and the strict CSP in a
real browser: the module page's transcript and the admin still work, nothing is blocked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from certificates.services import issue_certificate
from quizzes.models import Attempt
from tests.factories import PASSWORD, attach_demo_video, make_completion, make_module, make_quiz
from tests.processes import child_env

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "a-production-secret-from-the-environment-1234567890",
    "ALLOWED_HOSTS": "coachlearn.example.org",
}


# --- production settings ------------------------------------------------------------


def _production_settings() -> dict:
    """The security settings as a production process computes them (a fresh interpreter)."""
    names = [
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SAMESITE",
        "X_FRAME_OPTIONS",
        "SECURE_REFERRER_POLICY",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "CONTENT_SECURITY_POLICY",
        "PERMISSIONS_POLICY",
        "MIDDLEWARE",
    ]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=child_env(
            testing=False, **PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="coachlearn.settings"
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_turn_on_every_protection():
    values = _production_settings()
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_SSL_REDIRECT"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"] and values["CSRF_COOKIE_HTTPONLY"]
    assert values["SESSION_COOKIE_SAMESITE"] == values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert values["PERMISSIONS_POLICY"]["camera"] == []


def test_the_csp_allows_nothing_inline_and_nothing_from_elsewhere():
    directives = _production_settings()["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    for sources in directives.values():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
        assert not any(source.startswith(("http", "*")) for source in sources)
    assert directives["default-src"] == directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]


def test_the_csp_and_the_database_guard_wrap_every_other_middleware():
    middleware = _production_settings()["MIDDLEWARE"]
    # Only the request's log line and its timing sit outside: they add no page and no query.
    assert middleware[:7] == [
        "coachlearn.request_log.RequestLogMiddleware",
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "csp.middleware.CSPMiddleware",
        "coachlearn.middleware.PermissionsPolicyMiddleware",
        "coachlearn.middleware.DatabaseUnavailableMiddleware",
        "coachlearn.middleware.UrlLengthLimitMiddleware",
    ]


# --- headers on every kind of page ----------------------------------------------------


@pytest.fixture(scope="module")
def production_settings() -> dict:
    return _production_settings()


@pytest.fixture
def https(settings, production_settings):
    """The HTTPS part of the settings a production process computes, for requests made as
    https:// (the tests run without it)."""
    for name in (
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ):
        setattr(settings, name, production_settings[name])
    return settings


@pytest.fixture
def pages(db, learner, admin_user) -> dict[str, tuple[str, object]]:
    """One address of each page type, with who looks at it (None: signed out)."""
    module = attach_demo_video(make_module(cues=5, duration_seconds=200))
    make_quiz(module)
    completion = make_completion(learner, module)
    certificate = issue_certificate(completion=completion, printed_name="Lee Learner")
    attempt = Attempt.objects.get(pk=completion.attempt_id)
    return {
        "catalog": ("/", None),
        "module page": (module.get_absolute_url(), None),
        "quiz": (f"/modules/{module.slug}/quiz/", learner),
        "attempt": (f"/modules/{module.slug}/quiz/attempts/{attempt.pk}/", learner),
        "certificates": ("/certificates/", learner),
        "verify": (f"/verify/{certificate.code}/", None),
        "search": ("/search/?q=confidentiality", None),
        "sign-in": ("/accounts/login/", None),
        "admin": ("/admin/", admin_user),
        "admin module form": ("/admin/modules/module/add/", admin_user),
        "not found": ("/no/such/page/", None),
    }


def _fetch(https, path: str, user):
    client = Client()  # made after the settings change: its middleware reads them
    if user is not None:
        client.force_login(user)
    return client.get(path, secure=True)


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize(
    "kind",
    [
        "catalog",
        "module page",
        "quiz",
        "attempt",
        "certificates",
        "verify",
        "search",
        "sign-in",
        "admin",
        "admin module form",
        "not found",
    ],
)
def test_every_page_type_sends_the_security_headers(https, pages, kind):
    path, user = pages[kind]
    response = _fetch(https, path, user)
    assert response.status_code in (200, 404), (kind, response.status_code)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "fullscreen=(self)" in response["Permissions-Policy"]
    policy = _csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_signing_in_sets_secure_http_only_same_site_cookies(https, learner):
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": learner.email, "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        cookie = response.cookies[name]
        assert cookie["secure"] and cookie["httponly"], name
        assert cookie["samesite"] == "Lax", name


def test_pages_carry_no_inline_script_or_handler_or_style_attribute(https, pages):
    for kind, (path, user) in pages.items():
        html = _fetch(https, path, user).content.decode()
        assert " onclick=" not in html and " onload=" not in html, kind
        assert ' style="' not in html, kind
        for chunk in html.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or "application/json" in tag, (kind, tag)


# --- the CSP in a real browser ----------------------------------------------------------

# Recorded before any page script runs: Playwright's init scripts are not subject to CSP.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


@pytest.fixture
def watched_page(browser):
    """A page that records CSP violations from events and from the console."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text
            and page.console_violations.append(message.text)
        ),
    )
    yield page
    context.close()


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations") + page.console_violations


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_interactive_transcript_works_under_the_csp(watched_page, live_server):
    page = watched_page
    module = attach_demo_video(make_module(cues=30, duration_seconds=200))
    response = page.goto(live_server.url + module.get_absolute_url())
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    page.click("[data-seek='60']")
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 60) < 1.5")
    assert page.get_attribute("[data-seek][aria-current='true']", "data-seek") == "60"
    page.fill("[data-transcript-find]", "Line 1")
    page.wait_for_function("() => document.querySelector('[data-transcript-status]').textContent")
    assert _violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sign_in_the_admin_and_two_factor_setup_work_under_the_csp(watched_page, live_server):
    from tests.conftest import _user

    _user("boss@example.org", "Bo Boss", is_staff=True, is_superuser=True)
    page = watched_page
    page.goto(live_server.url + "/admin/")
    page.fill("input[name='login']", "boss@example.org")
    page.fill("input[name='password']", PASSWORD)
    page.press("input[name='password']", "Enter")
    page.wait_for_url("**/admin/")
    page.goto(live_server.url + "/admin/modules/module/add/")
    page.wait_for_selector("#upload-progress-bar", state="attached")
    page.goto(live_server.url + "/admin/modules/module/")
    # Two-factor setup shows its QR code as a data: image, which img-src allows.
    page.goto(live_server.url + "/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:  # allauth asks for the password again first
        page.fill("input[name='password']", PASSWORD)
        page.press("input[name='password']", "Enter")
        page.wait_for_url("**/2fa/totp/activate/")
    page.wait_for_function("() => document.querySelector('img[src^=\"data:\"]').complete")
    assert page.evaluate("() => document.querySelector('img[src^=\"data:\"]').naturalWidth") > 0
    assert _violations(page) == []
