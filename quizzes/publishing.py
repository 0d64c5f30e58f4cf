"""The quiz's publishing rule, registered with modules.extensions in QuizzesConfig.ready()."""

from quizzes.models import Quiz

NO_QUIZ = "A quiz is missing: create one with a question for every learning objective."
NO_QUESTIONS = "The quiz has no questions."


def quiz_publish_check(module, objectives) -> list[str]:
    """One message per objective that no question of the module's quiz asks about, and one
    per question learners could not answer (Question.unanswerable_reason)."""
    quiz = Quiz.objects.filter(module_id=module.pk).first() if module.pk else None
    if quiz is None:
        return [NO_QUIZ]
    questions = list(quiz.questions.prefetch_related("choices"))
    covered = {question.objective_id for question in questions}
    unanswerable = [
        f"Question {question.position} (“{question.text[:60]}”): {reason}"
        for question in questions
        if (reason := question.unanswerable_reason())
    ]
    if not objectives:
        return unanswerable if covered else [NO_QUESTIONS]
    return [
        f"The quiz has no question for objective {number}: “{objective.text}”."
        for number, objective in enumerate(objectives, start=1)
        if objective.pk is None or objective.pk not in covered
    ] + unanswerable
