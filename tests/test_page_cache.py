"""Public parts of pages are cached per version; personal parts never leak between users."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.services import issue_certificate
from modules.models import SavedCourse
from quizzes.services import record_watch
from tests.conftest import make_completion, make_module, make_quiz

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
    assert _queries(client, small.get_absolute_url()) == _queries(client, large.get_absolute_url())
    warm_small = _queries(client, small.get_absolute_url())
    assert warm_small == _queries(client, large.get_absolute_url())


def test_a_warm_signed_out_module_page_is_served_whole_from_the_cache(client):
    module = make_module(cues=300)
    make_quiz(module)
    first = _html(client, module.get_absolute_url())
    assert _queries(client, module.get_absolute_url()) == 2  # the module, the catalog version
    assert _html(client, module.get_absolute_url()) == first
    assert "csrfmiddlewaretoken" not in first and "nonce=" not in first


def test_a_signed_out_page_with_a_query_or_a_message_is_rendered_afresh(client):
    from tests.conftest import attach_demo_video

    module = attach_demo_video(make_module(cues=3))
    client.get(module.get_absolute_url())
    assert 'data-start-at="42"' in _html(client, module.get_absolute_url() + "?t=42")


def test_only_visitors_with_nothing_personal_share_the_cached_page(rf, learner):
    from django.contrib.auth.models import AnonymousUser

    from modules.views import _same_for_everyone

    def request(path="/", cookies=None, user=None):
        made = rf.get(path)
        made.COOKIES.update(cookies or {})
        made.user = user or AnonymousUser()
        return made

    assert _same_for_everyone(request())
    assert not _same_for_everyone(request("/?t=5"))
    assert not _same_for_everyone(request(cookies={"messages": "a flash message"}))
    assert not _same_for_everyone(request(cookies={"sessionid": "abc"}))
    assert not _same_for_everyone(request(user=learner))


def test_series_navigation_follows_a_new_sibling_on_a_warm_cache(client):
    from tests.conftest import make_series

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
