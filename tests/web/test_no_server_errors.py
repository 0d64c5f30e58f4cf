"""Hostile input that used to end in a server error is answered with a 4xx and a message:
a search of 33 dashes, a Range of thousands of digits, deeply nested JSON and TOML."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from modules.models import Module
from tests.factories import attach_demo_video, make_module

pytestmark = pytest.mark.django_db

HUGE_NUMBER = "9" * 5000


@pytest.mark.parametrize("q", ["-" * 33, "coaching " + "- " * 40, "-" * 200])
def test_a_search_of_too_many_operators_is_a_400_that_says_why(client, q):
    make_module(title="Coaching basics")
    response = client.get(reverse("modules:search"), {"q": q})
    assert response.status_code == 400
    assert "too many operators" in response.content.decode()


def test_a_search_of_32_dashes_is_still_answered(client):
    assert client.get(reverse("modules:search"), {"q": "-" * 32}).status_code == 200


def test_a_range_starting_thousands_of_digits_in_is_416(client):
    module = attach_demo_video(make_module())
    response = client.get(
        reverse("modules:video", args=[module.slug]), headers={"Range": f"bytes={HUGE_NUMBER}-"}
    )
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{module.video.size}"


def test_a_range_ending_thousands_of_digits_in_runs_to_the_end(client):
    module = attach_demo_video(make_module())
    for header in (f"bytes=0-{HUGE_NUMBER}", f"bytes=-{HUGE_NUMBER}", f"bytes=0{'0' * 5000}-9"):
        response = client.get(
            reverse("modules:video", args=[module.slug]), headers={"Range": header}
        )
        assert response.status_code == 206, header
    assert response["Content-Range"] == f"bytes 0-9/{module.video.size}"


def test_deeply_nested_json_as_watch_progress_is_a_400_that_says_why(client, learner):
    module = make_module()
    client.force_login(learner)
    body = '{"intervals": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post(
        reverse("quizzes:watch_progress", args=[module.slug]),
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert json.loads(response.content)["error"]


def test_deeply_nested_toml_is_a_package_error_not_a_traceback(tmp_path):
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "module.toml").write_text("format = 1\nx = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(CommandError, match="module.toml: .*nested"):
        call_command("import_module", str(folder))
    assert not Module.objects.exists()
