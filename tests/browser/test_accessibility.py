"""Every page type usable by everyone: axe-core in light and dark mode, keyboard only,
the video's captions, speed and announcements, 320 px phones and print (real Chromium)."""

import io
import re
import unicodedata

import pytest
from django.core.management import call_command

from certificates.models import EvaluationQuestion
from certificates.services import issue_certificate
from modules.models import Module, SavedCourse, SavedSearch
from tests.browser.a11y import ARTIFACTS, AxeReport, fill_sign_up, new_page
from tests.factories import make_completion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO = "/modules/coaching-basics/"
PLAYING = "() => { const v = document.querySelector('video'); return v && v.currentTime > 0.5; }"
READY = "() => document.querySelector('video').readyState >= 1"

# Rules switched off on the admin's module form only, each for markup of Django's own admin
# that we do not render and cannot reasonably change:
# - aria-prohibited-attr: the competencies picker (filter_horizontal) is built by Django's
#   SelectFilter2.js, which puts aria-label on a plain <span class="help-tooltip">;
# - empty-table-header: Django's tabular inline (edit_inline/tabular.html) opens each
#   header row with an empty <th class="original"> above the rows' hidden ids.
# What is ours there (labels of the objectives' inputs and of the split date and time,
# underlined links, 24 px "Clear" checkboxes) is fixed, and every other rule runs.
DJANGO_ADMIN_MARKUP = ("aria-prohibited-attr", "empty-table-header")


def _evaluation(module: Module) -> dict[int, str]:
    answers = {"yes_no": "yes", "scale": "4", "text": "Ask more, advise less."}
    return {
        question.pk: answers[question.kind]
        for question in EvaluationQuestion.objects.filter(module=module)
    }


@pytest.fixture
def site(transactional_db, learner, admin_user):
    """The demo series; the learner has saved things, a completion and a certificate."""
    call_command("load_demo", stdout=io.StringIO())
    basics = Module.objects.get(slug="coaching-basics")
    questions = Module.objects.get(slug="asking-powerful-questions")
    goals = Module.objects.get(slug="goal-setting-with-learners")
    make_completion(learner, questions)  # claimable
    certificate = issue_certificate(
        completion=make_completion(learner, goals),
        printed_name="Dr. Lee Learner",
        evaluation=_evaluation(goals),
    )
    SavedCourse.objects.create(user=learner, module=basics)
    SavedSearch.objects.create(user=learner, name="Confidentiality", query="confidentiality")
    return {
        "learner": learner,
        "admin": admin_user,
        "basics": basics,
        "certificate": certificate,
        "claim": f"/certificates/claim/{questions.slug}/",
    }


def _answer_first_choice_of_each_question(page) -> None:
    page.eval_on_selector_all(
        ".quiz-form fieldset", "sets => sets.forEach(set => set.querySelector('input').click())"
    )


def _tour(browser, live_server, site, visit, *, admin: bool = True, **context) -> None:
    """Every page type, signed out, as the learner and as an admin (when `admin`):
    `visit(page, name)` is called on each page once it has loaded."""
    url = live_server.url
    page = new_page(browser, live_server, **context)
    try:
        for name, path in [
            ("catalog", "/"),
            ("search with results", "/search/?q=confidentiality"),
            ("search without results", "/search/?q=xylophonist"),
            ("sign in", "/accounts/login/"),
            ("sign up", "/accounts/signup/"),
            ("verify a certificate (valid)", site["certificate"].get_verify_url()),
            ("verify form", "/verify/"),
        ]:
            page.goto(url + path)
            visit(page, name)
        page.goto(url + "/accounts/signup/")
        fill_sign_up(page, email="not-an-address@example", password="short", again="other")
        page.click("form.form button[type=submit]")
        page.wait_for_selector(".field-errors")
        visit(page, "sign up with errors")

        page.goto(url + DEMO)
        page.wait_for_function(READY)
        visit(page, "module page (before playing)")
        page.evaluate("() => document.querySelector('video').play()")
        page.wait_for_function(PLAYING)
        visit(page, "module page (playing)")
    finally:
        page.context.close()

    page = new_page(browser, live_server, user=site["learner"], **context)
    try:
        for name, path in [
            ("catalog (signed in)", "/"),
            ("module page (signed in)", DEMO),
            ("quiz", DEMO + "quiz/"),
        ]:
            page.goto(url + path)
            visit(page, name)
        page.click("text=Submit answers")
        page.wait_for_selector("#quiz-errors")
        visit(page, "quiz with unanswered questions")
        _answer_first_choice_of_each_question(page)
        page.click("text=Submit answers")
        page.wait_for_selector(".result-summary")
        visit(page, "quiz result")
        for name, path in [
            ("claim a certificate", site["claim"]),
            ("my certificates", "/certificates/"),
            ("my learning", "/me/"),
            ("saved searches", "/me/searches/"),
            ("saved courses", "/me/courses/"),
            ("profile", "/accounts/profile/"),
        ]:
            page.goto(url + path)
            visit(page, name)
    finally:
        page.context.close()

    if not admin:
        return
    page = new_page(browser, live_server, user=site["admin"], **context)
    try:
        page.goto(url + "/admin/modules/module/add/")
        visit(page, "admin: add a module")
        page.goto(url + f"/admin/modules/module/{site['basics'].pk}/change/")
        visit(page, "admin: change a module")
    finally:
        page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violations_on_any_page_type(browser, live_server, site, scheme):
    report = AxeReport(scheme)

    def check(page, name):
        admin_page = name.startswith("admin:")
        report.check(page, name, disabled=DJANGO_ADMIN_MARKUP if admin_page else ())

    # axe is injected as an inline script, which the site's Content-Security-Policy forbids
    # (rightly); bypass_csp lets this test's injection, and nothing else, through.
    _tour(browser, live_server, site, check, color_scheme=scheme, bypass_csp=True)
    phone = new_page(browser, live_server, viewport=NARROW, color_scheme=scheme, bypass_csp=True)
    try:
        phone.goto(live_server.url + DEMO)
        phone.wait_for_function(READY)
        check(phone, "module page (320 px wide)")
    finally:
        phone.context.close()
    report.save()
    print("\n" + report.table())
    assert not report.failures(), "axe-core found violations:\n" + report.failures()


# --- keyboard only ----------------------------------------------------------------------


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", stdout=io.StringIO())
    return Module.objects.get(slug="coaching-basics")


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {
            tag: el.tagName, id: el.id, className: String(el.className),
            text: (el.textContent || el.value || "").trim().slice(0, 60),
            inMain: !!el.closest("main"), seek: el.dataset ? el.dataset.seek : undefined,
            outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
            boxShadow: style.boxShadow,
          };
        }"""
    )


def _tab_until(page, predicate: str, limit: int = 60) -> int:
    """Presses Tab until `predicate` (JS, on document.activeElement) holds; the count."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!({predicate}); }}"):
            return presses
    raise AssertionError(f"{limit} presses of Tab never reached {predicate}")


@pytest.mark.parametrize("path", ["/", DEMO, "/search/?q=confidentiality"])
def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page, live_server, demo, path):
    page.goto(live_server.url + path)
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert "skip-link" in focused["className"], focused
    box = page.locator(".skip-link").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"
    page.keyboard.press("Tab")
    assert _focused(page)["inMain"], "the next Tab stays in the main content"


@pytest.mark.parametrize("path", [DEMO, DEMO + "quiz/", "/search/?q=confidentiality"])
def test_every_tab_stop_shows_a_visible_focus_indicator(browser, live_server, demo, learner, path):
    page = new_page(browser, live_server, user=learner)
    try:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        seen, missing = 0, []
        for _ in range(120):
            page.keyboard.press("Tab")
            focused = _focused(page)
            if focused["tag"] == "BODY":
                break  # past the last stop
            seen += 1
            visible = focused["outlineStyle"] != "none" and focused["outlineWidth"] >= 2
            if not visible and focused["boxShadow"] == "none":
                missing.append(focused)
        assert seen >= 10, f"only {seen} tab stops on {path}"
        assert not missing, f"no visible focus on {path}: {missing}"
    finally:
        page.context.close()


def test_the_transcript_works_with_the_keyboard_alone(page, live_server, demo):
    page.goto(live_server.url + DEMO)
    page.wait_for_function(READY)
    lines = page.get_by_role("list", name="Transcript lines").get_by_role("listitem")
    assert lines.count() == demo.cues.count()
    assert page.locator("[data-transcript-list] > li > button[data-seek]").count() == (
        demo.cues.filter(start_seconds__isnull=False).count()
    )
    _tab_until(page, "el.matches('[data-seek]')")
    first = _focused(page)["seek"]
    page.keyboard.press("Tab")  # every line is a button: Tab moves through them
    second = _focused(page)["seek"]
    assert float(second) > float(first)
    page.keyboard.press("ArrowDown")  # and so do the arrow keys
    third = _focused(page)["seek"]
    assert float(third) > float(second)
    page.keyboard.press("ArrowUp")
    assert _focused(page)["seek"] == second
    page.keyboard.press("End")
    last = page.eval_on_selector_all("[data-seek]", "cues => cues[cues.length - 1].dataset.seek")
    assert _focused(page)["seek"] == last
    page.keyboard.press("Home")
    assert _focused(page)["seek"] == first
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # plays from that line
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('video').currentTime - {third}) < 1.5"
    )
    assert page.get_attribute("[data-seek][aria-current='true']", "data-seek") == third


def test_quiz_errors_take_the_focus_and_each_link_moves_to_its_question(
    browser, live_server, demo, learner
):
    page = new_page(browser, live_server, user=learner)
    try:
        page.goto(live_server.url + DEMO + "quiz/")
        questions = demo.quiz.questions.count()
        # Each question is a fieldset whose legend is the question.
        for number in range(1, questions + 1):
            group = page.get_by_role("group", name=f"Question {number} of {questions}.")
            assert group.locator("input").count() >= 2
        page.locator(".quiz-form fieldset input").first.check()  # one answer of many
        page.get_by_role("button", name="Submit answers").press("Enter")
        page.wait_for_selector("#quiz-errors")
        page.wait_for_function("() => document.activeElement.id === 'quiz-errors'")
        summary = page.locator("#quiz-errors")
        assert summary.get_attribute("role") == "alert"
        links = summary.locator("a")
        unanswered = page.locator("fieldset[aria-invalid='true']")
        assert links.count() == unanswered.count() == questions - 1
        # Each unanswered question names its error, and the summary links to it.
        for index in range(unanswered.count()):
            fieldset = unanswered.nth(index)
            error_id = fieldset.get_attribute("aria-describedby")
            assert "Choose an answer" in page.inner_text(f"#{error_id}")
        page.keyboard.press("Tab")
        assert _focused(page)["text"].startswith("Question")
        target = links.first.get_attribute("href")
        page.keyboard.press("Enter")
        in_question = page.evaluate(
            "(id) => document.querySelector(id).contains(document.activeElement)", target
        )
        assert in_question and _focused(page)["tag"] == "INPUT"
        # The rest is kept; answering and submitting from the keyboard goes on from here.
        page.keyboard.press("Space")
        assert page.evaluate("() => document.activeElement.checked")
    finally:
        page.context.close()


def test_form_errors_are_summarised_focused_and_linked_to_their_fields(page, live_server, demo):
    page.goto(live_server.url + "/accounts/signup/")
    fill_sign_up(page, email="new.coach@example.org", password="short")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    assert page.get_attribute("[data-error-summary]", "role") == "alert"
    link = page.locator("[data-error-summary] a", has_text="Password")
    link.click()
    assert _focused(page)["id"] == "id_password1"
    described = page.get_attribute("#id_password1", "aria-describedby").split()
    assert "id_password1_error" in described
    assert page.get_attribute("#id_password1", "aria-invalid") == "true"


# --- the video: captions, speed, announcements --------------------------------------------

CAPTIONS_MODE = "() => document.querySelector('video').textTracks[0].mode"


def test_captions_are_on_by_default_and_the_toggle_is_remembered(page, live_server, demo):
    page.goto(live_server.url + DEMO)
    page.wait_for_function(READY)
    toggle = page.get_by_role("button", name="Captions")
    assert page.evaluate(CAPTIONS_MODE) == "showing"
    assert toggle.get_attribute("aria-pressed") == "true"

    toggle.press("Enter")  # a real button, outside the video's own controls
    assert toggle.get_attribute("aria-pressed") == "false"
    assert page.evaluate(CAPTIONS_MODE) != "showing"

    page.reload()
    page.wait_for_function(READY)
    assert toggle.get_attribute("aria-pressed") == "false"
    assert page.evaluate(CAPTIONS_MODE) != "showing", "the choice is remembered"

    toggle.click()
    page.goto(live_server.url + "/modules/asking-powerful-questions/")
    page.wait_for_function(READY)
    assert page.evaluate(CAPTIONS_MODE) == "showing"
    assert toggle.get_attribute("aria-pressed") == "true"


def test_playback_speed_from_three_quarters_to_double_and_remembered(page, live_server, demo):
    page.goto(live_server.url + DEMO)
    page.wait_for_function(READY)
    speed = page.get_by_label("Speed")
    rates = speed.locator("option").evaluate_all("options => options.map(o => +o.value)")
    assert min(rates) == 0.75 and max(rates) == 2 and 1 in rates
    speed.select_option("1.5")
    assert page.evaluate("() => document.querySelector('video').playbackRate") == 1.5
    page.reload()
    page.wait_for_function(READY)
    assert page.get_by_label("Speed").input_value() == "1.5"
    assert page.evaluate("() => document.querySelector('video').playbackRate") == 1.5


ANNOUNCED = "() => document.querySelector('[data-player-announcer]').textContent"


def test_the_transcript_line_is_announced_after_a_seek_not_on_every_cue(page, live_server, demo):
    page.goto(live_server.url + DEMO)
    page.wait_for_function(READY)
    announcer = page.locator("[data-player-announcer]")
    assert announcer.get_attribute("aria-live") == "polite"
    # Playing on through several lines announces nothing: the highlight moves quietly.
    page.get_by_label("Speed").select_option("2")
    page.evaluate("() => document.querySelector('video').play()")
    page.wait_for_function("() => document.querySelector('video').currentTime > 12")
    highlighted = page.get_attribute("[data-seek][aria-current='true']", "data-seek")
    assert float(highlighted) > 0, "the highlight followed the video"
    assert page.evaluate(ANNOUNCED) == ""

    # Choosing a line is a seek: where the video now is gets announced, once.
    page.click("[data-seek='86']")
    page.wait_for_function(f"() => ({ANNOUNCED})() !== ''")
    said = page.evaluate(ANNOUNCED)
    assert said.startswith("At 1:26. Coach: First, a few ground rules."), said
    page.wait_for_function("() => document.querySelector('video').currentTime > 96")
    assert page.evaluate(ANNOUNCED) == said, "later lines are not announced"


# --- phones and print -----------------------------------------------------------------

NARROW = {"width": 320, "height": 800}
OVERFLOWING = """() => Array.from(document.querySelectorAll('body *'))
  .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .slice(0, 5)
  .map(el => `${el.tagName}.${el.className} ${el.getBoundingClientRect().right}`)"""


def _fits(page, name: str, failures: list[str]) -> None:
    page.wait_for_load_state("load")
    folder = ARTIFACTS / "accessibility" / "320px"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=folder / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png", full_page=True
    )
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > NARROW["width"]:
        failures.append(f"{name}: {width} px wide; {page.evaluate(OVERFLOWING)}")


def test_every_page_type_fits_a_320_px_phone_without_sideways_scrolling(browser, live_server, site):
    failures, checked = [], []

    def fits(page, name):
        _fits(page, name, failures)
        checked.append(name)

    # The admin is for authors at a desk; it is Django's layout and is not checked here.
    _tour(browser, live_server, site, fits, admin=False, viewport=NARROW)
    print(f"\n320 px wide, no sideways scrolling: {len(checked)} pages: {', '.join(checked)}")
    assert not failures, "\n".join(failures)


def test_on_a_phone_the_transcript_is_below_the_video(page, live_server, demo):
    page.set_viewport_size(NARROW)
    page.goto(live_server.url + DEMO)
    page.wait_for_function(READY)
    video = page.locator("video").bounding_box()
    transcript = page.locator("[data-transcript]").bounding_box()
    assert transcript["y"] >= video["y"] + video["height"]
    assert transcript["x"] >= 0 and transcript["x"] + transcript["width"] <= NARROW["width"]


def test_the_module_page_prints_the_whole_transcript_without_the_site_chrome(
    page, live_server, demo
):
    from pypdf import PdfReader

    page.goto(live_server.url + DEMO)
    page.wait_for_function(READY)
    page.fill("[data-transcript-find]", "mentor")  # a filtered transcript still prints whole
    page.wait_for_function("() => document.querySelector('[data-transcript-list] li[hidden]')")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("navigation", name="Main").is_visible()
    assert not page.locator(".skip-link").is_visible()
    assert not page.locator("video").is_visible()
    lines = page.locator("[data-transcript-list] > li")
    assert lines.count() == demo.cues.count()
    for index in range(lines.count()):
        assert lines.nth(index).is_visible()
    assert page.evaluate(
        """() => { const list = document.querySelector('[data-transcript-list]');
                   return list.scrollHeight <= list.clientHeight + 1; }"""
    ), "the list does not scroll on paper"

    pdf = PdfReader(io.BytesIO(page.pdf(format="Letter")))
    text = " ".join((p.extract_text() or "") for p in pdf.pages)
    text = " ".join(unicodedata.normalize("NFKC", text).split())  # "ﬁ" ligatures → "fi"
    cues = list(demo.cues.order_by("position"))
    for cue in (cues[0], cues[len(cues) // 2], cues[-1]):
        assert " ".join(cue.text.split())[:40] in text
    assert "Coaching Basics" in text and "Learning objectives" in text
    assert "Skip to main content" not in text and "Look up an activity" not in text
