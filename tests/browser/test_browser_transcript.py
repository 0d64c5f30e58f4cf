"""The transcript follows the video in a real Chromium (Playwright)."""

import pytest

from tests.factories import attach_demo_video, make_module

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READY = "() => document.querySelector('video').readyState >= 1"


@pytest.fixture
def module(transactional_db):
    return attach_demo_video(make_module(cues=30, duration_seconds=200))


def _open(page, live_server, module, query=""):
    page.goto(live_server.url + module.get_absolute_url() + query)
    page.wait_for_function(READY)


def _current_time(page) -> float:
    return page.evaluate("document.querySelector('video').currentTime")


def _highlighted_start(page) -> float:
    return float(page.get_attribute("[data-seek][aria-current='true']", "data-seek"))


def test_clicking_a_cue_seeks_the_video_to_its_start(page, live_server, module):
    _open(page, live_server, module)
    page.click("[data-seek='60']")
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 60) < 1.5")
    assert 60 <= _current_time(page) < 61.5
    assert _highlighted_start(page) == 60


def test_while_playing_the_highlighted_cue_is_the_one_being_spoken(page, live_server, module):
    _open(page, live_server, module)
    page.click("[data-seek='20']")
    page.wait_for_function("() => document.querySelector('video').currentTime > 26")
    page.evaluate("document.querySelector('video').pause()")
    now = _current_time(page)
    assert _highlighted_start(page) == 5 * int(now // 5)
    assert page.locator("[aria-current='true']").count() == 1


def test_keyboard_activates_a_cue_and_arrows_move_between_lines(page, live_server, module):
    _open(page, live_server, module)
    page.focus("[data-seek='45']")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.seek") == "50"
    page.keyboard.press("Enter")
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 50) < 1.5")
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.dataset.seek") == "145"


def test_link_with_t_opens_the_video_at_that_moment(page, live_server, module):
    _open(page, live_server, module, "?t=100")
    page.wait_for_function("() => Math.abs(document.querySelector('video').currentTime - 100) < 1")
    assert _highlighted_start(page) == 100


def test_find_box_filters_lines_and_marks_the_words(page, live_server, module):
    _open(page, live_server, module)
    page.fill("[data-transcript-find]", "Line 1")
    page.wait_for_function(
        "() => document.querySelector('[data-transcript-status]').textContent !== ''"
    )
    visible = page.locator("[data-transcript-list] > li:not([hidden])")
    # "Line 1", "Line 10" … "Line 19"
    assert visible.count() == 11
    assert page.locator("[data-transcript-list] mark").first.inner_text() == "Line 1"
    assert "11 of 30 lines" in page.inner_text("[data-transcript-status]")
    page.press("[data-transcript-find]", "Escape")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-transcript-list] > li[hidden]').length === 0"
    )


def test_transcript_stays_readable_without_javascript(browser, live_server, module):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + module.get_absolute_url())
        assert page.locator("[data-transcript-list] > li").count() == 30
        assert "Line 29 about confidentiality" in page.inner_text("[data-transcript-list]")
    finally:
        context.close()


def test_the_caption_shown_while_playing_names_its_speaker(page, live_server, tmp_path):
    """Browsers do not show <v> names: the caption's own text says who speaks."""
    from modules.services import replace_cues
    from modules.transcripts import parse_transcript
    from tests.factories import DEMO_DIR

    module = attach_demo_video(make_module(duration_seconds=200))
    demo = (DEMO_DIR / "coaching-basics.txt").read_bytes()
    replace_cues(module=module, cues=parse_transcript(demo, filename="coaching-basics.txt"))
    _open(page, live_server, module, "?t=38")
    page.evaluate("document.querySelector('video').play()")
    shown = page.wait_for_function(
        """() => {
          const cues = document.querySelector('video').textTracks[0].activeCues || [];
          const texts = Array.from(cues, (cue) => cue.getCueAsHTML().textContent);
          return texts.length && texts;
        }"""
    ).json_value()
    page.screenshot(path=str(tmp_path / "caption-with-speaker.png"))
    assert shown == ["STUDENT: Thanks. I wasn't really\nsure what this meeting was for."]
