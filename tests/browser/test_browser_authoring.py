"""An admin publishes a module from its one authoring page in a real Chromium (Playwright):
uploads with a progress bar, competencies sent with them, the quiz and evaluation on the same
page, files kept across a refused save, the checklist holding back an unanswerable quiz, and
axe-core on the page (its screenshots go to test-artifacts/authoring/; copies of them are in
docs/screenshots/)."""

import json
import re
import subprocess
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from certificates.models import EvaluationQuestion
from modules.models import Module
from tests.browser.a11y import AxeReport, new_page, session_cookie
from tests.browser.test_accessibility import DJANGO_ADMIN_MARKUP
from tests.factories import DEMO_DIR, make_module, make_quiz

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


VIDEO = DEMO_DIR / "coaching-basics.webm"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "authoring"
BROKEN = "Coach: [00:00] Welcome to feedback.\n\nStudent: [00:07] Thanks.\n\nCoach: [01:75] Oops.\n"
GOOD = BROKEN.replace("[01:75]", "[01:15]")

# Records what the progress box shows while the form is sent (the page is replaced after).
WATCH_PROGRESS = """() => {
  const box = document.querySelector('[data-upload-progress]');
  const bar = box.querySelector('progress');
  const status = box.querySelector('[data-upload-status]');
  sessionStorage.setItem('progressSeen', '[]');
  new MutationObserver(() => {
    const seen = JSON.parse(sessionStorage.getItem('progressSeen'));
    seen.push({hidden: box.hidden, value: bar.value, text: status.textContent});
    sessionStorage.setItem('progressSeen', JSON.stringify(seen));
  }).observe(box, {attributes: true, childList: true, subtree: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def mp4(tmp_path_factory) -> Path:
    """A 3-second H.264 MP4, as a phone or a screen recorder writes it."""
    path = tmp_path_factory.mktemp("media") / "talk.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=15:d=3"]
        + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)],
        check=True,
    )
    return path


def choose_files(page, video, transcript_path) -> None:
    page.set_input_files("#id_video", str(video))
    page.set_input_files("#id_transcript_file", str(transcript_path))


def choose_competency(page, name: str) -> None:
    page.select_option("#id_competencies_from", label=name)
    page.click("#id_competencies_add")


def progress_seen(page) -> list[dict]:
    return json.loads(page.evaluate("sessionStorage.getItem('progressSeen') || '[]'"))


def checklist_item(page, key: str):
    return page.locator(f"[data-checklist-item={key}]")


def test_a_new_admin_publishes_a_module_from_an_mp4_and_a_transcript_on_one_page(
    page, live_server, admin_user, competency, mp4, tmp_path
):
    good = tmp_path / "talk.txt"
    good.write_text(GOOD)
    page.context.add_cookies([session_cookie(admin_user, live_server)])

    page.goto(live_server.url + "/admin/modules/module/add/")
    page.fill("#id_title", "Giving Feedback")
    page.fill("#id_activity_code", "CL-0200")
    page.fill("#id_objectives-0-text", "Give feedback the learner can use.")
    choose_competency(page, competency.name)
    choose_files(page, mp4, good)
    # The length is read from the chosen file and written as the site writes times.
    page.wait_for_function("() => document.querySelector('#id_duration_seconds').value === '0:03'")
    page.evaluate(WATCH_PROGRESS)
    page.click("input[name=_continue]")

    page.locator("[data-transcript-summary]", has_text="3 lines").wait_for()
    seen = progress_seen(page)
    shown = [state["text"] for state in seen if not state["hidden"]]
    assert any(text.startswith("Uploading talk.mp4, talk.txt") for text in shown)
    assert any(state["value"] == 100 for state in seen)
    module = Module.objects.get(slug="giving-feedback")
    assert module.video.name.endswith(".mp4") and module.cues.count() == 3
    assert module.duration_seconds == 3
    # The competency chosen in the selector was sent with the upload.
    assert list(module.competencies.all()) == [competency]
    assert "done" in checklist_item(page, "transcript").inner_text()
    assert page.is_disabled("[data-publish-button]")

    # The quiz, a question with its choices, and the evaluation, on the same page.
    page.click(".djn-add-handler.djn-model-quizzes-question")
    page.fill("#id_quiz-0-questions-0-text", "What makes feedback usable?")
    page.select_option("#id_quiz-0-questions-0-objective", index=1)
    page.fill("#id_quiz-0-questions-0-review_at_seconds", "0:07")
    page.fill("#id_quiz-0-questions-0-choices-0-text", "It is specific")
    page.check("#id_quiz-0-questions-0-choices-0-is_correct")
    page.fill("#id_quiz-0-questions-0-choices-1-text", "It is vague")
    page.fill("#id_evaluation_questions-0-text", "Will you use this with your learners?")
    page.click("input[name=_continue]")
    page.locator(".messagelist .success").first.wait_for()
    assert page.is_enabled("[data-publish-button]")

    page.click("[data-publish-button]")
    live = page.locator(".messagelist .success", has_text="Giving Feedback is live at")
    live.wait_for()
    module.refresh_from_db()
    assert module.is_live and module.quiz.questions.get().review_at_seconds == 7
    live.locator("a").click()
    page.wait_for_url("**/modules/giving-feedback/")


def test_a_refused_save_keeps_every_field_and_file(
    page, live_server, admin_user, competency, mp4, tmp_path
):
    taken = make_module(activity_code="CL-0300")
    good = tmp_path / "talk.txt"
    good.write_text(GOOD)
    page.context.add_cookies([session_cookie(admin_user, live_server)])
    page.goto(live_server.url + "/admin/modules/module/add/")
    page.fill("#id_title", "Giving Feedback")
    page.fill("#id_activity_code", taken.activity_code)
    page.fill("#id_summary", "How to give feedback.")
    page.fill("#id_objectives-0-text", "Give feedback the learner can use.")
    choose_competency(page, competency.name)
    choose_files(page, mp4, good)
    page.click("input[name=_continue]")

    page.locator(".errornote").wait_for()
    assert page.input_value("#id_title") == "Giving Feedback"
    assert page.input_value("#id_summary") == "How to give feedback."
    assert page.input_value("#id_objectives-0-text") == "Give feedback the learner can use."
    assert page.locator("#id_competencies_to option").all_inner_texts() == [competency.name]
    kept = page.locator("[data-kept-upload]").all_inner_texts()
    assert kept[0].startswith("talk.mp4 (") and "is kept" in kept[0]
    assert kept[1].startswith("talk.txt (")

    page.fill("#id_activity_code", "CL-0301")
    page.click("input[name=_continue]")  # no file chosen again
    page.locator("[data-transcript-summary]", has_text="3 lines").wait_for()
    module = Module.objects.get(activity_code="CL-0301")
    assert module.video.name.endswith(".mp4") and module.cues.count() == 3
    assert list(module.competencies.all()) == [competency]


def unanswerable_module() -> Module:
    module = make_module(cues=3, objectives=1, published=False, title="Coaching Basics")
    module.video.save("talk.webm", ContentFile(VIDEO.read_bytes()), save=True)
    make_quiz(module).questions.get().choices.update(is_correct=True)
    EvaluationQuestion.objects.create(module=module, text="Will you use this?")
    return module


def test_an_unanswerable_quiz_cannot_be_published(page, live_server, admin_user):
    module = unanswerable_module()
    page.context.add_cookies([session_cookie(admin_user, live_server)])
    page.goto(live_server.url + f"/admin/modules/module/{module.pk}/change/")
    answerable = checklist_item(page, "answerable")
    assert "mark exactly one choice as correct" in answerable.inner_text()
    assert page.is_disabled("[data-publish-button]")
    reason = page.get_attribute("[data-publish-button]", "aria-describedby")
    assert "1 item of the checklist is not done" in page.inner_text(f"#{reason}")
    answerable.locator("a").click()
    assert page.url.endswith("#quiz-group")
    module.refresh_from_db()
    assert not module.is_published


def test_a_refused_save_gives_the_focus_to_its_summary_whose_links_reach_the_inputs(
    browser, live_server, admin_user
):
    module = make_module(published=False)
    viewport = {"width": 390, "height": 844}
    page = new_page(browser, live_server, user=admin_user, viewport=viewport, bypass_csp=True)
    try:
        page.goto(live_server.url + f"/admin/modules/module/{module.pk}/change/")
        page.fill("#id_duration_seconds", "1:75")
        with page.expect_navigation():
            page.click("input[name=_continue]")
        assert page.evaluate("document.activeElement.matches('[data-error-summary]')")
        report = AxeReport("light")
        report.check(page, "authoring page, a save refused", disabled=DJANGO_ADMIN_MARKUP)
        page.get_by_role("link", name='Duration: "1:75" has 75 seconds').click()
        assert page.evaluate("document.activeElement.id") == "id_duration_seconds"
        assert not report.failures(), report.failures()
    finally:
        page.context.close()


def test_the_one_quiz_has_no_heading_repeating_the_quiz_sections(browser, live_server, admin_user):
    module = make_module(published=False)
    make_quiz(module)
    page = new_page(browser, live_server, user=admin_user)
    try:
        page.goto(live_server.url + f"/admin/modules/module/{module.pk}/change/")
        assert page.get_by_role("heading", name="Quiz", exact=True).is_visible()
        assert not page.get_by_role("heading", name=f"Quiz: Quiz: {module.title}").count()
        assert page.get_by_role("heading", name=re.compile(r"^Question: ")).count() == 2
    finally:
        page.context.close()


def test_a_row_added_by_keyboard_takes_the_focus_at_its_text(browser, live_server, admin_user):
    module = make_module(published=False)
    page = new_page(browser, live_server, user=admin_user)
    try:
        page.goto(live_server.url + f"/admin/modules/module/{module.pk}/change/")
        page.get_by_role("link", name="Add another Question").focus()
        page.keyboard.press("Enter")
        focused = "document.activeElement.name"
        page.wait_for_function(f"{focused} === 'quiz-0-questions-0-text'")
        page.locator("#quiz-0-questions-0-choices-group").get_by_role(
            "link", name="Add another Choice"
        ).focus()
        page.keyboard.press("Enter")
        assert page.evaluate(focused) == "quiz-0-questions-0-choices-2-text"
    finally:
        page.context.close()


@pytest.mark.parametrize(("width", "name"), [(1440, "desktop"), (390, "phone")])
def test_axe_finds_nothing_on_the_authoring_page(browser, live_server, admin_user, width, name):
    module = unanswerable_module()
    # axe is injected as a script tag, which the Content-Security-Policy refuses (rightly).
    viewport = {"width": width, "height": 900}
    page = new_page(browser, live_server, user=admin_user, viewport=viewport, bypass_csp=True)
    try:
        page.goto(live_server.url + f"/admin/modules/module/{module.pk}/change/")
        report = AxeReport("light")
        report.check(page, f"authoring page ({name})", disabled=DJANGO_ADMIN_MARKUP)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"authoring-{name}.png"))
        assert not report.failures(), report.failures()
    finally:
        page.context.close()
