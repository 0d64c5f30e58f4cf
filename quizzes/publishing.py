"""The quiz's publishing rules, registered with modules.extensions in QuizzesConfig.ready()."""

from quizzes.models import Quiz, uncovered_objectives

NO_QUIZ = "A quiz is missing: create one with a question for every learning objective."
NO_QUESTIONS = "The quiz has no questions."


def _questions(module) -> list | None:
    quiz = Quiz.objects.filter(module_id=module.pk).first() if module.pk else None
    return None if quiz is None else list(quiz.questions.prefetch_related("choices"))


def quiz_coverage_check(module, objectives) -> list[str]:
    """One message per objective that no question of the module's quiz asks about."""
    questions = _questions(module)
    if questions is None:
        return [NO_QUIZ]
    if not questions:
        return [NO_QUESTIONS]
    missing = uncovered_objectives(objectives, [q.objective_id for q in questions])
    numbers = {id(objective): n for n, objective in enumerate(objectives, start=1)}
    return [
        f"The quiz has no question for objective {numbers[id(objective)]}: “{objective.text}”."
        for objective in missing
    ]


def quiz_answerable_check(module, objectives) -> list[str]:
    """One message per question learners could not answer (Question.unanswerable_reason),
    numbered in the quiz's order as objectives are (positions may repeat)."""
    return [
        f"Question {number} (“{question.text[:60]}”): {reason}"
        for number, question in enumerate(_questions(module) or [], start=1)
        if (reason := question.unanswerable_reason())
    ]
