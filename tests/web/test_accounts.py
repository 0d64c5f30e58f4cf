"""Sign-up with the name for certificates, verification by mail, profile, sign-in links."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, make_module

pytestmark = pytest.mark.django_db


def _sign_up(client, email="new.coach@example.org", name="Dr. Ana María Reyes", **extra):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "certificate_name": name,
            "password1": "a-long-unusual-passphrase-7",
            "password2": "a-long-unusual-passphrase-7",
            **extra,
        },
    )


def test_sign_up_asks_for_the_name_on_certificates(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert "Name as it should appear on certificates" in html
    assert 'name="username"' not in html
    assert re.search(r"<title>\s*Signup\s*· CoachLearn</title>", html)


def test_sign_up_stores_the_certificate_name_and_mails_a_verification_link(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = _sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(email="new.coach@example.org")
    assert user.certificate_name == "Dr. Ana María Reyes"
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    path = link.removeprefix(settings.SITE_URL)
    client.post(path)
    assert EmailAddress.objects.get(email="new.coach@example.org").verified


def test_unverified_address_cannot_sign_in_when_verification_is_mandatory(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    _sign_up(client)
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "new.coach@example.org", "password": "a-long-unusual-passphrase-7"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")


def test_sign_up_with_an_existing_email_does_not_reveal_it(client, learner, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = _sign_up(client, email="learner@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email="learner@example.org").count() == 1


def test_email_is_the_login(client, learner):
    response = client.post(
        reverse("account_login"), {"login": "LEARNER@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_profile_edits_the_certificate_name(client, learner):
    client.force_login(learner)
    response = client.post(reverse("accounts:profile"), {"certificate_name": "  Dr. Lee Learner "})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.certificate_name == "Dr. Lee Learner"


def test_profile_refuses_an_empty_name_and_says_so(client, learner):
    client.force_login(learner)
    response = client.post(reverse("accounts:profile"), {"certificate_name": "   "})
    assert response.status_code == 200
    assert "Enter the name to print on your certificates." in response.content.decode()


def test_profile_needs_sign_in(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_header_shows_who_is_signed_in(client, learner):
    client.force_login(learner)
    html = client.get(reverse("modules:catalog")).content.decode()
    assert "Signed in as <strong>Lee Learner</strong>" in html
    assert "Sign out" in html


def test_signed_out_header_offers_sign_in_back_to_the_page(client):
    module = make_module()
    html = client.get(module.get_absolute_url()).content.decode()
    assert f'href="/accounts/login/?next=/modules/{module.slug}/"' in html


def test_admin_login_goes_through_the_site_sign_in(client):
    response = client.get("/admin/login/?next=/admin/modules/module/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fmodules%2Fmodule%2F"


def test_admin_login_refuses_an_outside_next(client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_staff_without_two_factor_are_sent_to_set_it_up_when_required(client, author, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(author)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_with_two_factor_reach_the_admin_when_it_is_required(client, admin_user, settings):
    from allauth.mfa.models import Authenticator

    settings.MFA_REQUIRED_FOR_STAFF = True
    Authenticator.objects.create(
        user=admin_user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_staff_reach_the_admin_when_two_factor_is_not_required(client, admin_user, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_learners_are_kept_out_of_the_admin(client, learner):
    client.force_login(learner)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_failed_logins_are_rate_limited(client, learner):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": learner.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": learner.email, "password": PASSWORD})
    assert response.status_code == 429 or "Too many failed login attempts" in (
        response.content.decode()
    )


def test_development_mail_is_kept_as_files(tmp_path, settings):
    from accounts.mail import ConsoleAndFileBackend

    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    backend = ConsoleAndFileBackend()
    message = mail.EmailMessage("Hello", "Body text", "from@example.org", ["to@example.org"])
    assert backend.send_messages([message]) == 1
    files = list((tmp_path / "mail").iterdir())
    assert len(files) == 1 and "Body text" in files[0].read_text()
