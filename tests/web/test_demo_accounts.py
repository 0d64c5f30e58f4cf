"""Demo accounts (public passwords) sign in only on a server with DEBUG on."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_ACCOUNTS
from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
ADMIN_EMAIL, ADMIN_PASSWORD = next((e, p) for e, p, _, admin in DEMO_ACCOUNTS if admin)
LEARNER_EMAIL, LEARNER_PASSWORD = next((e, p) for e, p, _, admin in DEMO_ACCOUNTS if not admin)


@pytest.fixture
def demo_loaded_in_development(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    assert User.objects.get(email=ADMIN_EMAIL).is_superuser


def test_the_demo_superuser_cannot_sign_in_with_debug_off(
    client, settings, demo_loaded_in_development
):
    settings.DEBUG = False
    response = client.post(LOGIN, {"login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, follow=True)
    assert "_auth_user_id" not in client.session
    assert b"Demo accounts cannot sign in on this server." in response.content
    assert client.get("/admin/").status_code == 302


def test_the_demo_learner_cannot_sign_in_with_debug_off_either(
    client, settings, demo_loaded_in_development
):
    settings.DEBUG = False
    client.post(LOGIN, {"login": LEARNER_EMAIL.upper(), "password": LEARNER_PASSWORD})
    assert "_auth_user_id" not in client.session


def test_demo_accounts_sign_in_with_debug_on(client, settings, demo_loaded_in_development):
    client.post(LOGIN, {"login": LEARNER_EMAIL, "password": LEARNER_PASSWORD})
    assert "_auth_user_id" in client.session


def test_other_accounts_still_sign_in_with_debug_off(client, settings, learner):
    settings.DEBUG = False
    client.post(LOGIN, {"login": learner.email, "password": PASSWORD})
    assert "_auth_user_id" in client.session
