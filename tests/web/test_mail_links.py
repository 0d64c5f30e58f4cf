"""Links and the site's name in mail come from SITE_URL and SITE_NAME, whatever Host the
request that caused the mail claimed."""

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

FORGED = {"HTTP_HOST": "127.0.0.1:31337"}
SITE_URL = "https://learn.example.org"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE_URL
    settings.SITE_NAME = "Faculty Coaching"


def _links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def _assert_on_site(message):
    assert "31337" not in message.body and "31337" not in message.subject
    assert _links(message) and all(link.startswith(SITE_URL + "/") for link in _links(message))
    assert "Faculty Coaching" in message.body


def test_a_password_reset_link_starts_with_site_url_whatever_the_host(client, learner):
    client.post(reverse("account_reset_password"), {"email": learner.email}, **FORGED)
    [message] = mail.outbox
    _assert_on_site(message)
    link = _links(message)[0]
    assert link.startswith(SITE_URL + "/accounts/password/reset/key/")
    assert client.get(link.removeprefix(SITE_URL)).status_code in (200, 302)


def test_a_reset_for_an_unknown_address_points_to_sign_up_on_site_url(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"}, **FORGED)
    [message] = mail.outbox
    _assert_on_site(message)


def test_the_sign_up_verification_link_starts_with_site_url(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "certificate_name": "Nia New",
            "password1": "a-long-new-password-7",
            "password2": "a-long-new-password-7",
        },
        **FORGED,
    )
    [message] = mail.outbox
    _assert_on_site(message)
    assert _links(message)[0].startswith(SITE_URL + "/accounts/confirm-email/")


def test_signing_up_with_a_taken_address_mails_links_on_site_url(client, learner):
    client.post(
        reverse("account_signup"),
        {
            "email": learner.email,
            "certificate_name": "Lee Again",
            "password1": "a-long-new-password-7",
            "password2": "a-long-new-password-7",
        },
        **FORGED,
    )
    [message] = mail.outbox
    _assert_on_site(message)
