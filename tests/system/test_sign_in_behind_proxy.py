"""Sign-in limits count each client behind the proxy by its own address, never by the
proxy's, and never by an address a client wrote into X-Forwarded-For itself."""

import http.client
import re
import urllib.parse

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

# The gunicorn-behind-nginx stack of the media tests, with deploy/nginx.conf.
from tests.system.test_nginx_media import open_folder, stack  # noqa: F401

LOGIN = reverse("account_login")
TOO_MANY = b"Too many failed login attempts"


def _limit() -> int:
    return int(settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")[0].split("/")[0])


class Browser:
    """One client on its own loopback address (127.0.0.x), with its own cookies."""

    def __init__(self, site: str, address: str):
        self.port = urllib.parse.urlsplit(site).port
        self.address = address
        self.cookies: dict[str, str] = {}

    def _request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.address, 0)
        )
        headers = {**(headers or {}), "Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        content = response.read()
        connection.close()
        return response.status, content

    def sign_in(self, email: str, password: str, **headers) -> tuple[int, bytes]:
        _, page = self._request("GET", LOGIN)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"csrfmiddlewaretoken": token.decode(), "login": email, "password": password}
        return self._request(
            "POST",
            LOGIN,
            body=urllib.parse.urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )


def _lock_out(browser: Browser, **headers) -> None:
    for number in range(_limit()):
        browser.sign_in(f"guess{number}@example.org", "wrong", **headers)
    status, content = browser.sign_in("guess-more@example.org", "wrong", **headers)
    assert TOO_MANY in content or status == 429


@pytest.mark.django_db(transaction=True)
def test_a_client_locked_out_behind_nginx_does_not_lock_out_the_next_one(stack, learner):  # noqa: F811
    _lock_out(Browser(stack, "127.0.0.2"))
    status, content = Browser(stack, "127.0.0.3").sign_in(learner.email, PASSWORD)
    assert status == 302, content[:2000]


@pytest.mark.django_db(transaction=True)
def test_a_forwarded_for_written_by_the_client_does_not_lift_its_lock(stack, learner):  # noqa: F811
    attacker = Browser(stack, "127.0.0.4")
    _lock_out(attacker)
    status, content = attacker.sign_in(
        learner.email, PASSWORD, **{"X-Forwarded-For": "198.51.100.7"}
    )
    assert status != 302 and TOO_MANY in content


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forwarded_for_header_is_not_believed(client, learner):
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    for number in range(_limit()):
        client.post(
            LOGIN,
            {"login": f"guess{number}@example.org", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )
    client.post(
        LOGIN,
        {"login": learner.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert "_auth_user_id" not in client.session
