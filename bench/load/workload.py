"""What every run starts from, and what its clients send: sessions made server-side, open
quiz attempts, stored certificate PDFs and a warm shared cache; then, per page, its
requests as (method, path, cookie, body)."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from catalogue import (
    CERTIFICATES,
    IN_PROCESS_LEARNER,
    LEARNER_PREFIX,
    LONG_SLUG,
    MODULE_PREFIX,
    QUIZ_LEARNERS,
    SIGNED_IN,
)
from common import say


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
    quiz_learners = [learners[n] for n in [IN_PROCESS_LEARNER, *QUIZ_LEARNERS]]
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
    results = [
        attempt.get_absolute_url()
        for attempt in Attempt.objects.filter(user=learners[0], passed=True).order_by("pk")
    ]
    if len(codes) != CERTIFICATES or len(results) != CERTIFICATES:
        raise SystemExit(f"learner 0 has {len(codes)} certificates, {len(results)} passed attempts")

    # Public fragments rendered once into the shared (database) cache, as after a deploy
    # that has seen some traffic; each worker then copies them into its own memory.
    cache.clear()
    caches["local"].clear()
    client = Client()
    for path in [
        "/",
        f"/modules/{LONG_SLUG}/",
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
        "module 1,000 cues": [("GET", f"/modules/{LONG_SLUG}/", "", "")],
        "module signed in": signed_in,
        "captions.vtt": [("GET", f"/modules/{slug}/captions.vtt", "", "") for slug in slugs],
        # The open attempts the POSTs submit afterwards: the page shows the one it has.
        "quiz page GET": [
            ("GET", f"/modules/{slug}/quiz/", cookies[number], "") for slug, number, _, _ in bodies
        ],
        "quiz submit POST": submits,
        "quiz result GET": [("GET", path, cookies[0], "") for path in results],
        "certificate PDF": [("GET", f"/certificates/{code}.pdf", cookies[0], "") for code in codes],
    }
