"""Claiming, issuing once, snapshots, reissue and revoke, the PDF and who may download it."""

import hashlib
import io
import re

import pytest
import segno
from django.urls import reverse
from pypdf import PdfReader

from certificates.models import (
    CODE_ALPHABET,
    Certificate,
    CertificateEvent,
    EvaluationAnswer,
    EvaluationQuestion,
    new_verification_code,
)
from certificates.pdf import OwnFilesOnly, certificate_pdf, render_certificate_pdf
from certificates.services import (
    CertificateError,
    issue_certificate,
    reissue_certificate,
    revoke_certificate,
)
from tests.conftest import run_at_once
from tests.factories import make_completion, make_module, make_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def module(db):
    return make_module(
        title="Coaching Basics", activity_code="CL-0001", series=make_series(title="Foundations")
    )


@pytest.fixture
def completion(learner, module):
    return make_completion(learner, module)


@pytest.fixture
def certificate(completion):
    return issue_certificate(completion=completion, printed_name="Dr. Lee Learner")


def _pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, " ".join(page.extract_text() for page in reader.pages)


def test_verification_codes_are_long_random_and_easy_to_read_aloud():
    codes = {new_verification_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(code) == 15 and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("01IOLU") & set(CODE_ALPHABET)


def test_claim_page_confirms_the_name_and_asks_the_evaluation(client, learner, module, completion):
    EvaluationQuestion.objects.create(module=module, text="Free of commercial bias?", kind="yes_no")
    client.force_login(learner)
    html = client.get(reverse("certificates:claim", args=[module.slug])).content.decode()
    assert 'value="Lee Learner"' in html
    assert "Free of commercial bias?" in html


def test_claiming_issues_a_certificate_with_a_snapshot_and_stores_the_evaluation(
    client, learner, module, completion
):
    bias = EvaluationQuestion.objects.create(module=module, text="Free of bias?", kind="yes_no")
    change = EvaluationQuestion.objects.create(
        module=module, text="What will you change?", kind="text", required=False, position=2
    )
    client.force_login(learner)
    response = client.post(
        reverse("certificates:claim", args=[module.slug]),
        {
            "printed_name": "Dr. Lee  Learner",
            f"evaluation_{bias.pk}": "yes",
            f"evaluation_{change.pk}": "Ask more, tell less.",
        },
    )
    assert response.status_code == 302
    certificate = Certificate.objects.get(user=learner)
    assert certificate.learner_name == "Dr. Lee Learner"
    assert certificate.module_title == "Coaching Basics"
    assert certificate.activity_code == "CL-0001"
    assert certificate.series_title == "Foundations"
    assert str(certificate.credit) == "0.25"
    assert certificate.completion_date == completion.completed_at.date()
    answers = dict(EvaluationAnswer.objects.values_list("question_text", "value"))
    assert answers == {"Free of bias?": "yes", "What will you change?": "Ask more, tell less."}
    assert CertificateEvent.objects.get(certificate=certificate).action == "issued"


def test_a_required_evaluation_answer_is_asked_for_and_nothing_is_issued(
    client, learner, module, completion
):
    EvaluationQuestion.objects.create(module=module, text="Free of bias?", kind="yes_no")
    client.force_login(learner)
    response = client.post(
        reverse("certificates:claim", args=[module.slug]), {"printed_name": "Lee"}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Certificate.objects.exists()


def test_claiming_without_a_completion_sends_the_learner_to_the_quiz(client, learner, module):
    client.force_login(learner)
    response = client.get(reverse("certificates:claim", args=[module.slug]))
    assert response.status_code == 302 and response["Location"] == module.get_absolute_url()


def test_claiming_twice_gives_the_same_certificate(completion):
    first = issue_certificate(completion=completion, printed_name="Lee")
    second = issue_certificate(completion=completion, printed_name="Someone Else")
    assert first.pk == second.pk
    assert Certificate.objects.count() == 1


def test_an_empty_name_is_refused(completion):
    with pytest.raises(CertificateError, match="Enter your name"):
        issue_certificate(completion=completion, printed_name="   ")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_claims_issue_exactly_one_certificate(learner):
    completion = make_completion(learner, make_module())
    results = run_at_once(lambda: issue_certificate(completion=completion, printed_name="Lee"), 4)
    assert Certificate.objects.count() == 1
    assert {certificate.pk for certificate in results} == {Certificate.objects.get().pk}


def test_renaming_the_module_or_learner_after_issue_keeps_the_certificate(
    client, learner, module, certificate
):
    module.title = "Coaching Basics, Second Edition"
    module.save()
    learner.certificate_name = "Someone New"
    learner.save()
    certificate.refresh_from_db()
    _, text = _pdf_text(certificate_pdf(certificate))
    assert "Coaching Basics" in text and "Second Edition" not in text
    assert "Dr. Lee Learner" in text
    html = client.get(certificate.get_verify_url()).content.decode()
    assert "Coaching Basics (CL-0001)" in html and "Second Edition" not in html


def test_the_pdf_reads_back_with_every_fact_on_one_page_with_fonts_embedded(certificate):
    data = certificate_pdf(certificate)
    reader, text = _pdf_text(data)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height), "landscape"
    assert round(float(page.mediabox.width)) == 792, "Letter by default"
    for expected in [
        "Participation Certificate",
        "Dr. Lee Learner",
        "Coaching Basics",
        "CL-0001",
        "Foundations",
        "0.25 credit",
        certificate.display_code,
        f"http://127.0.0.1:8000/verify/{certificate.code}/",
    ]:
        assert expected in text, expected
    fonts = page["/Resources"]["/Font"]
    embedded = [
        font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        for font in fonts.values()
    ]
    assert embedded and all(
        "/FontFile2" in d or "/FontFile3" in d or "/FontFile" in d for d in embedded
    )
    # The QR code (an SVG image) is drawn as vector paths: hundreds of line segments, where
    # the text and rules of the page alone draw a handful.
    assert len(re.findall(rb"\sl\s", page.get_contents().get_data())) > 100
    assert reader.metadata.title == "Participation Certificate: Coaching Basics"
    assert reader.metadata.author == "CoachLearn"
    assert "Dr. Lee Learner" in reader.metadata.subject


def test_the_qr_code_on_the_pdf_encodes_the_verification_address(certificate, monkeypatch):
    from certificates import pdf

    rendered = []
    original = pdf.html_to_pdf
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: rendered.append(html) or original(html))
    render_certificate_pdf(certificate)
    url = f"http://127.0.0.1:8000/verify/{certificate.code}/"
    expected = segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#111111")
    assert f'src="{expected}"' in rendered[0]


def test_a4_by_setting(certificate, settings):
    settings.CERTIFICATE_PAGE_SIZE = "a4"
    reader, _ = _pdf_text(render_certificate_pdf(certificate))
    assert round(float(reader.pages[0].mediabox.width)) == 842


def test_the_pdf_is_stored_with_its_hash_and_served_from_storage(certificate, monkeypatch):
    from certificates import pdf

    data = certificate_pdf(certificate)
    certificate.refresh_from_db()
    assert certificate.pdf_sha256 == hashlib.sha256(data).hexdigest()
    with certificate.pdf.open("rb") as handle:
        assert handle.read() == data

    def no_rendering(certificate):
        raise AssertionError("rendered again although the PDF is stored")

    monkeypatch.setattr(pdf, "render_certificate_pdf", no_rendering)
    assert certificate_pdf(certificate) == data


def test_a_missing_pdf_is_rendered_again_with_the_same_bytes(certificate):
    first = certificate_pdf(certificate)
    certificate.refresh_from_db()
    certificate.pdf.storage.delete(certificate.pdf.name)
    assert certificate_pdf(certificate) == first


def test_rendering_fetches_nothing_but_our_fonts_and_inline_images():
    fetcher = OwnFilesOnly()
    with pytest.raises(ValueError, match="does not fetch"):
        fetcher.fetch("https://example.org/logo.png")
    with pytest.raises(ValueError, match="does not fetch"):
        fetcher.fetch("file:///etc/passwd")
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_owner_downloads_the_pdf_as_an_attachment(client, learner, certificate):
    client.force_login(learner)
    response = client.get(certificate.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "CL-0001" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_another_learner_gets_404_for_the_pdf(client, other_learner, certificate):
    client.force_login(other_learner)
    assert client.get(certificate.get_absolute_url()).status_code == 404


def test_programme_staff_may_download_any_pdf(client, programme_staff, certificate):
    client.force_login(programme_staff)
    assert client.get(certificate.get_absolute_url()).status_code == 200


def test_signed_out_visitor_is_sent_to_sign_in_for_the_pdf(client, certificate):
    response = client.get(certificate.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_reissue_supersedes_the_old_certificate_with_the_new_name(admin_user, learner, certificate):
    learner.certificate_name = "Dr. Lee Learner-Smith"
    learner.save()
    new = reissue_certificate(certificate=certificate, actor=admin_user, reason="Name change")
    certificate.refresh_from_db()
    assert certificate.status == "superseded" and certificate.superseded_by == new
    assert new.learner_name == "Dr. Lee Learner-Smith" and new.is_valid
    assert new.code != certificate.code
    _, text = _pdf_text(certificate_pdf(new))
    assert "Dr. Lee Learner-Smith" in text
    actions = list(CertificateEvent.objects.values_list("certificate_id", "action", "reason"))
    assert (certificate.pk, "reissued", "Name change") in actions


def test_revoke_needs_a_reason_and_is_recorded(admin_user, certificate):
    with pytest.raises(CertificateError, match="reason"):
        revoke_certificate(certificate=certificate, actor=admin_user, reason=" ")
    revoke_certificate(certificate=certificate, actor=admin_user, reason="Issued in error")
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.revoked_reason == "Issued in error"
    event = CertificateEvent.objects.get(action="revoked")
    assert event.actor == admin_user


def test_staff_reissue_from_the_admin(client, admin_user, certificate):
    client.force_login(admin_user)
    url = reverse("admin:certificates_certificate_reissue", args=[certificate.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Name change"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "superseded"


def test_a_learner_cannot_reach_the_admin_reissue(client, learner, certificate):
    client.force_login(learner)
    url = reverse("admin:certificates_certificate_reissue", args=[certificate.pk])
    assert client.get(url).status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_valid


def test_module_page_offers_claim_then_download_and_linkedin(client, learner, module, completion):
    client.force_login(learner)
    html = client.get(module.get_absolute_url()).content.decode()
    assert "Claim your certificate" in html
    certificate = issue_certificate(completion=completion, printed_name="Lee")
    html = client.get(module.get_absolute_url()).content.decode()
    assert "Download your certificate" in html
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in html
    assert f"certId={certificate.display_code}" in html
