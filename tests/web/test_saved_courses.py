"""Saved courses: the "Save course" toggle on the catalog and module page, and /me/courses/."""

import json

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from modules.models import SavedCourse
from tests.factories import make_module, make_series

pytestmark = pytest.mark.django_db

LIST = reverse("modules:saved_courses")


def save_url(module):
    return reverse("modules:course_save", args=[module.slug])


def remove_url(module):
    return reverse("modules:course_remove", args=[module.slug])


def saved_titles(user) -> list[str]:
    return list(SavedCourse.objects.filter(user=user).values_list("module__title", flat=True))


# --- the toggle -----------------------------------------------------------------------


def test_the_module_page_has_a_save_toggle_for_signed_in_learners(client, learner):
    module = make_module()
    client.force_login(learner)
    html = client.get(module.get_absolute_url()).content.decode()
    assert f'action="{save_url(module)}"' in html
    assert 'aria-pressed="false"' in html
    assert f'data-remove-url="{remove_url(module)}"' in html
    assert html.count("js/save_course.js") == 1


def test_a_saved_course_shows_pressed_and_posts_to_remove(client, learner):
    module = make_module()
    SavedCourse.objects.create(user=learner, module=module)
    client.force_login(learner)
    html = client.get(module.get_absolute_url()).content.decode()
    assert f'action="{remove_url(module)}"' in html
    assert 'aria-pressed="true"' in html


def test_signed_out_visitors_get_a_sign_in_link_that_comes_back(client):
    module = make_module()
    html = client.get(module.get_absolute_url()).content.decode()
    assert "Sign in to save" in html
    assert f"next=%2Fmodules%2F{module.slug}%2F" in html
    assert "save_course.js" not in html
    assert "data-save-course" not in html


def test_without_javascript_saving_redirects_back_to_the_page(client, learner):
    module = make_module(title="Deep listening")
    client.force_login(learner)
    response = client.post(save_url(module), {"next": "/?from=catalog"})
    assert response.status_code == 302
    assert response["Location"] == "/?from=catalog"
    assert saved_titles(learner) == ["Deep listening"]
    follow = client.get("/")
    assert "Saved “Deep listening” to My courses." in follow.content.decode()


def test_a_foreign_next_address_is_ignored(client, learner):
    module = make_module()
    client.force_login(learner)
    response = client.post(save_url(module), {"next": "https://evil.example/"})
    assert response["Location"] == module.get_absolute_url()


def test_with_javascript_the_toggle_answers_json(client, learner):
    module = make_module(title="Deep listening")
    client.force_login(learner)
    saved = client.post(save_url(module), HTTP_ACCEPT="application/json")
    assert saved.status_code == 200
    assert json.loads(saved.content) == {
        "saved": True,
        "message": "Saved “Deep listening” to My courses.",
    }
    removed = client.post(remove_url(module), HTTP_ACCEPT="application/json")
    assert json.loads(removed.content)["saved"] is False
    assert saved_titles(learner) == []


def test_saving_twice_keeps_one_and_removing_an_unsaved_course_is_harmless(client, learner):
    module = make_module()
    client.force_login(learner)
    client.post(save_url(module))
    client.post(save_url(module))
    assert SavedCourse.objects.filter(user=learner).count() == 1
    client.post(remove_url(module))
    assert client.post(remove_url(module)).status_code == 302
    assert SavedCourse.objects.count() == 0


def test_the_catalog_shows_each_cards_state_with_one_query_for_all(
    client, learner, django_assert_max_num_queries
):
    series = make_series()
    modules = [make_module(series=series, position=n) for n in range(20)]
    SavedCourse.objects.create(user=learner, module=modules[3])
    client.force_login(learner)
    # session, user, modules, saved ids (and what other layers add to the catalog)
    with django_assert_max_num_queries(6):
        html = client.get(reverse("modules:catalog")).content.decode()
    assert html.count('aria-pressed="true"') == 1
    assert html.count('aria-pressed="false"') == 19
    assert html.count("js/save_course.js") == 1


def test_unpublished_modules_cannot_be_saved_except_by_staff(client, learner, author):
    draft = make_module(published=False)
    client.force_login(learner)
    assert client.post(save_url(draft)).status_code == 404
    client.force_login(author)
    assert client.post(save_url(draft)).status_code == 302
    assert saved_titles(author) == [draft.title]


# --- /me/courses/ ---------------------------------------------------------------------


def test_my_courses_lists_title_credit_link_and_a_remove_button(client, learner, other_learner):
    mine = make_module(title="Mine", credit="0.75", activity_code="CL-0101")
    theirs = make_module(title="Theirs")
    SavedCourse.objects.create(user=learner, module=mine)
    SavedCourse.objects.create(user=other_learner, module=theirs)
    client.force_login(learner)
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="{mine.get_absolute_url()}">Mine</a>' in html
    assert "<dt>Credit</dt><dd>0.75</dd>" in html and "CL-0101" in html
    assert f'action="{remove_url(mine)}"' in html
    assert "Theirs" not in html
    template_names = [template.name for template in response.templates]
    assert "modules/includes/course_progress.html" in template_names


def test_removing_from_my_courses_comes_back_to_the_list(client, learner):
    module = make_module()
    SavedCourse.objects.create(user=learner, module=module)
    client.force_login(learner)
    response = client.post(remove_url(module), {"next": LIST})
    assert response["Location"] == LIST
    assert "No saved courses yet" in client.get(LIST).content.decode()


def test_a_course_unpublished_after_saving_is_listed_as_unavailable_and_can_be_removed(
    client, learner
):
    module = make_module(title="Withdrawn")
    SavedCourse.objects.create(user=learner, module=module)
    module.is_published = False
    module.published_at = None
    module.save()
    client.force_login(learner)
    html = client.get(LIST).content.decode()
    assert "This course is no longer available." in html
    assert f'href="{module.get_absolute_url()}"' not in html
    client.post(remove_url(module))
    assert saved_titles(learner) == []


def test_removing_reveals_nothing_about_unpublished_modules_one_never_saved(client, learner):
    draft = make_module(published=False)
    client.force_login(learner)
    assert client.post(remove_url(draft)).status_code == 404


# --- access rules ---------------------------------------------------------------------


def test_signed_out_my_courses_redirects_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.parametrize("url_of", [save_url, remove_url])
def test_signed_out_toggles_redirect_to_sign_in_then_back_to_the_module(client, url_of):
    module = make_module()
    response = client.post(url_of(module))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert f"next=/modules/{module.slug}/" in response["Location"]
    assert not SavedCourse.objects.exists()


def test_staff_see_only_their_own_saved_courses(client, learner, admin_user):
    SavedCourse.objects.create(user=learner, module=make_module(title="Learner's pick"))
    client.force_login(admin_user)
    assert "pick" not in client.get(LIST).content.decode()


def test_toggles_are_posts_only(client, learner):
    module = make_module()
    client.force_login(learner)
    assert client.get(save_url(module)).status_code == 405
    assert client.get(remove_url(module)).status_code == 405


def test_toggles_need_the_csrf_token(learner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post(save_url(make_module())).status_code == 403
