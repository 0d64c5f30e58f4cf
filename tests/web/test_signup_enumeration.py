"""Sign-up does not tell whether an address has an account: a taken address gets the same
answer and one mail, like a new one, and costs the same work (the password hash that made
it ~0.4 s slower; bench/signup.py prints the times)."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")
hashed: list[str] = []


class CountingHasher(MD5PasswordHasher):
    """Counts the passwords it hashes."""

    algorithm = "counting_md5"

    def encode(self, password, salt):
        hashed.append(password)
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.web.test_signup_enumeration.CountingHasher"]
    hashed.clear()


def _sign_up(client, email: str):
    mail.outbox.clear()
    hashed.clear()
    password = "a-long-new-passphrase-9"
    response = client.post(
        SIGNUP,
        {
            "email": email,
            "certificate_name": "Nia New",
            "password1": password,
            "password2": password,
        },
    )
    return response, list(mail.outbox), list(hashed)


def test_a_taken_address_gets_the_same_answer_and_one_mail_like_a_new_one(client, learner):
    new, new_mails, _ = _sign_up(client, "new@example.org")
    client.logout()
    taken, taken_mails, _ = _sign_up(client, learner.email)
    assert (new.status_code, new["Location"]) == (taken.status_code, taken["Location"])
    assert [m.to for m in new_mails] == [["new@example.org"]]
    assert [m.to for m in taken_mails] == [[learner.email]]


def test_a_taken_address_costs_the_password_hash_a_new_account_costs(client, learner):
    _, _, new_hashes = _sign_up(client, "new@example.org")
    client.logout()
    _, _, taken_hashes = _sign_up(client, learner.email)
    assert len(new_hashes) == len(taken_hashes) == 1
