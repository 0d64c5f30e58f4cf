"""Load figures: the public and signed-in pages under 64 connections, against a trivial view.

Seeds (once) a catalogue of 100 published modules of 300 cues each in 5 series, each with 3
objectives, 2 competencies and a 5-question quiz, one module of 1,000 cues, and 1,000
learners (verified addresses); 64 of them have watch progress on every module, one has 10
certificates (catalogue.py). Every run makes sessions, open attempts, stored PDFs and a warm
cache anew (workload.py), starts gunicorn on 127.0.0.1 with production settings (servers.py)
and drives it with wrk (Debian's package; a Python client when wrk is missing: clients.py),
page after page, each for --seconds after a warm-up:

  - the trivial view, /healthz (first and last: the baseline);
  - the catalog, signed out;
  - a module page signed out (the 100 modules in turn), and the module of 1,000 cues;
  - a module page signed in (64 learners with watch progress × the 100 modules);
  - captions.vtt (the 100 modules);
  - the quiz page of an open attempt (GET), a quiz submission (the submit POST alone:
    grade, save, 302 to the result; each prepared attempt posted once, half all right) and
    a quiz result page (GET);
  - a certificate download, /certificates/<code>.pdf, of a stored PDF (rendered beforehand).

For each (report.py): requests per second, p50 and p99 latency, errors (socket errors and
responses other than 2xx/3xx), the ratio of its requests per second to the trivial view's
(the mean of the two /healthz runs), and the CPU time per request of the gunicorn workers
plus the PostgreSQL backends of this database (steadier than req/s on a shared machine).
Then, in-process (in_process.py): the warm pages' CPU against the trivial view's and their
queries, SQL per request as the transcript grows (300 → 1,000 cues), the module page of
1,000 cues with a cold and a warm cache, the three requests of a quiz submission, and the
download of a stored certificate.

    .venv/bin/python bench/load [--seconds 10] [--warmup 2] [--prewarm 5]
        [--connections 64] [--workers 2×cores+1] [--worker-class gthread|sync] [--threads 4]
        [--client auto|wrk|python] [--profile] [--cache-max-entries N]
        [--servers N] [--nginx] [--redis off|up|down] [--requests 200] [--quiz-cycles 50]

gunicorn runs gthread workers (4 threads each) by default, which keep connections alive;
the trivial view is served by the same server. --servers 2 starts two gunicorns (each with
--workers) behind Debian's nginx with deploy/nginx.conf, and the clients talk to nginx;
--redis up puts the shared cache in a redis-server started for the run, --redis down sets
REDIS_URL to a port where nothing listens (Redis down for the whole run). --profile
profiles the warm module page in-process afterwards; --cache-max-entries is a what-if for
the database cache's size.

It uses its own database (coachlearn_bench_load) on the embedded server, or DATABASE_URL,
and keeps the catalogue between runs. Static files are collected into STATIC_ROOT (default
/tmp/coachlearn-bench-static) when missing; the certificate PDFs are kept in MEDIA_ROOT
(default /tmp/coachlearn-bench-load-media).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # bench/, for common

from catalogue import DATABASE, seed  # noqa: E402 (after sys.path)
from common import (  # noqa: E402
    DEFAULT_WORKERS,
    ROOT,
    collect_static,
    configure,
    free_port,
    say,
    set_up_django,
    start_redis,
    stop_server,
)
from in_process import measure_in_process, profile  # noqa: E402
from report import report  # noqa: E402
from servers import measure  # noqa: E402
from workload import prepare  # noqa: E402

configure(DATABASE, MEDIA_ROOT=os.environ.get("MEDIA_ROOT", "/tmp/coachlearn-bench-load-media"))


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
        "--requests", type=int, default=200, help="per in-process figure (quiz: --quiz-cycles)"
    )
    parser.add_argument("--quiz-cycles", type=int, default=50, help="in-process submissions")
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
        collect_static()
        set_up_django()
        seed()
        pages = prepare(args.tokens)
        figures = measure(args, pages)
        report(args, figures, load_before)
        measure_in_process(args, pages)
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
