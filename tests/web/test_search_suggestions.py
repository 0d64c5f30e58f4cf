""" "Did you mean" offers only words that published modules use, never a draft's."""

import pytest
from django.urls import reverse

from modules.search import refresh_search_vector
from tests.factories import make_module

pytestmark = pytest.mark.django_db


def _module(title: str, text: str, *, published: bool = True):
    module = make_module(title=title, summary=text, published=published)
    refresh_search_vector(module)
    return module


def _suggestion(client, q: str):
    return client.get(reverse("modules:search"), {"q": q}).context["suggestion"]


def test_a_word_only_in_a_draft_module_is_never_suggested(client):
    _module("Coaching basics", "Coaching conversations.")
    _module("Secret draft", "Xenotransplantation outcomes.", published=False)
    assert _suggestion(client, "xenotransplantatio or coachng") == "xenotransplantatio or coaching"


def test_a_drafts_word_is_offered_once_a_published_module_uses_it(client):
    _module("Coaching basics", "Coaching conversations.")
    _module("Secret draft", "Xenotransplantation outcomes.", published=False)
    _module("Transplant ethics", "Xenotransplantation in public.")
    assert _suggestion(client, "xenotransplantatio or coachng") == (
        "xenotransplantation or coaching"
    )
