from django.contrib import admin

from modules.models import Competency, Cue, LearningObjective, Module, Series


class LearningObjectiveInline(admin.TabularInline):
    model = LearningObjective
    extra = 1


class CueInline(admin.TabularInline):
    model = Cue
    extra = 0
    fields = ["position", "start_seconds", "speaker", "text"]


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title"]


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["activity_code", "title", "series", "credit", "is_published", "published_at"]
    list_filter = ["series", "is_published", "competencies"]
    search_fields = ["title", "activity_code", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["competencies"]
    inlines = [LearningObjectiveInline, CueInline]
    view_on_site = True
