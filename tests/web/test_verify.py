"""Anyone can verify a certificate by its code, and learns nothing else about the learner."""

import pytest
from django.urls import reverse

from certificates.pdf import certificate_pdf
from certificates.services import issue_certificate, reissue_certificate, revoke_certificate
from tests.factories import make_completion, make_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(learner):
    module = make_module(title="Coaching Basics", activity_code="CL-0001")
    return issue_certificate(completion=make_completion(learner, module), printed_name="Lee L.")


def test_a_valid_certificate_verifies_signed_out(client, certificate):
    html = client.get(certificate.get_verify_url()).content.decode()
    assert "<strong>Valid.</strong>" in html
    assert "Lee L." in html and "Coaching Basics (CL-0001)" in html
    assert "0.25" in html
    assert "learner@example.org" not in html


def test_the_verify_page_shows_the_pdf_hash_once_rendered(client, certificate):
    certificate_pdf(certificate)
    certificate.refresh_from_db()
    html = client.get(certificate.get_verify_url()).content.decode()
    assert certificate.pdf_sha256 in html


def test_a_superseded_certificate_says_so_and_points_to_the_new_one(
    client, admin_user, certificate
):
    new = reissue_certificate(certificate=certificate, actor=admin_user, reason="Name change")
    html = client.get(certificate.get_verify_url()).content.decode()
    assert "<strong>Superseded.</strong>" in html
    assert new.get_verify_url() in html


def test_a_revoked_certificate_says_so(client, admin_user, certificate):
    revoke_certificate(certificate=certificate, actor=admin_user, reason="Error")
    html = client.get(certificate.get_verify_url()).content.decode()
    assert "<strong>Revoked</strong>" in html
    assert "Error" not in html  # the reason is for staff


def test_an_unknown_code_is_a_404_that_says_so(client):
    response = client.get(reverse("certificates:verify", args=["ZZZZZZZZZZZZZZZ"]))
    assert response.status_code == 404
    assert "No certificate has this code" in response.content.decode()


@pytest.mark.parametrize("typed", ["---", "é", " - "])
def test_a_code_with_nothing_a_code_has_is_a_404_that_says_so(client, typed):
    response = client.get(f"/verify/{typed}/")
    assert response.status_code == 404
    assert "No certificate has this code" in response.content.decode()


def test_typed_codes_forgive_case_spaces_and_dashes(client, certificate):
    typed = " " + certificate.display_code.lower().replace("-", " - ") + " "
    response = client.get(reverse("certificates:verify_form"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == certificate.get_verify_url()
    response = client.get(f"/verify/{certificate.display_code.lower()}/")
    assert response["Location"] == certificate.get_verify_url()


def test_the_verify_form_renders(client):
    assert "Certificate code" in client.get(reverse("certificates:verify_form")).content.decode()
