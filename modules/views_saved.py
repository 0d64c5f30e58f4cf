"""/me/searches/ and /me/courses/: a signed-in learner's saved searches and saved courses.

Only the owner sees or changes them: every view gets objects through a helper scoped to
request.user, so another learner's id is a 404. Staff are no exception: these are personal
lists, not records anyone needs to inspect.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from accounts.roles import may_preview
from modules.access import get_visible_module
from modules.models import Module, SavedCourse, SavedSearch, search_url
from modules.saved import (
    MAX_SAVED_SEARCHES,
    SearchNameForm,
    remove_saved_course,
    rename_saved_search,
    save_course,
    save_search,
)
from modules.search import SearchForm
from modules.views_search import search_page_context


def _post_by_signed_in(back):
    """require_POST, and send a signed-out visitor to sign in, returning afterwards to the
    page `back(request, **kwargs)` (a GET page, not this POST-only address)."""

    def decorator(view):
        @wraps(view)
        @require_POST
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(back(request, *args, **kwargs))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _get_saved_search_for_user(request, pk: int) -> SavedSearch:
    """The learner's own saved search; anyone else's is 404."""
    return get_object_or_404(SavedSearch, pk=pk, user=request.user)


def _saved_searches_url(request, *args, **kwargs) -> str:
    return reverse("modules:saved_searches")


def _search_url_of(request, *args, **kwargs) -> str:
    query, series, competency = SearchForm(request.POST).criteria()
    return search_url(query.text, series=series, competency=competency)


def _module_url_of(request, slug: str) -> str:
    return reverse("module_page", args=[slug])


def _safe_next(request, default: str) -> str:
    """The `next` field when it is a page of this site, otherwise `default`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- saved searches ------------------------------------------------------------------


def _saved_searches_context(request) -> dict:
    searches = SavedSearch.objects.filter(user=request.user).select_related("series", "competency")
    return {"searches": searches, "max_saved_searches": MAX_SAVED_SEARCHES}


@require_safe
@login_required
def saved_searches(request):
    return render(request, "modules/saved_searches.html", _saved_searches_context(request))


@_post_by_signed_in(back=_search_url_of)
def saved_search_create(request):
    """The "Save search" form of the results page: its criteria plus a name."""
    name_form = SearchNameForm(request.POST)
    if name_form.is_valid():
        query, series, competency = SearchForm(request.POST).criteria()
        try:
            saved = save_search(
                user=request.user,
                name=name_form.cleaned_data["name"],
                query=query.text,
                series=series,
                competency=competency,
            )
        except ValidationError as error:
            name_form.add_error(None, error)
        else:
            messages.success(request, f"Saved your search as “{saved.name}”.")
            return redirect(saved)
    context = search_page_context(request.POST, name_form=name_form)
    return render(request, "modules/search.html", context, status=400)


@_post_by_signed_in(back=_saved_searches_url)
def saved_search_rename(request, pk: int):
    saved = _get_saved_search_for_user(request, pk)
    form = SearchNameForm(request.POST)
    if form.is_valid():
        old_name = saved.name
        try:
            rename_saved_search(saved, form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Renamed “{old_name}” to “{saved.name}”.")
            return redirect("modules:saved_searches")
    context = {**_saved_searches_context(request), "rename_form": form, "rename_id": saved.pk}
    return render(request, "modules/saved_searches.html", context, status=400)


@_post_by_signed_in(back=_saved_searches_url)
def saved_search_delete(request, pk: int):
    saved = _get_saved_search_for_user(request, pk)
    saved.delete()
    messages.success(request, f"Deleted the saved search “{saved.name}”.")
    return redirect("modules:saved_searches")


# --- saved courses -------------------------------------------------------------------


@require_safe
@login_required
def saved_courses(request):
    courses = list(
        SavedCourse.objects.filter(user=request.user)
        .select_related("module")
        .defer("module__search_vector")
    )
    for course in courses:
        course.is_available = course.module.is_live or may_preview(request.user)
    return render(request, "modules/saved_courses.html", {"courses": courses})


def _toggle_response(request, module: Module, *, saved: bool, message: str):
    """JSON for the no-reload toggle (static/js/save_course.js); a redirect back without
    JavaScript."""
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"saved": saved, "message": message})
    messages.success(request, message)
    return redirect(_safe_next(request, module.get_absolute_url()))


@_post_by_signed_in(back=_module_url_of)
def course_save(request, slug: str):
    module = get_visible_module(request.user, slug=slug)
    save_course(user=request.user, module=module)
    return _toggle_response(
        request, module, saved=True, message=f"Saved “{module.title}” to My courses."
    )


@_post_by_signed_in(back=_module_url_of)
def course_remove(request, slug: str):
    # A course unpublished since it was saved can still be removed from the list.
    saved = (
        SavedCourse.objects.filter(user=request.user, module__slug=slug)
        .select_related("module")
        .first()
    )
    module = saved.module if saved else get_visible_module(request.user, slug=slug)
    remove_saved_course(user=request.user, module=module)
    return _toggle_response(
        request, module, saved=False, message=f"Removed “{module.title}” from My courses."
    )
