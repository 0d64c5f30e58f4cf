"""The transcript editor in a real Chromium (Playwright): a line's time plays the video from
there, a line is edited in place while the video plays on, times are shifted, axe-core finds
nothing, and on a phone the lines sit under the video without sideways scrolling."""

import pytest

from modules.models import Module
from tests.browser.a11y import AxeReport, new_page
from tests.conftest import migration_group
from tests.factories import attach_demo_video, make_module

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READY = "() => document.querySelector('video').readyState >= 1"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def module_author(author):
    author.groups.add(migration_group("0001_module_authors_group"))
    return author


@pytest.fixture
def module(transactional_db) -> Module:
    # 30 lines, one every 5 seconds, spoken by Coach and Student in turn.
    return attach_demo_video(make_module(cues=30, duration_seconds=200, published=False))


def open_editor(browser, live_server, user, module, **options):
    page = new_page(browser, live_server, user=user, **options)
    page.goto(live_server.url + f"/admin/modules/module/{module.pk}/transcript/")
    page.wait_for_function(READY)
    return page


def lines(module: Module) -> list[tuple]:
    return list(module.cues.order_by("position").values_list("start_seconds", "speaker", "text"))


def test_a_lines_time_plays_the_video_from_there_without_leaving_the_page(
    browser, live_server, module_author, module
):
    page = open_editor(browser, live_server, module_author, module)
    try:
        address = page.url
        page.click("#line-7 [data-play-from]")  # 0:30
        page.wait_for_function(
            "() => { const v = document.querySelector('video');"
            " return !v.paused && v.currentTime >= 30.2; }"
        )
        assert page.url == address
        assert page.get_attribute("#line-7", "aria-current") == "true"
        assert page.locator("[aria-current='true']").count() == 1
        assert page.text_content("[data-editor-status]") == "Playing from 0:30."
        page.focus("#line-13 [data-play-from]")  # 1:00, by keyboard
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelector('video').currentTime >= 60")
        assert page.url == address
    finally:
        page.context.close()


def test_a_line_is_edited_in_place_and_the_video_plays_on(
    browser, live_server, module_author, module
):
    page = open_editor(browser, live_server, module_author, module)
    try:
        page.evaluate("window.notReloaded = true")
        page.click("#line-4 [data-play-from]")
        page.click("#line-2 [data-line-text]")  # selecting the words opens them for editing
        assert page.evaluate("document.activeElement.id") == "text-2"
        page.fill("#text-2", "Tell me what brought you here today.")
        page.fill("#speaker-2", "Resident")
        page.fill("#time-2", "0:06")
        page.get_by_role("button", name="Save line 2").click()
        page.wait_for_function(
            "() => document.querySelector('[data-editor-status]').textContent"
            " === 'Line 2 was saved.'"
        )
        assert page.text_content("#line-2 [data-line-text]") == (
            "Tell me what brought you here today."
        )
        assert page.text_content("#line-2 [data-line-speaker]") == "Resident"
        assert page.text_content("#line-2 [data-line-time]") == "0:06"
        assert page.evaluate("window.notReloaded") is True
        assert page.evaluate("!document.querySelector('video').paused")
        assert not page.evaluate("document.querySelector('#line-2 details').open")
        assert lines(module)[1] == (6.0, "Resident", "Tell me what brought you here today.")

        page.click("#line-3 summary")
        page.fill("#time-3", "0:99")
        page.get_by_role("button", name="Save line 3").click()
        page.wait_for_function(
            "() => document.querySelector('[data-editor-status]').textContent.startsWith('Not')"
        )
        assert page.text_content("[data-editor-status]") == (
            'Not saved. Line 3, time: "0:99" has 99 seconds.'
        )
        assert lines(module)[2][0] == 10.0
    finally:
        page.context.close()


def test_a_refused_line_keeps_the_keyboard_on_its_save_button(
    browser, live_server, module_author, module
):
    page = open_editor(browser, live_server, module_author, module)
    try:
        page.click("#line-2 summary")
        page.fill("#time-2", "0:75")
        page.focus("#time-2")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('[data-editor-status]').textContent.startsWith('Not')"
        )
        assert page.evaluate("document.activeElement.textContent") == "Save line 2"
        assert page.evaluate("document.querySelector('#line-2 details').open")
    finally:
        page.context.close()


def test_times_are_shifted_and_axe_finds_nothing_before_or_after(
    browser, live_server, module_author, module
):
    page = open_editor(browser, live_server, module_author, module, bypass_csp=True)
    report = AxeReport("light")
    try:
        report.check(page, "transcript editor")
        page.click("text=Shift all times")
        page.fill("#shift-offset", "+2")
        page.fill("#shift-from", "3")
        page.get_by_role("button", name="Shift the times").click()
        page.wait_for_selector("text=28 lines from line 3 on were moved by +2.")
        assert page.text_content("#line-3 [data-line-time]") == "0:12"
        assert [start for start, _, _ in lines(module)][:4] == [0.0, 5.0, 12.0, 17.0]
        page.click("text=Shift all times")
        page.fill("#shift-offset", "-1:00")
        page.get_by_role("button", name="Shift the times").click()
        page.wait_for_selector("text=would move line 1 (0:00) before 0:00")
        page.click("#line-5 summary")
        report.check(page, "transcript editor, a line open, an error shown")
    finally:
        page.context.close()
    assert not report.failures(), "axe-core found violations:\n" + report.failures()


def test_on_a_phone_the_lines_are_under_the_video_and_nothing_scrolls_sideways(
    browser, live_server, module_author, module
):
    page = open_editor(browser, live_server, module_author, module, viewport=PHONE)
    try:
        video = page.locator("video").bounding_box()
        first_line = page.locator("#line-1").bounding_box()
        assert first_line["y"] >= video["y"] + video["height"]
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    finally:
        page.context.close()


def test_a_corrected_file_is_previewed_then_replaces_the_lines_and_axe_finds_nothing(
    browser, live_server, module_author, module, tmp_path
):
    corrected = tmp_path / "corrected.vtt"
    corrected.write_text(
        "WEBVTT\n\n00:00.000 --> 00:04.000\n<v Coach>Line 0 about confidentiality and the "
        "learner's agenda.\n\n00:06.000 --> 00:09.000\n<v Resident>A line the vendor added.\n"
    )
    page = open_editor(browser, live_server, module_author, module, bypass_csp=True)
    report = AxeReport("light")
    try:
        page.click("text=Upload a corrected file")
        page.set_input_files("#id_transcript_file", str(corrected))
        page.get_by_role("button", name="Compare with the current lines").click()
        page.wait_for_selector("[data-preview]")
        assert page.evaluate("document.activeElement.id") == "preview-heading"
        assert page.text_content("[data-preview-counts]") == (
            "1 added, 29 removed, 0 changed, 0 at another time, 1 unchanged."
        )
        page.click("text=Added: 1 line")
        report.check(page, "transcript editor: a corrected file's preview")
        assert module.cues.count() == 30
        page.get_by_role("button", name="Replace the transcript").click()
        page.wait_for_selector("text=The transcript was replaced by corrected.vtt: 2 lines.")
        assert [speaker for _, speaker, _ in lines(module)] == ["Coach", "Resident"]
    finally:
        page.context.close()
    assert not report.failures(), "axe-core found violations:\n" + report.failures()


def test_a_line_is_split_at_the_cursor_in_its_text(browser, live_server, module_author, module):
    page = open_editor(browser, live_server, module_author, module)
    try:
        page.click("#line-2 [data-line-text]")
        page.evaluate("() => document.querySelector('#text-2').setSelectionRange(7, 7)")
        page.get_by_role("button", name="Split line 2").click()
        page.wait_for_selector("text=Line 2 was split; its second part is line 3.")
        assert [text for _, _, text in lines(module)][1:3] == [
            "Line 1",
            "about confidentiality and the learner's agenda.",
        ]
        assert page.text_content("#line-3 [data-line-text]").startswith("about confidentiality")
    finally:
        page.context.close()
