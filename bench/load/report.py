"""The load's figures: a row per page, with its ratio to the trivial view in requests per
second and in CPU time per request, then the aims."""

from __future__ import annotations

import os
import statistics

from common import say

LABELS = {
    "healthz": "trivial view /healthz",
    "catalog": "catalog, signed out",
    "module signed out": "module page, signed out",
    "module 1,000 cues": "module page, 1,000 cues",
    "module signed in": "module page, signed in",
    "captions.vtt": "captions.vtt",
    "quiz page GET": "quiz page (GET)",
    "quiz submit POST": "quiz submission (POST)",
    "quiz result GET": "quiz result (GET)",
    "certificate PDF": "certificate PDF, stored",
}

# The pages compared with the trivial view at the end, with their aims (ratio of req/s).
AIMS = {"module signed out": 0.5, "module signed in": 0.3, "captions.vtt": None}


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
    for name, aim in AIMS.items():
        r = next(r for n, r in figures if n == name)
        ratio = r["requests"] / r["seconds"] / baseline
        cpu = sum(r["cpu"].values()) / max(r["requests"], 1)
        cpu_ratio = cpu_baseline / cpu if cpu else 0
        verdict = ""
        if aim is not None:
            verdict = f" {'meets' if ratio >= aim else 'falls short of'} the aim of {aim}"
        say(
            f"  {LABELS[name]}: ratio {ratio:.2f}{verdict}"
            f" (CPU {cpu * 1000:.2f} ms per request, CPU ratio {cpu_ratio:.2f})"
        )
    total_errors = sum(r["errors"] for _, r in figures)
    say(f"  errors over all pages: {total_errors}")
