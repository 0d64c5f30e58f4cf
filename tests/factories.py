"""Small factories for the objects tests build again and again: series, modules with
objectives and cues, quizzes and their answers, completions."""

import itertools
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils import timezone

from modules.models import LearningObjective, Module, Series
from modules.services import replace_cues
from modules.transcripts import ParsedCue

DEMO_DIR = Path(__file__).resolve().parent.parent / "modules" / "demo"
PASSWORD = "a-long-test-password-1"
_codes = itertools.count(1)


def make_series(**fields) -> Series:
    number = next(_codes)
    defaults = {"title": f"Series {number}", "slug": f"series-{number}"}
    return Series.objects.create(**{**defaults, **fields})


def make_module(*, cues: int = 0, objectives: int = 2, published: bool = True, **fields) -> Module:
    number = next(_codes)
    defaults = {
        "title": f"Module {number}",
        "slug": f"module-{number}",
        "activity_code": f"TS-{number:04d}",
        "summary": "A test module.",
        "credit": Decimal("0.25"),
        "duration_seconds": 600,
        "disclosure_statement": "Nothing to disclose.",
        "participation_statement": "Watch and pass the quiz.",
        "is_published": published,
        "published_at": timezone.now() if published else None,
    }
    module = Module.objects.create(**{**defaults, **fields})
    for position in range(1, objectives + 1):
        LearningObjective.objects.create(
            module=module, position=position, text=f"Objective {position} of {module.title}"
        )
    if cues:
        replace_cues(module=module, cues=make_cues(cues))
    return module


def make_cues(count: int, *, step: float = 5.0) -> list[ParsedCue]:
    speakers = ["Coach", "Student"]
    return [
        ParsedCue(
            start_seconds=index * step,
            end_seconds=(index + 1) * step,
            speaker=speakers[index % 2],
            text=f"Line {index} about confidentiality and the learner's agenda.",
        )
        for index in range(count)
    ]


def attach_demo_video(module: Module) -> Module:
    data = (DEMO_DIR / "coaching-basics.webm").read_bytes()
    module.video.save("test-video.webm", ContentFile(data), save=True)
    return module


def make_quiz(module: Module, *, questions_per_objective: int = 1, **fields):
    """A quiz with single-choice questions whose first choice is right, and one multiple."""
    from quizzes.models import Choice, Question, Quiz

    quiz = Quiz.objects.create(module=module, **fields)
    position = 0
    for objective in module.objectives.all():
        for _ in range(questions_per_objective):
            position += 1
            question = Question.objects.create(
                quiz=quiz,
                position=position,
                text=f"Question {position} on {objective.text}",
                kind=Question.Kind.SINGLE,
                objective=objective,
                review_at_seconds=60 * position + 1,
            )
            Choice.objects.create(
                question=question,
                position=1,
                text=f"Right answer {position}",
                is_correct=True,
                explanation=f"Why answer {position} is right.",
            )
            Choice.objects.create(
                question=question,
                position=2,
                text=f"Wrong answer {position}",
                explanation=f"Why answer {position} is wrong.",
            )
    return quiz


def right_answers(quiz) -> dict[str, list[str]]:
    """POST data answering every question of a quiz correctly."""
    data: dict[str, list[str]] = {}
    for question in quiz.questions.prefetch_related("choices"):
        data[f"question-{question.pk}"] = [
            str(choice.pk) for choice in question.choices.all() if choice.is_correct
        ]
    return data


def wrong_answers(quiz) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for question in quiz.questions.prefetch_related("choices"):
        data[f"question-{question.pk}"] = [
            str(choice.pk) for choice in question.choices.all() if not choice.is_correct
        ][:1]
    return data


def make_completion(user, module: Module):
    """A passed attempt and the completion it made, without going through the quiz pages."""
    from quizzes.models import Attempt, Completion, Quiz

    quiz = Quiz.objects.filter(module=module).first() or make_quiz(module)
    attempt = Attempt.objects.create(
        user=user, quiz=quiz, score_percent=100, passed=True, finished_at=timezone.now()
    )
    return Completion.objects.create(
        user=user, module=module, attempt=attempt, completed_at=attempt.finished_at
    )
