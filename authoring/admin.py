"""A module's one authoring page in the admin: its details, objectives, competencies, video,
poster and transcript, its quiz with every question and each question's choices, and its
activity evaluation, saved as a draft at any time; beside them the publishing checklist
and the Publish button.

The checklist is publish_checklist (modules/publishing.py): the same rules publishing
applies, item by item. Files of a save that is refused are kept as drafts (authoring.models)
and used on the next save, so nothing is uploaded twice.
"""

from __future__ import annotations

from urllib.parse import quote

import nested_admin
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import models, transaction
from django.db.models import Count, Max, Min
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from authoring.forms import KEPT_ROLES, AuthoringModuleForm, QuestionForm
from authoring.services import keep_draft_upload
from authoring.transcript_editor import transcript_editor
from certificates.models import EvaluationQuestion
from modules.models import LearningObjective, Module, TranscriptTiming, VideoProcessing
from modules.publishing import (
    PublishError,
    publish_checklist,
    publish_module,
    publish_problems,
    unpublish_module,
)
from modules.services import (
    ModuleError,
    accept_timing,
    module_changed,
    replace_cues,
    time_transcript_later,
    video_changed,
)
from modules.transcripts import format_timestamp
from quizzes.models import Choice, Question, Quiz

UNTIMED_SHOWN = 20
# The quiz's settings on the authoring page: a new setting of Quiz is one more name here.
QUIZ_FIELDS = [
    "pass_mark",
    "max_attempts",
    "shuffle",
    "required_watch_percent",
    "show_missed_objectives",
]
# Where on the page each checklist item is done: the element's id and its name in a link.
CHECKLIST_PLACES = {
    "video": ("id_video", "the video"),
    "transcript": ("id_transcript_file", "the transcript"),
    "objectives": ("objectives-group", "the objectives"),
    "questions": ("quiz-group", "the quiz"),
    "answerable": ("quiz-group", "the quiz"),
    "evaluation": ("evaluation_questions-group", "the evaluation"),
}
NOT_SAVED_PUBLISHED = (
    "Nothing was saved: {title} is live, and this change would leave it without: {problems}"
    " Unpublish it first, or change it so it stays complete."
)


def _edited_module_id(request) -> int | None:
    match = request.resolver_match
    value = match.kwargs.get("object_id") if match else None
    return int(value) if value and str(value).isdigit() else None


class LabelledRowsFormSet(nested_admin.NestedInlineFormSet):
    """A table's inputs named for screen readers ("Choice 2: text"): the admin's tabular
    inline labels its columns, not its inputs."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        number = "new" if index is None else index + 1
        row = f"{self.model._meta.verbose_name.capitalize()} {number}"
        for name, field in form.fields.items():
            label = "delete" if name == "DELETE" else str(field.label or name).lower()
            field.widget.attrs["aria-label"] = f"{row}: {label}"


class LearningObjectiveInline(nested_admin.NestedTabularInline):
    model = LearningObjective
    formset = LabelledRowsFormSet
    extra = 1
    fields = ["position", "text"]
    formfield_overrides = {
        models.CharField: {"widget": forms.TextInput(attrs={"size": 90})},
    }


class ChoiceInline(nested_admin.NestedTabularInline):
    model = Choice
    formset = LabelledRowsFormSet
    extra = 2
    fields = ["position", "text", "is_correct", "explanation"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 1})}}


class QuestionInline(nested_admin.NestedStackedInline):
    model = Question
    form = QuestionForm
    extra = 0
    inlines = [ChoiceInline]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "objective":
            # Only this module's objectives (saved ones: a new objective is offered once the
            # page has been saved).
            kwargs["queryset"] = LearningObjective.objects.filter(
                module_id=_edited_module_id(request)
            ).order_by("position", "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class QuizInline(nested_admin.NestedStackedInline):
    model = Quiz
    fields = QUIZ_FIELDS
    max_num = 1
    extra = 1
    can_delete = False
    view_on_site = False  # the checklist has the preview link
    inlines = [QuestionInline]
    verbose_name_plural = "quiz"


class EvaluationQuestionInline(nested_admin.NestedTabularInline):
    model = EvaluationQuestion
    formset = LabelledRowsFormSet
    extra = 1
    fields = ["position", "text", "kind", "required"]
    verbose_name = "evaluation question"
    verbose_name_plural = "activity evaluation (asked when a certificate is claimed)"


@admin.register(Module)
class AuthoringModuleAdmin(nested_admin.NestedModelAdmin):
    form = AuthoringModuleForm
    change_form_template = "authoring/module_change_form.html"
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
    inlines = [LearningObjectiveInline, QuizInline, EvaluationQuestionInline]
    readonly_fields = ["transcript_summary", "video_processing"]
    actions = ["publish_selected", "unpublish_selected"]
    view_on_site = True
    fieldsets = [
        (None, {"fields": ["title", "slug", "activity_code", "series", "position"]}),
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
        (
            "Video",
            {
                "fields": ["video", "poster", "duration_seconds", "video_processing"],
                "classes": ["authoring-video"],
            },
        ),
        (
            "Transcript",
            {
                "fields": ["transcript_file", "transcript_names_speakers", "transcript_summary"],
                "classes": ["authoring-transcript"],
            },
        ),
        (
            "Publishing",
            {"fields": ["published_at", "without_evaluation"], "classes": ["authoring-publishing"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(cue_total=Count("cues"))

    @admin.display(description="transcript lines", ordering="cue_total")
    def cue_count(self, module: Module) -> int:
        return module.cue_total

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

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

    # --- the checklist, the drafts and the links ----------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # What a live module lacks already (nothing, usually): an edit may not add to it.
        module = Module.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        request.authoring_live_problems = (
            publish_problems(module) if module and module.is_published else None
        )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        kept = self._keep_uploads(request, form, obj) if request.method == "POST" else {}
        module = obj if obj is not None and obj.pk else None
        # A kept file is what the next save will have: the list counts it as there.
        items = publish_checklist(
            module or Module(),
            has_video=bool(module and module.video) or "video" in kept,
            has_transcript=bool(module and module.cues.exists()) or "transcript_file" in kept,
        )
        context.update(
            checklist=[
                {
                    "item": item,
                    "details": _checklist_details(module, item.rule.key),
                    "place": CHECKLIST_PLACES.get(item.rule.key, ("content-main", "the form")),
                }
                for item in items
            ],
            checklist_done=all(item.done for item in items),
            checklist_todo=sum(1 for item in items if not item.done),
            transcript_editor_url=_transcript_editor_url(module),
            error_links=_error_links(
                form, [inline.formset for inline in context.get("inline_admin_formsets", [])]
            ),
        )
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def _keep_uploads(self, request, form, obj) -> dict:
        """A refused save keeps each file it read and accepted, shown as kept; the kept
        drafts by role."""
        module = obj if obj is not None and obj.pk else None
        kept = {}
        for role in KEPT_ROLES:
            draft = form.used_drafts.get(role)
            upload = request.FILES.get(role)
            if upload is not None and role not in form.errors:
                draft = keep_draft_upload(
                    user=request.user,
                    module=module,
                    role=role,
                    upload=upload,
                    name=form.uploaded_names.get(role, upload.name),
                )
            if draft is not None:
                form.fields[role].widget.kept = draft
                kept[role] = draft
        return kept

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
            "<p><strong>{count}</strong>, timed from {first} to {last}. "
            '<a href="{url}">Correct lines</a> · <a href="{timing_url}">Time this transcript '
            "to the video</a>{editor}</p>{speakers}{untimed}</div>",
            count=_counted(stats["count"], "line"),
            first=format_timestamp(stats["first"]) or "—",
            last=format_timestamp(stats["last"]) or "—",
            url=_cue_list_url(module),
            timing_url=reverse("admin:modules_module_timing", args=[module.pk]),
            editor=_transcript_editor_link(module),
            speakers=_speakers(module),
            untimed=_untimed_lines(untimed),
        )

    # --- saving -------------------------------------------------------------------------

    def save_related(self, request, form, formsets, change):
        # Objectives, cues and competencies are saved here, after the module: only now is
        # all of its text in the database for the search vector.
        super().save_related(request, form, formsets, change)
        module = form.instance
        if "video" in form.changed_data:
            video_changed(module=module)
        for question in Question.objects.filter(quiz__module=module, kind=Question.Kind.TRUE_FALSE):
            question.add_true_false_choices()
        if form.new_cues is not None:
            replace_cues(module=module, cues=form.new_cues)  # refreshes the vector
            summary, warnings = form.transcript_report()
            messages.info(request, summary)
            for warning in warnings:
                messages.warning(request, warning)
        if self._keep_live_module_complete(request, module):
            for draft in [*form.used_drafts.values(), *form.replaced_drafts]:
                draft.discard()
            module_changed(module)

    def log_change(self, request, obj, message):
        if not getattr(request, "authoring_refused", False):  # undone: nothing to log
            super().log_change(request, obj, message)

    def _keep_live_module_complete(self, request, module: Module) -> bool:
        """Learners may be in a live module: an edit that leaves it lacking is undone
        (False)."""
        before = getattr(request, "authoring_live_problems", None)
        if before is None:
            return True
        added = [problem for problem in publish_problems(module) if problem not in before]
        if added:
            transaction.set_rollback(True)
            request.authoring_refused = True
            messages.error(
                request,
                NOT_SAVED_PUBLISHED.format(title=module.title, problems=" ".join(added)),
            )
        return not added

    def response_add(self, request, obj, post_url_continue=None):
        if "_publish" in request.POST:
            return self._publish(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "authoring_refused", False):
            return redirect("admin:modules_module_change", obj.pk)
        if "_publish" in request.POST:
            return self._publish(request, obj)
        if "_unpublish" in request.POST:
            unpublish_module(module=obj)
            module_changed(obj)
            messages.success(request, f"{obj.title} is no longer shown to learners.")
            return redirect("admin:modules_module_change", obj.pk)
        return super().response_change(request, obj)

    def _publish(self, request, module: Module):
        """The Publish button: the draft was saved; now publish it, or say what it lacks."""
        try:
            module = publish_module(module=module, whole_checklist=True)
        except PublishError as error:
            messages.error(request, f"{module.title} was saved as a draft, not published:")
            for problem in error.problems:
                messages.error(request, problem)
        else:
            module_changed(module)
            url = module.get_absolute_url()
            if module.is_live:
                message = format_html('{} is live at <a href="{}">{}</a>', module.title, url, url)
            else:
                message = format_html(
                    '{} is published and goes live at <a href="{}">{}</a> on {}',
                    module.title,
                    url,
                    url,
                    module.published_at.strftime("%Y-%m-%d %H:%M"),
                )
            messages.success(request, message)
        return redirect("admin:modules_module_change", module.pk)

    # --- actions ------------------------------------------------------------------------

    @admin.action(description="Publish the selected modules", permissions=["change"])
    def publish_selected(self, request, queryset) -> None:
        published = 0
        for module in queryset:
            try:
                publish_module(module=module, whole_checklist=True)
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


def _counted(number: int, thing: str) -> str:
    """ "1 line", "2 lines": counts on the page read as sentences."""
    return f"{number} {thing}{pluralize(number)}"


def _error_links(form, formsets, row: str = "") -> list[dict]:
    """Each error of a refused save with the place it is about (a field's label, in its row:
    "Question 2, choice 1, text"), and the id of its input to link to, for the page's summary
    of errors: the quiz's fields are far below the top of the page."""
    links = []
    # In the page's order (the form's own puts errors found by the model last).
    for name in sorted(form.errors, key=[NON_FIELD_ERRORS, *form.fields].index):
        errors = form.errors[name]
        field = form.fields.get(name) if name != NON_FIELD_ERRORS else None
        place = str(field.label or name).lower() if field is not None else ""
        where = ", ".join(part for part in (row, place) if part)
        for error in errors:
            links.append(
                {
                    "place": where[:1].upper() + where[1:],
                    "error": error,
                    "id": form[name].auto_id if field is not None else "",
                }
            )
    for formset in formsets:
        name = formset.model._meta.verbose_name
        for error in formset.non_form_errors():
            links.append({"place": row or str(name).capitalize(), "error": error, "id": ""})
        for number, inner in enumerate(formset.forms, start=1):
            numbered = name if formset.max_num == 1 else f"{name} {number}"  # "quiz", one only
            inner_row = ", ".join(part for part in (row, numbered) if part)
            links += _error_links(inner, getattr(inner, "nested_formsets", []), inner_row)
    return links


def _cue_list_url(module: Module) -> str:
    return reverse("admin:modules_cue_changelist") + f"?module__id__exact={module.pk}"


def _speakers(module: Module) -> str:
    """Who speaks, with their line counts, each linked to their lines to correct them."""
    counts = module.cues.values("speaker").annotate(lines=Count("pk")).order_by("-lines", "speaker")
    if not any(row["speaker"] for row in counts):
        return mark_safe("<p>No line has a speaker.</p>")
    items = format_html_join(
        ", ",
        '<a href="{}">{}</a> ({})',
        (
            (
                _cue_list_url(module) + f"&speaker={quote(row['speaker'])}",
                row["speaker"] or "no speaker",
                _counted(row["lines"], "line"),
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
        "<p>{} (shown without a timestamp; they can't be jumped to):</p><ul>{}{}</ul>",
        _counted(total, "untimed line"),
        items,
        mark_safe(more),  # only a number in it
    )


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


def _transcript_editor_url(module: Module | None) -> str:
    """The transcript editor's page (a module saved once has one)."""
    if module is None:
        return ""
    return reverse("admin:modules_module_transcript", args=[module.pk])


def _transcript_editor_link(module: Module) -> str:
    url = _transcript_editor_url(module)
    if not url:
        return ""
    return format_html(' · <a href="{}">Edit the transcript beside the video</a>', url)


def _checklist_details(module: Module | None, key: str) -> str:
    """What the checklist says beside an item besides done or not: the video's processing
    and the transcript's lines, times, speakers and untimed lines."""
    if module is None:
        return ""
    if key == "video" and module.video:
        return processing_state(module)["words"]
    if key == "transcript":
        stats = module.cues.aggregate(
            count=Count("pk"), first=Min("start_seconds"), last=Max("start_seconds")
        )
        if not stats["count"]:
            return ""
        speakers = (
            module.cues.exclude(speaker="").values_list("speaker", flat=True).distinct().count()
        )
        untimed = module.cues.filter(start_seconds__isnull=True).count()
        return (
            f"{_counted(stats['count'], 'line')} from {format_timestamp(stats['first']) or '—'}"
            f" to {format_timestamp(stats['last']) or '—'}; {_counted(speakers, 'speaker')} "
            f"found; {_counted(untimed, 'untimed line')}."
        )
    return ""
