"""Quiz grading: the one function from (questions, answers) to a score and per-objective results.

Pure Python over plain data, so it can be tested without a database and its result stored
as JSON with the attempt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class ChoiceSpec:
    id: int
    text: str
    is_correct: bool
    explanation: str = ""


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    text: str
    kind: str  # "single" | "multiple" | "true_false"
    objective_id: int
    objective_text: str
    choices: tuple[ChoiceSpec, ...]
    review_at_seconds: int | None = None
    objective_position: int = 0


@dataclass
class GradedQuestion:
    id: int
    text: str
    kind: str
    objective_id: int
    objective_text: str
    review_at_seconds: int | None
    choices: list[dict]
    chosen: list[int]
    points: float
    correct: bool


@dataclass
class ObjectiveResult:
    objective_id: int
    text: str
    correct: int
    total: int


@dataclass
class Grade:
    score_percent: Decimal
    passed: bool
    correct_count: int
    question_count: int
    questions: list[GradedQuestion] = field(default_factory=list)
    objectives: list[ObjectiveResult] = field(default_factory=list)

    def as_json(self) -> dict:
        data = asdict(self)
        data["score_percent"] = str(self.score_percent)
        return data


def question_points(question: QuestionSpec, chosen: set[int]) -> float:
    """1 for a right answer, 0 for a wrong one; multiple select earns partial credit:
    (right picks − wrong picks) / number of right choices, never below zero."""
    correct = {choice.id for choice in question.choices if choice.is_correct}
    if question.kind != "multiple":
        return 1.0 if chosen == correct else 0.0
    if not correct:
        return 1.0 if not chosen else 0.0
    hits = len(chosen & correct)
    wrong = len(chosen - correct)
    return max(0.0, (hits - wrong) / len(correct))


def grade(
    questions: Sequence[QuestionSpec], answers: Mapping[int, set[int]], *, pass_mark: int
) -> Grade:
    graded: list[GradedQuestion] = []
    objectives: dict[int, ObjectiveResult] = {}
    positions = {question.objective_id: question.objective_position for question in questions}
    total_points = 0.0
    for question in questions:
        valid = {choice.id for choice in question.choices}
        chosen = set(answers.get(question.id, set())) & valid
        points = question_points(question, chosen)
        correct = {choice.id for choice in question.choices if choice.is_correct}
        is_right = chosen == correct
        total_points += points
        graded.append(
            GradedQuestion(
                id=question.id,
                text=question.text,
                kind=question.kind,
                objective_id=question.objective_id,
                objective_text=question.objective_text,
                review_at_seconds=question.review_at_seconds,
                choices=[asdict(choice) for choice in question.choices],
                chosen=sorted(chosen),
                points=round(points, 4),
                correct=is_right,
            )
        )
        result = objectives.setdefault(
            question.objective_id,
            ObjectiveResult(question.objective_id, question.objective_text, 0, 0),
        )
        result.total += 1
        result.correct += int(is_right)
    count = len(questions)
    percent = Decimal(total_points * 100 / count if count else 0).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return Grade(
        score_percent=percent,
        passed=count > 0 and percent >= pass_mark,
        correct_count=sum(1 for question in graded if question.correct),
        question_count=count,
        questions=graded,
        objectives=sorted(objectives.values(), key=lambda item: positions[item.objective_id]),
    )


@dataclass(frozen=True)
class MissedObjective:
    text: str
    correct: int
    total: int
    review_at_seconds: tuple[int, ...]  # the moments of the questions not answered right


def missed_objectives(result: Mapping) -> list[MissedObjective]:
    """The objectives of a stored result (`Grade.as_json()`) with a question not fully right,
    in the result's order, each with the review moments of those questions."""
    moments: dict[int, set[int]] = {}
    for question in result.get("questions", []):
        if not question["correct"] and question.get("review_at_seconds") is not None:
            moments.setdefault(question["objective_id"], set()).add(question["review_at_seconds"])
    return [
        MissedObjective(
            text=objective["text"],
            correct=objective["correct"],
            total=objective["total"],
            review_at_seconds=tuple(sorted(moments.get(objective["objective_id"], ()))),
        )
        for objective in result.get("objectives", [])
        if objective["correct"] < objective["total"]
    ]
