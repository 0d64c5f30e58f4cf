"""Module page speed for a module of 1,000 cues.

Prints (1) the server time of the module page measured in-process, with a cold cache (the
transcript rendered) and a warm one (the transcript from the cache), and (2) requests per
second of the module page and of a trivial view served by the same gunicorn, driven from
other processes on 127.0.0.1; the ratio of the two is the figure that matters.

    .venv/bin/python bench/module_page.py [--seconds 8] [--concurrency 8]

It uses its own database (coachlearn_bench) on the embedded server, or DATABASE_URL.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "coachlearn.settings",
    "EMBEDDED_DATABASE_NAME": "coachlearn_bench",
    "DEBUG": "0",
    "HTTPS": "0",
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "STATIC_ROOT": os.environ.get("STATIC_ROOT", "/tmp/coachlearn-bench-static"),
}
os.environ.update(BENCH_ENV)
SLUG = "bench-1000-cues"

from common import (  # noqa: E402 (after sys.path)
    DEFAULT_WORKERS,
    collect_static,
    free_port,
    percentile,
    start_gunicorn,
    stop_server,
    wait_for,
)


def prepare() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from modules.models import LearningObjective, Module
    from modules.services import replace_cues
    from modules.transcripts import ParsedCue

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    module, _ = Module.objects.update_or_create(
        slug=SLUG,
        defaults={
            "title": "Benchmark module",
            "activity_code": "BN-1000",
            "is_published": True,
            "published_at": timezone.now(),
            "duration_seconds": 3600,
        },
    )
    if module.cues.count() != 1000:
        cues = [
            ParsedCue(
                start_seconds=i * 3.5,
                end_seconds=None,
                speaker=("Coach", "Student")[i % 2],
                text=f"Line {i}: what would make this meeting useful for you today?",
            )
            for i in range(1000)
        ]
        replace_cues(module=module, cues=cues)
        for position in (1, 2, 3):
            LearningObjective.objects.get_or_create(
                module=module, position=position, defaults={"text": f"Objective {position}"}
            )


def server_time(requests: int) -> None:
    from django.core.cache import cache, caches
    from django.test import Client

    client = Client()
    url = f"/modules/{SLUG}/"
    for label, clear in (("cold cache", True), ("warm cache", False)):
        timings = []
        for _ in range(requests):
            if clear:
                cache.clear()
                caches["local"].clear()
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        print(
            f"module page server time, {label}: median {statistics.median(timings):.2f} ms,"
            f" p95 {percentile(timings, 0.95):.2f} ms ({requests} requests)"
        )


def _client(port: int, path: str, seconds: float, queue) -> None:
    latencies, errors = [], 0
    deadline = time.monotonic() + seconds
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies.append((time.perf_counter() - started) * 1000)
    queue.put((latencies, errors))


def drive(
    port: int, path: str, seconds: float, concurrency: int
) -> tuple[float, float, float, int]:
    queue = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_client, args=(port, path, seconds, queue))
        for _ in range(concurrency)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    latencies = [value for result in results for value in result[0]]
    errors = sum(result[1] for result in results)
    return (
        len(latencies) / seconds,
        statistics.median(latencies),
        percentile(latencies, 0.99),
        errors,
    )


def throughput(seconds: float, concurrency: int, workers: int) -> None:
    port = free_port()
    server = start_gunicorn(port, workers, env={**os.environ, **BENCH_ENV})
    try:
        wait_for(port, server)
        pages = {
            "trivial view (/healthz)": "/healthz",
            "module page, 1,000 cues": f"/modules/{SLUG}/",
        }
        for path in pages.values():  # warm every worker's connections and the cache
            drive(port, path, 1, concurrency)
        figures = {label: drive(port, path, seconds, concurrency) for label, path in pages.items()}
    finally:
        stop_server(server)
    baseline = figures["trivial view (/healthz)"][0]
    print(f"gunicorn, {workers} workers, {concurrency} client processes, {os.cpu_count()} cores:")
    for label, (rps, p50, p99, errors) in figures.items():
        print(
            f"  {label}: {rps:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms,"
            f" errors {errors}, ratio to trivial {rps / baseline:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    collect_static()
    prepare()
    server_time(args.requests)
    throughput(args.seconds, args.concurrency, args.workers)


if __name__ == "__main__":
    main()
