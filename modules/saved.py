"""Saved searches and saved courses: the rules for changing them, and their forms.

Every change goes through these functions so the rules (names required and unique per
learner, at most MAX_SAVED_SEARCHES) hold whichever view calls them.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from modules.models import Competency, Module, SavedCourse, SavedSearch, Series
from modules.search import clean_text

MAX_SAVED_SEARCHES = 50
NAME_MAX_CHARS = SavedSearch._meta.get_field("name").max_length


class SearchNameForm(forms.Form):
    name = forms.CharField(
        label="Name your search",
        max_length=NAME_MAX_CHARS,
        error_messages={"required": "Give the search a name to find it again."},
    )

    def clean_name(self) -> str:
        name, _ = clean_text(self.cleaned_data["name"], NAME_MAX_CHARS)
        if not name:
            raise ValidationError("Give the search a name to find it again.", code="required")
        return name


def _name_taken(user, name: str, *, other_than: SavedSearch | None = None) -> bool:
    taken = SavedSearch.objects.filter(user=user, name__iexact=name)
    if other_than is not None:
        taken = taken.exclude(pk=other_than.pk)
    return taken.exists()


def _name_taken_error(name: str) -> ValidationError:
    return ValidationError(
        {"name": f"You already have a saved search called “{name}”. Choose another name."}
    )


def _lock_user(user) -> None:
    """Serialise one learner's changes to their saved searches (the cap and name checks)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def save_search(
    *,
    user,
    name: str,
    query: str,
    series: Series | None = None,
    competency: Competency | None = None,
) -> SavedSearch:
    """Raises ValidationError (with a `name` error, or a general one at the cap)."""
    _lock_user(user)
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            f"You have {MAX_SAVED_SEARCHES} saved searches, the most you can keep. "
            "Delete one you no longer need to save this one.",
            code="limit",
        )
    if _name_taken(user, name):
        raise _name_taken_error(name)
    return SavedSearch.objects.create(
        user=user, name=name, query=query, series=series, competency=competency
    )


@transaction.atomic
def rename_saved_search(saved_search: SavedSearch, name: str) -> SavedSearch:
    _lock_user(saved_search.user)
    if _name_taken(saved_search.user, name, other_than=saved_search):
        raise _name_taken_error(name)
    saved_search.name = name
    saved_search.save(update_fields=["name"])
    return saved_search


def save_course(*, user, module: Module) -> SavedCourse:
    """Idempotent: saving a saved course again changes nothing."""
    saved, _ = SavedCourse.objects.get_or_create(user=user, module=module)
    return saved


def remove_saved_course(*, user, module: Module) -> None:
    SavedCourse.objects.filter(user=user, module=module).delete()


def saved_module_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(SavedCourse.objects.filter(user=user).values_list("module_id", flat=True))
