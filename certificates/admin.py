from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from certificates.models import (
    Certificate,
    CertificateEvent,
    EvaluationAnswer,
    EvaluationQuestion,
    EvaluationResponse,
)
from certificates.services import CertificateError, reissue_certificate, revoke_certificate

# Credentials and their history, like learners' records: read by staff, changed only
# through the services.
from quizzes.admin import ReadOnlyAdmin


class CertificateEventInline(admin.TabularInline):
    model = CertificateEvent
    fields = ["action", "actor", "reason", "at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = [
        "display_code",
        "learner_name",
        "activity_code",
        "credit",
        "completion_date",
        "status",
    ]
    list_filter = ["status", "module"]
    search_fields = ["code", "learner_name", "user__email", "activity_code"]
    inlines = [CertificateEventInline]
    change_form_template = "admin/certificates/certificate/change_form.html"

    def get_urls(self):
        own = [
            path(
                "<int:pk>/reissue/",
                self.admin_site.admin_view(self.reissue_view),
                name="certificates_certificate_reissue",
            ),
            path(
                "<int:pk>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="certificates_certificate_revoke",
            ),
        ]
        return own + super().get_urls()

    def _act(self, request, pk, *, action, verb):
        if not request.user.has_perm("certificates.change_certificate"):
            raise PermissionDenied
        certificate = get_object_or_404(Certificate, pk=pk)
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = action(
                    certificate=certificate,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except CertificateError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"Certificate {verb}: {result.display_code}.")
                return redirect(reverse("admin:certificates_certificate_change", args=[result.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{verb.capitalize()} certificate {certificate.display_code}",
            "certificate": certificate,
            "form": form,
            "opts": self.model._meta,
            "verb": verb,
        }
        return TemplateResponse(request, "admin/certificates/certificate/act.html", context)

    def reissue_view(self, request, pk):
        return self._act(request, pk, action=reissue_certificate, verb="reissued")

    def revoke_view(self, request, pk):
        return self._act(request, pk, action=revoke_certificate, verb="revoked")


@admin.register(CertificateEvent)
class CertificateEventAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "action", "actor", "at"]
    list_filter = ["action"]


class EvaluationAnswerInline(admin.TabularInline):
    model = EvaluationAnswer
    fields = ["question_text", "value"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EvaluationResponse)
class EvaluationResponseAdmin(ReadOnlyAdmin):
    list_display = ["module", "user", "submitted_at"]
    list_filter = ["module"]
    inlines = [EvaluationAnswerInline]


@admin.register(EvaluationQuestion)
class EvaluationQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "module", "kind", "required", "position"]
    list_filter = ["module", "kind"]
