"""The module page on a phone (390 × 844, real Chromium): the title, then the video on the
first screen, kept in view while transcript lines are tapped; the desktop layout unchanged;
axe-core on the module page and on a result that shows missed objectives."""

import io

import pytest
from django.core.management import call_command

from modules.models import Module
from quizzes.models import Question, Quiz
from tests.browser.a11y import AxeReport, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
DEMO = "/modules/coaching-basics/"
READY = "() => document.querySelector('video').readyState >= 1"
BOX = """(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return { top: box.top, bottom: box.bottom, left: box.left, right: box.right };
}"""


@pytest.fixture
def demo(transactional_db):
    """The demo series: a series, a long summary and 40-odd transcript lines."""
    call_command("load_demo", stdout=io.StringIO())
    return Module.objects.get(slug="coaching-basics")


def _open(page, live_server, path=DEMO):
    page.goto(live_server.url + path)
    page.wait_for_function(READY)


def test_on_a_phone_the_video_is_on_the_first_screen_right_under_the_title(
    browser, live_server, demo, learner
):
    # Signed in: the site's header is at its tallest (account links under the search).
    page = new_page(browser, live_server, user=learner, **PHONE)
    try:
        _open(page, live_server)
        video = page.evaluate(BOX, "video")
        title = page.evaluate(BOX, "#module-title")
        summary = page.evaluate(BOX, ".module-header .lead")
        panel = page.evaluate(BOX, ".module-actions")
        first_heading = page.evaluate("() => document.querySelector('main :is(h1, h2, h3, h4)').id")
        tab_order_kept = page.evaluate(
            """() => {
              const title = document.getElementById('module-title');
              const video = document.querySelector('video');
              return !!(title.compareDocumentPosition(video) & Node.DOCUMENT_POSITION_FOLLOWING);
            }"""
        )
    finally:
        page.context.close()
    assert video["top"] >= 0 and video["bottom"] <= 844, video  # the whole video, unscrolled
    assert title["bottom"] <= video["top"]
    assert summary["top"] > video["bottom"] and panel["top"] > video["bottom"]
    assert first_heading == "module-title"  # read first, as it is seen first
    assert tab_order_kept


def test_on_a_phone_the_video_stays_in_view_after_tapping_a_line_far_down(
    browser, live_server, demo
):
    page = new_page(browser, live_server, **PHONE)
    try:
        _open(page, live_server)
        video_at_first = page.evaluate(BOX, "video")
        line = page.locator("[data-seek]").last
        start = float(line.get_attribute("data-seek"))
        line.tap()
        page.wait_for_function(
            f"() => Math.abs(document.querySelector('video').currentTime - {start}) < 1.5"
        )
        scrolled = page.evaluate("() => scrollY")
        video = page.evaluate(BOX, "video")
        tapped = page.evaluate(BOX, "[data-seek][aria-current='true']")
    finally:
        page.context.close()
    assert scrolled > video_at_first["bottom"]  # the page went past where the video was …
    assert video["top"] >= 0 and video["bottom"] <= 844, video  # … and it is all still there
    assert tapped["top"] >= video["bottom"] and tapped["bottom"] <= 844  # the line too


def test_on_a_desktop_the_transcript_stays_beside_the_video_under_the_header(
    browser, live_server, demo
):
    page = new_page(browser, live_server)
    try:
        _open(page, live_server)
        boxes = {
            name: page.evaluate(BOX, selector)
            for name, selector in [
                ("series", ".series-nav"),
                ("title", "#module-title"),
                ("summary", ".module-header .lead"),
                ("panel", ".module-actions"),
                ("video", "video"),
                ("transcript", "[data-transcript]"),
            ]
        }
        position = page.evaluate(
            "() => getComputedStyle(document.querySelector('.player')).position"
        )
    finally:
        page.context.close()
    tops = [boxes[name]["top"] for name in ["series", "title", "summary", "panel", "video"]]
    assert tops == sorted(tops)
    assert boxes["transcript"]["left"] >= boxes["video"]["right"]
    assert abs(boxes["transcript"]["top"] - boxes["video"]["top"]) < 2
    assert position == "static"


def test_no_axe_violations_on_the_phone_module_page_and_a_result_with_missed_objectives(
    browser, live_server, demo, learner
):
    Quiz.objects.filter(module=demo).update(required_watch_percent=80)
    report = AxeReport("light")
    page = new_page(browser, live_server, user=learner, bypass_csp=True, **PHONE)
    try:
        _open(page, live_server)
        assert "you have watched 0%" in page.inner_text(".module-actions")
        report.check(page, "module page, signed in (390 px)")
        line = page.locator("[data-seek]").nth(30)
        line.tap()
        report.check(page, "module page after tapping a line (390 px)")
    finally:
        page.context.close()

    Quiz.objects.filter(module=demo).update(required_watch_percent=0, show_missed_objectives=True)
    page = new_page(browser, live_server, user=learner, bypass_csp=True)
    try:
        page.goto(live_server.url + DEMO + "quiz/")
        for question in Question.objects.filter(quiz__module=demo).prefetch_related("choices"):
            wrong = next(choice for choice in question.choices.all() if not choice.is_correct)
            page.check(f"#choice-{wrong.pk}")
        page.click("text=Submit answers")
        page.wait_for_selector("#review-heading")
        assert page.locator(".missed-objectives a").count() > 0
        report.check(page, "result with missed objectives")
    finally:
        page.context.close()
    print("\n" + report.table())
    assert not report.failures(), "axe-core found violations:\n" + report.failures()
