"""The quiz panel says how much of the video a quiz needs watched, and how much is, before
the learner is refused; the figure follows the video as it plays (real Chromium)."""

import json
import re

import pytest

from quizzes.models import WatchProgress
from tests.browser.a11y import new_page
from tests.factories import attach_demo_video, make_completion, make_module, make_quiz

pytestmark = pytest.mark.django_db

READY = "() => document.querySelector('video').readyState >= 1"


@pytest.fixture
def module(db):
    return make_module(duration_seconds=600)


def _watched(user, module, seconds: float) -> None:
    WatchProgress.objects.create(
        user=user, module=module, intervals=[[0, seconds]], watched_seconds=seconds
    )


def _panel_text(html: str) -> str:
    """The quiz panel as a screen reader reads it: tags and hidden parts gone, spaces joined."""
    panel = html.split('class="module-actions"', 1)[1].split("</section>", 1)[0]
    panel = re.sub(r"<span[^>]*\shidden>(?:[^<]|<span[^>]*>[^<]*</span>)*</span>", "", panel)
    return " ".join(re.sub(r"<[^>]+>", " ", panel).split()).replace(" %", "%")


def test_a_learner_is_told_the_share_to_watch_and_how_much_they_have(client, learner, module):
    make_quiz(module, required_watch_percent=80)
    _watched(learner, module, 210)  # of 600 s
    client.force_login(learner)
    text = _panel_text(client.get(module.get_absolute_url()).content.decode())
    assert "Watch at least 80% of the video to take the quiz — you have watched 35%." in text
    assert "enough to take the quiz" not in text
    assert "Watched 35% of the video" not in text  # said once, in the requirement


def test_a_learner_who_has_not_started_is_told_they_have_watched_nothing(client, learner, module):
    make_quiz(module, required_watch_percent=50)
    client.force_login(learner)
    html = client.get(module.get_absolute_url()).content.decode()
    assert "Watch at least 50% of the video to take the quiz — you have watched 0%." in (
        _panel_text(html)
    )
    assert 'aria-describedby="watch-requirement"' in html  # the quiz button points at it


def test_a_learner_who_has_watched_enough_is_told_so(client, learner, module):
    make_quiz(module, required_watch_percent=80)
    _watched(learner, module, 510)
    client.force_login(learner)
    text = _panel_text(client.get(module.get_absolute_url()).content.decode())
    assert "You have watched 85% of the video: enough to take the quiz (80% needed)." in text
    assert "Watch at least" not in text


def test_a_signed_out_visitor_is_told_the_requirement_alone(client, module):
    make_quiz(module, required_watch_percent=80)
    text = _panel_text(client.get(module.get_absolute_url()).content.decode())
    assert "Watch at least 80% of the video to take the quiz." in text
    assert "you have watched" not in text


def test_without_a_requirement_the_panel_is_as_before(client, learner, module):
    make_quiz(module)
    _watched(learner, module, 60)
    client.force_login(learner)
    text = _panel_text(client.get(module.get_absolute_url()).content.decode())
    assert "Watched 10% of the video" in text and "Watch at least" not in text
    client.logout()
    assert "Watch at least" not in _panel_text(
        client.get(module.get_absolute_url()).content.decode()
    )


def test_once_completed_the_requirement_is_not_mentioned(client, learner, module):
    make_quiz(module, required_watch_percent=80)
    make_completion(learner, module)
    client.force_login(learner)
    text = _panel_text(client.get(module.get_absolute_url()).content.decode())
    assert "Completed" in text and "Watch at least" not in text


# --- as the video plays ----------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_requirement_follows_the_video_on_whole_five_percent_steps(
    browser, live_server, learner
):
    module = attach_demo_video(make_module(duration_seconds=200, cues=10))
    make_quiz(module, required_watch_percent=80)
    page = new_page(browser, live_server, user=learner)
    # The server's answers to the player's reports, in turn, as more of the video is seen.
    answers = iter([37, 38, 41, 79, 80])
    page.route(
        "**/progress",
        lambda route: route.fulfill(
            content_type="application/json",
            body=json.dumps(
                {"watched_seconds": 0, "watched_percent": next(answers), "position": 0}
            ),
        ),
    )
    try:
        page.goto(live_server.url + module.get_absolute_url())
        page.wait_for_function(READY)
        region = page.locator("[data-watch-requirement]")
        assert region.get_attribute("aria-live") == "polite"
        page.evaluate(
            """() => {
              window.changes = 0;
              new MutationObserver(() => { window.changes += 1; }).observe(
                document.querySelector("[data-watch-requirement]"),
                { subtree: true, childList: true, characterData: true, attributes: true }
              );
            }"""
        )
        said, changed = [], []
        for _ in range(5):
            before = page.evaluate("window.changes")
            _play_a_little_and_pause(page)
            page.wait_for_timeout(200)  # the report's answer
            said.append(" ".join(region.inner_text().split()))
            changed.append(page.evaluate("window.changes") > before)
    finally:
        page.context.close()
    unmet = "Watch at least 80% of the video to take the quiz — you have watched {}%."
    assert said == [
        unmet.format(37),  # 0 → 37: a new step
        unmet.format(37),  # 38: the same step, nothing changes, nothing is announced
        unmet.format(41),
        unmet.format(79),
        "You have watched 80% of the video: enough to take the quiz (80% needed).",
    ]
    assert changed == [True, False, True, True, True]


def _play_a_little_and_pause(page) -> None:
    """Plays 0.6 s and pauses: the player reports the stretch on pause."""
    page.evaluate("() => document.querySelector('video').play()")
    page.wait_for_function("() => !document.querySelector('video').paused")
    start = page.evaluate("document.querySelector('video').currentTime")
    page.wait_for_function(f"() => document.querySelector('video').currentTime > {start} + 0.6")
    page.evaluate("() => document.querySelector('video').pause()")
