from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from accounts.roles import require_learner_records, require_owner_or_learner_records
from certificates.forms import ClaimForm
from certificates.models import (
    Certificate,
    EvaluationAnswer,
    EvaluationQuestion,
    normalise_code,
)
from certificates.pdf import certificate_pdf, html_to_pdf, stored_certificate_pdf
from certificates.services import CertificateError, issue_certificate
from coachlearn import spreadsheet
from modules.access import get_visible_module
from modules.ranged_files import presigned_redirect, protect_file_response
from quizzes.models import Completion


def _get_certificate_for_user(request, code: str) -> Certificate:
    """A certificate for its owner and those who may read learners' records; else 404."""
    certificates = Certificate.objects.select_related("user")
    certificate = get_object_or_404(certificates, code=normalise_code(code))
    require_owner_or_learner_records(request.user, certificate.user_id)
    return certificate


def _date_range(request) -> tuple[date | None, date | None]:
    def read(name):
        value = request.GET.get(name, "").strip()
        try:
            return parse_date(value) if value else None
        except ValueError:
            return None

    return read("from"), read("to")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def claim(request, slug):
    module = get_visible_module(request.user, slug=slug)
    completion = Completion.objects.filter(user=request.user, module=module).first()
    if completion is None:
        messages.info(request, "Pass the module's quiz first; then you can claim the certificate.")
        return redirect(module)
    existing = Certificate.objects.valid().filter(user=request.user, module=module).first()
    if existing:
        return redirect("certificates:mine")
    questions = list(EvaluationQuestion.objects.filter(module=module))
    form = ClaimForm(request.POST or None, user=request.user, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            certificate = issue_certificate(
                completion=completion,
                printed_name=form.cleaned_data["printed_name"],
                evaluation=form.evaluation_answers(),
            )
        except CertificateError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Your certificate {certificate.display_code} is ready to download."
            )
            return redirect(module)
    return render(request, "certificates/claim.html", {"module": module, "form": form})


@login_required
@require_safe
def my_certificates(request):
    certificates = Certificate.objects.owned_by(request.user).select_related("module")
    year = timezone.localdate().year
    total_credit, year_credit = certificates.valid().credit_totals(year)
    context = {
        "certificates": certificates,
        "total_credit": total_credit,
        "year_credit": year_credit,
        "year": year,
    }
    return render(request, "certificates/my_certificates.html", context)


@login_required
@require_safe
def certificate_pdf_download(request, code):
    certificate = _get_certificate_for_user(request, code)
    if settings.MEDIA_SERVING == "redirect":
        # From the bucket, like videos: the worker reads no byte of it.
        return presigned_redirect(
            stored_certificate_pdf(certificate),
            content_type="application/pdf",
            download_name=certificate.download_name,
        )
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, certificate.download_name)
    response["Cache-Control"] = "private, no-store"
    return protect_file_response(response)


def _transcript_rows(request):
    start, end = _date_range(request)
    certificates = (
        Certificate.objects.owned_by(request.user).valid().issued_between(start, end)
    ).order_by("completion_date", "issued_at")
    return certificates, start, end


@login_required
@require_safe
def transcript_csv(request):
    certificates, start, end = _transcript_rows(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, "credit-transcript.csv")
    writer = spreadsheet.writer(response)
    writer.writerow(["Completed", "Activity code", "Activity", "Series", "Credit", "Certificate"])
    for certificate in certificates:
        writer.writerow(
            [
                certificate.completion_date.isoformat(),
                certificate.activity_code,
                certificate.module_title,
                certificate.series_title,
                f"{certificate.credit:.2f}",
                certificate.display_code,
            ]
        )
    writer.writerow(["Total", "", "", "", f"{certificates.credit_total():.2f}", ""])
    return response


@login_required
@require_safe
def transcript_pdf(request):
    certificates, start, end = _transcript_rows(request)
    html = render_to_string(
        "certificates/transcript_pdf.html",
        {
            "certificates": certificates,
            "total": certificates.credit_total(),
            "start": start,
            "end": end,
            "learner": request.user,
            "generated": timezone.localdate(),
        },
        request=request,
    )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, "credit-transcript.pdf")
    response["Cache-Control"] = "private, no-store"
    return protect_file_response(response)


@login_required
@require_safe
def report_csv(request):
    require_learner_records(request.user)
    start, end = _date_range(request)
    certificates = (
        Certificate.objects.issued_between(start, end)
        .select_related("user")
        .order_by("completion_date", "pk")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, "credit-report.csv")
    writer = spreadsheet.writer(response)
    writer.writerow(
        ["Learner", "Email", "Activity code", "Activity", "Credit", "Completed", "Status", "Code"]
    )
    for certificate in certificates.iterator():
        writer.writerow(
            [
                certificate.learner_name,
                certificate.user.email,
                certificate.activity_code,
                certificate.module_title,
                f"{certificate.credit:.2f}",
                certificate.completion_date.isoformat(),
                certificate.status,
                certificate.display_code,
            ]
        )
    return response


@login_required
@require_safe
def evaluation_report(request):
    require_learner_records(request.user)
    summaries = []
    questions = EvaluationQuestion.objects.select_related("module").order_by(
        "module__activity_code", "position"
    )
    # All answers in one query, oldest first, so the texts shown are the latest 50.
    answers: dict[int, list[str]] = {}
    for question_id, value in (
        EvaluationAnswer.objects.exclude(value="")
        .order_by("response__submitted_at", "pk")
        .values_list("question_id", "value")
    ):
        answers.setdefault(question_id, []).append(value)
    for question in questions:
        values = answers.get(question.pk, [])
        summary = {"question": question, "count": len(values)}
        if question.kind == EvaluationQuestion.Kind.YES_NO:
            summary["yes"] = values.count("yes")
            summary["no"] = values.count("no")
        elif question.kind == EvaluationQuestion.Kind.SCALE and values:
            summary["average"] = sum(int(v) for v in values) / len(values)
        else:
            summary["texts"] = values[-50:]
        summaries.append(summary)
    return render(request, "certificates/evaluation_report.html", {"summaries": summaries})


@require_safe
def verify_form(request):
    code = normalise_code(request.GET.get("code", ""))
    if code:
        return redirect("certificates:verify", code=code)
    return render(request, "certificates/verify_form.html")


@require_safe
def verify(request, code):
    normal = normalise_code(code)
    if not normal:  # only dashes, spaces or letters a code never has
        return render(request, "certificates/verify_unknown.html", {"code": code}, status=404)
    if normal != code:
        return redirect("certificates:verify", code=normal)
    certificate = Certificate.objects.filter(code=normal).select_related("superseded_by").first()
    if certificate is None:
        return render(request, "certificates/verify_unknown.html", {"code": code}, status=404)
    response = render(request, "certificates/verify.html", {"certificate": certificate})
    response["Cache-Control"] = "no-cache"
    return response
