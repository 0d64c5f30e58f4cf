import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from modules.live import live_catalog
from modules.services import replace_cues
from tests.factories import make_cues, make_module, make_quiz, make_series

pytestmark = pytest.mark.django_db


def _page(client, module, query=""):
    return client.get(reverse("module_page", args=[module.slug]) + query)


def test_module_page_shows_everything_a_learner_needs(client, competency):
    module = make_module(
        title="Coaching Basics",
        credit=Decimal("0.25"),
        cues=3,
        description="How a first meeting goes.",
        disclosure_statement="No relevant financial relationships.",
        participation_statement="Watch the video and pass the quiz.",
    )
    module.competencies.add(competency)
    make_quiz(module)
    html = _page(client, module).content.decode()
    assert '<h1 id="module-title">Coaching Basics</h1>' in html
    assert "0.25 Credit" in html
    assert "Objective 1 of Coaching Basics" in html and "Objective 2 of Coaching Basics" in html
    assert "How a first meeting goes." in html
    assert "Establishing the coaching agreement" in html
    assert "Sign in to take the quiz and track your certificates" in html
    assert f"?next=/modules/{module.slug}/quiz/" in html
    assert "Video information" in html
    assert "No relevant financial relationships." in html
    assert "Watch the video and pass the quiz." in html
    assert "Line 2 about confidentiality" in html


def test_every_cue_is_a_button_with_its_time_and_speaker(client):
    module = make_module(cues=4)
    html = _page(client, module).content.decode()
    assert html.count('class="cue" data-seek=') == 4
    assert 'data-seek="15"' in html
    assert '<span class="cue-time">0:15</span>' in html
    assert '<span class="cue-speaker">Student</span>' in html


def test_cue_text_is_escaped(client):
    from modules.transcripts import ParsedCue

    module = make_module()
    replace_cues(
        module=module,
        cues=[
            ParsedCue(start_seconds=0, end_seconds=None, speaker="Coach", text="<script>x</script>")
        ],
    )
    html = _page(client, module).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_start_time_from_query_reaches_the_player(client):
    from tests.factories import attach_demo_video

    module = attach_demo_video(make_module(cues=2))
    html = _page(client, module, "?t=123").content.decode()
    assert 'data-start-at="123"' in html
    assert re.search(rf"/modules/{module.slug}/video\?v=[0-9a-f]+#t=123", html)


@pytest.mark.parametrize("value", ["abc", "-5", "nan", "1e9", ""])
def test_nonsense_start_time_is_ignored(client, value):
    module = make_module(cues=2)
    response = _page(client, module, f"?t={value}")
    assert response.status_code == 200
    assert "data-start-at" not in response.content.decode()


def test_series_navigation_says_where_the_module_stands(client):
    series = make_series(title="Foundations")
    first = make_module(series=series, position=1, title="First")
    second = make_module(series=series, position=2, title="Second")
    make_module(series=series, position=3, title="Third")
    make_module(series=series, position=4, title="Draft", published=False)
    html = _page(client, second).content.decode()
    assert "Module 2 of 3" in html
    assert f'rel="prev" href="{first.get_absolute_url()}"' in html
    assert "Next: Third" in html


def test_unknown_module_is_a_friendly_404(client):
    response = client.get("/modules/no-such-module/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "learner"])
def test_unpublished_module_is_404_for_everyone_but_staff(client, learner, who):
    module = make_module(published=False, cues=2)
    if who == "learner":
        client.force_login(learner)
    for url in [
        module.get_absolute_url(),
        reverse("modules:captions", args=[module.slug]),
        reverse("modules:transcript_text", args=[module.slug]),
        reverse("modules:video", args=[module.slug]),
    ]:
        assert client.get(url).status_code == 404, url


def test_staff_preview_an_unpublished_module(client, author):
    module = make_module(published=False, cues=2)
    client.force_login(author)
    response = _page(client, module)
    assert response.status_code == 200
    assert "Preview." in response.content.decode()


def test_a_module_published_for_later_is_not_yet_visible(client):
    from datetime import timedelta

    from django.utils import timezone

    module = make_module(published_at=timezone.now() + timedelta(days=1))
    assert _page(client, module).status_code == 404


def _queries(client, module) -> int:
    with CaptureQueriesContext(connection) as context:
        response = _page(client, module)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_query_count_is_the_same_for_10_and_1000_cues(client):
    small = make_module(cues=10)
    large = make_module(cues=1000)
    live_catalog()  # the live modules' list is read once after modules appear: not counted
    assert _queries(client, small) == _queries(client, large)
    # Warm: the rendered transcript comes from the cache, the cue query is skipped.
    assert _queries(client, small) == _queries(client, large)


def test_rendered_transcript_is_cached_and_rebuilt_when_cues_change(client):
    module = make_module(cues=5)
    cold = _queries(client, module)
    warm = _queries(client, module)
    assert warm < cold
    replace_cues(module=module, cues=make_cues(2, step=7))
    html = _page(client, module).content.decode()
    assert html.count('class="cue" data-seek=') == 2
    assert 'data-seek="7"' in html


def test_empty_transcript_and_missing_video_have_clear_empty_states(client):
    module = make_module()
    html = _page(client, module).content.decode()
    assert "No transcript has been added to this module yet." in html
    assert "The video for this module has not been uploaded yet." in html


def test_renaming_a_competency_in_the_admin_shows_on_its_modules_pages_and_in_search(
    client, admin_user, competency
):
    from modules.search import refresh_search_vector

    module = make_module(title="Coaching Basics", cues=3)
    module.competencies.add(competency)
    refresh_search_vector(module)
    assert competency.name in _page(client, module).content.decode()  # now in the cache
    admin = Client()
    admin.force_login(admin_user)
    response = admin.post(
        reverse("admin:modules_competency_change", args=[competency.pk]),
        {"name": "Fostering psychological safety"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    html = _page(client, module).content.decode()
    assert "Fostering psychological safety" in html
    assert competency.name not in html
    found = client.get(reverse("modules:search"), {"q": "psychological safety"}).content.decode()
    assert f'href="{module.get_absolute_url()}"' in found
