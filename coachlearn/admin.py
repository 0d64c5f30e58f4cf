"""Background jobs in the admin: procrastinate's job list (state, retry, cancel), with the
error of each failed attempt beside it (coachlearn.jobs keeps them in JobError)."""

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils.html import format_html_join
from procrastinate.contrib.django.admin import ProcrastinateJobAdmin
from procrastinate.contrib.django.models import ProcrastinateJob

from coachlearn.models import JobError

admin.site.unregister(ProcrastinateJob)


@admin.register(ProcrastinateJob)
class JobAdmin(ProcrastinateJobAdmin):
    list_display = [*ProcrastinateJobAdmin.list_display, "last_error"]
    fields = [*ProcrastinateJobAdmin.fields, "errors"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "errors"]

    def get_queryset(self, request):
        latest = JobError.objects.filter(job_id=OuterRef("pk")).values("message")[:1]
        return super().get_queryset(request).annotate(last_error_message=Subquery(latest))

    @admin.display(description="last error")
    def last_error(self, job: ProcrastinateJob) -> str:
        return (job.last_error_message or "")[:200]

    @admin.display(description="errors")
    def errors(self, job: ProcrastinateJob) -> str:
        found = JobError.objects.filter(job_id=job.pk)
        return (
            format_html_join(
                "", "<p>Attempt {}, {}: {}</p>", ((e.attempt, e.at, e.message) for e in found)
            )
            or "None"
        )
