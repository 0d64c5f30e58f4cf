"""Quizzes that show a failed attempt's missed objectives and review moments, never the answers
(Quiz.show_missed_objectives), beside today's default of showing every answer."""

import io
import tomllib

import pytest
from django.core.management import call_command
from django.urls import reverse

from quizzes.grading import missed_objectives
from quizzes.models import Attempt, Quiz
from tests.factories import make_module, make_quiz, right_answers, wrong_answers

pytestmark = pytest.mark.django_db

# What marks a right answer on the result page, in its text and in its markup.
ANSWER_MARKS = ["Correct answer", "choice-correct", "Right answer", "Why answer", "Your answers"]


@pytest.fixture
def module(db):
    return make_module(title="Coaching Basics", objectives=2, cues=3)


def _result_html(client, user, quiz, answers) -> str:
    """`user` takes the quiz once with `answers`; the result page they are sent to."""
    client.force_login(user)
    client.get(reverse("quizzes:take", args=[quiz.module.slug]))
    token = Attempt.objects.open().get(user=user, quiz=quiz).token
    response = client.post(
        reverse("quizzes:take", args=[quiz.module.slug]), {"token": str(token), **answers}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.content.decode()


def _wrong_on_first_objective_only(quiz) -> dict:
    answers = right_answers(quiz)
    for question in quiz.questions.filter(objective__position=1):
        answers.update(
            {
                key: value
                for key, value in wrong_answers(quiz).items()
                if key == f"question-{question.pk}"
            }
        )
    return answers


def test_with_the_setting_on_a_failed_attempt_names_the_missed_objective_and_its_review_links(
    client, learner, module
):
    quiz = make_quiz(module, questions_per_objective=2, show_missed_objectives=True)
    html = _result_html(client, learner, quiz, _wrong_on_first_objective_only(quiz))
    assert "<strong>not passed</strong>" in html
    review = html.split('id="review-heading"', 1)[1]
    assert "<h3>Objective 1 of Coaching Basics</h3>" in review
    assert "0 of 2 questions right." in review
    # Questions 1 and 2 are on objective 1 and review at 1:01 and 2:01 (tests/conftest.py).
    assert f'<a href="{module.get_absolute_url()}?t=61">Watch from 1:01</a>' in review
    assert f'<a href="{module.get_absolute_url()}?t=121">Watch from 2:01</a>' in review
    assert "Objective 2 of Coaching Basics</h3>" not in review  # all right there
    assert "Try again" in html


@pytest.mark.parametrize(
    ("setting", "promise"),
    [
        (True, "if you pass, each question's explanation is shown with your result; if not,"),
        (False, "and each question's explanation is shown with your result."),
    ],
)
def test_the_quiz_page_promises_explanations_only_as_the_result_will_show_them(
    client, learner, module, setting, promise
):
    quiz = make_quiz(module, show_missed_objectives=setting)
    client.force_login(learner)
    html = client.get(reverse("quizzes:take", args=[quiz.module.slug])).content.decode()
    assert promise in html.replace("&#x27;", "'")


def test_with_the_setting_on_a_failed_attempt_shows_no_answer_and_no_question(
    client, learner, module
):
    quiz = make_quiz(module, questions_per_objective=2, show_missed_objectives=True)
    html = _result_html(client, learner, quiz, wrong_answers(quiz))
    for mark in ANSWER_MARKS:
        assert mark not in html, mark
    assert "Wrong answer" not in html and "Question 1 on" not in html
    assert "graded-wrong" not in html and "Not right" not in html


def test_with_the_setting_off_a_failed_attempt_shows_every_answer_as_before(
    client, learner, module
):
    quiz = make_quiz(module, questions_per_objective=2)
    assert quiz.show_missed_objectives is False
    html = _result_html(client, learner, quiz, wrong_answers(quiz))
    for mark in ANSWER_MARKS:
        assert mark in html, mark
    assert "Review this at 1:01" in html
    assert "What to review" not in html


def test_with_the_setting_on_a_passed_attempt_still_shows_its_answers(client, learner, module):
    quiz = make_quiz(module, show_missed_objectives=True)
    html = _result_html(client, learner, quiz, right_answers(quiz))
    assert "<strong>passed</strong>" in html
    assert "Correct answer" in html and "What to review" not in html


def test_programme_staff_reading_a_learners_failed_attempt_see_its_answers(
    client, learner, programme_staff, module
):
    quiz = make_quiz(module, show_missed_objectives=True)
    _result_html(client, learner, quiz, wrong_answers(quiz))
    client.force_login(programme_staff)
    html = client.get(Attempt.objects.get(user=learner).get_absolute_url()).content.decode()
    assert "learner@example.org" in html
    assert "Correct answer" in html and "What to review" not in html


def test_a_missed_objective_without_review_moments_says_to_review_it_in_the_video(
    client, learner, module
):
    quiz = make_quiz(module, show_missed_objectives=True)
    quiz.questions.update(review_at_seconds=None)
    html = _result_html(client, learner, quiz, wrong_answers(quiz))
    assert html.count("Review this objective in the video and its transcript.") == 2
    assert "Watch from" not in html


def test_missed_objectives_come_from_the_stored_result_not_the_quiz_as_it_is_now():
    result = {
        "objectives": [
            {"objective_id": 7, "text": "Listen", "correct": 1, "total": 2},
            {"objective_id": 8, "text": "Ask", "correct": 1, "total": 1},
        ],
        "questions": [
            {"objective_id": 7, "correct": True, "review_at_seconds": 5},
            {"objective_id": 7, "correct": False, "review_at_seconds": 90},
            {"objective_id": 8, "correct": True, "review_at_seconds": 30},
        ],
    }
    [listen] = missed_objectives(result)
    assert (listen.text, listen.correct, listen.total, listen.review_at_seconds) == (
        "Listen",
        1,
        2,
        (90,),
    )


def test_the_quiz_admin_saves_the_setting(admin_client, module):
    quiz = make_quiz(module)
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    assert 'name="show_missed_objectives"' in admin_client.get(url).content.decode()
    data = {
        "pass_mark": "80",
        "max_attempts": "",
        "required_watch_percent": "0",
        "show_missed_objectives": "on",
        "questions-TOTAL_FORMS": "0",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for index, question in enumerate(quiz.questions.all()):
        data["questions-TOTAL_FORMS"] = data["questions-INITIAL_FORMS"] = str(index + 1)
        for key, value in {
            "id": question.pk,
            "quiz": quiz.pk,
            "position": question.position,
            "text": question.text,
            "kind": question.kind,
            "objective": question.objective_id,
            "review_at_seconds": question.review_at_seconds,
        }.items():
            data[f"questions-{index}-{key}"] = str(value)
    response = admin_client.post(url, data)
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert quiz.show_missed_objectives is True


def test_a_module_package_carries_the_setting(tmp_path):
    module = make_module(published=False, cues=3)  # publishing would need a video
    make_quiz(module, show_missed_objectives=True)
    out = tmp_path / "package"
    call_command("export_module", module.slug, str(out), stdout=io.StringIO())
    document = tomllib.loads((out / "module.toml").read_text())
    assert document["quiz"]["show_missed_objectives"] is True
    Quiz.objects.filter(module=module).update(show_missed_objectives=False)
    call_command("import_module", str(out), stdout=io.StringIO())
    assert Quiz.objects.get(module=module).show_missed_objectives is True
