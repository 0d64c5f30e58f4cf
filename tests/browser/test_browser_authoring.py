"""An author publishes a module from the admin in a real Chromium (Playwright): uploads with a
progress bar, a transcript error fixed, publishing, and the module in the catalog, playing."""

import importlib
import json

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group

from modules.models import Module
from tests.browser.a11y import session_cookie
from tests.factories import DEMO_DIR, make_quiz

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

authors_migration = importlib.import_module("coachlearn.migrations.0001_module_authors_group")

VIDEO = DEMO_DIR / "coaching-basics.webm"
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


@pytest.fixture
def module_author(author):
    # Transactional tests flush the group made by the migration: make it again the same way.
    if not Group.objects.filter(name=authors_migration.GROUP).exists():
        authors_migration.create_group(global_apps, None)
    author.groups.add(Group.objects.get(name=authors_migration.GROUP))
    return author


def choose_files(page, transcript_path) -> None:
    page.set_input_files("#id_video", str(VIDEO))
    page.set_input_files("#id_transcript_file", str(transcript_path))


def progress_seen(page) -> list[dict]:
    return json.loads(page.evaluate("sessionStorage.getItem('progressSeen') || '[]'"))


def test_an_author_uploads_fixes_the_transcript_publishes_and_the_module_plays(
    page, live_server, module_author, tmp_path
):
    broken, good = tmp_path / "talk.txt", tmp_path / "talk-fixed.txt"
    broken.write_text(BROKEN)
    good.write_text(GOOD)
    page.context.add_cookies([session_cookie(module_author, live_server)])

    page.goto(live_server.url + "/admin/modules/module/add/")
    page.fill("#id_title", "Giving Feedback")
    page.fill("#id_activity_code", "CL-0200")
    page.fill("#id_objectives-0-text", "Give feedback the learner can use.")
    assert page.input_value("#id_slug") == "giving-feedback"
    choose_files(page, broken)
    # The length is read from the chosen file (the demo video lasts 200 s).
    page.wait_for_function("() => document.querySelector('#id_duration_seconds').value === '200'")
    page.evaluate(WATCH_PROGRESS)
    page.click("input[name=_continue]")

    error = page.locator(".errorlist", has_text="talk.txt, line 5: timestamp [01:75] has 75")
    error.wait_for()
    seen = progress_seen(page)
    shown = [state["text"] for state in seen if not state["hidden"]]
    assert any(text.startswith("Uploading coaching-basics.webm, talk.txt") for text in shown)
    assert any(state["value"] == 100 for state in seen)
    assert Module.objects.count() == 0

    choose_files(page, good)
    page.click("input[name=_continue]")
    page.locator("[data-transcript-summary]", has_text="3 lines").wait_for()
    assert "timed from 0:00 to 1:15" in page.inner_text("[data-transcript-summary]")
    module = Module.objects.get(slug="giving-feedback")
    assert module.video and module.cues.count() == 3 and module.duration_seconds == 200

    # Publishing is refused until there is a quiz, which is written on its own admin pages.
    page.check("#id_is_published")
    page.click("input[name=_continue]")
    page.locator("[data-publish-problems]", has_text="A quiz is missing").wait_for()
    make_quiz(module)
    page.check("#id_is_published")
    page.click("input[name=_continue]")
    page.locator(".messagelist .success").wait_for()
    module.refresh_from_db()
    assert module.is_published

    page.goto(live_server.url + "/")
    page.click("text=Giving Feedback")
    page.wait_for_function("() => document.querySelector('video').readyState >= 2")
    assert page.url.endswith("/modules/giving-feedback/")
