"""Public parts of pages are cached per version; personal parts never leak between users."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certificates.services import issue_certificate
from modules.live import live_catalog
from modules.models import Module, SavedCourse
from quizzes.services import record_watch
from tests.factories import make_completion, make_module, make_quiz

pytestmark = pytest.mark.django_db


def _html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_two_learners_with_a_warm_cache_see_only_their_own_state(learner, other_learner):
    module = make_module(title="Coaching Basics", cues=20, duration_seconds=600)
    make_quiz(module)
    record_watch(user=learner, module=module, intervals=[[0, 60]], position=60)
    record_watch(
        user=learner,
        module=module,
        intervals=[[60, 120]],
        position=120,
        now=timezone.now() + timedelta(minutes=2),
    )
    SavedCourse.objects.create(user=learner, module=module)
    issue_certificate(completion=make_completion(learner, module), printed_name="Lee")

    first, second, anonymous = Client(), Client(), Client()
    first.force_login(learner)
    second.force_login(other_learner)
    url = module.get_absolute_url()
    mine = _html(first, url)  # warms the cache with the first learner's visit
    theirs = _html(second, url)
    signed_out = _html(anonymous, url)

    assert "Watched 20% of the video" in mine and "Download your certificate" in mine
    assert 'aria-pressed="true"' in mine
    for other in (theirs, signed_out):
        assert "Watched 20%" not in other
        assert "Download your certificate" not in other
        assert "Lee Learner" not in other
        assert 'aria-pressed="true"' not in other
    assert "Not watched yet" in theirs
    assert "Sign in to take the quiz" in signed_out
    assert all("Line 19 about confidentiality" in page for page in (mine, theirs, signed_out))

    for catalog_first in (first, second, anonymous):
        _html(catalog_first, "/")
    assert "Watched 20%" in _html(first, "/")
    assert "Watched 20%" not in _html(second, "/")
    assert "Watched 20%" not in _html(anonymous, "/")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("signed_in", [False, True])
def test_module_page_sql_stays_flat_as_data_grows(client, learner, signed_in):
    if signed_in:
        client.force_login(learner)
    small = make_module(cues=10, objectives=1)
    make_quiz(small)
    large = make_module(cues=1000, objectives=6)
    make_quiz(large)
    for _ in range(20):
        make_module(cues=5)
    live_catalog()  # the live modules' list is read once after modules appear: not counted
    assert _queries(client, small.get_absolute_url()) == _queries(client, large.get_absolute_url())
    warm_small = _queries(client, small.get_absolute_url())
    assert warm_small == _queries(client, large.get_absolute_url())


def test_a_warm_signed_out_module_page_is_served_whole_from_the_cache(client):
    module = make_module(cues=300)
    make_quiz(module)
    first = _html(client, module.get_absolute_url())
    # The tests re-check the live modules at every look (LIVE_MODULES_MAX_AGE = 0): their
    # one small aggregate, and nothing else while nothing changed.
    with CaptureQueriesContext(connection) as context:
        client.get(module.get_absolute_url())
    asked = [query["sql"] for query in context.captured_queries]
    assert asked and all(sql.startswith("SELECT count(*), max(updated_at)") for sql in asked)
    assert _html(client, module.get_absolute_url()) == first
    assert "csrfmiddlewaretoken" not in first and "nonce=" not in first


def test_within_the_snapshot_age_a_signed_out_hit_asks_the_database_nothing(client, settings):
    settings.LIVE_MODULES_MAX_AGE = 60
    module = make_module(cues=30)
    make_quiz(module)
    first = _html(client, module.get_absolute_url())
    assert _queries(client, module.get_absolute_url()) == 0
    _html(client, "/")
    assert _queries(client, "/") == 0
    assert _html(client, module.get_absolute_url()) == first


def _later(monkeypatch, seconds: float) -> None:
    """Move this process's clock for the live-module snapshot forward."""
    from modules import live

    now = live.time.monotonic() + seconds
    monkeypatch.setattr(live.time, "monotonic", lambda: now)


def test_a_change_made_by_another_server_shows_once_the_snapshot_is_older_than_its_age(
    client, settings, monkeypatch
):
    settings.LIVE_MODULES_MAX_AGE = 5
    module = make_module(title="Old title", cues=3)
    old, new = '<h1 id="module-title">Old title</h1>', '<h1 id="module-title">New title</h1>'
    assert old in _html(client, module.get_absolute_url())
    # Another app server saves the module: this process hears nothing of it.
    Module.objects.filter(pk=module.pk).update(title="New title", updated_at=timezone.now())
    assert old in _html(client, module.get_absolute_url())
    _later(monkeypatch, 6)
    html = _html(client, module.get_absolute_url())
    assert new in html and old not in html


def test_an_unpublished_module_is_gone_once_the_snapshot_is_older_than_its_age(
    client, settings, monkeypatch
):
    settings.LIVE_MODULES_MAX_AGE = 5
    module = make_module(cues=3)
    _html(client, module.get_absolute_url())
    Module.objects.filter(pk=module.pk).update(is_published=False, updated_at=timezone.now())
    _later(monkeypatch, 6)
    assert client.get(module.get_absolute_url()).status_code == 404
    assert module.title not in _html(client, "/")


def test_a_module_unpublished_since_the_snapshot_is_not_shown_to_learners(
    client, learner, settings
):
    from django.core.cache import caches

    settings.LIVE_MODULES_MAX_AGE = 60
    module = make_module(cues=3)
    client.force_login(learner)
    _html(client, module.get_absolute_url())  # the snapshot lists it as live
    Module.objects.filter(pk=module.pk).update(is_published=False, updated_at=timezone.now())
    caches["local"].clear()  # this worker never kept the module itself
    assert client.get(module.get_absolute_url()).status_code == 404
    assert client.get(module.get_absolute_url() + "captions.vtt").status_code == 404


def test_threads_waiting_on_a_failed_check_answer_at_once(monkeypatch):
    import threading
    import time

    from django.db import OperationalError

    from modules import live

    calls, outcomes = [], []

    def unreachable(previous):
        calls.append(1)
        time.sleep(0.3)  # as a connect timeout would
        raise OperationalError("no database")

    monkeypatch.setattr(live, "_check", unreachable)

    def ask():
        try:
            live.live_catalog()
        except OperationalError:
            outcomes.append("503")

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["503"] * 4
    assert len(calls) == 1  # the others took the first one's answer
    with pytest.raises(OperationalError):  # a later request asks the database again
        live.live_catalog()
    assert len(calls) == 2


def test_a_change_to_another_module_keeps_this_modules_rendered_transcript(client, monkeypatch):
    from django.template import loader

    module = make_module(cues=30)
    _html(client, module.get_absolute_url())
    renders = []
    original = loader.render_to_string

    def counting(name, *args, **kwargs):
        renders.append(name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr("learning.module_page.render_to_string", counting)
    make_module(cues=1)  # the catalogue's version moves: the shell is rendered again
    html = _html(client, module.get_absolute_url())
    assert "learning/module_page.html" in renders
    assert "modules/includes/transcript.html" not in renders
    assert "Line 29" in html
    _html(client, module.get_absolute_url() + "?t=5")  # a moment: the same transcript
    assert "modules/includes/transcript.html" not in renders


def test_a_change_stamped_by_a_lagging_clock_still_changes_the_catalog_version():
    newest = make_module(cues=1)
    older = make_module(cues=1)
    Module.objects.filter(pk=newest.pk).update(updated_at=timezone.now() + timedelta(hours=1))
    before = live_catalog()
    # A server whose clock is behind stamps a time older than the newest module's.
    Module.objects.filter(pk=older.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    after = live_catalog()
    assert after.version != before.version
    assert after.modules[older.slug].version != before.modules[older.slug].version


def test_a_module_scheduled_for_later_is_not_live_until_then(client):
    module = make_module(cues=1)
    Module.objects.filter(pk=module.pk).update(published_at=timezone.now() + timedelta(hours=1))
    assert module.slug not in live_catalog().modules
    assert client.get(module.get_absolute_url()).status_code == 404
    Module.objects.filter(pk=module.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert module.slug in live_catalog().modules
    assert client.get(module.get_absolute_url()).status_code == 200


def test_a_signed_out_page_with_a_query_or_a_message_is_rendered_afresh(client):
    from tests.factories import attach_demo_video

    module = attach_demo_video(make_module(cues=3))
    client.get(module.get_absolute_url())
    assert 'data-start-at="42"' in _html(client, module.get_absolute_url() + "?t=42")


def test_only_visitors_with_nothing_personal_share_the_cached_page(rf, learner):
    from django.contrib.auth.models import AnonymousUser

    from modules.page_cache import same_for_everyone

    def request(path="/", cookies=None, user=None):
        made = rf.get(path)
        made.COOKIES.update(cookies or {})
        made.user = user or AnonymousUser()
        return made

    assert same_for_everyone(request())
    assert not same_for_everyone(request("/?t=5"))
    assert not same_for_everyone(request(cookies={"messages": "a flash message"}))
    assert not same_for_everyone(request(cookies={"sessionid": "abc"}))
    assert not same_for_everyone(request(user=learner))


def test_series_navigation_follows_a_new_sibling_on_a_warm_cache(client):
    from tests.factories import make_series

    series = make_series()
    first = make_module(series=series, position=1)
    assert "Module 1 of 1" in _html(client, first.get_absolute_url())
    make_module(series=series, position=2, title="The sequel")
    html = _html(client, first.get_absolute_url())
    assert "Module 1 of 2" in html and "Next: The sequel" in html


def test_editing_a_module_shows_at_once(client):
    module = make_module(title="Old title", cues=3)
    assert "Old title" in _html(client, module.get_absolute_url())
    module.title = "New title"
    module.save()
    html = _html(client, module.get_absolute_url())
    assert '<h1 id="module-title">New title</h1>' in html
    assert '<h1 id="module-title">Old' not in html


def test_cached_pages_belong_to_one_release_of_templates_and_static_files(client):
    from modules import page_cache

    module = make_module(title="Coaching Basics", cues=3)
    client.get(module.get_absolute_url())
    assert any(key.startswith(f":1:{page_cache.RELEASE}:") for key in _shared_cache_keys())


def _shared_cache_keys() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM coachlearn_cache")
        return [row[0] for row in cursor.fetchall()]


def test_the_shared_shell_gets_each_persons_header_and_messages(learner, admin_user):
    module = make_module(title="Coaching Basics", cues=20)
    make_quiz(module)
    url = module.get_absolute_url()
    coach, admin = Client(), Client()
    coach.force_login(learner)
    admin.force_login(admin_user)
    _html(admin, url)  # the shell is now cached, rendered during the admin's visit

    response = coach.post(reverse("modules:course_save", args=[module.slug]), {"next": url})
    assert response.status_code == 302
    mine = _html(coach, url)
    assert "Signed in as <strong>Lee Learner</strong>" in mine
    assert "Saved “Coaching Basics” to My courses." in mine
    assert 'href="/admin/"' not in mine
    again = _html(coach, url)
    assert "Saved “Coaching Basics”" not in again  # a message is shown once

    theirs = _html(admin, url)
    assert "Signed in as <strong>Ada Admin</strong>" in theirs and 'href="/admin/"' in theirs
    assert "Lee Learner" not in theirs and "Saved “Coaching Basics”" not in theirs


def test_no_mark_of_the_personal_parts_is_left_in_any_page(client, learner):
    module = make_module(cues=5)
    make_quiz(module)
    url = module.get_absolute_url()
    signed_in = Client()
    signed_in.force_login(learner)
    for visitor in (client, signed_in):
        for path in (url, url, url + "?t=12"):
            html = _html(visitor, path)
            assert "<!--part:" not in html
            assert html.count('class="module-panels"') == 1


def test_each_page_carries_a_working_csrf_token_of_its_own_visitor(learner, other_learner):
    module = make_module(cues=5)
    url = module.get_absolute_url()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(learner)
    second.force_login(other_learner)
    _html(first, url)  # warms the shell
    html = _html(second, url)
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = second.post(
        reverse("modules:course_save", args=[module.slug]),
        {"csrfmiddlewaretoken": token, "next": url},
    )
    assert response.status_code == 302
    assert SavedCourse.objects.filter(user=other_learner, module=module).exists()
    assert not SavedCourse.objects.filter(user=learner).exists()


def test_signing_out_ends_the_session_held_in_the_cache_too(learner):
    module = make_module(cues=1)
    browser = Client()
    browser.force_login(learner)
    stolen = Client()
    stolen.cookies = browser.cookies.__class__(browser.cookies)  # the same session cookie
    assert "Signed in as" in _html(stolen, module.get_absolute_url())
    assert browser.post(reverse("account_logout")).status_code == 302
    assert "Signed in as" not in _html(stolen, module.get_absolute_url())
