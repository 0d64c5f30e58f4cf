import pytest
from django.urls import reverse

from tests.conftest import make_module, make_series

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


def test_catalog_query_count_does_not_grow_with_modules(client, django_assert_max_num_queries):
    series = make_series()
    for position in range(30):
        make_module(series=series, position=position)
    with django_assert_max_num_queries(3):
        client.get(reverse("modules:catalog"))
