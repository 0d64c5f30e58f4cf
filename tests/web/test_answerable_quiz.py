"""A published module's quiz stays answerable: a module author cannot delete the last
question on an objective, strip a question of its choices or of its one right answer,
and a module is not published with a question learners could not answer."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from modules.publishing import publish_problems
from quizzes.models import Choice, Question
from tests.factories import attach_demo_video, make_module, make_quiz
from tests.web.test_admin_authoring import (  # noqa: F401 - fixtures
    _posted_question,
    _quiz_form,
    authors_group,
    module_author,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def author_client(client, module_author):  # noqa: F811
    client.force_login(module_author)
    return client


def _choices_form(question: Question, *, delete=(), right=None, kind=None) -> dict:
    """The question's own admin page as posted back: choices in `delete` removed, and the
    right ones `right` (positions) when given."""
    choices = list(question.choices.all())
    data = {
        "position": str(question.position),
        "text": question.text,
        "kind": kind or question.kind,
        "objective": str(question.objective_id),
        "review_at_seconds": "",
        "choices-TOTAL_FORMS": str(len(choices)),
        "choices-INITIAL_FORMS": str(len(choices)),
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "1000",
    }
    for number, choice in enumerate(choices):
        data |= {
            f"choices-{number}-id": str(choice.pk),
            f"choices-{number}-question": str(question.pk),
            f"choices-{number}-position": str(choice.position),
            f"choices-{number}-text": choice.text,
            f"choices-{number}-explanation": "",
        }
        if (choice.position in right) if right is not None else choice.is_correct:
            data[f"choices-{number}-is_correct"] = "on"
        if choice.position in delete:
            data[f"choices-{number}-DELETE"] = "on"
    return data


def _errors(response) -> str:
    return str(response.context["errors"]) if response.context else ""


def test_an_author_cannot_delete_the_last_question_of_a_published_quiz(author_client):
    quiz = make_quiz(make_module(objectives=1))
    question = quiz.questions.get()
    url = reverse("admin:quizzes_question_delete", args=[question.pk])
    response = author_client.post(url, {"post": "yes"})
    assert Question.objects.filter(pk=question.pk).exists()
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "only question on" in message


def test_an_author_may_delete_a_question_when_another_covers_its_objective(author_client):
    quiz = make_quiz(make_module(objectives=1), questions_per_objective=2)
    question = quiz.questions.first()
    url = reverse("admin:quizzes_question_delete", args=[question.pk])
    assert author_client.post(url, {"post": "yes"}).status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()


def test_questions_cannot_be_deleted_in_bulk(author_client):
    make_quiz(make_module(objectives=1), questions_per_objective=2)
    response = author_client.get(reverse("admin:quizzes_question_changelist"))
    assert 'value="delete_selected"' not in response.content.decode()


def test_an_author_cannot_remove_every_choice_of_a_published_question(author_client):
    question = make_quiz(make_module(objectives=1)).questions.get()
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = author_client.post(url, _choices_form(question, delete={1, 2}))
    assert response.status_code == 200
    assert Question.NO_CHOICES in _errors(response)
    assert question.choices.count() == 2


def test_an_author_cannot_leave_a_single_choice_question_without_its_right_answer(
    author_client,
):
    question = make_quiz(make_module(objectives=1)).questions.get()
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    response = author_client.post(url, _choices_form(question, right=set()))
    assert response.status_code == 200
    assert Question.NO_RIGHT_CHOICE in _errors(response)
    assert question.choices.filter(is_correct=True).count() == 1


def test_a_multiple_select_question_with_two_right_answers_cannot_become_single_on_the_quiz_page(
    author_client,
):
    quiz = make_quiz(make_module(objectives=1))
    question = quiz.questions.get()
    question.kind = Question.Kind.MULTIPLE
    question.save()
    question.choices.update(is_correct=True)
    posted = _posted_question(question) | {"kind": Question.Kind.SINGLE}
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    response = author_client.post(url, _quiz_form(quiz, [posted]))
    assert response.status_code == 200
    assert Question.ONE_RIGHT_CHOICE in _errors(response)
    question.refresh_from_db()
    assert question.kind == Question.Kind.MULTIPLE


def test_a_question_without_choices_is_not_added_to_a_published_quiz(author_client):
    quiz = make_quiz(make_module(objectives=1))
    questions = [_posted_question(q) for q in quiz.questions.all()]
    questions.append(
        {
            "position": "2",
            "text": "No answers yet?",
            "kind": "single",
            "objective": questions[0]["objective"],
        }
    )
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    response = author_client.post(url, _quiz_form(quiz, questions))
    assert response.status_code == 200
    assert "is added with its choices" in _errors(response)
    assert quiz.questions.count() == 1


def test_a_draft_question_may_wait_for_its_choices(author_client):
    question = make_quiz(make_module(objectives=1, published=False)).questions.get()
    url = reverse("admin:quizzes_question_change", args=[question.pk])
    assert author_client.post(url, _choices_form(question, delete={1, 2})).status_code == 302
    assert not question.choices.exists()


def test_publishing_names_a_question_learners_could_not_answer(author_client):
    module = attach_demo_video(make_module(cues=5, objectives=1, published=False))
    question = make_quiz(module).questions.get()
    Choice.objects.filter(question=question).update(is_correct=False)
    response = author_client.post(
        reverse("admin:modules_module_changelist"),
        {"action": "publish_selected", "_selected_action": [str(module.pk)]},
        follow=True,
    )
    module.refresh_from_db()
    assert not module.is_published
    assert (
        f"Question 1 (“{question.text}”): {Question.NO_RIGHT_CHOICE}" in response.content.decode()
    )


def test_an_unanswerable_question_is_numbered_in_quiz_order_when_positions_repeat():
    module = make_module(objectives=2, published=False)
    quiz = make_quiz(module)
    quiz.questions.update(position=1)  # as new rows are added on the authoring page
    second = quiz.questions.order_by("pk").last()
    second.choices.update(is_correct=False)
    problems = publish_problems(module, whole_checklist=True)
    assert [problem for problem in problems if problem.startswith("Question")] == [
        f"Question 2 (“{second.text}”): {Question.NO_RIGHT_CHOICE}"
    ]


def test_staff_who_may_not_delete_questions_get_403_not_the_reason(client, author):
    quiz = make_quiz(make_module(objectives=1))
    client.force_login(author)  # staff, but not a module author
    url = reverse("admin:quizzes_question_delete", args=[quiz.questions.get().pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
