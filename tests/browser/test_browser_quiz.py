"""A new coach signs up, verifies the address, fails the demo quiz, retries and passes."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command

from quizzes.models import Completion, Question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(page, quiz, *, right: bool) -> None:
    for question in Question.objects.filter(quiz=quiz).prefetch_related("choices"):
        choices = list(question.choices.all())
        picks = (
            [c for c in choices if c.is_correct]
            if right
            else [next(c for c in choices if not c.is_correct)]
        )
        for choice in picks:
            page.check(f"#choice-{choice.pk}")


def test_sign_up_verify_fail_retry_pass(page, live_server, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    call_command("load_demo", stdout=io.StringIO())
    from modules.models import Module

    module = Module.objects.get(slug="coaching-basics")
    quiz = module.quiz

    page.goto(f"{live_server.url}/modules/coaching-basics/")
    page.click("main >> text=Create an account")
    page.fill("input[name=email]", "journey@example.org")
    page.fill("input[name=certificate_name]", "Dr. Journey Coach")
    page.fill("input[name=password1]", "a-long-unusual-passphrase-7")
    page.fill("input[name=password2]", "a-long-unusual-passphrase-7")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_selector("text=Verify Your Email Address")

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + "/" + link.split("://", 1)[1].split("/", 1)[1])
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector("text=Signed in as")

    page.goto(f"{live_server.url}/modules/coaching-basics/quiz/")
    assert page.locator("fieldset").count() == quiz.questions.count()
    _answer(page, quiz, right=False)
    page.click("text=Submit answers")
    page.wait_for_selector("text=not passed")
    assert not Completion.objects.exists()

    page.click("text=Try again")
    _answer(page, quiz, right=True)
    page.click("text=Submit answers")
    page.wait_for_selector("text=This module is now marked complete.")

    page.goto(f"{live_server.url}/modules/coaching-basics/")
    assert "Completed" in page.inner_text(".module-actions")
    completion = Completion.objects.get()
    assert completion.user.certificate_name == "Dr. Journey Coach"
