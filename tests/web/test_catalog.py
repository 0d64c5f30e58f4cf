import pytest
from django.urls import reverse

from tests.factories import make_module, make_series

pytestmark = pytest.mark.django_db


def test_empty_catalog_says_what_to_do(client):
    response = client.get(reverse("modules:catalog"))
    assert response.status_code == 200
    assert "No modules are published yet" in response.content.decode()


def test_catalog_lists_published_modules_by_series_with_their_facts(client):
    series = make_series(title="Foundations")
    make_module(series=series, position=2, title="Second", objectives=3, duration_seconds=75)
    make_module(series=series, position=1, title="First", objectives=2)
    make_module(title="Loose module")
    html = client.get(reverse("modules:catalog")).content.decode()
    assert "Foundations" in html and "More modules" in html
    assert html.index("First") < html.index("Second")
    assert "1:15" in html  # the second module's duration
    assert "<dt>Objectives</dt><dd>3</dd>" in html
    assert "<dt>Credit</dt><dd>0.25</dd>" in html


def test_unpublished_modules_stay_out_of_the_catalog_even_for_staff(client, admin_user):
    make_module(title="Draft module", published=False)
    client.force_login(admin_user)
    assert "Draft module" not in client.get(reverse("modules:catalog")).content.decode()


def _catalog_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("modules:catalog")).status_code == 200
    return len(context.captured_queries)


def test_catalog_query_count_does_not_grow_with_modules(client, learner):
    from django.core.cache import cache, caches

    series = make_series()
    make_module(series=series, position=0)
    small = {"cold": _catalog_queries(client), "warm": _catalog_queries(client)}
    for position in range(1, 40):
        make_module(series=series, position=position)
    cache.clear()
    caches["local"].clear()
    assert _catalog_queries(client) == small["cold"]
    assert _catalog_queries(client) == small["warm"] == 1  # the catalog's version only
    client.force_login(learner)
    signed_in = _catalog_queries(client)
    make_module(series=series, position=99)
    assert _catalog_queries(client) == signed_in


def test_signed_out_catalog_is_cached_and_rebuilt_when_a_module_changes(client):
    module = make_module(title="Before")
    assert "Before" in client.get(reverse("modules:catalog")).content.decode()
    module.title = "After"
    module.save()
    html = client.get(reverse("modules:catalog")).content.decode()
    assert "After" in html and "Before" not in html
    make_module(title="Brand new")
    assert "Brand new" in client.get(reverse("modules:catalog")).content.decode()


def test_signed_out_catalog_carries_no_csrf_token_or_personal_state(client, learner):
    make_module(title="Coaching Basics")
    html = client.get(reverse("modules:catalog")).content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert "Sign in to save" in html
