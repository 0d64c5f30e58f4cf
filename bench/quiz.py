"""Quiz submissions under load: 16 signed-in learners taking an 8-question quiz at once.

Seeds one published module with a quiz of 8 questions (6 single choice, 1 multiple select,
1 true/false, shuffled per attempt) and N learners with verified email addresses. Prints:

  - the server time in-process (django.test.Client, one learner) of the three requests of a
    submission: GET the quiz page, POST the answers, GET the result;
  - with gunicorn (DEBUG=0) on 127.0.0.1 and one client process per learner, each signed in
    through the real sign-in form and looping over GET quiz page (token and choices parsed
    from the HTML), POST answers (some all right, some partly wrong), GET the result it
    redirects to: submissions per second, p50/p95/p99 of each request, the errors (a submit
    answered with anything but 302), /healthz at the same concurrency for scale, and the CPU
    time used by the gunicorn workers, the PostgreSQL backends and the clients.

    .venv/bin/python bench/quiz.py [--seconds 20] [--warmup 3] [--clients 16]
        [--workers 2×cores+1] [--learners 200] [--server-cycles 50]

It uses its own database (coachlearn_bench_quiz) on the embedded server, or DATABASE_URL.
gunicorn runs with DEBUG=0, which needs collected static files: they are collected once
into STATIC_ROOT (default /tmp/coachlearn-bench-static) when missing or older than static/.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import re
import signal
import statistics
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from common import (
    DEFAULT_WORKERS,
    collect_static,
    cpu_seconds,
    free_port,
    percentile,
    start_gunicorn,
    stop_server,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "coachlearn.settings",
    "EMBEDDED_DATABASE_NAME": "coachlearn_bench_quiz",
    "DEBUG": "0",
    "HTTPS": "0",
    "ALLOWED_HOSTS": "127.0.0.1,testserver",  # gunicorn gets 127.0.0.1 only
    "STATIC_ROOT": os.environ.get("STATIC_ROOT", "/tmp/coachlearn-bench-static"),
}
os.environ.update(BENCH_ENV)
SLUG = "bench-quiz"
LABELS = {
    "post": "submit POST (grade, save)",
    "get": "GET quiz page (start attempt)",
    "result": "GET result page",
}
PASSWORD = "bench-learner-password-1"
# allauth's default "login" rate limit (all sign-ins, not only failed ones) is 30/m/ip.
MAX_FORM_SIGN_INS = 30
HEALTHZ_SECONDS = 5


def learner_email(number: int) -> str:
    return f"bench-learner-{number:04d}@example.org"


# --- setup --------------------------------------------------------------------------------


def prepare(learners: int) -> dict[int, list[int]]:
    """Seed the module, quiz and learners; returns {question id: [right choice ids]}."""
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from modules.models import LearningObjective, Module
    from quizzes.models import Attempt, Choice, Completion, Question, Quiz

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    cache.clear()  # allauth's rate-limit counters live in this database's cache

    with transaction.atomic():
        module, _ = Module.objects.update_or_create(
            slug=SLUG,
            defaults={
                "title": "Benchmark quiz module",
                "activity_code": "BQ-0001",
                "is_published": True,
                "published_at": timezone.now(),
                "duration_seconds": 1800,
            },
        )
        quiz, _ = Quiz.objects.update_or_create(
            module=module,
            defaults={"pass_mark": 80, "max_attempts": None, "shuffle": True},
        )
        # Start from no attempts, so every run measures the same thing.
        Completion.objects.filter(module=module).delete()
        Attempt.objects.filter(quiz=quiz).delete()
        if quiz.questions.count() != 8:
            quiz.questions.all().delete()
            module.objectives.all().delete()
            objectives = [
                LearningObjective.objects.create(
                    module=module, position=n, text=f"Benchmark objective {n}"
                )
                for n in range(1, 5)
            ]
            kinds = [Question.Kind.SINGLE] * 6 + [Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE]
            for position, kind in enumerate(kinds, start=1):
                question = Question.objects.create(
                    quiz=quiz,
                    position=position,
                    text=f"Benchmark question {position}: what does the coach do next?",
                    kind=kind,
                    objective=objectives[(position - 1) % 4],
                    review_at_seconds=60 * position,
                )
                if kind == Question.Kind.TRUE_FALSE:
                    right = {1}
                    texts = ["True", "False"]
                elif kind == Question.Kind.MULTIPLE:
                    right = {1, 3}
                    texts = [f"Option {n}" for n in range(1, 5)]
                else:
                    right = {position % 4 + 1}
                    texts = [f"Option {n}" for n in range(1, 5)]
                Choice.objects.bulk_create(
                    Choice(
                        question=question,
                        position=n,
                        text=text,
                        is_correct=n in right,
                        explanation=f"Why option {n} is {'right' if n in right else 'wrong'}.",
                    )
                    for n, text in enumerate(texts, start=1)
                )

    User = get_user_model()
    existing = set(
        User.objects.filter(email__startswith="bench-learner-").values_list("email", flat=True)
    )
    missing = [learner_email(n) for n in range(learners) if learner_email(n) not in existing]
    if missing:
        password_hash = make_password(PASSWORD)  # hashed once for every learner
        with transaction.atomic():
            users = User.objects.bulk_create(
                User(email=email, password=password_hash, certificate_name=email.split("@")[0])
                for email in missing
            )
            EmailAddress.objects.bulk_create(
                EmailAddress(user=user, email=user.email, verified=True, primary=True)
                for user in users
            )
    return {
        question.pk: [choice.pk for choice in question.choices.all() if choice.is_correct]
        for question in quiz.questions.prefetch_related("choices")
    }


def server_time(right: dict[int, list[int]], cycles: int, learner: int) -> None:
    """The three requests of one submission, in-process (django.test.Client), one learner."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(email=learner_email(learner)))
    rng = random.Random(0)
    timings = {"get": [], "post": [], "result": []}
    path = f"/modules/{SLUG}/quiz/"
    for _ in range(cycles):
        t0 = time.perf_counter()
        page = client.get(path)
        t1 = time.perf_counter()
        html = page.content.decode()
        form = {"token": TOKEN_RE.search(html).group(1), **_answers(html, right, rng)}
        submitted = client.post(path, form)
        t2 = time.perf_counter()
        result = client.get(submitted["Location"])
        t3 = time.perf_counter()
        assert (page.status_code, submitted.status_code, result.status_code) == (200, 302, 200)
        timings["get"].append((t1 - t0) * 1000)
        timings["post"].append((t2 - t1) * 1000)
        timings["result"].append((t3 - t2) * 1000)
    print(f"server time in-process, one learner, {cycles} submissions:")
    for key, label in LABELS.items():
        values = timings[key]
        print(
            f"  {label}: median {statistics.median(values):.1f} ms,"
            f" p95 {percentile(values, 0.95):.1f} ms"
        )


def attempts_in_database() -> tuple[int, int, int]:
    from quizzes.models import Attempt, Completion

    attempts = Attempt.objects.filter(quiz__module__slug=SLUG)
    return (
        attempts.filter(finished_at__isnull=False).count(),
        attempts.filter(passed=True).count(),
        Completion.objects.filter(module__slug=SLUG).count(),
    )


# --- the client side: another process, plain http.client with its own cookie jar ----------


class Browser:
    """One learner's HTTP session: cookies kept, reconnecting when the server closes."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self._reconnect()
            raise
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self._reconnect()
        return response.status, response.getheader("Location", ""), data.decode()

    def _reconnect(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([0-9a-f-]{36})"')
CHOICE_RE = re.compile(r'name="question-(\d+)" value="(\d+)"')


def sign_in(browser: Browser, email: str) -> None:
    status, _, page = browser.request("GET", "/accounts/login/")
    csrf = CSRF_RE.search(page)
    if status != 200 or not csrf:
        raise RuntimeError(f"sign-in page answered {status}")
    status, location, _ = browser.request(
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": csrf.group(1), "login": email, "password": PASSWORD},
    )
    if status != 302 or "sessionid" not in browser.cookies:
        raise RuntimeError(f"sign-in of {email} answered {status} {location}")


def _answers(page: str, right: dict[int, list[int]], rng: random.Random) -> dict[str, list]:
    """All right about half the time; otherwise each question wrong with odds 1 in 3."""
    shown: dict[int, list[int]] = {}
    for question, choice in CHOICE_RE.findall(page):
        shown.setdefault(int(question), []).append(int(choice))
    all_right = rng.random() < 0.5
    answers = {}
    for question, choices in shown.items():
        correct = right.get(question, [])
        if all_right or rng.random() >= 1 / 3:
            picked = correct
        else:
            picked = [rng.choice([c for c in choices if c not in correct] or choices)]
        answers[f"question-{question}"] = [str(c) for c in picked]
    return answers


def _learner(port, email, right, seconds, warmup, barrier, queue) -> None:
    _child_signals()
    rng = random.Random(email)
    timings = {"get": [], "post": [], "result": []}
    errors: dict[str, int] = {}
    browser = Browser(port)

    def error(kind: str) -> None:
        errors[kind] = errors.get(kind, 0) + 1

    try:
        sign_in(browser, email)
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        barrier.abort()
        queue.put({"fatal": f"{email}: {exc}"})
        return
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        queue.put({"fatal": f"{email}: another learner could not sign in"})
        return
    started = time.monotonic()
    deadline = started + warmup + seconds
    submits = 0
    cpu_started = None
    quiz_path = f"/modules/{SLUG}/quiz/"
    while time.monotonic() < deadline:
        measuring = time.monotonic() >= started + warmup
        if measuring and cpu_started is None:
            cpu_started = time.process_time()
        try:
            t0 = time.perf_counter()
            status, _, page = browser.request("GET", quiz_path)
            t1 = time.perf_counter()
            token, csrf = TOKEN_RE.search(page), CSRF_RE.search(page)
            if status != 200 or not token or not csrf:
                error(f"quiz page {status}")
                continue
            form = {"csrfmiddlewaretoken": csrf.group(1), "token": token.group(1)}
            form.update(_answers(page, right, rng))
            status, location, _ = browser.request("POST", quiz_path, form)
            t2 = time.perf_counter()
            if status != 302 or "/attempts/" not in location:
                error(f"submit {status}")
                continue
            status, _, page = browser.request("GET", urlsplit(location).path)
            t3 = time.perf_counter()
            if status != 200:
                error(f"result {status}")
        except (OSError, http.client.HTTPException) as exc:
            error(type(exc).__name__)
            continue
        if measuring:
            timings["get"].append((t1 - t0) * 1000)
            timings["post"].append((t2 - t1) * 1000)
            timings["result"].append((t3 - t2) * 1000)
            submits += 1
    cpu = time.process_time() - (cpu_started or time.process_time())
    queue.put({"timings": timings, "errors": errors, "submits": submits, "cpu": cpu})


def _child_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _plain_client(port: int, path: str, seconds: float, queue) -> None:
    _child_signals()
    browser = Browser(port)
    latencies, errors = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            status, _, _ = browser.request("GET", path)
            errors += status != 200
        except (OSError, http.client.HTTPException):
            errors += 1
        latencies.append((time.perf_counter() - started) * 1000)
    queue.put((latencies, errors))


# --- the parent: gunicorn and the client processes ---------------------------------------


def _phase(context, running: list, target, arguments: list[tuple], timeout: float) -> list:
    """Run one client process per argument tuple; their results, once all have finished."""
    queue = context.Queue()
    running[:] = [context.Process(target=target, args=(*a, queue)) for a in arguments]
    for process in running:
        process.start()
    results = [queue.get(timeout=timeout) for _ in running]
    # Let the clients exit by themselves: terminating one that is still flushing its
    # result would leave the queue's lock held.
    for process in running:
        process.join(10)
    _terminate(running)
    return results


def _terminate(processes: list) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(5)


def run(args, right: dict[int, list[int]]) -> None:
    from django.db import connections

    connections.close_all()  # no database connection shared with forked children
    context = multiprocessing.get_context("fork")
    port = free_port()
    server = start_gunicorn(
        port, args.workers, env={**os.environ, **BENCH_ENV, "ALLOWED_HOSTS": "127.0.0.1"}
    )
    database = os.environ["EMBEDDED_DATABASE_NAME"]
    cpu_of = {
        "gunicorn workers": lambda ppid, cmdline: ppid == server.pid,
        "PostgreSQL backends": lambda ppid, cmdline: f" {database} " in cmdline,
    }
    running: list = []
    try:
        wait_for(port, server)
        # The trivial view at the same concurrency, for scale (after a 1 s warm-up).
        plain = [(port, "/healthz", 1)] * args.clients
        _phase(context, running, _plain_client, plain, 60)
        plain = [(port, "/healthz", HEALTHZ_SECONDS)] * args.clients
        healthz = _phase(context, running, _plain_client, plain, 60)

        # The learners sign in, then all start together with this process (parties + 1),
        # which reads the server side's CPU time over the measured seconds.
        barrier = context.Barrier(args.clients + 1)
        learners = [
            (port, learner_email(n), right, args.seconds, args.warmup, barrier)
            for n in range(args.clients)
        ]
        queue = context.Queue()
        running[:] = [context.Process(target=_learner, args=(*a, queue)) for a in learners]
        for process in running:
            process.start()
        cpu = {}
        try:
            barrier.wait(timeout=120)
            time.sleep(args.warmup)
            cpu = {label: cpu_seconds(match) for label, match in cpu_of.items()}
            time.sleep(args.seconds)
            cpu = {label: cpu_seconds(match) - cpu[label] for label, match in cpu_of.items()}
        except threading.BrokenBarrierError:
            pass  # a sign-in failed: the learners say which
        results = [queue.get(timeout=120) for _ in running]
        for process in running:
            process.join(10)
        _terminate(running)
    finally:
        _terminate(running)  # only after an error or Ctrl-C are any still running
        stop_server(server)

    fatal = [r["fatal"] for r in results if "fatal" in r]
    if fatal:
        raise SystemExit("sign-in failed: " + "; ".join(fatal))
    report(args, healthz, results, cpu)


def report(args, healthz, results, cpu) -> None:
    h_latencies = [value for result in healthz for value in result[0]]
    h_errors = sum(result[1] for result in healthz)
    timings = {key: [v for r in results for v in r["timings"][key]] for key in ("get", "post")}
    timings["result"] = [v for r in results for v in r["timings"]["result"]]
    submits = sum(r["submits"] for r in results)
    errors: dict[str, int] = {}
    for result in results:
        for kind, count in result["errors"].items():
            errors[kind] = errors.get(kind, 0) + count
    submit_errors = sum(count for kind, count in errors.items() if kind.startswith("submit"))
    done, passed, completions = attempts_in_database()
    rate = submits / args.seconds
    print(
        f"gunicorn, {args.workers} workers, {args.clients} signed-in learners"
        f" (client processes), {os.cpu_count()} cores, {args.seconds:g} s measured"
        f" after {args.warmup:g} s warm-up:"
    )
    print(
        f"  /healthz: {len(h_latencies) / HEALTHZ_SECONDS:.0f} req/s, p50"
        f" {statistics.median(h_latencies):.1f} ms, errors {h_errors}"
    )
    print(
        f"  quiz submissions: {rate:.1f}/s ({submits} in {args.seconds:g} s;"
        f" each = GET quiz page + POST answers + GET result)"
    )
    for key, label in LABELS.items():
        values = timings[key]
        if not values:
            print(f"  {label}: no data")
            continue
        print(
            f"  {label}: p50 {percentile(values, 0.50):.1f} ms, p95"
            f" {percentile(values, 0.95):.1f} ms, p99 {percentile(values, 0.99):.1f} ms"
        )
    print(
        f"  submit errors (not 302): {submit_errors}; all errors, warm-up included:"
        f" {errors or 'none'}"
    )
    cpu["client processes"] = sum(r.get("cpu", 0) for r in results)
    available = args.seconds * (os.cpu_count() or 1)
    print(
        f"  CPU over the measured {args.seconds:g} s ({available:g} core-seconds available): "
        + ", ".join(f"{label} {value:.1f} s" for label, value in cpu.items())
        + f"; load average now {os.getloadavg()[0]:.1f}"
    )
    print(
        f"  database after the run (warm-up and in-process runs included): {done} submitted"
        f" attempts, {passed} passed, {completions} completions"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--server-cycles", type=int, default=50)
    args = parser.parse_args()
    if args.clients > min(args.learners - 1, MAX_FORM_SIGN_INS):
        parser.error(
            f"--clients must be at most --learners and {MAX_FORM_SIGN_INS}"
            " (allauth's sign-in rate limit per IP and minute)"
        )
    # SIGTERM unwinds like Ctrl-C, so the finally blocks stop gunicorn and the clients.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(f"load average before: {os.getloadavg()[0]:.1f} (1 min)")
    try:
        collect_static()
        right = prepare(args.learners)
        server_time(right, args.server_cycles, learner=args.learners - 1)  # not a client's
        run(args, right)
    except KeyboardInterrupt:
        raise SystemExit("interrupted; gunicorn and the clients are stopped") from None


if __name__ == "__main__":
    main()
