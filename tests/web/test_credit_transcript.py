"""My certificates, the credit transcript (PDF and CSV) and the staff credit report."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from certificates.services import issue_certificate, revoke_certificate
from tests.factories import make_completion, make_module

pytestmark = pytest.mark.django_db


def _certificate(user, title, *, days_ago=0, credit="0.25"):
    module = make_module(title=title, credit=credit)
    completion = make_completion(user, module)
    completion.completed_at = timezone.now() - timedelta(days=days_ago)
    completion.save()
    return issue_certificate(completion=completion, printed_name="Lee Learner")


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_my_certificates_lists_them_with_credit_totals(client, learner):
    _certificate(learner, "Coaching Basics")
    _certificate(learner, "Powerful Questions", credit="0.50")
    client.force_login(learner)
    html = client.get(reverse("certificates:mine")).content.decode()
    assert "Coaching Basics" in html and "Powerful Questions" in html
    assert f"<strong>0.75</strong> credit in {timezone.localdate().year}" in html
    assert "Download PDF" in html


def test_my_certificates_empty_state_points_to_the_catalog(client, learner):
    client.force_login(learner)
    html = client.get(reverse("certificates:mine")).content.decode()
    assert "No certificates yet" in html and 'href="/"' in html


def test_my_certificates_needs_sign_in_and_shows_only_mine(client, learner, other_learner):
    _certificate(other_learner, "Not Mine")
    assert client.get(reverse("certificates:mine")).status_code == 302
    client.force_login(learner)
    assert "Not Mine" not in client.get(reverse("certificates:mine")).content.decode()


def test_transcript_csv_filters_by_date_and_totals(client, learner, admin_user):
    _certificate(learner, "Old", days_ago=400)
    _certificate(learner, "Recent", days_ago=10)
    revoked = _certificate(learner, "Revoked", days_ago=5)
    revoke_certificate(certificate=revoked, actor=admin_user, reason="Error")
    client.force_login(learner)
    start = (date.today() - timedelta(days=30)).isoformat()
    rows = _csv(client.get(reverse("certificates:transcript_csv"), {"from": start}))
    assert rows[0][:3] == ["Completed", "Activity code", "Activity"]
    assert [row[2] for row in rows[1:-1]] == ["Recent"]
    assert rows[-1][0] == "Total" and rows[-1][4] == "0.25"


def test_transcript_pdf_reads_back_with_total(client, learner):
    _certificate(learner, "Coaching Basics")
    _certificate(learner, "Goal Setting")
    client.force_login(learner)
    response = client.get(reverse("certificates:transcript_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Coaching Basics" in text and "Goal Setting" in text
    assert "Total" in text and "0.50" in text


def test_bad_dates_are_ignored_not_an_error(client, learner):
    _certificate(learner, "Coaching Basics")
    client.force_login(learner)
    response = client.get(reverse("certificates:transcript_csv"), {"from": "yesterday", "to": "x"})
    assert response.status_code == 200 and "Coaching Basics" in response.content.decode()


def test_transcripts_need_sign_in(client):
    for name in ["certificates:transcript_csv", "certificates:transcript_pdf"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_programme_staff_credit_report_has_the_fields_for_credit_reporting(
    client, learner, programme_staff
):
    certificate = _certificate(learner, "Coaching Basics")
    client.force_login(programme_staff)
    rows = _csv(client.get(reverse("certificates:report_csv")))
    assert rows[0] == [
        "Learner",
        "Email",
        "Activity code",
        "Activity",
        "Credit",
        "Completed",
        "Status",
        "Code",
    ]
    assert rows[1][:2] == ["Lee Learner", "learner@example.org"]
    assert rows[1][4:7] == ["0.25", certificate.completion_date.isoformat(), "valid"]


def test_credit_report_is_404_for_learners_and_needs_sign_in(client, learner):
    assert client.get(reverse("certificates:report_csv")).status_code == 302
    client.force_login(learner)
    assert client.get(reverse("certificates:report_csv")).status_code == 404
    assert client.get(reverse("certificates:evaluations")).status_code == 404


def test_programme_staff_see_evaluation_answers_in_aggregate(
    client, learner, other_learner, programme_staff
):
    from certificates.models import EvaluationQuestion

    module = make_module(title="Coaching Basics")
    bias = EvaluationQuestion.objects.create(module=module, text="Free of bias?", kind="yes_no")
    scale = EvaluationQuestion.objects.create(
        module=module, text="Met objectives", kind="scale", position=2
    )
    for user, yes_no, score in [(learner, "yes", "5"), (other_learner, "no", "4")]:
        issue_certificate(
            completion=make_completion(user, module),
            printed_name="X",
            evaluation={bias.pk: yes_no, scale.pk: score},
        )
    client.force_login(programme_staff)
    html = client.get(reverse("certificates:evaluations")).content.decode()
    assert "Yes: 1 · No: 1" in html
    assert "Average 4.50 of 5" in html
