from django.urls import path, re_path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("certificates/", views.my_certificates, name="mine"),
    path("certificates/claim/<slug:slug>/", views.claim, name="claim"),
    path("certificates/transcript.pdf", views.transcript_pdf, name="transcript_pdf"),
    path("certificates/transcript.csv", views.transcript_csv, name="transcript_csv"),
    path("certificates/report.csv", views.report_csv, name="report_csv"),
    path("certificates/evaluations/", views.evaluation_report, name="evaluations"),
    re_path(
        r"^certificates/(?P<code>[0-9A-Za-z]{4,40})\.pdf$",
        views.certificate_pdf_download,
        name="pdf",
    ),
    path("verify/", views.verify_form, name="verify_form"),
    re_path(r"^verify/(?P<code>[^/]{1,60})/$", views.verify, name="verify"),
]
