"""/lookup/?code=: an activity code goes straight to its module."""

import pytest
from django.urls import reverse

from tests.factories import make_module

pytestmark = pytest.mark.django_db


def lookup(client, code):
    return client.get(reverse("modules:lookup"), {"code": code})


@pytest.mark.parametrize("typed", ["CL-0042", "cl-0042", " cl 0042 ", "CL0042", "c l - 0 0 4 2"])
def test_a_code_goes_to_its_module_whatever_the_case_and_spaces(client, typed):
    module = make_module(activity_code="CL-0042")
    response = lookup(client, typed)
    assert response.status_code == 302
    assert response["Location"] == module.get_absolute_url()


def test_an_unknown_code_is_a_404_page_that_says_so_and_offers_search(client):
    make_module(activity_code="CL-0042")
    response = lookup(client, "cl-9999")
    assert response.status_code == 404
    html = response.content.decode()
    assert "No activity has the code “CL-9999”" in html
    assert 'href="/search/?q=cl-9999"' in html


def test_unpublished_modules_cannot_be_looked_up_except_by_staff(client, author):
    module = make_module(activity_code="CL-0777", published=False)
    assert lookup(client, "CL-0777").status_code == 404
    client.force_login(author)
    assert lookup(client, "CL-0777")["Location"] == module.get_absolute_url()


def test_an_empty_code_shows_the_form(client):
    response = lookup(client, "")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="lookup-code">Activity code</label>' in html
    assert "No activity has" not in html


@pytest.mark.parametrize("typed", ["x" * 10_000, "\x00", "🙂", "<script>", "CL-0042\x00"])
def test_odd_input_is_never_a_server_error(client, typed):
    make_module(activity_code="CL-0042")
    assert lookup(client, typed).status_code in {200, 302, 404}


def test_the_header_box_sends_the_code_to_lookup(client):
    html = client.get(reverse("modules:catalog")).content.decode()
    assert '<form class="header-form" method="get" action="/lookup/">' in html
    assert 'name="code"' in html
