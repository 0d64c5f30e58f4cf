"""Request bodies over MAX_REQUEST_BODY_BYTES are refused (413) before anything reads
them, everywhere but the admin, whose forms upload videos."""

import pytest
from django.urls import reverse

from modules.models import Module
from tests.web.test_admin_authoring import demo_video, module_form, transcript

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")


class EndlessBody:
    """A request body that counts what is read of it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else size
        self.read_bytes += size
        return b"x" * size

    def readline(self, size=-1):
        return self.read(size)


def _post(client, path, *, length: int, **extra):
    body = EndlessBody()
    response = client.generic(
        "POST",
        path,
        content_type="multipart/form-data; boundary=xyz",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(length), **extra},
    )
    return response, body


def test_a_500_mb_anonymous_sign_up_is_refused_unread(client, settings):
    response, body = _post(client, SIGNUP, length=500 * 10**6)
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert body.read_bytes == 0


def test_a_body_just_over_the_limit_is_refused_where_signed_in(client, learner, settings):
    client.force_login(learner)
    response, body = _post(
        client, reverse("accounts:profile"), length=settings.MAX_REQUEST_BODY_BYTES + 1
    )
    assert response.status_code == 413 and body.read_bytes == 0


def test_a_chunked_body_without_a_length_is_refused(client):
    response, body = _post(client, SIGNUP, length=0, HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411 and body.read_bytes == 0


def test_the_limit_does_not_depend_on_the_raw_path(client):
    # A SCRIPT_NAME prefix changes request.path, not the view the address resolves to.
    response, body = _post(client, SIGNUP, length=500 * 10**6, SCRIPT_NAME="/admin")
    assert response.status_code == 413 and body.read_bytes == 0


def test_the_admin_still_takes_a_video_larger_than_the_limit(admin_client, settings):
    video = demo_video()
    assert video.size > settings.MAX_REQUEST_BODY_BYTES
    response = admin_client.post(
        reverse("admin:modules_module_add"), module_form(video=video, transcript_file=transcript())
    )
    assert response.status_code == 302
    assert Module.objects.get(slug="giving-feedback").video


def test_ordinary_forms_are_unaffected(client, learner):
    client.force_login(learner)
    response = client.post(reverse("accounts:profile"), {"certificate_name": "Lee Learner"})
    assert response.status_code == 302


def test_an_anonymous_post_to_the_admin_is_limited_like_any_other(client, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1000
    response = client.post(
        "/admin/modules/module/add/",
        data=b"x" * 5000,
        content_type="application/octet-stream",
    )
    assert response.status_code == 413
