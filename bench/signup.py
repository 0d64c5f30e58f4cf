"""Sign-up time for a new address against an address that already has an account.

The two must not be told apart by their timing: with ACCOUNT_PREVENT_ENUMERATION both
answer alike and send one mail, and this prints how long each takes, server side
(in-process test client, production settings and password hasher, mail kept in memory).

    .venv/bin/python bench/signup.py [--rounds 15]

It uses its own database (coachlearn_bench_signup) on the embedded server, or DATABASE_URL.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import configure, percentile, set_up_django

configure("coachlearn_bench_signup")

PASSWORD = "a-long-bench-passphrase-7"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    set_up_django()
    from django.conf import settings
    from django.core import mail
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User

    setup_test_environment()  # mail into memory (mail.outbox); nothing leaves the machine
    settings.ACCOUNT_RATE_LIMITS = False  # dozens of sign-ups from one address
    User.objects.filter(email__endswith="@bench.example.org").delete()
    User.objects.create_user("taken@bench.example.org", PASSWORD, certificate_name="Taken")

    def sign_up(email: str) -> tuple[float, int, str, int]:
        client = Client()
        mail.outbox.clear()
        data = {
            "email": email,
            "certificate_name": "Bench Coach",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        started = time.perf_counter()
        response = client.post("/accounts/signup/", data)
        elapsed = time.perf_counter() - started
        return elapsed, response.status_code, response.get("Location", ""), len(mail.outbox)

    sign_up("warm-up@bench.example.org")
    sign_up("taken@bench.example.org")
    times: dict[str, list[float]] = {"new address": [], "taken address": []}
    answers: dict[str, set] = {"new address": set(), "taken address": set()}
    for number in range(args.rounds):
        for kind, email in (
            ("new address", f"new-{number}-{time.time_ns()}@bench.example.org"),
            ("taken address", "taken@bench.example.org"),
        ):
            elapsed, status, location, mails = sign_up(email)
            times[kind].append(elapsed)
            answers[kind].add((status, location, mails))
    User.objects.filter(email__endswith="@bench.example.org").delete()

    print(f"sign-up, {args.rounds} rounds, server time in ms (median / p90 / min / max):")
    for kind, values in times.items():
        ms = [value * 1000 for value in values]
        print(
            f"  {kind:14} {statistics.median(ms):7.1f} / {percentile(ms, 0.9):7.1f} / "
            f"{min(ms):7.1f} / {max(ms):7.1f}   answer (status, redirect, mails): "
            f"{sorted(answers[kind])}"
        )
    difference = statistics.median(times["new address"]) - statistics.median(times["taken address"])
    print(f"  difference of the medians: {difference * 1000:+.1f} ms (new minus taken)")


if __name__ == "__main__":
    main()
