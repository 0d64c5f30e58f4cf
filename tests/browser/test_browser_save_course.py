"""The "Save course" toggle in a real Chromium: no full reload with JavaScript, a plain
post without it."""

import pytest

from modules.models import SavedCourse
from tests.browser.a11y import session_cookie
from tests.factories import make_module, make_series

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_toggle_saves_and_removes_without_reloading_the_page(page, live_server, learner):
    module = make_module(title="Deep listening")
    page.context.add_cookies([session_cookie(learner, live_server)])
    page.goto(live_server.url + module.get_absolute_url())
    page.evaluate("window.notReloaded = true")
    button = page.locator(".save-course-button")
    assert button.get_attribute("aria-pressed") == "false"

    button.click()
    page.wait_for_selector(".save-course-button[aria-pressed='true']")
    assert page.inner_text("[data-save-course-status]") == "Saved “Deep listening” to My courses."
    assert page.evaluate("window.notReloaded") is True
    assert SavedCourse.objects.filter(user=learner, module=module).exists()

    button.click()
    page.wait_for_selector(".save-course-button[aria-pressed='false']")
    assert page.evaluate("window.notReloaded") is True
    assert not SavedCourse.objects.filter(user=learner).exists()


def test_each_catalog_card_toggles_on_its_own(page, live_server, learner):
    series = make_series()
    make_module(series=series, position=1)
    second = make_module(series=series, position=2)
    page.context.add_cookies([session_cookie(learner, live_server)])
    page.goto(live_server.url + "/")
    page.locator(".module-card").nth(1).locator(".save-course-button").click()
    page.wait_for_selector(".module-card:nth-child(2) .save-course-button[aria-pressed='true']")
    assert page.locator(".save-course-button[aria-pressed='true']").count() == 1
    assert list(SavedCourse.objects.values_list("module", flat=True)) == [second.pk]


def test_without_javascript_the_form_posts_and_comes_back(browser, live_server, learner):
    module = make_module(title="Deep listening")
    context = browser.new_context(java_script_enabled=False)
    try:
        context.add_cookies([session_cookie(learner, live_server)])
        page = context.new_page()
        page.goto(live_server.url + module.get_absolute_url())
        page.click(".save-course-button")
        page.wait_for_selector(".save-course-button[aria-pressed='true']")
        assert page.url == live_server.url + module.get_absolute_url()
        assert "Saved “Deep listening” to My courses." in page.inner_text(".messages")
    finally:
        context.close()
