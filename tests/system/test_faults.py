"""Faults: the database going away, work interrupted half-way, many learners at once.

- The database stops while the site is serving: pages answer a friendly 503 at once (after
  one failed connection a worker's breaker answers without trying for a few seconds), and
  the site recovers by itself when the database is back. This runs gunicorn
  with production settings against a cluster of its own (never the shared one under
  var/postgres), once with the connection pool and once without.
- A quiz submission, a certificate issue or a module import that fails part-way (an error
  raised inside the transaction, or the process killed) leaves nothing half-written.
- 50 learners passing and claiming at the same moment get exactly 50 completions and 50
  certificates; one learner racing themselves gets one of each.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import psycopg
import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.models import User
from certificates.models import Certificate, CertificateEvent, EvaluationAnswer, EvaluationQuestion
from certificates.services import issue_certificate
from coachlearn.middleware import DatabaseUnavailableMiddleware, breaker
from devdb import pgserver
from modules.models import Competency, Module, Series
from packages import importer
from packages.importer import import_package
from quizzes import services as quiz_services
from quizzes.models import Attempt, Completion
from quizzes.services import start_attempt, submit_attempt
from tests.conftest import free_port, run_at_once
from tests.factories import DEMO_DIR, make_completion, make_module, make_quiz
from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def _answers(quiz) -> dict[int, set[int]]:
    return {
        question.pk: {choice.pk for choice in question.choices.all() if choice.is_correct}
        for question in quiz.questions.prefetch_related("choices")
    }


def _stored_files(media_root) -> list[Path]:
    root = Path(media_root)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# ===================================================== the database stops and comes back


def _production_env(var_dir: Path, **extra: str) -> dict[str, str]:
    # A server of its own under var_dir, with the database the commands create there.
    env = child_env(testing=False, EMBEDDED_DATABASE_NAME="coachlearn")
    env.pop("DATABASE_URL", None)
    return {
        **env,
        "VAR_DIR": str(var_dir),
        "DEBUG": "0",
        "HTTPS": "0",  # plain HTTP on the loopback; no TLS proxy in front
        "SECRET_KEY": "fault-test-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        **extra,
    }


def _manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def _get(url: str) -> tuple[int, str]:
    # A generous timeout: the point is that the answer comes, not how fast.
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_for(url: str, status: int, tries: int = 100) -> None:
    for _ in range(tries):
        try:
            if _get(url)[0] == status:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered {status}")


@pytest.fixture(scope="module")
def own_cluster():
    """A var folder with its own embedded cluster, migrated, with static files collected."""
    var_dir = Path(tempfile.mkdtemp(prefix="coachlearn-faults-"))
    var_dir.chmod(0o755)  # the server's system user (when run as root) must get through
    env = _production_env(var_dir)
    layout = pgserver.plan_layout(var_dir / "postgres")
    try:
        _manage(env, "migrate", "--noinput")
        _manage(env, "createcachetable")
        _manage(env, "collectstatic", "--noinput", "-v0")
        yield var_dir, layout
    finally:
        pgserver.remove(layout)
        subprocess.run(["rm", "-rf", str(var_dir)], check=False)


@pytest.fixture(scope="module")
def servers(own_cluster):
    """Two gunicorns on the cluster: with the connection pool (production's default, its
    wait shortened to 3 s) and without it. Both look at the live modules on every request
    (production looks once a second and serves cached public pages meanwhile), so a
    stopped database shows on the very next request."""
    var_dir, layout = own_cluster
    running = {}
    every_request = {"LIVE_MODULES_MAX_AGE": "0"}
    for name, extra in {
        "pool": {"DB_POOL_MAX_SIZE": "2", "DB_POOL_TIMEOUT": "3", **every_request},
        "no pool": {"DB_POOL_MAX_SIZE": "0", **every_request},
    }.items():
        port = free_port()
        process = subprocess.Popen(
            [GUNICORN, "coachlearn.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=_production_env(var_dir, **extra),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        running[name] = (f"http://127.0.0.1:{port}", process)
    try:
        for url, _ in running.values():
            _wait_for(url + "/", 200)
        yield running
    finally:
        for _, process in running.values():
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


# Pages that read the database (the sign-in form, for one, does not).
PAGES = ["/", "/modules/no-such-module/", "/verify/ABCD1234EFGH567/", "/search/?q=feedback"]


@pytest.mark.parametrize("server", ["pool", "no pool"])
def test_pages_answer_a_friendly_503_while_the_database_is_down_and_recover(
    servers, own_cluster, server
):
    _, layout = own_cluster
    url, _ = servers[server]
    for page in PAGES:
        assert _get(url + page)[0] in (200, 404), page
    pgserver.stop(layout)
    try:
        for page in PAGES:
            status, body = _get(url + page)
            assert status == 503, (page, status)
            assert "back in a moment" in body and "Nothing you have done is lost" in body
        assert _get(url + "/healthz")[0] == 200  # liveness needs no database
    finally:
        pgserver._start(layout)
    pgserver.wait_until_accepting(layout)
    _wait_for(url + "/", 200)  # recovers by itself: no restart of the app server
    for page in PAGES:
        assert _get(url + page)[0] in (200, 404), page


def test_the_503_page_carries_retry_after_and_the_security_headers(servers, own_cluster):
    _, layout = own_cluster
    url, _ = servers["no pool"]
    pgserver.stop(layout)
    try:
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(url + "/", timeout=15)
    finally:
        pgserver._start(layout)
    headers = answer.value.headers
    assert answer.value.code == 503
    assert headers["Retry-After"] == "30"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    pgserver.wait_until_accepting(layout)
    _wait_for(url + "/", 200)


# ================================================ the breaker: a 503 at once, no waiting


def _failing_connection(request):
    # What Django raises when psycopg cannot connect: an OperationalError with no SQLSTATE.
    try:
        raise psycopg.OperationalError("connection refused")
    except psycopg.OperationalError as error:
        raise OperationalError(str(error)) from error


@pytest.fixture
def armed_breaker():
    """The worker's breaker, open for 0.3 s after a failure (production: 2 s)."""
    breaker.seconds, breaker.open_until = 0.3, 0.0
    yield breaker
    breaker.seconds, breaker.open_until = 0.0, 0.0


def _answer(get_response) -> int:
    middleware = DatabaseUnavailableMiddleware(get_response)
    request = RequestFactory().get("/")
    try:
        return middleware(request).status_code
    except OperationalError as error:  # what the handler would pass to process_exception
        return middleware.process_exception(request, error).status_code


def test_after_a_failed_connection_the_breaker_answers_503_without_touching_the_database(
    armed_breaker,
):
    # No django_db mark: any use of the database in this test fails it.
    assert _answer(_failing_connection) == 503
    assert armed_breaker.is_open()
    views_called = []
    assert _answer(lambda request: views_called.append(request) or HttpResponse()) == 503
    assert views_called == []
    time.sleep(0.35)  # the spell is over: the next request tries again, and recovers
    assert _answer(lambda request: views_called.append(request) or HttpResponse()) == 200
    assert len(views_called) == 1


def test_a_query_that_fails_on_its_own_leaves_the_breaker_closed(armed_breaker):
    def deadlock(request):
        try:
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        except psycopg.Error as error:
            raise OperationalError(str(error)) from error

    assert _answer(deadlock) == 503
    assert not armed_breaker.is_open()


# ======================================================== interrupted part-way: raise


class Interrupted(Exception):
    pass


def _raise(*args, **kwargs):
    raise Interrupted("the power went out")


@pytest.fixture
def passing_module(db):
    module = make_module(objectives=2)
    make_quiz(module)
    return module


@pytest.mark.django_db
def test_a_submission_interrupted_before_completion_leaves_the_attempt_ungraded(
    learner, passing_module, monkeypatch
):
    quiz = passing_module.quiz
    attempt = start_attempt(user=learner, quiz=quiz)
    monkeypatch.setattr(quiz_services, "_complete", _raise)  # the last step of grading
    with pytest.raises(Interrupted):
        submit_attempt(user=learner, token=attempt.token, answers=_answers(quiz))
    attempt.refresh_from_db()
    assert attempt.finished_at is None and not attempt.passed and attempt.result in (None, {})
    assert not Completion.objects.exists()
    monkeypatch.undo()
    # The learner simply submits again.
    submit_attempt(user=learner, token=attempt.token, answers=_answers(quiz))
    assert Completion.objects.get().attempt == attempt


def _no_attempt_passed_without_completion() -> None:
    for attempt in Attempt.objects.filter(passed=True).select_related("quiz"):
        assert Completion.objects.filter(user=attempt.user, module=attempt.quiz.module).exists()


@pytest.fixture
def claimable(learner, passing_module):
    question = EvaluationQuestion.objects.create(
        module=passing_module, text="Useful?", kind=EvaluationQuestion.Kind.YES_NO
    )
    return make_completion(learner, passing_module), {question.pk: "yes"}


@pytest.mark.django_db
@pytest.mark.parametrize("step", ["event", "evaluation answers"])
def test_a_certificate_issue_interrupted_part_way_leaves_no_certificate(
    claimable, monkeypatch, step
):
    completion, evaluation = claimable
    manager = CertificateEvent.objects if step == "event" else EvaluationAnswer.objects
    monkeypatch.setattr(manager, "create" if step == "event" else "bulk_create", _raise)
    with pytest.raises(Interrupted):
        issue_certificate(completion=completion, printed_name="Lee Learner", evaluation=evaluation)
    assert not Certificate.objects.exists()
    assert not CertificateEvent.objects.exists()
    assert not EvaluationAnswer.objects.exists()
    monkeypatch.undo()
    certificate = issue_certificate(
        completion=completion, printed_name="Lee Learner", evaluation=evaluation
    )
    assert certificate.events.count() == 1 and EvaluationAnswer.objects.count() == 1


def _package_zip(path: Path, *, slug: str = "interrupted", title: str = "Interrupted") -> Path:
    manifest = f"""format = 1

[module]
slug = "{slug}"
title = "{title}"
activity_code = "IN-0001"
objectives = ["Listen first."]
competencies = ["Listening"]
transcript = "transcript.vtt"
video = "video.webm"

[series]
slug = "interrupted-series"
title = "Interrupted series"
"""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("module.toml", manifest)
        archive.writestr("transcript.vtt", "WEBVTT\n\n00:00.000 --> 00:04.000\nWelcome.\n")
        archive.writestr("video.webm", (DEMO_DIR / "coaching-basics.webm").read_bytes())
    return path


@pytest.mark.django_db
def test_a_module_import_interrupted_at_its_last_step_leaves_nothing(
    tmp_path, settings, monkeypatch
):
    monkeypatch.setattr(importer, "replace_cues", _raise)  # called last, inside the transaction
    with pytest.raises(Interrupted):
        import_package(path=_package_zip(tmp_path / "p.zip"))
    assert not Module.objects.exists()
    assert not Series.objects.exists() and not Competency.objects.exists()
    assert _stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_an_update_import_interrupted_leaves_the_module_as_it_was(tmp_path, settings, monkeypatch):
    module = import_package(path=_package_zip(tmp_path / "first.zip")).module
    files_before = _stored_files(settings.MEDIA_ROOT)
    monkeypatch.setattr(importer, "replace_cues", _raise)
    with pytest.raises(Interrupted):
        import_package(path=_package_zip(tmp_path / "second.zip", title="Changed"))
    module.refresh_from_db()
    assert module.title == "Interrupted" and module.cues.count() == 1
    assert _stored_files(settings.MEDIA_ROOT) == files_before
    assert module.video.storage.exists(module.video.name)


# ===================================================== interrupted part-way: kill -9

# Run in a separate process on the test database: the step named is replaced by one that
# kills the process on the spot (SIGKILL: no cleanup, no atexit), inside the transaction.
KILLER = """
import os, signal, sys
import django
django.setup()
from pathlib import Path

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

what = sys.argv[1]
if what == "submit":
    from quizzes import services
    from quizzes.models import Attempt
    services._complete = die
    attempt = Attempt.objects.get(pk=int(sys.argv[2]))
    answers = {
        q.pk: {c.pk for c in q.choices.all() if c.is_correct}
        for q in attempt.quiz.questions.prefetch_related("choices")
    }
    services.submit_attempt(user=attempt.user, token=attempt.token, answers=answers)
elif what == "claim":
    from certificates import services
    from certificates.models import CertificateEvent
    from quizzes.models import Completion
    CertificateEvent.objects.create = die
    completion = Completion.objects.get(pk=int(sys.argv[2]))
    services.issue_certificate(completion=completion, printed_name="Lee Learner")
elif what == "import":
    from packages import importer
    importer.replace_cues = die
    importer.import_package(path=Path(sys.argv[2]))
print("not killed")
"""


def _killed_in(step: str, argument: str, settings) -> None:
    env = child_env(
        DJANGO_SETTINGS_MODULE="coachlearn.settings", MEDIA_ROOT=str(settings.MEDIA_ROOT)
    )
    result = subprocess.run(
        [PYTHON, "-c", KILLER, step, argument],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == -signal.SIGKILL, result.stdout + result.stderr


@pytest.mark.django_db(transaction=True)
def test_a_submission_killed_mid_way_leaves_the_attempt_open(learner, settings):
    module = make_module(objectives=2)
    quiz = make_quiz(module)
    attempt = start_attempt(user=learner, quiz=quiz)
    _killed_in("submit", str(attempt.pk), settings)
    attempt.refresh_from_db()
    assert attempt.finished_at is None and not Completion.objects.exists()
    _no_attempt_passed_without_completion()


@pytest.mark.django_db(transaction=True)
def test_a_certificate_issue_killed_mid_way_leaves_no_certificate(learner, settings):
    completion = make_completion(learner, make_module())
    _killed_in("claim", str(completion.pk), settings)
    assert not Certificate.objects.exists() and not CertificateEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_module_import_killed_mid_way_leaves_no_module(tmp_path, settings):
    _killed_in("import", str(_package_zip(tmp_path / "p.zip")), settings)
    assert not Module.objects.exists() and not Series.objects.exists()
    # The database is clean. The video written just before the kill may stay behind as an
    # orphan file (no row points at it); it is never served, and importing again works.
    import_package(path=_package_zip(tmp_path / "again.zip"))
    assert Module.objects.get().video


# ======================================================== many learners at once

LEARNERS = 50


def _learners(count: int) -> list:
    # Without passwords: hashing 50 of them would take most of the test's time.
    return User.objects.bulk_create(
        User(email=f"coach{n}@example.org", certificate_name=f"Coach {n}") for n in range(count)
    )


@pytest.mark.django_db(transaction=True)
def test_fifty_learners_passing_and_claiming_at_once_get_fifty_of_each():
    module = make_module(objectives=2)
    quiz = make_quiz(module)
    attempts = [start_attempt(user=user, quiz=quiz) for user in _learners(LEARNERS)]
    answers = _answers(quiz)
    pending = list(attempts)

    def submit():
        attempt = pending.pop()  # list.pop is atomic: one attempt per thread
        return submit_attempt(user=attempt.user, token=attempt.token, answers=answers)

    results = run_at_once(submit, LEARNERS)
    assert all(result.passed for result in results)
    assert Completion.objects.filter(module=module).count() == LEARNERS
    _no_attempt_passed_without_completion()

    completions = list(Completion.objects.filter(module=module).select_related("user", "module"))

    def claim():
        completion = completions.pop()
        return issue_certificate(completion=completion, printed_name=completion.user.email)

    run_at_once(claim, LEARNERS)
    assert Certificate.objects.valid().filter(module=module).count() == LEARNERS
    assert Certificate.objects.values("user").distinct().count() == LEARNERS
    assert CertificateEvent.objects.filter(action="issued").count() == LEARNERS
    assert len({code for code in Certificate.objects.values_list("code", flat=True)}) == LEARNERS


@pytest.mark.django_db(transaction=True)
def test_one_learner_racing_themselves_gets_one_completion_and_one_certificate(learner):
    module = make_module(objectives=2)
    quiz = make_quiz(module)
    attempt = start_attempt(user=learner, quiz=quiz)
    answers = _answers(quiz)
    run_at_once(lambda: submit_attempt(user=learner, token=attempt.token, answers=answers), 20)
    assert Attempt.objects.filter(user=learner, finished_at__isnull=False).count() == 1
    completion = Completion.objects.get(user=learner, module=module)

    certificates = run_at_once(
        lambda: issue_certificate(completion=completion, printed_name="Lee Learner"), 20
    )
    assert len({certificate.pk for certificate in certificates}) == 1
    assert Certificate.objects.filter(user=learner).count() == 1
    assert CertificateEvent.objects.count() == 1
