"""Saved searches: save from the results page, then rerun, rename or delete at /me/searches/."""

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import resolve_url
from django.urls import reverse

from modules.models import Competency, SavedSearch
from modules.saved import MAX_SAVED_SEARCHES
from tests.conftest import run_at_once
from tests.factories import make_module, make_series

pytestmark = pytest.mark.django_db

LIST = reverse("modules:saved_searches")
CREATE = reverse("modules:saved_search_create")


def rename_url(saved):
    return reverse("modules:saved_search_rename", args=[saved.pk])


def delete_url(saved):
    return reverse("modules:saved_search_delete", args=[saved.pk])


def login_url():
    return resolve_url(settings.LOGIN_URL)


def saved_search(user, name="Feedback", query="feedback", **fields):
    return SavedSearch.objects.create(user=user, name=name, query=query, **fields)


# --- saving from the results page ----------------------------------------------------


def test_signed_in_learners_see_the_save_form_under_results(client, learner):
    client.force_login(learner)
    html = client.get(reverse("modules:search"), {"q": "feedback"}).content.decode()
    assert '<label for="save-search-name">Name your search</label>' in html
    assert f'action="{CREATE}"' in html
    assert "csrfmiddlewaretoken" in html


def test_signed_out_visitors_get_a_sign_in_link_instead(client):
    html = client.get(reverse("modules:search"), {"q": "feedback"}).content.decode()
    assert "Sign in to save this search" in html
    assert "Name your search" not in html


def test_saving_keeps_the_query_and_filters_and_returns_to_the_results(client, learner):
    series = make_series(slug="foundations")
    competency = Competency.objects.create(name="Trust")
    make_module(series=series).competencies.add(competency)  # filters offer what is published
    client.force_login(learner)
    response = client.post(
        CREATE,
        {
            "name": "  My   trust search ",
            "q": "trust",
            "series": "foundations",
            "competency": competency.pk,
        },
    )
    saved = SavedSearch.objects.get(user=learner)
    assert (saved.name, saved.query, saved.series, saved.competency) == (
        "My trust search",
        "trust",
        series,
        competency,
    )
    assert response.status_code == 302
    assert response["Location"] == f"/search/?q=trust&series=foundations&competency={competency.pk}"


def test_a_name_is_required(client, learner):
    client.force_login(learner)
    response = client.post(CREATE, {"name": "   ", "q": "trust"})
    assert response.status_code == 400
    assert "Give the search a name" in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_names_are_unique_per_learner_ignoring_case_with_a_clear_error(client, learner):
    saved_search(learner, name="Feedback")
    client.force_login(learner)
    response = client.post(CREATE, {"name": "FEEDBACK", "q": "other"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "You already have a saved search called “FEEDBACK”" in html
    assert 'value="FEEDBACK"' in html  # the typed name is kept
    assert 'value="other"' in html  # and so is the search
    assert SavedSearch.objects.count() == 1


def test_another_learner_may_use_the_same_name(client, learner, other_learner):
    saved_search(other_learner, name="Feedback")
    client.force_login(learner)
    client.post(CREATE, {"name": "Feedback", "q": "feedback"})
    assert SavedSearch.objects.filter(name="Feedback").count() == 2


def test_the_database_refuses_duplicate_names_too(learner):
    saved_search(learner, name="Feedback")
    with pytest.raises(IntegrityError), transaction.atomic():
        saved_search(learner, name="feedback")


def test_a_learner_can_keep_at_most_the_cap_and_is_told_so(client, learner):
    SavedSearch.objects.bulk_create(
        SavedSearch(user=learner, name=f"Search {n}", query=f"q{n}")
        for n in range(MAX_SAVED_SEARCHES)
    )
    client.force_login(learner)
    response = client.post(CREATE, {"name": "One more", "q": "more"})
    assert response.status_code == 400
    assert f"You have {MAX_SAVED_SEARCHES} saved searches, the most you can keep" in (
        response.content.decode()
    )
    assert SavedSearch.objects.filter(user=learner).count() == MAX_SAVED_SEARCHES


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_one_below_the_cap_keep_the_cap(learner):
    import threading

    from django.core.exceptions import ValidationError

    from modules.saved import save_search

    SavedSearch.objects.bulk_create(
        SavedSearch(user=learner, name=f"Search {n}", query=f"q{n}")
        for n in range(MAX_SAVED_SEARCHES - 1)
    )

    def save():
        try:
            name = f"From tab {threading.get_ident()}"
            return save_search(user=learner, name=name, query="feedback")
        except ValidationError as error:
            return error.code

    outcomes = run_at_once(save, 2)
    assert SavedSearch.objects.filter(user=learner).count() == MAX_SAVED_SEARCHES
    assert [outcome for outcome in outcomes if outcome == "limit"] == ["limit"]


def test_a_very_long_query_is_saved_as_used(client, learner):
    client.force_login(learner)
    client.post(CREATE, {"name": "Long", "q": "feedback " * 1000})
    assert len(SavedSearch.objects.get().query) <= 200


# --- the list ------------------------------------------------------------------------


def test_the_list_shows_only_my_searches_with_links_to_run_them(client, learner, other_learner):
    make_module()
    series = make_series(slug="foundations", title="Foundations")
    mine = saved_search(learner, name="Mine", query="goal setting", series=series)
    saved_search(other_learner, name="Theirs")
    client.force_login(learner)
    html = client.get(LIST).content.decode()
    assert "Mine" in html and "Theirs" not in html
    assert mine.get_absolute_url() == "/search/?q=goal+setting&series=foundations"
    assert 'href="/search/?q=goal+setting&amp;series=foundations"' in html
    assert "Series: Foundations" in html
    assert f"You have 1 of the {MAX_SAVED_SEARCHES}" in html


def test_the_list_has_an_empty_state(client, learner):
    client.force_login(learner)
    assert "No saved searches yet" in client.get(LIST).content.decode()


def test_rerunning_a_saved_search_shows_its_results(client, learner):
    from modules.search import refresh_search_vector

    module = make_module(title="Empathy at work")
    refresh_search_vector(module)
    saved = saved_search(learner, name="Empathy", query="empathy")
    client.force_login(learner)
    response = client.get(saved.get_absolute_url())
    assert [m.title for m in response.context["results"]] == ["Empathy at work"]


# --- rename and delete ----------------------------------------------------------------


def test_renaming(client, learner):
    saved = saved_search(learner, name="Old")
    client.force_login(learner)
    response = client.post(rename_url(saved), {"name": "New name"})
    assert response.status_code == 302 and response["Location"] == LIST
    saved.refresh_from_db()
    assert saved.name == "New name"


def test_renaming_to_a_name_in_use_shows_the_error_by_that_search(client, learner):
    saved_search(learner, name="Taken")
    saved = saved_search(learner, name="Mine")
    client.force_login(learner)
    response = client.post(rename_url(saved), {"name": "taken"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "You already have a saved search called “taken”" in html
    assert f'aria-describedby="rename-{saved.pk}-error"' in html
    saved.refresh_from_db()
    assert saved.name == "Mine"


def test_renaming_to_its_own_name_in_another_case_is_allowed(client, learner):
    saved = saved_search(learner, name="feedback")
    client.force_login(learner)
    client.post(rename_url(saved), {"name": "Feedback"})
    saved.refresh_from_db()
    assert saved.name == "Feedback"


def test_renaming_to_nothing_is_refused(client, learner):
    saved = saved_search(learner, name="Keep")
    client.force_login(learner)
    assert client.post(rename_url(saved), {"name": ""}).status_code == 400
    saved.refresh_from_db()
    assert saved.name == "Keep"


def test_deleting(client, learner):
    saved = saved_search(learner)
    client.force_login(learner)
    response = client.post(delete_url(saved))
    assert response.status_code == 302
    assert not SavedSearch.objects.exists()


# --- access rules ---------------------------------------------------------------------


def test_signed_out_the_list_redirects_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(login_url())


@pytest.mark.parametrize("action", ["create", "rename", "delete"])
def test_signed_out_posts_redirect_to_sign_in_and_change_nothing(client, learner, action):
    saved = saved_search(learner, name="Keep")
    url = {"create": CREATE, "rename": rename_url(saved), "delete": delete_url(saved)}[action]
    response = client.post(url, {"name": "Changed", "q": "feedback"})
    assert response.status_code == 302
    assert response["Location"].startswith(login_url())
    assert list(SavedSearch.objects.values_list("name", flat=True)) == ["Keep"]


def test_signed_out_saving_comes_back_to_the_search_after_sign_in(client):
    response = client.post(CREATE, {"name": "X", "q": "goal setting"})
    assert "next=/search/%3Fq%3Dgoal%2Bsetting" in response["Location"]


@pytest.mark.parametrize("who", ["other_learner", "author", "admin_user"])
@pytest.mark.parametrize("action", ["rename", "delete"])
def test_someone_elses_saved_search_is_404_even_for_staff(client, request, learner, who, action):
    saved = saved_search(learner, name="Private")
    client.force_login(request.getfixturevalue(who))
    url = rename_url(saved) if action == "rename" else delete_url(saved)
    assert client.post(url, {"name": "Hijacked"}).status_code == 404
    saved.refresh_from_db()
    assert saved.name == "Private"


def test_staff_see_only_their_own_saved_searches(client, learner, admin_user):
    saved_search(learner, name="Learner's search")
    client.force_login(admin_user)
    assert "Learner&#x27;s search" not in client.get(LIST).content.decode()


@pytest.mark.parametrize("url", [CREATE, "/me/searches/1/rename/", "/me/searches/1/delete/"])
def test_changes_are_posts_only(client, learner, url):
    client.force_login(learner)
    assert client.get(url).status_code == 405


def test_posts_need_the_csrf_token(learner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post(CREATE, {"name": "X", "q": "y"}).status_code == 403
