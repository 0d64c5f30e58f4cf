"""/search/ and /lookup/: open to everyone, published modules only (lookup: staff see all)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from modules.access import get_visible_module
from modules.models import Module, normalise_activity_code, search_params, search_url
from modules.saved import SearchNameForm
from modules.search import (
    MAX_QUERY_CHARS,
    RESULTS_PER_PAGE,
    SearchForm,
    attach_snippets,
    clean_text,
    has_searchable_words,
    is_too_complex,
    search_modules,
    suggest_query,
)

LOOKUP_MAX_CHARS = 40


def search_page_context(data, *, name_form: SearchNameForm | None = None) -> dict:
    """Everything search.html shows for the criteria in `data` (a GET or POST QueryDict).
    Also used to show the page again when saving the search fails."""
    form = SearchForm(data)
    query, series, competency = form.criteria()
    too_complex = bool(query) and is_too_complex(query.text)
    modules = (
        Module.objects.none()
        if too_complex
        else search_modules(query.text, series=series, competency=competency)
    )
    page = Paginator(modules, RESULTS_PER_PAGE).get_page(data.get("page"))
    results = list(page.object_list)
    if query:
        attach_snippets(results, query.text)
    return {
        "form": form,
        "query": query,
        "params": search_params(query.text, series=series, competency=competency),
        "series": series,
        "competency": competency,
        "filtered": series is not None or competency is not None,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "results": results,
        "max_query_chars": MAX_QUERY_CHARS,
        "name_form": name_form or SearchNameForm(),
        "too_complex": too_complex,
        **(
            _empty_state(query.text, series, competency)
            if query and not results and not too_complex
            else {}
        ),
    }


def _empty_state(text: str, series, competency) -> dict:
    """What to offer when nothing matched: a respelling that finds something, if any."""
    suggestion = suggest_query(text, series=series, competency=competency)
    return {
        "searchable": has_searchable_words(text),
        "suggestion": suggestion,
        "suggestion_url": suggestion
        and search_url(suggestion, series=series, competency=competency),
        "unfiltered_url": search_url(text),
    }


@require_safe
def search(request):
    context = search_page_context(request.GET)
    status = 400 if context["too_complex"] else 200
    return render(request, "modules/search.html", context, status=status)


@require_safe
def lookup(request):
    """An activity code (any case, spaces or none) goes straight to its module."""
    typed, _ = clean_text(request.GET.get("code"), LOOKUP_MAX_CHARS)
    if not typed:
        return render(request, "modules/lookup.html", {"typed": ""})
    code = normalise_activity_code(typed)
    try:
        module = get_visible_module(request.user, activity_code=code)
    except Http404:
        return render(request, "modules/lookup.html", {"typed": typed, "code": code}, status=404)
    return redirect(module)
