"""What one learner has done in one module, read with one statement for the module page.

The quiz and certificate panels need the module's quiz, the learner's watch progress, their
completion and a summary of their submitted attempts. As four ORM queries that cost more CPU
than all the rest of a signed-in module page (building the SQL, not running it); as one
statement the same rows become the same model instances, with only the fields the panels
read (the others are deferred, and would be loaded if ever touched).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from quizzes.models import Attempt, Completion, Quiz, WatchProgress

QUIZ_FIELDS = [field.attname for field in Quiz._meta.concrete_fields]


@dataclass(frozen=True)
class LearnerModuleState:
    quiz: Quiz | None
    progress: WatchProgress | None
    completion: Completion | None
    attempt_count: int
    best_score: Decimal | None
    latest_attempt: Attempt | None


def learner_module_state(request, module) -> LearnerModuleState:
    """The signed-in learner's state in this module, read once per request."""
    memo = request.__dict__.setdefault("_learner_module_states", {})
    if module.pk not in memo:
        memo[module.pk] = read_learner_module_state(user_id=request.user.pk, module=module)
    return memo[module.pk]


def read_learner_module_state(*, user_id: int, module) -> LearnerModuleState:
    quiz_columns = ", ".join(f"q.{connection.ops.quote_name(name)}" for name in QUIZ_FIELDS)
    sql = f"""
        SELECT {quiz_columns},
               p.id, p.watched_seconds, p.position_seconds,
               c.id, c.completed_at, c.attempt_id, ca.score_percent,
               a.attempt_count, a.best_score, a.latest_id
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
                   (array_agg(t.id ORDER BY t.started_at DESC))[1] AS latest_id
            FROM {Attempt._meta.db_table} t
            WHERE t.quiz_id = q.id AND t.user_id = me.user_id AND t.finished_at IS NOT NULL
        ) a ON TRUE
    """  # noqa: S608 (table and column names from the models; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, module.pk])
        row = cursor.fetchone()
    quiz_values, rest = row[: len(QUIZ_FIELDS)], row[len(QUIZ_FIELDS) :]
    progress_id, watched, position = rest[0:3]
    completion_id, completed_at, completion_attempt_id, completion_score = rest[3:7]
    attempt_count, best_score, latest_id = rest[7:10]

    quiz = None
    if quiz_values[0] is not None:
        quiz = _instance(Quiz, **dict(zip(QUIZ_FIELDS, quiz_values, strict=True)))
        quiz.module = module  # links to attempts name the module: no query for it
    progress = None
    if progress_id is not None:
        progress = _instance(
            WatchProgress, id=progress_id, watched_seconds=watched, position_seconds=position
        )
    completion = None
    if completion_id is not None:
        completion = _instance(
            Completion,
            id=completion_id,
            user_id=user_id,
            module_id=module.pk,
            attempt_id=completion_attempt_id,
            completed_at=completed_at,
        )
        completion.attempt = _attempt(completion_attempt_id, quiz, score_percent=completion_score)
        completion.module = module
    return LearnerModuleState(
        quiz=quiz,
        progress=progress,
        completion=completion,
        attempt_count=attempt_count or 0,
        best_score=best_score,
        latest_attempt=_attempt(latest_id, quiz) if latest_id is not None else None,
    )


def _attempt(pk: int, quiz: Quiz | None, *, score_percent: Decimal | None = None) -> Attempt:
    values = {"id": pk}
    if score_percent is not None:
        values["score_percent"] = score_percent
    if quiz is not None:
        values["quiz_id"] = quiz.pk
    attempt = _instance(Attempt, **values)
    if quiz is not None:
        attempt.quiz = quiz
    return attempt


def _instance(model, **values):
    """A model instance as loaded from the database with these fields, the rest deferred
    (Model.from_db takes the values in the order of the model's fields)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])
