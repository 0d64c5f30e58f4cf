"""Certificate PDF speed and memory: the first render, the stored download, one render's memory.

Seeds one learner with K completed modules (default 30) and a certificate for each, then
prints, all in-process:
  - the very first render in the process (WeasyPrint and fonts loading), once;
  - the first download of a certificate with no stored PDF (certificate_pdf: render, store,
    save the SHA-256), median and p95 over 20 certificates, and the bare render
    (render_certificate_pdf) on the same certificates;
  - memory of one render: tracemalloc peak (Python allocations only) after a warm-up, and in
    a fresh subprocess the growth of the peak RSS (getrusage ru_maxrss) over one render,
    plus the tracemalloc peak of that cold render in another fresh subprocess.

    .venv/bin/python bench/certificates.py [--modules 30] [--renders 20]

The download of a stored PDF is one of the load benchmark's pages (bench/load), under load
and in-process.

It uses its own database (coachlearn_bench_certificates) on the embedded server, or
DATABASE_URL, and stores the PDFs in a temporary MEDIA_ROOT removed at the end.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from decimal import Decimal

from common import ROOT, configure, percentile, set_up_django

configure("coachlearn_bench_certificates")
# No static files are served here; whitenoise need not warn that STATIC_ROOT is missing.
warnings.filterwarnings("ignore", message="No directory at")
EMAIL = "bench-certificates@example.org"
PRINTED_NAME = "Dr. Benedicta Q. Marchetti-Lindqvist"


def summary(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms"
        f" ({len(values)} runs)"
    )


def memory_status_kb() -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of this process, in KiB."""
    with open("/proc/self/status") as handle:
        return {
            name: int(value.split()[0])
            for name, value in (line.split(":", 1) for line in handle)
            if name in {"VmRSS", "VmHWM"}
        }


def prepare(modules: int):
    """The learner and their certificates, one per completed module, none with a stored PDF."""
    set_up_django()
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from certificates.models import Certificate
    from certificates.services import issue_certificate
    from modules.models import LearningObjective, Module, Series
    from quizzes.models import Attempt, Choice, Completion, Question, Quiz

    User = get_user_model()
    learner = User.objects.filter(email=EMAIL).first()
    if learner is None:
        learner = User.objects.create_user(EMAIL, None, certificate_name=PRINTED_NAME)
        EmailAddress.objects.create(user=learner, email=EMAIL, verified=True, primary=True)
    series, _ = Series.objects.get_or_create(
        slug="bench-certificates", defaults={"title": "Coaching Skills for Faculty Mentors"}
    )
    for number in range(1, modules + 1):
        with transaction.atomic():
            module, created = Module.objects.get_or_create(
                slug=f"bench-certificate-{number:03d}",
                defaults={
                    "title": f"Holding the learner's agenda in hard conversations, part {number}",
                    "activity_code": f"BC-{number:04d}",
                    "series": series if number % 2 else None,
                    "credit": Decimal("0.75"),
                    "duration_seconds": 1500,
                    "is_published": True,
                    "published_at": timezone.now(),
                },
            )
            if created:
                objective = LearningObjective.objects.create(
                    module=module, position=1, text="Name the learner's agenda."
                )
                quiz = Quiz.objects.create(module=module)
                question = Question.objects.create(
                    quiz=quiz, position=1, text="Whose agenda is it?", objective=objective
                )
                Choice.objects.create(question=question, text="The learner's", is_correct=True)
                Choice.objects.create(question=question, position=2, text="The coach's")
            completion = Completion.objects.filter(user=learner, module=module).first()
            if completion is None:
                attempt = Attempt.objects.create(
                    user=learner,
                    quiz=module.quiz,
                    score_percent=100,
                    passed=True,
                    finished_at=timezone.now(),
                )
                completion = Completion.objects.create(
                    user=learner, module=module, attempt=attempt, completed_at=attempt.finished_at
                )
            issue_certificate(completion=completion, printed_name=PRINTED_NAME)
    certificates = list(
        Certificate.objects.valid()
        .filter(user=learner, module__slug__startswith="bench-certificate-")
        .order_by("module__slug")[:modules]
    )
    # MEDIA_ROOT is a new empty folder: forget PDFs stored by earlier runs.
    Certificate.objects.filter(pk__in=[c.pk for c in certificates]).update(pdf="", pdf_sha256="")
    for certificate in certificates:
        certificate.pdf, certificate.pdf_sha256 = "", ""
    return learner, certificates


def measure(args) -> None:
    _, certificates = prepare(args.modules)
    from certificates.pdf import certificate_pdf, render_certificate_pdf

    if len(certificates) < args.renders + 1:
        raise SystemExit(f"--modules must be more than --renders ({args.renders})")
    print(f"{len(certificates)} certificates of one learner; load average {os.getloadavg()[0]:.1f}")

    # 1. The first render in this process pays for WeasyPrint's and the fonts' first use.
    started = time.perf_counter()
    data = render_certificate_pdf(certificates[-1])
    cold = (time.perf_counter() - started) * 1000
    print(f"first render in a fresh process: {cold:.0f} ms ({len(data) / 1024:.0f} KiB PDF)")

    # 2. First downloads: render, store, save the hash; and the bare render of the same
    # certificate, in alternating order so neither gets the warmer caches.
    first, bare, sizes = [], [], []
    for number, certificate in enumerate(certificates[: args.renders]):
        for step in ("bare", "first") if number % 2 else ("first", "bare"):
            started = time.perf_counter()
            if step == "first":
                data = certificate_pdf(certificate)
                first.append((time.perf_counter() - started) * 1000)
                sizes.append(len(data))
            else:
                render_certificate_pdf(certificate)
                bare.append((time.perf_counter() - started) * 1000)
    print(f"first download, nothing stored (certificate_pdf: render + store): {summary(first)}")
    print(f"  of which the render alone (render_certificate_pdf): {summary(bare)}")
    print(f"  PDF size: median {statistics.median(sizes) / 1024:.0f} KiB")

    # 3. Memory of one render.
    certificate = certificates[0]
    render_certificate_pdf(certificate)  # warm
    gc.collect()
    tracemalloc.start()
    render_certificate_pdf(certificate)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"memory of one render, warm process: tracemalloc peak {peak / 2**20:.1f} MiB")
    for mode in ("rss", "trace"):
        # Through sh, which forks: a process started straight from this one would inherit
        # this process's peak RSS as its ru_maxrss (Linux keeps it across exec).
        child = subprocess.run(
            [
                "/bin/sh",
                "-c",
                '"$@"; exit $?',
                "sh",
                sys.executable,
                __file__,
                "--child-render",
                certificate.code,
                "--child-mode",
                mode,
            ],
            cwd=ROOT,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if child.returncode:
            raise SystemExit(f"the render subprocess failed:\n{child.stderr}")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        if mode == "rss":
            mib = {key: value / 1024 for key, value in figures.items()}
            print(
                "memory of one render, fresh process: ru_maxrss"
                f" {mib['maxrss_before']:.1f} MiB before (Django set up, WeasyPrint imported,"
                f" certificate loaded) -> {mib['maxrss_after']:.1f} MiB after one render"
                f" (+{mib['maxrss_after'] - mib['maxrss_before']:.1f} MiB), second render"
                f" +{mib['maxrss_second'] - mib['maxrss_after']:.1f} MiB more;"
                f" VmHWM +{mib['hwm_after'] - mib['hwm_before']:.1f} MiB,"
                f" VmRSS {mib['rss_before']:.1f} -> {mib['rss_after']:.1f} MiB"
            )
        else:
            print(
                "memory of one render, fresh process: tracemalloc peak"
                f" {figures['peak'] / 2**20:.1f} MiB (first render, fonts loading included)"
            )


def child_render(code: str, mode: str) -> None:
    """In a fresh process: the memory one render of one certificate takes."""
    import django

    django.setup()
    from certificates.models import Certificate
    from certificates.pdf import render_certificate_pdf

    certificate = Certificate.objects.get(code=code)
    gc.collect()
    if mode == "trace":
        tracemalloc.start()
        render_certificate_pdf(certificate)
        print(json.dumps({"peak": tracemalloc.get_traced_memory()[1]}))
        return
    status_before = memory_status_kb()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    render_certificate_pdf(certificate)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    status_after = memory_status_kb()
    render_certificate_pdf(certificate)
    second = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "maxrss_before": before,
                "maxrss_after": after,
                "maxrss_second": second,
                "hwm_before": status_before["VmHWM"],
                "hwm_after": status_after["VmHWM"],
                "rss_before": status_before["VmRSS"],
                "rss_after": status_after["VmRSS"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=30)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--child-render", help=argparse.SUPPRESS)
    parser.add_argument("--child-mode", default="rss", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_render:  # MEDIA_ROOT comes from the parent
        child_render(args.child_render, args.child_mode)
        return
    media = tempfile.mkdtemp(prefix="coachlearn-bench-media-")
    os.environ["MEDIA_ROOT"] = media
    try:
        measure(args)
    finally:
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
