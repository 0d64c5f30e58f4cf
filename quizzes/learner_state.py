"""What one learner has done in one module, as the module page's panels show it.

One statement reads the module's quiz, the learner's watch progress, their completion and
a summary of their submitted attempts (as four ORM queries, building the SQL cost more CPU
than all the rest of a signed-in module page). What comes back is plain values, read from
the row by column name: the quiz whole, the rest as the panels use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.urls import reverse

from quizzes.models import Attempt, Completion, Quiz, WatchProgress

QUIZ_FIELDS = [field.attname for field in Quiz._meta.concrete_fields]


@dataclass(frozen=True)
class AttemptResult:
    """A submitted attempt: its score and where its result page is."""

    pk: int
    module_slug: str
    score_percent: Decimal | None = None

    def get_absolute_url(self) -> str:
        return reverse("quizzes:attempt", args=[self.module_slug, self.pk])


@dataclass(frozen=True)
class CompletionResult:
    completed_at: datetime
    attempt: AttemptResult


@dataclass(frozen=True)
class LearnerModuleState:
    quiz: Quiz | None  # None: the module has no quiz yet
    watched_percent: int
    resume_seconds: int  # where the player last was, whole seconds; 0: nothing to resume
    attempt_count: int  # submitted attempts
    best_score: Decimal | None
    latest_attempt: AttemptResult | None
    completion: CompletionResult | None


def read_learner_module_state(*, user_id: int, module) -> LearnerModuleState:
    quote = connection.ops.quote_name
    quiz_columns = ", ".join(f"q.{quote(name)} AS {quote('quiz_' + name)}" for name in QUIZ_FIELDS)
    sql = f"""
        SELECT {quiz_columns},
               p.watched_seconds, p.position_seconds,
               c.completed_at, c.attempt_id AS completion_attempt_id,
               ca.score_percent AS completion_score,
               a.attempt_count, a.best_score, a.latest_attempt_id
        FROM (SELECT %s AS user_id, %s AS module_id) AS me
        LEFT JOIN {Quiz._meta.db_table} q ON q.module_id = me.module_id
        LEFT JOIN {WatchProgress._meta.db_table} p
               ON p.user_id = me.user_id AND p.module_id = me.module_id
        LEFT JOIN {Completion._meta.db_table} c
               ON c.user_id = me.user_id AND c.module_id = me.module_id
        LEFT JOIN {Attempt._meta.db_table} ca ON ca.id = c.attempt_id
        LEFT JOIN LATERAL (
            SELECT count(*) AS attempt_count,
                   max(t.score_percent) AS best_score,
                   (array_agg(t.id ORDER BY t.started_at DESC))[1] AS latest_attempt_id
            FROM {Attempt._meta.db_table} t
            WHERE t.quiz_id = q.id AND t.user_id = me.user_id AND t.finished_at IS NOT NULL
        ) a ON TRUE
    """  # noqa: S608 (table and column names from the models; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, module.pk])
        names = [column.name for column in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))

    quiz = None
    if row["quiz_id"] is not None:
        quiz = Quiz.from_db(connection.alias, QUIZ_FIELDS, [row[f"quiz_{n}"] for n in QUIZ_FIELDS])
        quiz.module = module  # its links name the module: no query for it
    watched = row["watched_seconds"] or 0
    completion = None
    if row["completed_at"] is not None:
        completion = CompletionResult(
            completed_at=row["completed_at"],
            attempt=AttemptResult(
                row["completion_attempt_id"], module.slug, row["completion_score"]
            ),
        )
    latest_id = row["latest_attempt_id"]
    return LearnerModuleState(
        quiz=quiz,
        watched_percent=WatchProgress(watched_seconds=watched).percent_of(module.duration_seconds),
        resume_seconds=int(row["position_seconds"] or 0),
        attempt_count=row["attempt_count"] or 0,
        best_score=row["best_score"],
        latest_attempt=AttemptResult(latest_id, module.slug) if latest_id is not None else None,
        completion=completion,
    )
