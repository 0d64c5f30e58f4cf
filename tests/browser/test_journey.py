"""The whole journey of a new coach, in a real Chromium, with a screenshot of every step.

Catalog → search a word spoken in the demo video → open the result at its moment → play →
another line of the transcript → sign up → verify the email → fail the quiz → pass it →
claim the certificate → download it and read it back → verify it signed out → save the
course and the search → find both under "My learning". The screenshots are written to
test-artifacts/journey/ (git-ignored), numbered in order, with the downloaded PDF.
"""

import io
import re
import shutil
import time
import unicodedata

import pytest
from django.core import mail
from django.core.management import call_command
from pypdf import PdfReader

from certificates.models import Certificate, EvaluationQuestion
from modules.models import Module
from quizzes.models import Question
from tests.browser.a11y import ARTIFACTS, fill_sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "journey"
EMAIL = "new.coach@example.org"
NAME = "Dr. Amara Okafor"
PASSWORD = "a-long-unusual-passphrase-7"
WORD = "confidentiality"
VIDEO_TIME = "() => document.querySelector('video').currentTime"


class Steps:
    def __init__(self, page):
        self.page = page
        self.count = 0
        shutil.rmtree(SHOTS, ignore_errors=True)
        SHOTS.mkdir(parents=True)

    def shot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=SHOTS / f"{self.count:02d}-{name}.png", full_page=True)


def _answer_quiz(page, quiz, *, right: bool) -> None:
    for question in Question.objects.filter(quiz=quiz).prefetch_related("choices"):
        choices = list(question.choices.all())
        picks = [c for c in choices if c.is_correct] if right else [choices[0]]
        if not right and choices[0].is_correct:
            picks = [next(c for c in choices if not c.is_correct)]
        for choice in picks:
            page.check(f"#choice-{choice.pk}")


def _pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


def test_a_new_coach_from_the_catalog_to_a_verified_certificate(
    browser, page, live_server, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.SITE_URL = live_server.url  # the certificate's printed link opens here
    call_command("load_demo", stdout=io.StringIO())
    module = Module.objects.get(slug="coaching-basics")
    steps = Steps(page)
    started = time.perf_counter()

    # 1. The catalog.
    page.goto(live_server.url + "/")
    page.get_by_role("heading", name="Coaching modules").wait_for()
    steps.shot("catalog")

    # 2. Search for a word said in the video, from the header's search box.
    page.get_by_role("search", name="Modules").get_by_label("Search modules").fill(WORD)
    page.keyboard.press("Enter")
    result = page.locator(".search-result", has_text=module.title)
    result.wait_for()
    steps.shot("search-results")

    # 3. Open the result at the moment the word is said.
    snippet = result.locator(".snippets a").first
    moment = int(re.search(r"[?&]t=(\d+)", snippet.get_attribute("href")).group(1))
    snippet.click()
    page.wait_for_url(f"**/modules/{module.slug}/?t={moment}")
    page.wait_for_function(f"() => Math.abs(({VIDEO_TIME})() - {moment}) < 1")
    current = page.locator("[data-seek][aria-current='true']")
    assert WORD in current.inner_text().lower()
    steps.shot("module-at-the-moment")

    # 4. Play.
    page.locator("video").click()
    page.wait_for_function(f"() => ({VIDEO_TIME})() > {moment} + 1.5")
    assert not page.evaluate("() => document.querySelector('video').paused")
    steps.shot("playing")

    # 5. Another line of the transcript: the video goes there and says so.
    other = page.locator("[data-seek]", has_text="Logistics")
    other_at = float(other.get_attribute("data-seek"))
    other.click()
    page.wait_for_function(f"() => Math.abs(({VIDEO_TIME})() - {other_at}) < 1.5")
    page.wait_for_function(
        "() => document.querySelector('[data-player-announcer]').textContent.includes('Logistics')"
    )
    assert other.get_attribute("aria-current") == "true"
    page.evaluate("() => document.querySelector('video').pause()")
    steps.shot("another-line")

    # 6. Sign up, from the module page.
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    fill_sign_up(page, email=EMAIL, name=NAME, password=PASSWORD)
    steps.shot("sign-up")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_selector("text=Verify Your Email Address")
    steps.shot("check-your-email")

    # 7. Verify the address with the link from the email.
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + "/" + link.split("://", 1)[1].split("/", 1)[1])
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector("text=Signed in as")
    steps.shot("email-confirmed")

    # 8. The quiz: fail once.
    page.goto(live_server.url + module.get_absolute_url())
    page.get_by_role("link", name="Take the quiz").click()
    page.get_by_role("button", name="Submit answers").wait_for()
    _answer_quiz(page, module.quiz, right=False)
    steps.shot("quiz")
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_selector("text=not passed")
    steps.shot("quiz-not-passed")

    # 9. Try again and pass.
    page.get_by_role("link", name="Try again").click()
    _answer_quiz(page, module.quiz, right=True)
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_selector("text=This module is now marked complete.")
    steps.shot("quiz-passed")

    # 10. Claim the certificate: confirm the name, answer the evaluation.
    page.get_by_role("link", name=f"Back to {module.title}").click()
    page.get_by_role("link", name="Claim your certificate").click()
    assert page.get_by_label("Your name exactly as it will be printed").input_value() == NAME
    for question in EvaluationQuestion.objects.filter(module=module):
        if question.kind == "yes_no":
            page.get_by_role("group", name=question.text).get_by_label("Yes").check()
        elif question.kind == "scale":
            page.get_by_role("group", name=question.text).get_by_label("5").check()
        else:
            page.get_by_label(question.text).fill("Ask one more question before advising.")
    steps.shot("claim")
    page.get_by_role("button", name="Issue my certificate").click()
    page.wait_for_selector("text=is ready to download")
    certificate = Certificate.objects.get(user__email=EMAIL)
    steps.shot("certificate-issued")

    # 11. Download it and read it back.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your certificate").click()
    pdf_path = SHOTS / download.value.suggested_filename
    download.value.save_as(pdf_path)
    text = _pdf_text(pdf_path.read_bytes())
    assert NAME in text
    assert module.title in text and module.activity_code in text
    assert certificate.display_code in text
    verify_url = re.search(r"Verify at (\S+)", text).group(1)
    assert verify_url == live_server.url + certificate.get_verify_url()

    # 12. Its verification link, opened by someone else: signed out, in a new browser.
    stranger = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        checker = stranger.new_page()
        checker.goto(verify_url)
        assert "Valid." in checker.inner_text(".result-summary")
        assert NAME in checker.inner_text("main")
        assert checker.get_by_role("link", name="Sign in").is_visible()
        checker.screenshot(path=SHOTS / f"{steps.count + 1:02d}-verified-signed-out.png")
        steps.count += 1
    finally:
        stranger.close()

    # 13. Save the course.
    page.goto(live_server.url + module.get_absolute_url())
    save = page.get_by_role("button", name=re.compile(rf"^Save course\W+{module.title}$"))
    save.click()
    page.wait_for_selector(".save-course-button[aria-pressed='true']")
    steps.shot("course-saved")

    # 14. Save the search.
    page.get_by_role("search", name="Modules").get_by_label("Search modules").fill(WORD)
    page.keyboard.press("Enter")
    page.get_by_label("Name your search").fill("Confidentiality in coaching")
    page.get_by_role("button", name="Save search").click()
    page.wait_for_selector("text=Confidentiality in coaching")
    steps.shot("search-saved")

    # 15. Both are under "My learning".
    page.get_by_role("link", name="My learning").click()
    saved = page.get_by_role("region", name="Saved")
    assert saved.get_by_role("link", name=module.title, exact=True).is_visible()
    completed = page.get_by_role("region", name="Completed")
    assert completed.get_by_role("link", name=module.title, exact=True).is_visible()
    steps.shot("my-learning")
    page.get_by_role("link", name="Saved searches").click()
    assert page.get_by_role("link", name="Confidentiality in coaching").first.is_visible()
    steps.shot("saved-searches")

    elapsed = time.perf_counter() - started
    print(f"\nThe journey took {elapsed:.1f} s; {steps.count} screenshots in {SHOTS}")
