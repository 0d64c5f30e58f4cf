"""The load benchmark's data, seeded once and kept between runs (checked by counts).

100 published modules of 300 cues in 5 series, each with 3 objectives, 2 competencies and a
5-question quiz; one more module of 1,000 cues (SQL and server time as the transcript grows);
1,000 learners (one password hash, verified addresses); learners 1–64 have watch progress on
every module of 300 cues; learner 0 has 10 certificates.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from common import say

DATABASE = "coachlearn_bench_load"
MODULES, CUES, SERIES, OBJECTIVES, COMPETENCIES = 100, 300, 5, 3, 10
LONG_SLUG, LONG_CUES = "load-long-1000-cues", 1000  # a module page as its transcript grows
LEARNERS = 1000
SIGNED_IN = 64  # learners with watch progress on every module, for the signed-in page
CERTIFICATES = 10  # of learner 0, downloaded as stored PDFs
IN_PROCESS_LEARNER = 99  # takes the quiz in-process; no page of the load uses it
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


def seed() -> None:
    """The catalogue and the learners, once; then the module of 1,000 cues if it is missing."""
    _seed_catalogue()
    _seed_long_module()


def _cues(module, count: int, rng: random.Random) -> list:
    from modules.models import Cue

    return [
        Cue(
            module=module,
            position=p + 1,
            start_seconds=p * 6.0,
            end_seconds=p * 6.0 + 5.5,
            speaker=("Coach", "Learner")[p % 2],
            text=" ".join(rng.choices(WORDS, k=12)).capitalize() + ".",
        )
        for p in range(count)
    ]


def _seed_long_module() -> None:
    from django.db import transaction
    from django.utils import timezone

    from modules.models import Cue, LearningObjective, Module
    from modules.search import refresh_search_vectors

    if Cue.objects.filter(module__slug=LONG_SLUG).count() == LONG_CUES:
        return
    say(f"seeding {DATABASE}: the module of {LONG_CUES:,} cues")
    rng = random.Random(13)
    with transaction.atomic():
        Module.objects.filter(slug=LONG_SLUG).delete()
        module = Module.objects.create(
            title="A whole clinic day with one resident",
            slug=LONG_SLUG,
            activity_code="LD-LONG",
            summary="A long conversation: the transcript of a module as it grows.",
            duration_seconds=LONG_CUES * 6,
            is_published=True,
            published_at=timezone.now() - timedelta(days=1),
        )
        LearningObjective.objects.bulk_create(
            LearningObjective(module=module, position=p, text=f"Objective {p}") for p in (1, 2, 3)
        )
        Cue.objects.bulk_create(_cues(module, LONG_CUES, rng))
        refresh_search_vectors([module.pk])


def _seed_catalogue() -> None:
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
            Cue.objects.bulk_create(_cues(module, CUES, rng))
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
