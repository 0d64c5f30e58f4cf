"""Taking a module's quiz: access, answers kept secret, grading once, completion."""

import random
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from quizzes.models import Attempt, Completion, Question
from quizzes.services import submit_attempt
from tests.conftest import run_at_once
from tests.factories import make_module, make_quiz, right_answers, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def module(db):
    return make_module(title="Coaching Basics", objectives=2, cues=3)


@pytest.fixture
def quiz(module):
    return make_quiz(module, questions_per_objective=2)


def _quiz_url(module):
    return reverse("quizzes:take", args=[module.slug])


def _open_quiz(client, module):
    response = client.get(_quiz_url(module))
    assert response.status_code == 200
    return response


def _submit(client, module, data):
    token = Attempt.objects.open().get(quiz__module=module).token
    return client.post(_quiz_url(module), {"token": str(token), **data})


def test_signed_out_coach_is_sent_to_sign_in_from_quiz(client, quiz, module):
    response = client.get(_quiz_url(module))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert f"next={_quiz_url(module)}" in response["Location"]


def test_quiz_page_never_sends_the_correct_answers(client, learner, quiz, module):
    client.force_login(learner)
    html = _open_quiz(client, module).content.decode()
    assert "Right answer 1" in html and "Wrong answer 1" in html
    assert "is_correct" not in html and "correct" not in html.lower().replace("incorrect", "")
    assert "Why answer" not in html  # explanations come only after submitting
    assert html.count("<fieldset") == 4
    assert "<legend>" in html


def test_unpublished_module_quiz_is_404_for_a_learner(client, learner):
    draft = make_module(published=False)
    make_quiz(draft)
    client.force_login(learner)
    assert client.get(_quiz_url(draft)).status_code == 404


def test_module_without_quiz_is_404(client, learner, module):
    client.force_login(learner)
    assert client.get(_quiz_url(module)).status_code == 404


def test_passing_submission_shows_result_and_completes_the_module(client, learner, quiz, module):
    client.force_login(learner)
    _open_quiz(client, module)
    response = _submit(client, module, right_answers(quiz))
    attempt = Attempt.objects.get(user=learner)
    assert response.status_code == 302 and response["Location"] == attempt.get_absolute_url()
    assert attempt.passed and attempt.score_percent == 100
    assert attempt.finished_at >= attempt.started_at
    completion = Completion.objects.get(user=learner, module=module)
    assert completion.attempt == attempt
    html = client.get(attempt.get_absolute_url()).content.decode()
    assert "<strong>passed</strong>" in html
    assert "Objective 1 of Coaching Basics</td><td>2 of 2" in html
    assert "Why answer 1 is right." in html


def test_failing_submission_links_wrong_answers_to_the_video(client, learner, quiz, module):
    client.force_login(learner)
    _open_quiz(client, module)
    response = _submit(client, module, wrong_answers(quiz))
    html = client.get(response["Location"]).content.decode()
    assert "<strong>not passed</strong>" in html
    question = quiz.questions.get(position=1)
    assert f'href="{module.get_absolute_url()}?t={question.review_at_seconds}"' in html
    assert "Review this at 1:01" in html
    assert "Try again" in html
    assert not Completion.objects.filter(user=learner).exists()


def test_unanswered_questions_are_pointed_out_and_answers_kept(client, learner, quiz, module):
    client.force_login(learner)
    _open_quiz(client, module)
    answers = right_answers(quiz)
    first, *_ = answers
    response = _submit(client, module, {first: answers[first]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "3 questions still need an answer." in html
    assert 'aria-invalid="true"' in html
    chosen = answers[first][0]
    assert re.search(rf'value="{chosen}" id="choice-{chosen}"\s+checked', html)
    assert Attempt.objects.submitted().count() == 0


def test_replayed_submission_counts_once(client, learner, quiz, module):
    client.force_login(learner)
    _open_quiz(client, module)
    token = Attempt.objects.open().get().token
    data = {"token": str(token), **right_answers(quiz)}
    first = client.post(_quiz_url(module), data)
    second = client.post(_quiz_url(module), data)
    assert first["Location"] == second["Location"]
    assert Attempt.objects.filter(user=learner).count() == 1
    assert Completion.objects.filter(user=learner).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_one_attempt_count_once(learner):
    module = make_module(objectives=2)
    quiz = make_quiz(module)
    from quizzes.services import start_attempt

    attempt = start_attempt(user=learner, quiz=quiz)
    answers = {
        question.pk: {question.choices.get(is_correct=True).pk} for question in quiz.questions.all()
    }
    results = run_at_once(
        lambda: submit_attempt(user=learner, token=attempt.token, answers=answers), 2
    )
    assert {result.pk for result in results} == {attempt.pk}
    assert Attempt.objects.submitted().count() == 1
    assert Completion.objects.count() == 1


def test_maximum_attempts_is_enforced(client, learner, module):
    quiz = make_quiz(module, max_attempts=2)
    client.force_login(learner)
    for _ in range(2):
        _open_quiz(client, module)
        _submit(client, module, wrong_answers(quiz))
    response = client.get(_quiz_url(module))
    assert response.status_code == 403
    assert "You have used all 2 attempts allowed for this quiz." in response.content.decode()
    last = Attempt.objects.filter(user=learner).first()
    assert "Try again" not in client.get(last.get_absolute_url()).content.decode()


def test_shuffled_order_is_stored_with_the_attempt_and_shown_that_way(client, learner, module):
    quiz = make_quiz(module, questions_per_objective=4, shuffle=True)
    client.force_login(learner)
    random.seed(7)  # 8 questions: 1 in 40,320 orders is the authored one; this seed's is not
    html = _open_quiz(client, module).content.decode()
    attempt = Attempt.objects.get(user=learner)
    shown_ids = [entry["question"] for entry in attempt.order]
    authored = list(quiz.questions.order_by("position", "pk").values_list("pk", flat=True))
    assert sorted(shown_ids) == sorted(authored)
    assert shown_ids != authored
    positions = [html.index(f'id="question-{pk}"') for pk in shown_ids]
    assert positions == sorted(positions)
    # Reloading shows the same attempt in the same order.
    client.get(_quiz_url(module))
    assert Attempt.objects.get(user=learner).order == attempt.order


def test_attempt_result_is_404_for_another_learner(client, learner, other_learner, quiz, module):
    client.force_login(learner)
    _open_quiz(client, module)
    url = _submit(client, module, right_answers(quiz))["Location"]
    client.force_login(other_learner)
    assert client.get(url).status_code == 404


def test_programme_staff_can_read_a_learners_attempt(
    client, learner, programme_staff, quiz, module
):
    client.force_login(learner)
    _open_quiz(client, module)
    url = _submit(client, module, right_answers(quiz))["Location"]
    client.force_login(programme_staff)
    response = client.get(url)
    assert response.status_code == 200
    assert "learner@example.org" in response.content.decode()


def test_signed_out_visitor_is_sent_to_sign_in_from_an_attempt(client, learner, quiz, module):
    client.force_login(learner)
    _open_quiz(client, module)
    url = _submit(client, module, right_answers(quiz))["Location"]
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_quiz_is_valid_only_when_every_objective_has_a_question(module):
    quiz = make_quiz(module)
    quiz.full_clean()
    Question.objects.filter(quiz=quiz, objective__position=2).delete()
    with pytest.raises(ValidationError, match="none for: “Objective 2 of Coaching Basics”"):
        quiz.full_clean()


def test_module_page_shows_quiz_state(client, learner, quiz, module):
    client.force_login(learner)
    assert "Quiz not started" in client.get(module.get_absolute_url()).content.decode()
    _open_quiz(client, module)
    _submit(client, module, wrong_answers(quiz))
    html = client.get(module.get_absolute_url()).content.decode()
    assert "1 attempt so far, best score 0%" in html
    _open_quiz(client, module)
    _submit(client, module, right_answers(quiz))
    html = client.get(module.get_absolute_url()).content.decode()
    assert "<strong>Completed</strong> on" in html


def test_signed_out_module_page_invites_to_sign_in_back_to_the_quiz(client, quiz, module):
    html = client.get(module.get_absolute_url()).content.decode()
    assert "Sign in to take the quiz and track your certificates" in html
    assert f"?next={_quiz_url(module)}" in html
