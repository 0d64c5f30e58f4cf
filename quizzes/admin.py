"""Quiz authoring: the quiz with its questions, each question with its choices.

A module's quiz is authored on the module's one page (authoring/admin.py), its questions and
their choices nested; these pages remain for finding and correcting a quiz or question on its
own. Every question's objective is picked from the quiz's own module.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from modules.models import LearningObjective, Module
from modules.services import module_changed
from quizzes.models import (
    Attempt,
    Choice,
    Completion,
    Question,
    Quiz,
    WatchProgress,
    uncovered_objectives,
)


def _objectives_of(module_id) -> models.QuerySet:
    if module_id is None:
        return LearningObjective.objects.none()
    return LearningObjective.objects.filter(module_id=module_id).order_by("position", "pk")


def _as_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class QuizAdminForm(forms.ModelForm):
    class Meta:
        model = Quiz
        fields = ["module", "pass_mark", "max_attempts", "shuffle", "required_watch_percent"]

    def _post_clean(self) -> None:
        super()._post_clean()
        # Quiz.clean() counts the questions already saved, but the questions below may be
        # adding the missing ones: QuestionFormSet checks the questions as they will be saved.
        errors = self._errors.get(NON_FIELD_ERRORS) if self._errors else None
        if errors:
            kept = [error for error in errors.as_data() if error.code != Quiz.UNCOVERED_OBJECTIVES]
            if kept:
                self._errors[NON_FIELD_ERRORS] = self.error_class(kept, error_class="nonfield")
            else:
                del self._errors[NON_FIELD_ERRORS]


class QuestionFormSet(BaseInlineFormSet):
    """Objectives offered are the module's; a saved quiz keeps a question for each one."""

    def __init__(self, *args, module_id: int | None = None, **kwargs) -> None:
        self.module_id = module_id
        self._objective_choices: list | None = None
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "objective" in form.fields:
            field = form.fields["objective"]
            field.queryset = _objectives_of(self.module_id)  # what a posted value must be
            # Every question's dropdown lists the same objectives: read them once, not once
            # per question.
            if self._objective_choices is None:
                empty = [("", field.empty_label)] if field.empty_label is not None else []
                self._objective_choices = empty + [
                    (objective.pk, field.label_from_instance(objective))
                    for objective in field.queryset
                ]
            field.choices = self._objective_choices

    def clean(self) -> None:
        super().clean()
        if self.instance.pk is None or self.module_id is None or any(self.errors):
            return
        missing = uncovered_objectives(
            _objectives_of(self.module_id),
            [
                form.cleaned_data["objective"].pk
                for form in self.forms
                if form.cleaned_data.get("objective") and not self._should_delete_form(form)
            ],
        )
        if missing:
            raise ValidationError(
                [f"No question asks about “{objective.text}”." for objective in missing]
            )
        if Module.objects.filter(pk=self.module_id, is_published=True).exists():
            self._check_answerable()

    def _check_answerable(self) -> None:
        """Learners may be taking a published module's quiz: every question stays answerable
        (a changed kind against its choices), and a new one comes with its choices."""
        problems = []
        for form in self.forms:
            if self._should_delete_form(form) or not form.has_changed():
                continue
            question = form.instance
            if question.pk is None:
                problems.append(
                    f"“{question.text[:60]}”: in a published module a question is added with"
                    " its choices: use “Add question” (Quizzes › Questions), or unpublish"
                    " the module first."
                )
            elif reason := question.unanswerable_reason():
                problems.append(f"“{question.text[:60]}”: {reason}")
        if problems:
            raise ValidationError(problems)


class QuestionInline(admin.StackedInline):
    model = Question
    formset = QuestionFormSet
    extra = 0
    fields = ["position", "text", "kind", "objective", "review_at_seconds", "choices_summary"]
    readonly_fields = ["choices_summary"]
    show_change_link = True
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}

    def get_queryset(self, request):
        # The choices' counts for every question in the one query that lists them.
        return (
            super()
            .get_queryset(request)
            .annotate(
                choice_total=models.Count("choices"),
                correct_total=models.Count("choices", filter=models.Q(choices__is_correct=True)),
            )
        )

    @admin.display(description="choices")
    def choices_summary(self, question: Question) -> str:
        if question.pk is None:
            return "Save the quiz, then add this question's choices on its own page."
        return format_html(
            '{} choices, {} correct. <a href="{}">Edit the choices</a>',
            question.choice_total,
            question.correct_total,
            reverse("admin:quizzes_question_change", args=[question.pk]),
        )


class ChangesItsModule:
    """The module page shows its quiz (the watch requirement, whether there is a quiz at
    all): saving a quiz or a question here is a change to its module."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        module_changed(self.module_of(form.instance))


@admin.register(Quiz)
class QuizAdmin(ChangesItsModule, admin.ModelAdmin):
    @staticmethod
    def module_of(quiz: Quiz) -> Module:
        return quiz.module

    form = QuizAdminForm
    list_display = ["module", "question_count", "pass_mark", "max_attempts", "shuffle"]
    list_select_related = ["module"]
    list_filter = ["module__series", "module__is_published"]
    search_fields = ["module__title", "module__activity_code"]
    autocomplete_fields = ["module"]
    readonly_fields = ["module_link"]
    fields = [
        "module",
        "module_link",
        "pass_mark",
        "max_attempts",
        "shuffle",
        "required_watch_percent",
        "show_missed_objectives",
    ]
    inlines = [QuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_total=models.Count("questions"))

    @admin.display(description="questions", ordering="question_total")
    def question_count(self, quiz: Quiz) -> int:
        return quiz.question_total

    @admin.display(description="module page in the admin")
    def module_link(self, quiz: Quiz) -> str:
        if quiz.module_id is None:
            return "—"
        url = reverse("admin:modules_module_change", args=[quiz.module_id])
        return format_html('<a href="{}">Back to {}</a>', url, quiz.module)

    def get_readonly_fields(self, request, obj=None):
        # The module is chosen once; moving a quiz would orphan its questions' objectives.
        return [*self.readonly_fields, "module"] if obj else self.readonly_fields

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, QuestionInline):
            kwargs["module_id"] = obj.module_id or _as_id(
                request.POST.get("module") or request.GET.get("module")
            )
        return kwargs


class ChoiceFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [
            form.instance
            for form in self.forms
            if form.cleaned_data.get("text") and not self._should_delete_form(form)
        ]
        reason = self.instance.unanswerable_reason(kept)
        # A draft's question may wait for its choices; a published module's may not.
        if reason and (kept or self.instance.in_published_module()):
            raise ValidationError(reason)


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceFormSet
    extra = 2
    fields = ["position", "text", "is_correct", "explanation"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}


class QuestionAdminForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["quiz", "position", "text", "kind", "objective", "review_at_seconds"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        quiz_id = self.instance.quiz_id or _as_id(self.data.get("quiz") or self.initial.get("quiz"))
        if "objective" in self.fields:
            module_id = Quiz.objects.filter(pk=quiz_id).values_list("module_id", flat=True).first()
            self.fields["objective"].queryset = _objectives_of(module_id)


@admin.register(Question)
class QuestionAdmin(ChangesItsModule, admin.ModelAdmin):
    @staticmethod
    def module_of(question: Question) -> Module:
        return question.quiz.module

    form = QuestionAdminForm
    list_display = ["text", "quiz", "kind", "objective", "position"]
    list_filter = ["kind", ("quiz", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["quiz__module", "objective"]
    search_fields = ["text", "quiz__module__title", "quiz__module__activity_code"]
    readonly_fields = ["quiz_link"]
    inlines = [ChoiceInline]

    @admin.display(description="quiz")
    def quiz_link(self, question: Question) -> str:
        if question.quiz_id is None:
            return "—"
        url = reverse("admin:quizzes_quiz_change", args=[question.quiz_id])
        return format_html('<a href="{}">Back to the quiz of {}</a>', url, question.quiz.module)

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "quiz"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.deletion_problem() is None)

    def get_actions(self, request):
        # Deleting several at once could take the last questions on an objective without
        # any one of them being the last: questions are deleted one at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        # Those who may delete questions are told why not; anyone else gets Django's 403.
        question = self.get_object(request, unquote(object_id))
        if (
            question is not None
            and super().has_delete_permission(request, question)
            and (problem := question.deletion_problem())
        ):
            self.message_user(request, problem, messages.ERROR)
            return redirect("admin:quizzes_question_change", question.pk)
        return super().delete_view(request, object_id, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Learners' records: staff may read them, nobody edits them through the app."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = ["user", "quiz", "score_percent", "passed", "started_at", "finished_at"]
    list_filter = ["passed", "quiz__module"]  # a module names itself without a join
    list_select_related = ["user", "quiz__module"]
    search_fields = ["user__email"]


@admin.register(Completion)
class CompletionAdmin(ReadOnlyAdmin):
    list_display = ["user", "module", "completed_at"]
    search_fields = ["user__email"]


@admin.register(WatchProgress)
class WatchProgressAdmin(ReadOnlyAdmin):
    list_display = ["user", "module", "watched_seconds", "position_seconds", "updated_at"]
    search_fields = ["user__email"]
