"""The servers of a run (gunicorn, nginx in front when asked) and the pages driven against
them one after another, with the CPU time the server side used for each."""

from __future__ import annotations

import http.client
import itertools
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from catalogue import DATABASE
from clients import WRK_SCRIPT, run_python, run_wrk, write_requests
from common import cpu_seconds, free_port, say, start_gunicorn, start_nginx, stop_server, wait_for

# The trivial view first and last: the baseline is the mean of the two.
ORDER = [
    "healthz",
    "catalog",
    "module signed out",
    "module 1,000 cues",
    "module signed in",
    "captions.vtt",
    "quiz page GET",
    "quiz submit POST",
    "quiz result GET",
    "certificate PDF",
    "healthz",
]


def smoke_test(port: int, pages: dict, spare_submit: tuple) -> None:
    """One request of each page before the load: a misconfiguration fails here, clearly."""
    for name, entries in [*pages.items(), ("quiz submit POST", [spare_submit])]:
        method, path, cookie, body = entries[0]
        # Patient: the first requests wait for the workers to boot, slow on a busy machine.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
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


def postgres_server_pid() -> int | None:
    """The pid of the PostgreSQL server this process is connected to, the parent of its
    backends; None when it runs on another machine (DATABASE_URL)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    try:
        stat = Path(f"/proc/{backend}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def settle(gunicorn, page: str, most: float = 60) -> None:
    """Wait until the app servers have answered what the last page left queued (64
    connections of a slow page are seconds of work), so that it does not eat the next
    page's seconds: until their workers use less than a tenth of a core."""
    started = time.monotonic()
    while time.monotonic() - started < most:
        used = cpu_seconds(gunicorn)
        time.sleep(0.25)
        if cpu_seconds(gunicorn) - used < 0.025:
            break
    waited = time.monotonic() - started
    if waited > 1:
        say(f"  {waited:.1f} s until the servers finished the last page's requests; next: {page}")


def measure(args, pages: dict) -> list[tuple[str, dict]]:
    from django.db import connections

    postmaster = postgres_server_pid()
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
        # The backends of this database on this server (another worktree's benchmark may
        # have a database of the same name); not its autovacuum workers, which come and go:
        # one that ended within a page would take its CPU time out of that page's figure.
        "postgres": lambda ppid, cmdline: (
            f" {DATABASE} " in cmdline
            and "autovacuum" not in cmdline
            and postmaster in (None, ppid)
        ),
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
        for name in ORDER:
            expect = "/attempts/" if name == "quiz submit POST" else ""
            warm = warm_submits if name == "quiz submit POST" else pages[name]
            entries = measured_submits if name == "quiz submit POST" else pages[name]
            settle(server_cpu["gunicorn"], name)
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
