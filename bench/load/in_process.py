"""The load's pages in-process (django.test.Client), after the load: server time of a module
page of 1,000 cues with a cold and a warm cache, SQL per request as the data grows, CPU of
the warm pages against the trivial view, the three requests of a quiz submission, a stored
certificate's download; and, with --profile, where the warm module page spends its CPU."""

from __future__ import annotations

import random
import re
import statistics
import sys
import time

from catalogue import IN_PROCESS_LEARNER, LONG_SLUG, MODULE_PREFIX, learner_email
from common import ROOT, percentile, say
from report import LABELS


def _summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} ms, p95 {percentile(values, 0.95):.2f} ms"


def _get(client, entry) -> None:
    _, path, cookie, _ = entry
    response = client.get(path, HTTP_COOKIE=cookie) if cookie else client.get(path)
    assert response.status_code == 200, (path, response.status_code)


def _clear_caches() -> None:
    from django.core.cache import cache, caches

    cache.clear()
    caches["local"].clear()


def _queries(client, entry) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        _get(client, entry)
    return len(context.captured_queries)


def module_page_server_time(requests: int) -> None:
    """Cold: every cache cleared before each request (transcript, page parts and shell
    rendered each time); warm: all from the cache."""
    from django.test import Client

    client = Client()
    entry = ("GET", f"/modules/{LONG_SLUG}/", "", "")
    for label, clear in (("cold cache", True), ("warm cache", False)):
        timings = []
        for _ in range(requests):
            if clear:
                _clear_caches()
            started = time.perf_counter()
            _get(client, entry)
            timings.append((time.perf_counter() - started) * 1000)
        say(
            f"module page server time, 1,000 cues, {label}: {_summary(timings)}"
            f" ({requests} requests)"
        )


def queries_as_data_grows(pages: dict) -> None:
    """SQL per request of a module of 300 cues and one of 1,000, cold (every cache cleared)
    and warm, each the fewest of a few requests: the live modules' re-check, at most once
    a second, can add one to any of them."""
    from django.test import Client

    short = pages["module signed out"][0][1].removesuffix("/").rsplit("/", 1)[-1]
    cookie = pages["module signed in"][0][2]
    rows = {
        "module page, signed out": lambda slug: ("GET", f"/modules/{slug}/", "", ""),
        "module page, signed in": lambda slug: ("GET", f"/modules/{slug}/", cookie, ""),
        "captions.vtt": lambda slug: ("GET", f"/modules/{slug}/captions.vtt", "", ""),
    }
    say("SQL queries per request as the transcript grows (300 cues → 1,000 cues):")
    client = Client()
    for label, entry_of in rows.items():
        counts = []
        for slug in (short, LONG_SLUG):
            entry = entry_of(slug)
            cold = []
            for _ in range(2):
                _get(client, entry)  # the live modules' snapshot fresh, so not counted
                _clear_caches()
                cold.append(_queries(client, entry))
            counts.append((min(cold), min(_queries(client, entry) for _ in range(3))))
        (cold_short, warm_short), (cold_long, warm_long) = counts
        grows = cold_long > cold_short or warm_long > warm_short
        say(
            f"  {label:<24} cold {cold_short} → {cold_long}, warm {warm_short} → {warm_long}"
            + ("  (!) grows with the data" if grows else "")
        )


def warm_pages(pages: dict, requests: int) -> dict:
    """CPU and wall time of warm pages, and their queries; the trivial view's for scale."""
    from django.test import Client

    figures = {}
    for name in ("healthz", "module signed out", "module signed in"):
        entries = (pages[name] * requests)[:requests]
        client = Client()
        for entry in entries:  # this process's own memory cache, warm
            _get(client, entry)
        cpu, wall = [], []
        for entry in entries:
            started, started_cpu = time.perf_counter(), time.process_time()
            _get(client, entry)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        figures[name] = (statistics.median(cpu), statistics.median(wall), _queries(client, entry))
    trivial = figures["healthz"][0]
    for name, (cpu, wall, queries) in figures.items():
        say(
            f"in-process, {LABELS[name]}, warm: CPU median {cpu:.2f} ms"
            f" (CPU ratio {trivial / cpu:.2f}), wall median {wall:.2f} ms, {queries} queries"
            f" ({requests} requests)"
        )
    return figures


TOKEN_RE = re.compile(r'name="token" value="([0-9a-f-]{36})"')


def quiz_server_time(cycles: int) -> None:
    """One learner's submissions: GET the quiz page, POST the answers (all right half the
    time, otherwise each question wrong with odds 1 in 3), GET the result."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from quizzes.models import Attempt, Choice

    client = Client()
    user = get_user_model().objects.get(email=learner_email(IN_PROCESS_LEARNER))
    client.force_login(user)
    Attempt.objects.filter(user=user).delete()
    path = f"/modules/{MODULE_PREFIX}001/quiz/"
    rng = random.Random(0)
    timings = {"GET quiz page (start attempt)": [], "submit POST (grade, save)": []}
    timings["GET result page"] = []
    for _ in range(cycles):
        t0 = time.perf_counter()
        page = client.get(path)
        t1 = time.perf_counter()
        attempt = Attempt.objects.get(token=TOKEN_RE.search(page.content.decode()).group(1))
        right = set(
            Choice.objects.filter(question__quiz=attempt.quiz, is_correct=True).values_list(
                "pk", flat=True
            )
        )
        all_right = rng.random() < 0.5
        form = {"token": str(attempt.token)}
        for shown in attempt.order:
            picked = [pk for pk in shown["choices"] if pk in right]
            if not all_right and rng.random() < 1 / 3:
                picked = [rng.choice([pk for pk in shown["choices"] if pk not in right])]
            form[f"question-{shown['question']}"] = picked
        t2 = time.perf_counter()
        submitted = client.post(path, form)
        t3 = time.perf_counter()
        result = client.get(submitted["Location"])
        t4 = time.perf_counter()
        assert (page.status_code, submitted.status_code, result.status_code) == (200, 302, 200)
        for label, took in zip(timings, (t1 - t0, t3 - t2, t4 - t3), strict=True):
            timings[label].append(took * 1000)
    say(f"server time in-process, one learner, {cycles} quiz submissions:")
    for label, values in timings.items():
        say(f"  {label}: {_summary(values)}")


def certificate_download_time(pages: dict, downloads: int) -> None:
    from django.test import Client

    entries = pages["certificate PDF"]
    client = Client()
    timings = []
    for number in range(downloads):
        started = time.perf_counter()
        _get(client, entries[number % len(entries)])
        timings.append((time.perf_counter() - started) * 1000)
    say(
        f"download of a stored PDF (GET /certificates/<code>.pdf, signed in), in-process:"
        f" {_summary(timings)} ({downloads} requests)"
    )


def measure_in_process(args, pages: dict) -> None:
    say("")
    warm_pages(pages, args.requests)
    queries_as_data_grows(pages)
    module_page_server_time(args.requests)
    quiz_server_time(args.quiz_cycles)
    certificate_download_time(pages, args.requests)


def profile(pages: dict, requests: int = 200) -> None:
    """The warm module page in CPU time (cProfile with time.process_time, steadier than wall
    time on a shared machine), signed out and signed in."""
    import cProfile
    import pstats

    from django.test import Client

    ours = re.escape(str(ROOT)) + r"/(?!\.venv)"  # the project's own code, not its packages
    for name in ("module signed out", "module signed in"):
        entries = pages[name][:requests]
        client = Client()
        for entry in entries:
            _get(client, entry)
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for entry in entries:
            _get(client, entry)
        profiler.disable()
        say(f"\nprofile, {LABELS[name]}, warm ({len(entries)} requests):")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        say("  the project's functions, top 15 by cumulative CPU time (under the profiler):")
        stats.sort_stats("cumulative").print_stats(ours, 15)
        say("  all functions, top 15 by own CPU time:")
        stats.sort_stats("tottime").print_stats(15)
