"""Sign-in abuse: rate limits on login, sign-up and password reset; no way to learn which
addresses have accounts; a new session key at every sign-in."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
SIGNUP = reverse("account_signup")
RESET = reverse("account_reset_password")


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # Every failed sign-in hashes a password (unknown addresses too, against timing
    # attacks); a fast hasher first keeps dozens of them quick. Stored hashes still verify.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


def _limit(action: str, unit: str) -> int:
    """The count of a rate limit in settings, e.g. ("signup", "ip") → 20 for "20/m/ip"."""
    for rule in settings.ACCOUNT_RATE_LIMITS[action].split(","):
        count, _, per = rule.split("/")
        if per == unit:
            return int(count)
    raise LookupError(f"no {unit} limit for {action}")


# --- rate limits ----------------------------------------------------------------------


def test_failed_logins_from_one_address_are_limited_whatever_the_account(client):
    for number in range(_limit("login_failed", "ip")):
        client.post(LOGIN, {"login": f"guess{number}@example.org", "password": "wrong"})
    response = client.post(LOGIN, {"login": "guess-more@example.org", "password": "wrong"})
    assert response.status_code == 429 or b"Too many failed login attempts" in response.content


def test_a_limited_account_cannot_sign_in_even_with_the_right_password(client, learner):
    for _ in range(_limit("login_failed", "key")):
        client.post(LOGIN, {"login": learner.email, "password": "wrong"})
    response = client.post(LOGIN, {"login": learner.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_sign_ups_from_one_address_are_limited(client):
    allowed = _limit("signup", "ip")
    for number in range(allowed):
        response = client.post(
            SIGNUP, {"email": f"coach{number}@example.org", "password1": "a", "password2": "b"}
        )
        assert response.status_code == 200  # the form again: the passwords differ
    response = client.post(
        SIGNUP, {"email": "one-more@example.org", "password1": "a", "password2": "b"}
    )
    assert response.status_code == 429


def test_password_resets_for_one_address_are_limited(client, learner):
    for _ in range(_limit("reset_password", "key")):
        assert client.post(RESET, {"email": learner.email}).status_code == 302
    assert client.post(RESET, {"email": learner.email}).status_code == 429
    assert len(mail.outbox) == _limit("reset_password", "key")


def test_password_resets_from_one_address_are_limited_across_accounts(client):
    for number in range(_limit("reset_password", "ip")):
        client.post(RESET, {"email": f"someone{number}@example.org"})
    assert client.post(RESET, {"email": "anyone@example.org"}).status_code == 429


# --- no user enumeration ---------------------------------------------------------------


def _reset_page(client, email: str) -> tuple[int, str, str]:
    response = client.post(RESET, {"email": email}, follow=True)
    html = response.content.decode()
    return response.status_code, response.redirect_chain[-1][0], html.replace(email, "EMAIL")


def test_a_reset_for_a_known_and_an_unknown_address_shows_the_same_page(client, learner):
    known = _reset_page(client, learner.email)
    unknown = _reset_page(client, "nobody@example.org")
    assert known == unknown
    assert known[1] == reverse("account_reset_password_done")


def test_the_mail_not_the_page_tells_an_unknown_address_it_has_no_account(client, learner):
    client.post(RESET, {"email": "nobody@example.org"})
    assert [message.to for message in mail.outbox] == [["nobody@example.org"]]
    assert "password/reset/key" not in mail.outbox[0].body


def test_signing_up_with_a_taken_address_looks_like_a_new_sign_up(client, learner, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    def sign_up(email):
        data = {
            "email": email,
            "certificate_name": "Someone",
            "password1": "a-long-unusual-passphrase-7",
            "password2": "a-long-unusual-passphrase-7",
        }
        return client.post(SIGNUP, data)

    taken, new = sign_up(learner.email), sign_up("brand.new@example.org")
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert User.objects.filter(email=learner.email).count() == 1


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, learner):
    wrong = client.post(LOGIN, {"login": learner.email, "password": "wrong"})
    unknown = client.post(LOGIN, {"login": "nobody@example.org", "password": "wrong"})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors


# --- sessions ----------------------------------------------------------------------------


def _anonymous_session(client) -> str:
    session = client.session
    session["visited"] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return session.session_key


def test_signing_in_gives_a_new_session_key_and_drops_the_old_one(client, learner):
    before = _anonymous_session(client)
    response = client.post(LOGIN, {"login": learner.email, "password": PASSWORD})
    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(learner.pk)


def test_signing_out_ends_the_session_on_the_server(client, learner):
    client.post(LOGIN, {"login": learner.email, "password": PASSWORD})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("accounts:profile")).status_code == 302
