"""Authoring in the admin: series, modules with their objectives, transcript and publishing.

The module page stays light even for a module of 1,000 transcript lines: it shows a summary
of the cues and links to the Cue list (filtered to the module) where lines are corrected.
The quiz is edited on its own admin pages; the quizzes app adds its links to the module page
through modules.extensions.register_admin_panel (modules/ never imports quizzes/).
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Max, Min
from django.forms.models import BaseInlineFormSet
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from authoring.transcript_editor import transcript_editor
from modules.extensions import admin_panels
from modules.forms import ModuleAdminForm
from modules.models import (
    Competency,
    Cue,
    LearningObjective,
    Module,
    Series,
    TranscriptTiming,
    VideoProcessing,
)
from modules.publishing import PublishError, publish_module, publish_problems, unpublish_module
from modules.services import (
    ModuleError,
    accept_timing,
    module_changed,
    replace_cues,
    time_transcript_later,
    video_changed,
)
from modules.transcripts import format_timestamp

UNTIMED_SHOWN = 20
PUBLISH_REFUSED = "This module can't be published yet; see what it needs at the top of the page."


class ObjectiveFormSet(BaseInlineFormSet):
    """Checks the publishing rules against the objectives as they are about to be saved."""

    def __init__(
        self,
        *args,
        has_video: bool = False,
        has_transcript: bool = False,
        already_missing: list[str] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.has_video = has_video
        self.has_transcript = has_transcript
        # None unless the module is published already: then only what this edit would
        # remove is refused, so an older module can still be corrected.
        self.already_missing = already_missing
        self.publish_problems: list[str] = []

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        # The admin's table of objectives labels its columns, not its inputs: name each input
        # for screen readers ("Objective 2: text").
        number = "new" if index is None else index + 1
        for name, label in (("position", "position"), ("text", "text"), ("DELETE", "delete")):
            if name in form.fields:
                form.fields[name].widget.attrs["aria-label"] = f"Objective {number}: {label}"

    def clean(self) -> None:
        super().clean()
        if not self.instance.is_published or any(self.errors):
            return
        problems = publish_problems(
            self.instance,
            objectives=self._objectives_to_save(),
            has_video=self.has_video,
            has_transcript=self.has_transcript,
        )
        self.publish_problems = [p for p in problems if p not in (self.already_missing or [])]
        if self.publish_problems:
            raise ValidationError(PUBLISH_REFUSED)

    def _objectives_to_save(self) -> list[LearningObjective]:
        kept = [
            form.instance
            for form in self.forms
            if form.cleaned_data.get("text") and not self._should_delete_form(form)
        ]
        return sorted(kept, key=lambda objective: objective.position)


class LearningObjectiveInline(admin.TabularInline):
    model = LearningObjective
    formset = ObjectiveFormSet
    extra = 1
    fields = ["position", "text"]
    formfield_overrides = {
        models.CharField: {"widget": forms.TextInput(attrs={"size": 90})},
    }


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


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    form = ModuleAdminForm
    change_form_template = "admin/modules/module/change_form.html"
    list_display = [
        "activity_code",
        "title",
        "series",
        "position",
        "credit",
        "cue_count",
        "is_published",
        "published_at",
    ]
    list_display_links = ["activity_code", "title"]
    list_filter = ["series", "is_published", "competencies"]
    list_select_related = ["series"]
    search_fields = ["title", "activity_code", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["competencies"]
    inlines = [LearningObjectiveInline]
    readonly_fields = ["transcript_summary", "video_processing"]
    actions = ["publish_selected", "unpublish_selected"]
    view_on_site = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "activity_code", "series", "position"]}),
        (
            "Video and transcript",
            {
                "fields": [
                    "video",
                    "poster",
                    "duration_seconds",
                    "video_processing",
                    "transcript_file",
                    "transcript_names_speakers",
                    "transcript_summary",
                ]
            },
        ),
        (
            "For learners",
            {
                "fields": [
                    "summary",
                    "description",
                    "credit",
                    "competencies",
                    "disclosure_statement",
                    "participation_statement",
                ]
            },
        ),
        ("Publishing", {"fields": ["is_published", "published_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(cue_total=Count("cues"))

    @admin.display(description="transcript lines", ordering="cue_total")
    def cue_count(self, module: Module) -> int:
        return module.cue_total

    # --- the change page ----------------------------------------------------------------

    def get_urls(self):
        own = [
            path(
                "<int:pk>/processing.json",
                self.admin_site.admin_view(self.processing_json),
                name="modules_module_processing",
            ),
            path(
                "<int:pk>/timing/",
                self.admin_site.admin_view(self.timing_view),
                name="modules_module_timing",
            ),
            path(
                "<int:pk>/transcript/",
                self.admin_site.admin_view(transcript_editor),
                name="modules_module_transcript",
            ),
        ]
        return own + super().get_urls()

    def timing_view(self, request, pk: int):
        """Time the transcript to the video: start it, watch it, review and accept it."""
        module = get_object_or_404(Module, pk=pk)
        if not self.has_change_permission(request, module):
            raise PermissionDenied
        if request.method == "POST":
            try:
                if "accept" in request.POST:
                    changed = accept_timing(module=module)
                    messages.success(request, f"The proposed times were accepted: {changed} lines.")
                    return redirect("admin:modules_module_change", module.pk)
                time_transcript_later(module=module)
                messages.info(request, "Timing started; this page shows the result when ready.")
            except ModuleError as error:
                messages.error(request, str(error))
            return redirect("admin:modules_module_timing", module.pk)
        timing = TranscriptTiming.objects.filter(module=module).first()
        starts = timing.proposed_starts() if timing else {}
        rows = [
            (cue, format_timestamp(cue.start_seconds), format_timestamp(starts.get(cue.position)))
            for cue in module.cues.order_by("position")
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Time the transcript of {module.title}",
            "module": module,
            "opts": self.model._meta,
            "timing": timing,
            "rows": rows,
            "untimed": sum(1 for cue, _, _ in rows if cue.start_seconds is None),
        }
        return render(request, "admin/modules/module/timing.html", context)

    def processing_json(self, request, pk: int):
        """The video processing's state, polled by static/js/processing_progress.js."""
        module = get_object_or_404(Module, pk=pk)
        if not self.has_view_or_change_permission(request, module):
            raise PermissionDenied
        return JsonResponse(processing_state(module))

    @admin.display(description="Processing")
    def video_processing(self, module: Module) -> str:
        if module.pk is None or not module.video:
            return "Upload a video: the server then reads it and makes its streaming versions."
        state = processing_state(module)
        return format_html(
            '<div class="video-processing" data-processing data-status="{status}" '
            'data-url="{url}"><p data-processing-words aria-live="polite">{words}</p>'
            '<progress max="100" value="{percent}" aria-label="Video processing">{percent}%'
            "</progress></div>",
            status=state["status"],
            url=reverse("admin:modules_module_processing", args=[module.pk]),
            words=state["words"],
            percent=state["percent"],
        )

    @admin.display(description="Transcript summary")
    def transcript_summary(self, module: Module) -> str:
        if module.pk is None:
            return "Upload a transcript; its lines are summarised here after saving."
        stats = module.cues.aggregate(
            count=Count("pk"), first=Min("start_seconds"), last=Max("start_seconds")
        )
        if not stats["count"]:
            return "No transcript yet."
        untimed = module.cues.filter(start_seconds__isnull=True).order_by("position")
        return format_html(
            '<div class="transcript-summary" data-transcript-summary>'
            "<p><strong>{count} lines</strong>, timed from {first} to {last}. "
            '<a href="{editor_url}">Edit the transcript beside the video</a> · '
            '<a href="{url}">Correct lines</a> · <a href="{timing_url}">Time this transcript '
            "to the video</a></p>{speakers}{untimed}</div>",
            count=stats["count"],
            first=format_timestamp(stats["first"]) or "—",
            last=format_timestamp(stats["last"]) or "—",
            url=_cue_list_url(module),
            editor_url=reverse("admin:modules_module_transcript", args=[module.pk]),
            timing_url=reverse("admin:modules_module_timing", args=[module.pk]),
            speakers=_speakers(module),
            untimed=_untimed_lines(untimed),
        )

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, LearningObjectiveInline):
            # A file sent now counts as there; if it is refused the form says why.
            kwargs["has_video"] = bool(obj.video) or "video" in request.FILES
            kwargs["has_transcript"] = "transcript_file" in request.FILES or bool(
                obj.pk and obj.cues.exists()
            )
            kwargs["already_missing"] = _missing_while_published(obj)
        return kwargs

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        problems: list[str] = []
        for inline_formset in context.get("inline_admin_formsets", []):
            problems += getattr(inline_formset.formset, "publish_problems", [])
        context["publish_problems"] = problems
        context["authoring_panels"] = admin_panels(request, obj) if obj and obj.pk else ""
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- saving -------------------------------------------------------------------------

    def save_related(self, request, form, formsets, change):
        # Objectives, cues and competencies are saved here, after the module: only now is
        # all of its text in the database for the search vector.
        super().save_related(request, form, formsets, change)
        module = form.instance
        if "video" in form.changed_data:
            video_changed(module=module)
        if form.new_cues is not None:
            replace_cues(module=module, cues=form.new_cues)  # refreshes the vector
            summary, warnings = form.transcript_report()
            messages.info(request, summary)
            for warning in warnings:
                messages.warning(request, warning)
        else:
            module_changed(module)  # objectives or competencies may have changed alone
        if not form.initial.get("is_published"):
            self._keep_publishing_rules(request, module)

    def _keep_publishing_rules(self, request, module: Module) -> None:
        """The objectives formset checks first; this catches a page without that inline."""
        if not module.is_published:
            return
        problems = publish_problems(module)
        if problems:
            unpublish_module(module=module)
            for problem in problems:
                messages.error(request, f"Not published: {problem}")

    # --- actions ------------------------------------------------------------------------

    @admin.action(description="Publish the selected modules", permissions=["change"])
    def publish_selected(self, request, queryset) -> None:
        published = 0
        for module in queryset:
            try:
                publish_module(module=module)
            except PublishError as error:
                for problem in error.problems:
                    messages.error(request, f"{module.activity_code} {module.title}: {problem}")
            else:
                published += 1
        if published:
            messages.success(request, f"Published {published} module(s).")

    @admin.action(description="Unpublish the selected modules", permissions=["change"])
    def unpublish_selected(self, request, queryset) -> None:
        for module in queryset:
            unpublish_module(module=module)
        messages.success(request, f"Unpublished {len(queryset)} module(s).")


def _missing_while_published(module: Module) -> list[str] | None:
    saved = Module.objects.filter(pk=module.pk, is_published=True).first() if module.pk else None
    return publish_problems(saved) if saved else None


def _cue_list_url(module: Module) -> str:
    return reverse("admin:modules_cue_changelist") + f"?module__id__exact={module.pk}"


def _speakers(module: Module) -> str:
    """Who speaks, with their line counts, each linked to their lines to correct them."""
    counts = module.cues.values("speaker").annotate(lines=Count("pk")).order_by("-lines", "speaker")
    if not any(row["speaker"] for row in counts):
        return mark_safe("<p>No line has a speaker.</p>")
    items = format_html_join(
        ", ",
        '<a href="{}">{}</a> ({} lines)',
        (
            (
                _cue_list_url(module) + f"&speaker={quote(row['speaker'])}",
                row["speaker"] or "no speaker",
                row["lines"],
            )
            for row in counts
        ),
    )
    return format_html("<p>Speakers: {}.</p>", items)


def _untimed_lines(untimed) -> str:
    total = untimed.count()
    if not total:
        return mark_safe("<p>Every line has a timestamp.</p>")
    items = format_html_join(
        "",
        "<li>Line {}: {}{}</li>",
        (
            (cue.position, f"{cue.speaker}: " if cue.speaker else "", Truncator(cue.text).chars(80))
            for cue in untimed[:UNTIMED_SHOWN]
        ),
    )
    more = f"<li>… and {total - UNTIMED_SHOWN} more</li>" if total > UNTIMED_SHOWN else ""
    return format_html(
        "<p>{} untimed lines (shown without a timestamp; they can't be jumped to):</p>"
        "<ul>{}{}</ul>",
        total,
        items,
        mark_safe(more),  # only a number in it
    )


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


def processing_state(module: Module) -> dict:
    """The video processing's state in words, for the authoring page."""
    processing = VideoProcessing.objects.filter(module=module).first()
    if processing is None or not processing.is_current:
        return {"status": "none", "percent": 0, "words": "Not processed: save the module again."}
    if processing.status == VideoProcessing.Status.READY:
        found = processing.probe
        words = (
            f"Ready: {found.get('width')}×{found.get('height')}, "
            f"{format_timestamp(found.get('duration'))} long, {found.get('video_codec')} video"
            + ("; a web-safe copy was made" if processing.has_web_video else "")
            + "; streaming versions made."
        )
    elif processing.status == VideoProcessing.Status.FAILED:
        words = f"Processing failed: {processing.error} Learners get the video as uploaded."
    elif processing.status == VideoProcessing.Status.QUEUED:
        words = "Waiting for a worker. Learners get the video as uploaded until it is done."
    else:
        words = f"{processing.step}: {processing.percent}%. Learners get the video as uploaded."
    return {"status": processing.status, "percent": processing.percent, "words": words}
