"""Time to a 503 while the database is unreachable, before and after the breaker.

Starts a cluster of its own (a temporary VAR_DIR, never var/postgres), then for each
configuration a gunicorn with production settings (2 sync workers, the connection pool),
stops PostgreSQL and sends requests to the catalog one after another for --seconds, then
starts PostgreSQL again and measures how long until the catalog answers 200 again.

    .venv/bin/python bench/db_outage.py [--seconds 6]

"before" is the settings this project had: a pool wait of 5 s and no breaker; "after" is
today's defaults (a pool wait of 1 s, the breaker open for 2 s after a failed connection).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import ROOT, free_port, percentile, start_gunicorn, stop_server, wait_for

sys.path.insert(0, str(ROOT))  # a cluster of its own: not configure()'s embedded database

CONFIGURATIONS = {
    "before: pool wait 5 s, no breaker": {"DB_POOL_TIMEOUT": "5", "DATABASE_BREAKER_SECONDS": "0"},
    "after: pool wait 1 s, breaker 2 s": {},
}


def status_and_time(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def environment(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}
    env.update(
        VAR_DIR=str(var_dir),
        DEBUG="0",
        HTTPS="0",
        SECRET_KEY="bench-outage-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        LIVE_MODULES_MAX_AGE="0",  # every request asks the database: the outage shows at once
        DB_POOL_MAX_SIZE="2",
    )
    env.update(extra)
    return env


def one_outage(var_dir: Path, layout, extra: dict, seconds: float) -> dict:
    from devdb import pgserver

    port = free_port()
    server = start_gunicorn(port, 2, env=environment(var_dir, **extra))
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(port, server)
        for _ in range(5):
            assert status_and_time(url)[0] == 200
        pgserver.stop(layout)
        answers, started = [], time.perf_counter()
        while time.perf_counter() - started < seconds:
            answers.append(status_and_time(url))
        pgserver._start(layout)
        pgserver.wait_until_accepting(layout)
        back = time.perf_counter()
        while status_and_time(url)[0] != 200:
            time.sleep(0.05)
        recovered = time.perf_counter() - back
    finally:
        stop_server(server)
    times = [elapsed for status, elapsed in answers if status == 503]
    return {
        "requests": len(answers),
        "not 503": sum(1 for status, _ in answers if status != 503),
        "first": answers[0][1],
        "median": statistics.median(times),
        "p99": percentile(times, 0.99),
        "max": max(times),
        "recovered": recovered,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6)
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="coachlearn-bench-outage-"))
    var_dir.chmod(0o755)
    env = environment(var_dir)
    os.environ.update(env)
    from devdb import pgserver

    layout = pgserver.plan_layout(var_dir / "postgres")
    try:
        for command in (
            ["migrate", "--noinput"],
            ["createcachetable"],
            ["collectstatic", "--noinput"],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
        print(f"{os.cpu_count()} cores; catalog GET, one request at a time, {args.seconds:g} s")
        print(
            f"  {'configuration':<36} {'requests':>8} {'first s':>8} {'median ms':>9}"
            f" {'p99 ms':>7} {'max ms':>7} {'non-503':>7} {'back s':>6}"
        )
        for name, extra in CONFIGURATIONS.items():
            r = one_outage(var_dir, layout, extra, args.seconds)
            print(
                f"  {name:<36} {r['requests']:>8} {r['first']:>8.2f} {r['median'] * 1000:>9.1f}"
                f" {r['p99'] * 1000:>7.1f} {r['max'] * 1000:>7.1f} {r['not 503']:>7}"
                f" {r['recovered']:>6.2f}"
            )
    finally:
        pgserver.remove(layout)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
