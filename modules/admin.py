"""The modules app's own admin pages: series, competencies and transcript lines.

A module is authored on its one page, registered by the authoring app (authoring/admin.py),
which brings its quiz and evaluation onto the same page (modules/ never imports quizzes/).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count

from modules.models import Competency, Cue, Module, Series
from modules.services import module_changed


class ShownOnModulePages:
    """Series and competencies are shown on module pages and found by search: a change to
    one is a change to each of its modules (renamed, its modules' pages name it anew)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for module in obj.modules.all():
            module_changed(module)

    def delete_model(self, request, obj):
        modules = list(obj.modules.all())
        super().delete_model(request, obj)
        for module in modules:
            module_changed(module)

    def delete_queryset(self, request, queryset):
        modules = list(Module.objects.filter(**{f"{self.module_lookup}__in": queryset}).distinct())
        super().delete_queryset(request, queryset)
        for module in modules:
            module_changed(module)


@admin.register(Series)
class SeriesAdmin(ShownOnModulePages, admin.ModelAdmin):
    module_lookup = "series"
    list_display = ["title", "slug", "module_count"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title", "slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(module_count=Count("modules"))

    @admin.display(description="modules", ordering="module_count")
    def module_count(self, series: Series) -> int:
        return series.module_count


@admin.register(Competency)
class CompetencyAdmin(ShownOnModulePages, admin.ModelAdmin):
    module_lookup = "competencies"
    search_fields = ["name"]


class CueForm(forms.ModelForm):
    class Meta:
        model = Cue
        fields = ["start_seconds", "end_seconds", "speaker", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "cols": 70})}


@admin.register(Cue)
class CueAdmin(admin.ModelAdmin):
    """Correct transcript lines one by one or on the list, without uploading again."""

    form = CueForm
    list_display = ["position", "timestamp", "start_seconds", "end_seconds", "speaker", "text"]
    list_display_links = ["position"]
    list_editable = ["start_seconds", "end_seconds", "speaker", "text"]
    list_filter = [("module", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["module"]
    list_per_page = 50
    search_fields = ["text", "speaker"]
    ordering = ["module", "position"]
    fields = ["module", "position", "start_seconds", "end_seconds", "speaker", "text"]
    readonly_fields = ["module", "position"]

    def has_add_permission(self, request) -> bool:
        return False  # lines come from a transcript upload, which numbers them

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # The transcript summary links each speaker to their lines (?speaker=Coach) without
        # a sidebar filter listing every speaker of every module.
        return lookup == "speaker" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="time")
    def timestamp(self, cue: Cue) -> str:
        return cue.timestamp or "untimed"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        module_changed(obj.module)
