"""Load figures: the public and signed-in pages under 64 connections, against a trivial view.

Seeds (once) a catalogue of 100 published modules of 300 cues each in 5 series, each with 3
objectives, 2 competencies and a 5-question quiz, and 1,000 learners (verified addresses);
64 of them have watch progress on every module, one has 10 certificates. Then starts
gunicorn on 127.0.0.1 with production settings and drives it with wrk (Debian's package;
a Python client when wrk is missing), page after page, each for --seconds after a warm-up:

  - the trivial view, /healthz (first and last: the baseline);
  - the catalog, signed out;
  - a module page signed out (the 100 modules in turn);
  - a module page signed in (64 learners with watch progress × the 100 modules);
  - captions.vtt (the 100 modules);
  - a quiz submission: the submit POST alone (grade, save, 302 to the result), each with its
    own open attempt prepared beforehand (token and answers in the body, half all right);
  - a certificate download, /certificates/<code>.pdf, of a stored PDF (rendered beforehand).

For each: requests per second, p50 and p99 latency, errors (socket errors and responses
other than 2xx/3xx), the ratio of its requests per second to the trivial view's (the mean
of the two /healthz runs), and the CPU time per request of the gunicorn workers plus the
PostgreSQL backends of this database (steadier than req/s on a shared machine).

    .venv/bin/python bench/load.py [--seconds 10] [--warmup 2] [--prewarm 5]
        [--connections 64] [--workers 2×cores+1] [--worker-class gthread|sync] [--threads 4]
        [--client auto|wrk|python] [--profile] [--cache-max-entries N]
        [--servers N] [--nginx] [--redis off|up|down]

gunicorn runs gthread workers (4 threads each) by default, which keep connections alive;
the trivial view is served by the same server. --servers 2 starts two gunicorns (each with
--workers) behind Debian's nginx with deploy/nginx.conf, and the clients talk to nginx;
--redis up puts the shared cache in a redis-server started for the run, --redis down sets
REDIS_URL to a port where nothing listens (Redis down for the whole run). --profile times
and profiles the warm module page in-process afterwards; --cache-max-entries is a what-if
for the database cache's size.

It uses its own database (coachlearn_bench_load) on the embedded server, or DATABASE_URL,
and keeps the catalogue between runs; sessions, open attempts and the cache are made anew
for every run. Static files are collected into STATIC_ROOT (default
/tmp/coachlearn-bench-static) when missing; the certificate PDFs are kept in MEDIA_ROOT
(default /tmp/coachlearn-bench-load-media).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import multiprocessing
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from common import (
    DEFAULT_WORKERS,
    collect_static,
    cpu_seconds,
    free_port,
    percentile,
    start_gunicorn,
    start_nginx,
    start_redis,
    stop_server,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "coachlearn_bench_load"
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "coachlearn.settings",
    "EMBEDDED_DATABASE_NAME": DATABASE,
    "DEBUG": "0",
    "HTTPS": "0",
    "ALLOWED_HOSTS": "127.0.0.1,testserver",  # gunicorn gets 127.0.0.1 only
    "STATIC_ROOT": os.environ.get("STATIC_ROOT", "/tmp/coachlearn-bench-static"),
    "MEDIA_ROOT": os.environ.get("MEDIA_ROOT", "/tmp/coachlearn-bench-load-media"),
}
os.environ.update(BENCH_ENV)

MODULES, CUES, SERIES, OBJECTIVES, COMPETENCIES = 100, 300, 5, 3, 10
LEARNERS = 1000
SIGNED_IN = 64  # learners with watch progress on every module, for the signed-in page
CERTIFICATES = 10  # of learner 0, downloaded as stored PDFs
QUIZ_LEARNERS = range(100, LEARNERS)  # they submit quizzes; their attempts reset each run
MODULE_PREFIX = "load-module-"
LEARNER_PREFIX = "load-learner-"
PASSWORD = "load-learner-password-1"
VOCABULARY = (
    "coach learner agenda feedback listen question goal plan reflect trust silence notice "
    "curious choice support challenge progress meeting patient resident faculty mentor "
    "career clinic rotation evidence summary pause clarify commit options next week"
)
WORDS = VOCABULARY.split()


def learner_email(number: int) -> str:
    return f"{LEARNER_PREFIX}{number:04d}@example.org"


def say(message: str) -> None:
    print(message, flush=True)


# --- seeding (once) -------------------------------------------------------------------------


def seed() -> None:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from certificates.services import issue_certificate
    from modules.models import Competency, Cue, LearningObjective, Module, Series
    from modules.search import refresh_search_vectors
    from quizzes.models import Attempt, Choice, Completion, Question, Quiz, WatchProgress

    User = get_user_model()
    modules = Module.objects.filter(slug__startswith=MODULE_PREFIX)
    state = (
        modules.count(),
        Cue.objects.filter(module__slug__startswith=MODULE_PREFIX).count(),
        User.objects.filter(email__startswith=LEARNER_PREFIX).count(),
    )
    if state == (MODULES, MODULES * CUES, LEARNERS):
        say(f"catalogue already seeded in {DATABASE}")
        return
    if any(state):
        raise SystemExit(
            f"{DATABASE} holds another catalogue ({state[0]} modules, {state[1]} cues,"
            f" {state[2]} learners): drop that database and run again"
        )
    say(f"seeding {DATABASE} (once): {MODULES} modules × {CUES} cues, {LEARNERS:,} learners")
    rng = random.Random(7)
    started = time.perf_counter()

    def done(label: str) -> None:
        say(f"  {label} ({time.perf_counter() - started:.1f} s)")

    published = timezone.now() - timedelta(days=1)
    duration = CUES * 6
    with transaction.atomic():  # all or nothing: an interrupted seed leaves no half catalogue
        series = Series.objects.bulk_create(
            Series(
                title=f"Load series {n + 1}: coaching conversations",
                slug=f"load-series-{n + 1}",
                description="A series of the load benchmark.",
            )
            for n in range(SERIES)
        )
        competencies = Competency.objects.bulk_create(
            Competency(name=f"Load competency {n + 1}") for n in range(COMPETENCIES)
        )
        modules = Module.objects.bulk_create(
            Module(
                series=series[n % SERIES],
                position=n // SERIES + 1,
                title=f"Holding the learner's agenda, part {n + 1}",
                slug=f"{MODULE_PREFIX}{n + 1:03d}",
                activity_code=f"LD-{n + 1:04d}",
                summary="A coach and a resident work out what the meeting is for.",
                description=" ".join(rng.choices(WORDS, k=80)),
                duration_seconds=duration,
                disclosure_statement="Nothing to disclose.",
                participation_statement="Watch the conversation and pass the quiz.",
                is_published=True,
                published_at=published,
            )
            for n in range(MODULES)
        )
        Module.competencies.through.objects.bulk_create(
            Module.competencies.through(module=module, competency=competency)
            for module in modules
            for competency in rng.sample(competencies, 2)
        )
        objectives = LearningObjective.objects.bulk_create(
            LearningObjective(
                module=module,
                position=p,
                text=f"Objective {p}: {' '.join(rng.choices(WORDS, k=8))}",
            )
            for module in modules
            for p in range(1, OBJECTIVES + 1)
        )
        done(f"{MODULES} modules, {len(objectives)} objectives")
        for module in modules:
            Cue.objects.bulk_create(
                Cue(
                    module=module,
                    position=p + 1,
                    start_seconds=p * 6.0,
                    end_seconds=p * 6.0 + 5.5,
                    speaker=("Coach", "Learner")[p % 2],
                    text=" ".join(rng.choices(WORDS, k=12)).capitalize() + ".",
                )
                for p in range(CUES)
            )
        done(f"{MODULES * CUES:,} cues")
        refresh_search_vectors([module.pk for module in modules])
        done("search vectors")
        quizzes = Quiz.objects.bulk_create(
            Quiz(module=module, pass_mark=80, shuffle=True) for module in modules
        )
        kinds = [Question.Kind.SINGLE] * 3 + [Question.Kind.MULTIPLE, Question.Kind.TRUE_FALSE]
        questions = Question.objects.bulk_create(
            Question(
                quiz=quiz,
                position=p + 1,
                text=f"Question {p + 1}: what does the coach do next?",
                kind=kind,
                objective=objectives[i * OBJECTIVES + p % OBJECTIVES],
                review_at_seconds=60 * (p + 1),
            )
            for i, quiz in enumerate(quizzes)
            for p, kind in enumerate(kinds)
        )
        choices = []
        for question in questions:
            if question.kind == Question.Kind.TRUE_FALSE:
                texts, right = ["True", "False"], {1}
            elif question.kind == Question.Kind.MULTIPLE:
                texts, right = [f"Option {n}" for n in range(1, 5)], {1, 3}
            else:
                texts, right = [f"Option {n}" for n in range(1, 5)], {question.position % 4 + 1}
            choices += [
                Choice(
                    question=question,
                    position=n,
                    text=text,
                    is_correct=n in right,
                    explanation=f"Why option {n} is {'right' if n in right else 'wrong'}.",
                )
                for n, text in enumerate(texts, start=1)
            ]
        Choice.objects.bulk_create(choices)
        done(f"{len(quizzes)} quizzes, {len(questions)} questions")

        password = make_password(PASSWORD)  # hashed once for every learner
        users = User.objects.bulk_create(
            User(
                email=learner_email(n),
                password=password,
                certificate_name=f"Load Learner {n:04d}",
            )
            for n in range(LEARNERS)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
        )
        watched = duration * 0.4
        WatchProgress.objects.bulk_create(
            WatchProgress(
                user=user,
                module=module,
                intervals=[[0.0, watched]],
                watched_seconds=watched,
                position_seconds=watched,
                last_report_at=published,
            )
            for user in users[1 : SIGNED_IN + 1]
            for module in modules
        )
        done(f"{LEARNERS:,} learners, watch progress of {SIGNED_IN} on every module")
        holder = users[0]
        for module, quiz in zip(modules[:CERTIFICATES], quizzes, strict=False):
            attempt = Attempt.objects.create(
                user=holder, quiz=quiz, score_percent=100, passed=True, finished_at=published
            )
            completion = Completion.objects.create(
                user=holder, module=module, attempt=attempt, completed_at=published
            )
            issue_certificate(completion=completion, printed_name="Dr. Load Learner")
        done(f"{CERTIFICATES} certificates of {holder.email}")


# --- every run: cache, sessions, open attempts, stored PDFs -----------------------------------


def prepare(tokens: int) -> dict:
    """What the clients send: {page: [(method, path, cookie, body), …]}, and checks."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.cache import cache, caches
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from certificates.models import Certificate
    from certificates.pdf import certificate_pdf
    from modules.models import Module
    from quizzes.models import Attempt, Completion, Question, Quiz

    started = time.perf_counter()
    User = get_user_model()
    learners = {
        int(user.email[len(LEARNER_PREFIX) : len(LEARNER_PREFIX) + 4]): user
        for user in User.objects.filter(email__startswith=LEARNER_PREFIX)
    }
    slugs = list(
        Module.objects.filter(slug__startswith=MODULE_PREFIX)
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    quiz_learners = [learners[n] for n in QUIZ_LEARNERS]
    with transaction.atomic():
        Completion.objects.filter(user__in=quiz_learners).delete()
        Attempt.objects.filter(user__in=quiz_learners).delete()
        Session.objects.all().delete()  # this database is the benchmark's own

    # Sessions made server-side, as django.contrib.auth.login() would store them.
    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    sessions, cookies = [], {}
    csrf = get_random_string(32)  # the CSRF cookie holds the secret; the form may send it too
    for number in [0, *range(1, SIGNED_IN + 1), *QUIZ_LEARNERS]:
        user = learners[number]
        key = get_random_string(32)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expires)
        )
        cookies[number] = (
            f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={csrf}"
        )
    Session.objects.bulk_create(sessions)

    # One open attempt per token, each of a (learner, quiz) pair of its own; the answers
    # are all right half the time, otherwise each question is wrong with odds 1 in 3.
    rng = random.Random(11)
    quizzes = list(
        Quiz.objects.filter(module__slug__startswith=MODULE_PREFIX)
        .select_related("module")
        .prefetch_related("questions__choices")
        .order_by("module__slug")
    )
    attempts, bodies = [], []
    for index in range(tokens):
        number = QUIZ_LEARNERS[index % len(QUIZ_LEARNERS)]
        quiz = quizzes[(index // len(QUIZ_LEARNERS)) % len(quizzes)]
        if index >= len(QUIZ_LEARNERS) * len(quizzes):
            raise SystemExit("more quiz tokens than (learner, quiz) pairs")
        questions = list(quiz.questions.all())
        rng.shuffle(questions)
        order, form = [], {"csrfmiddlewaretoken": csrf}
        all_right = rng.random() < 0.5
        for question in questions:
            choices = list(question.choices.all())
            ids = [choice.pk for choice in choices]
            if question.kind != Question.Kind.TRUE_FALSE:
                rng.shuffle(ids)
            order.append({"question": question.pk, "choices": ids})
            right = [choice.pk for choice in choices if choice.is_correct]
            if not all_right and rng.random() < 1 / 3:
                right = [rng.choice([pk for pk in ids if pk not in right])]
            form[f"question-{question.pk}"] = right
        attempt = Attempt(user=learners[number], quiz=quiz, order=order)
        attempts.append(attempt)
        bodies.append((quiz.module.slug, number, form, attempt))
    Attempt.objects.bulk_create(attempts, batch_size=1000)
    submits = [
        (
            "POST",
            f"/modules/{slug}/quiz/",
            cookies[number],
            urlencode({"token": attempt.token, **form}, doseq=True),
        )
        for slug, number, form, attempt in bodies
    ]

    # The stored PDFs of learner 0's certificates, rendered now if missing.
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    codes = []
    for certificate in Certificate.objects.valid().filter(user=learners[0]).order_by("pk"):
        certificate_pdf(certificate)
        codes.append(certificate.code)

    # Public fragments rendered once into the shared (database) cache, as after a deploy
    # that has seen some traffic; each worker then copies them into its own memory.
    cache.clear()
    caches["local"].clear()
    client = Client()
    for path in [
        "/",
        *(f"/modules/{s}/" for s in slugs),
        *(f"/modules/{s}/captions.vtt" for s in slugs),
    ]:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code} in-process")

    signed_in = [
        ("GET", f"/modules/{slug}/", cookies[number], "")
        for number in range(1, SIGNED_IN + 1)
        for slug in slugs
    ]
    random.Random(3).shuffle(signed_in)  # every client thread gets a mix
    say(
        f"prepared sessions, {tokens:,} open attempts, {len(codes)} stored PDFs, warm cache"
        f" ({time.perf_counter() - started:.1f} s)"
    )
    return {
        "healthz": [("GET", "/healthz", "", "")],
        "catalog": [("GET", "/", "", "")],
        "module signed out": [("GET", f"/modules/{slug}/", "", "") for slug in slugs],
        "module signed in": signed_in,
        "captions.vtt": [("GET", f"/modules/{slug}/captions.vtt", "", "") for slug in slugs],
        "quiz submit POST": submits,
        "certificate PDF": [("GET", f"/certificates/{code}.pdf", cookies[0], "") for code in codes],
    }


# --- the clients --------------------------------------------------------------------------------

WRK_SCRIPT = r"""
-- Requests from a file (method TAB path TAB cookie TAB body per line), shared out among
-- wrk's threads; each thread goes through its share in turn, starting over at the end.
local threads, count = {}, 0

function setup(thread)
  thread:set("id", count)
  table.insert(threads, thread)
  count = count + 1
end

local function format(line)
  local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = cookie end
  if body ~= "" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  else
    body = nil
  end
  return wrk.format(method, path, headers, body)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  expect_location = args[3]
  requests, n, wrapped, bad_location, statuses = {}, 0, 0, 0, {}
  local lines = {}
  for line in io.lines(file) do table.insert(lines, line) end
  if #lines == 0 then error("no requests in " .. file) end
  for i, line in ipairs(lines) do
    if (i - 1) % nthreads == id then table.insert(requests, format(line)) end
  end
  -- Fewer requests than threads (the trivial view, the catalog): every thread needs one,
  -- or its connections would send nothing and sit open until the server drops them.
  -- (Never the case for the quiz POSTs, thousands of one-time tokens: a shared one would
  -- be replayed.)
  if #requests == 0 then
    table.insert(requests, format(lines[id % #lines + 1]))
  end
end

function request()
  n = n + 1
  if n > #requests then
    n, wrapped = 1, wrapped + 1
  end
  return requests[n]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if expect_location ~= "" then
    local location = headers["Location"] or headers["location"] or ""
    if not string.find(location, expect_location, 1, true) then
      bad_location = bad_location + 1
    end
  end
end

function done(summary, latency, requests)
  local statuses, wrapped, bad = {}, 0, 0
  for _, thread in ipairs(threads) do
    for status, number in pairs(thread:get("statuses")) do
      statuses[status] = (statuses[status] or 0) + number
    end
    wrapped = wrapped + thread:get("wrapped")
    bad = bad + thread:get("bad_location")
  end
  local parts = {}
  for status, number in pairs(statuses) do
    table.insert(parts, string.format('"%d": %d', status, number))
  end
  local e = summary.errors
  io.write(string.format(
    'LOAD_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "timeout": %d, "status_errors": %d, '
    .. '"wrapped": %d, "bad_location": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status, wrapped, bad, table.concat(parts, ", ")))
end
"""


SOCKET_ERRORS = ("connect", "read", "write", "timeout")


def write_requests(folder: Path, name: str, entries: list[tuple]) -> Path:
    path = folder / f"{name.replace(' ', '-').replace('.', '-')}.tsv"
    path.write_text("".join("\t".join(str(field) for field in entry) + "\n" for entry in entries))
    return path


def run_wrk(
    args, port: int, data: Path, seconds: float, expect_location: str, running: list
) -> dict:
    command = [
        "wrk",
        f"-t{args.wrk_threads}",
        f"-c{args.connections}",
        f"-d{seconds:g}s",
        f"--timeout={args.timeout:g}s",
        "-s",
        str(data.parent / "requests.lua"),
        f"http://127.0.0.1:{port}/",
        "--",
        str(data),
        str(args.wrk_threads),
        expect_location,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    running.append(process)
    out, err = process.communicate(timeout=seconds + 60)
    running.remove(process)
    line = next((row for row in out.splitlines() if row.startswith("LOAD_RESULT ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.strip() or out.strip()}")
    result = json.loads(line.removeprefix("LOAD_RESULT "))
    return {
        "requests": result["requests"],
        "seconds": result["duration_us"] / 1e6,
        "p50": result["p50_us"] / 1000,
        "p99": result["p99_us"] / 1000,
        "errors": sum(result[k] for k in SOCKET_ERRORS) + result["status_errors"],
        "socket_errors": {k: result[k] for k in SOCKET_ERRORS if result[k]},
        "statuses": {int(k): v for k, v in result["statuses"].items()},
        "wrapped": result["wrapped"],
        "bad_location": result["bad_location"],
    }


def _python_client(port, entries, connections, seconds, expect_location, queue) -> None:
    """One process: a thread per connection, http.client with keep-alive."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    deadline = time.monotonic() + seconds
    results = []

    def connection_loop(share):
        latencies, statuses, errors, bad, wrapped, broken = [], {}, 0, 0, 0, 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        index = 0
        while time.monotonic() < deadline:
            if index == len(share):
                index, wrapped = 0, wrapped + 1
            method, path, cookie, body = share[index]
            index += 1
            headers = {"Cookie": cookie} if cookie else {}
            if body:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body or None, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                broken += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            errors += response.status >= 400
            if expect_location and expect_location not in response.getheader("Location", ""):
                bad += 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        results.append((latencies, statuses, errors, bad, wrapped, broken))

    threads = [
        threading.Thread(target=connection_loop, args=(entries[n::connections] or entries,))
        for n in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(results)


def run_python(
    args, port: int, entries: list, seconds: float, expect_location: str, running: list
) -> dict:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = min(args.connections, 2 * (os.cpu_count() or 1))
    per_process = [
        args.connections // processes + (n < args.connections % processes) for n in range(processes)
    ]
    for offset, connections in enumerate(per_process):
        share = entries[offset::processes] or entries
        process = context.Process(
            target=_python_client,
            args=(port, share, connections, seconds, expect_location, queue),
        )
        process.start()
        running.append(process)
    results = [item for _ in per_process for item in queue.get(timeout=seconds + 60)]
    for process in list(running):
        if isinstance(process, multiprocessing.process.BaseProcess):
            process.join(10)
            running.remove(process)
    latencies = [value for result in results for value in result[0]]
    statuses: dict[int, int] = {}
    for result in results:
        for status, number in result[1].items():
            statuses[status] = statuses.get(status, 0) + number
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "p50": statistics.median(latencies) if latencies else 0,
        "p99": percentile(latencies, 0.99) if latencies else 0,
        "errors": sum(result[2] + result[5] for result in results),
        "socket_errors": {"socket": sum(result[5] for result in results)},
        "statuses": statuses,
        "wrapped": max((result[4] for result in results), default=0),
        "bad_location": sum(result[3] for result in results),
    }


# --- the run ------------------------------------------------------------------------------------


def smoke_test(port: int, pages: dict, spare_submit: tuple) -> None:
    """One request of each page before the load: a misconfiguration fails here, clearly."""
    for name, entries in [*pages.items(), ("quiz submit POST", [spare_submit])]:
        method, path, cookie, body = entries[0]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        expected = 302 if method == "POST" else 200
        location = response.getheader("Location", "")
        if response.status != expected or (method == "POST" and "/attempts/" not in location):
            raise SystemExit(
                f"{method} {path} answered {response.status} {location} {content[:200]!r}"
            )
        if name == "module signed in" and b"Signed in as" not in content:
            raise SystemExit(f"{path} with a session cookie did not come back signed in")


def measure(args, pages: dict) -> list[tuple[str, dict]]:
    from django.db import connections

    connections.close_all()  # nothing shared with gunicorn or forked clients
    options = ["--worker-class", args.worker_class]
    if args.worker_class == "gthread":
        options += ["--threads", str(args.threads)]
    folder = Path(tempfile.mkdtemp(prefix="coachlearn-bench-load-"))
    (folder / "requests.lua").write_text(WRK_SCRIPT)
    # The app's log (a line per request) goes to a file, as under systemd's journal.
    log = (folder / "app.log").open("w")
    app_ports = [free_port() for _ in range(args.servers)]
    servers = [
        start_gunicorn(
            app_port,
            args.workers,
            *options,
            env={**os.environ, "ALLOWED_HOSTS": "127.0.0.1"},
            stderr=log,
        )
        for app_port in app_ports
    ]
    front = None
    running: list = []
    pids = {server.pid for server in servers}
    server_cpu = {
        "gunicorn": lambda ppid, cmdline: ppid in pids,
        "postgres": lambda ppid, cmdline: f" {DATABASE} " in cmdline,
    }
    figures = []
    try:
        for app_port, server in zip(app_ports, servers, strict=True):
            wait_for(app_port, server)
        port = app_ports[0]
        if args.nginx:
            front, port = start_nginx(folder, app_ports, os.environ["STATIC_ROOT"])
            server_cpu["nginx"] = lambda ppid, cmdline: ppid == front.pid
        submits = pages["quiz submit POST"]
        # The POSTs use each open attempt once: one share for the smoke test and warm-up,
        # the rest for the measured seconds.
        spare, warm_submits, measured_submits = (
            submits[0],
            submits[1 : len(submits) // 4],
            submits[len(submits) // 4 :],
        )
        smoke_test(port, {k: v for k, v in pages.items() if k != "quiz submit POST"}, spare)
        order = [
            "healthz",
            "catalog",
            "module signed out",
            "module signed in",
            "captions.vtt",
            "quiz submit POST",
            "certificate PDF",
            "healthz",
        ]
        files = itertools.count()

        def drive(entries: list, seconds: float, expect: str = "") -> dict:
            if args.client == "wrk":
                data = write_requests(folder, f"requests-{next(files)}", entries)
                return run_wrk(args, port, data, seconds, expect, running)
            return run_python(args, port, entries, seconds, expect, running)

        if args.prewarm:
            # A worker keeps the fragments it has read from the shared cache in its own
            # memory: the first request of a module on each worker reads them once.
            public = pages["module signed out"] + pages["captions.vtt"]
            drive(random.Random(5).sample(public, len(public)), args.prewarm)
        for name in order:
            expect = "/attempts/" if name == "quiz submit POST" else ""
            warm = warm_submits if name == "quiz submit POST" else pages[name]
            entries = measured_submits if name == "quiz submit POST" else pages[name]
            if args.warmup:
                drive(warm, args.warmup, expect)
            before = {label: cpu_seconds(match) for label, match in server_cpu.items()}
            result = drive(entries, args.seconds, expect)
            result["cpu"] = {
                label: cpu_seconds(match) - before[label] for label, match in server_cpu.items()
            }
            result["load"] = os.getloadavg()[0]
            figures.append((name, result))
            say(f"  measured {name}: {result['requests'] / result['seconds']:.0f} req/s")
    finally:
        for process in running:
            if isinstance(process, subprocess.Popen):
                process.terminate()
                process.wait(10)
            elif process.is_alive():
                process.terminate()
                process.join(5)
        if front is not None:
            stop_server(front)
        for server in servers:
            stop_server(server)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
    return figures


LABELS = {
    "healthz": "trivial view /healthz",
    "catalog": "catalog, signed out",
    "module signed out": "module page, signed out",
    "module signed in": "module page, signed in",
    "captions.vtt": "captions.vtt",
    "quiz submit POST": "quiz submission (POST)",
    "certificate PDF": "certificate PDF, stored",
}


def report(args, figures: list[tuple[str, dict]], load_before: tuple) -> None:
    healthz = [result for name, result in figures if name == "healthz"]
    baseline = statistics.mean(r["requests"] / r["seconds"] for r in healthz)
    cpu_baseline = statistics.mean(sum(r["cpu"].values()) / max(r["requests"], 1) for r in healthz)
    threads = f", {args.threads} threads each" if args.worker_class == "gthread" else ""
    if args.servers > 1 or args.nginx:
        threads += f"; {args.servers} app servers behind nginx"
    if args.redis != "off":
        threads += f"; Redis {args.redis}"
    client = (
        f"wrk, {args.wrk_threads} threads" if args.client == "wrk" else "Python client processes"
    )
    say("")
    say(
        f"gunicorn {args.worker_class}, {args.workers} workers{threads}; {args.connections}"
        f" connections ({client}); {os.cpu_count()} cores; {args.seconds:g} s per page after"
        f" {args.warmup:g} s warm-up; {args.prewarm:g} s over module pages and captions first"
    )
    if args.cache_max_entries:
        say(f"what-if: database cache MAX_ENTRIES={args.cache_max_entries}")
    say(f"load average before: {' '.join(f'{v:.2f}' for v in load_before)}")
    say(
        f"  {'page':<27} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'ratio':>6}"
        f" {'CPU ms/req':>10} {'app+db':>11} {'CPU ratio':>9} {'load':>5}  statuses"
    )
    for name, r in figures:
        rate = r["requests"] / r["seconds"]
        cpu = sum(r["cpu"].values()) / max(r["requests"], 1)
        statuses = " ".join(f"{s}×{n}" for s, n in sorted(r["statuses"].items()))
        split = "+".join(f"{r['cpu'][k] * 1000 / max(r['requests'], 1):.1f}" for k in r["cpu"])
        say(
            f"  {LABELS[name]:<27} {rate:>7.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['errors']:>6}"
            f" {rate / baseline:>6.2f} {cpu * 1000:>10.2f} {split:>11}"
            f" {cpu_baseline / cpu if cpu else 0:>9.2f} {r['load']:>5.1f}  {statuses}"
        )
        if any(r["socket_errors"].values()):
            say(f"    socket errors: {r['socket_errors']}")
        if r["wrapped"] and name == "quiz submit POST":
            say("    (!) the prepared attempts ran out: some POSTs replayed a submitted one")
        if r["bad_location"]:
            say(f"    (!) {r['bad_location']} submits not redirected to their result")
    say(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    say(
        "ratio: req/s over the mean req/s of the two /healthz runs (aim: module page signed out"
        " ≥ 0.5, signed in ≥ 0.3). CPU ms/req: gunicorn workers + PostgreSQL backends of this"
        " database; CPU ratio: /healthz's CPU per request over the page's."
    )
    for name, aim in (("module signed out", 0.5), ("module signed in", 0.3)):
        r = next(r for n, r in figures if n == name)
        ratio = r["requests"] / r["seconds"] / baseline
        cpu_ratio = cpu_baseline / (sum(r["cpu"].values()) / max(r["requests"], 1))
        verdict = "meets" if ratio >= aim else "falls short of"
        say(
            f"  {LABELS[name]}: ratio {ratio:.2f} {verdict} the aim of {aim}"
            f" (CPU ratio {cpu_ratio:.2f})"
        )
    total_errors = sum(r["errors"] for _, r in figures)
    say(f"  errors over all pages: {total_errors}")


def profile(pages: dict, requests: int = 200) -> None:
    """The warm module page in-process (django.test.Client): CPU and wall time per request,
    then a profile in CPU time (steadier than wall time on a shared machine)."""
    import cProfile
    import pstats
    import re

    from django.db import connection
    from django.test import Client

    ours = re.escape(str(ROOT)) + r"/(?!\.venv)"  # the project's own code, not its packages
    for name in ("module signed out", "module signed in"):
        entries = pages[name][:requests]
        client = Client()

        def get(entry, client=client):
            _, path, cookie, _ = entry
            response = client.get(path, HTTP_COOKIE=cookie) if cookie else client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        for entry in entries:  # this process's own memory cache, warm
            get(entry)
        cpu, wall = [], []
        for entry in entries:
            started, started_cpu = time.perf_counter(), time.process_time()
            get(entry)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        queries = []
        with connection.execute_wrapper(
            lambda run, sql, *rest, queries=queries: queries.append(sql) or run(sql, *rest)
        ):
            get(entries[0])
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for entry in entries:
            get(entry)
        profiler.disable()
        say(
            f"\nin-process, {LABELS[name]}, warm: CPU median {statistics.median(cpu):.2f} ms,"
            f" wall median {statistics.median(wall):.2f} ms, {len(queries)} queries"
            f" ({len(entries)} requests)"
        )
        stats = pstats.Stats(profiler, stream=sys.stdout)
        say("  the project's functions, top 15 by cumulative CPU time (under the profiler):")
        stats.sort_stats("cumulative").print_stats(ours, 15)
        say("  all functions, top 15 by own CPU time:")
        stats.sort_stats("tottime").print_stats(15)


def main() -> None:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--worker-class", choices=["gthread", "sync"], default="gthread")
    parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--wrk-threads", type=int, default=min(cores, 4))
    parser.add_argument("--timeout", type=float, default=10, help="per request, seconds")
    parser.add_argument("--tokens", type=int, default=6000, help="open attempts for the POSTs")
    parser.add_argument(
        "--prewarm", type=float, default=5, help="seconds over module pages and captions first"
    )
    parser.add_argument("--servers", type=int, default=1, help="app servers (gunicorns)")
    parser.add_argument(
        "--nginx", action="store_true", help="deploy/nginx.conf in front (implied by --servers 2+)"
    )
    parser.add_argument(
        "--redis",
        choices=["off", "up", "down"],
        default="off",
        help="the shared cache in a redis-server started here, or REDIS_URL at a closed port",
    )
    parser.add_argument("--profile", action="store_true", help="profile the module page after")
    parser.add_argument(
        "--cache-max-entries",
        type=int,
        help="what-if: run with this MAX_ENTRIES for the database cache (Django's default: 300)",
    )
    args = parser.parse_args()
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    if args.client == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk)")
    args.wrk_threads = min(args.wrk_threads, args.connections)
    args.nginx = args.nginx or args.servers > 1
    # SIGTERM unwinds like Ctrl-C, so the finally blocks stop gunicorn and the clients.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    load_before = os.getloadavg()
    say(
        f"{cores} cores; load average {' '.join(f'{v:.2f}' for v in load_before)};"
        f" client: {args.client}"
    )
    folder = Path(tempfile.mkdtemp(prefix="coachlearn-bench-load-settings-"))
    redis = None
    try:
        if args.redis == "up":
            redis, redis_port = start_redis(folder)
            os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        elif args.redis == "down":  # configured, and nothing listens there
            os.environ["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
        if args.cache_max_entries:
            what_if_settings(folder, args.cache_max_entries)
        import django

        collect_static()
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        seed()
        pages = prepare(args.tokens)
        figures = measure(args, pages)
        report(args, figures, load_before)
        if args.profile:
            profile(pages)
    except KeyboardInterrupt:
        raise SystemExit("interrupted; gunicorn and the clients are stopped") from None
    finally:
        if redis is not None:
            stop_server(redis)
        shutil.rmtree(folder, ignore_errors=True)


def what_if_settings(folder: Path, max_entries: int) -> None:
    """The project's settings with another MAX_ENTRIES for the database cache, for this
    process and gunicorn alike (a settings module in a temporary folder)."""
    (folder / "coachlearn_bench_load_settings.py").write_text(
        "from coachlearn.settings import *  # noqa: F403\n"
        'if CACHES["default"]["BACKEND"].endswith("DatabaseCache"):  # noqa: F405\n'
        f'    CACHES["default"].setdefault("OPTIONS", {{}})["MAX_ENTRIES"] = {max_entries}\n'
    )
    sys.path.insert(0, str(folder))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(folder), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "coachlearn_bench_load_settings"
    say(f"what-if: database cache MAX_ENTRIES={max_entries} (the project's settings otherwise)")


if __name__ == "__main__":
    main()
