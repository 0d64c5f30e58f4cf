"""Uploaded files are data, never pages: the type comes from the content, the name is ours,
and every stored file is served with that type, nosniff and a sandboxing policy."""

import re

import pytest
from django.core.files.base import ContentFile

from certificates.services import issue_certificate
from modules.models import Module
from tests.browser.a11y import session_cookie
from tests.factories import make_completion, make_module
from tests.web.test_admin_authoring import (
    ADD_URL,
    demo_video,
    form_errors,
    module_form,
    stored_files,
    transcript,
)
from tests.web.test_module_packages import (  # noqa: F401 - fixtures
    assert_refused,
    edit_manifest,
    export,
    full_module,
    import_,
    package,
)

pytestmark = pytest.mark.django_db

PNG_HEAD = b"\x89PNG\r\n\x1a\n"
SCRIPT = b"<script>document.title='pwned';fetch('/admin/')</script>"
# A poster whose first bytes are a PNG's and whose rest is a page, as an attacker names it.
PNG_THEN_SCRIPT = PNG_HEAD + b"<html><body>" + SCRIPT + b"</body></html>"
# "Video" bytes that pass the MP4 check (ftyp at byte 4) followed by script.
FTYP_THEN_SCRIPT = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\n" + SCRIPT
# The same as a script: the four size bytes are a comment, `ftyp` a variable.
JS_THAT_PASSES_THE_MP4_CHECK = b"/**/ftyp=1;document.title='pwned';fetch('/admin/');//" + b"x" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
FILE_POLICY = "default-src 'none'; sandbox"


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type)


def assert_served_as_data(response, content_type: str) -> None:
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == FILE_POLICY
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- through the admin --------------------------------------------------------------------


def test_a_poster_named_html_is_stored_under_our_name_and_served_as_an_image(
    admin_client, settings
):
    response = admin_client.post(
        ADD_URL,
        module_form(
            video=demo_video("clip.webm"),
            poster=upload("poster.html", PNG_THEN_SCRIPT, "text/html"),
            transcript_file=transcript(),
        ),
    )
    assert response.status_code == 302, form_errors(response)
    module = Module.objects.get(slug="giving-feedback")
    assert re.fullmatch(r"posters/[0-9a-f]{20}\.png", module.poster.name)
    assert re.fullmatch(r"videos/[0-9a-f]{20}\.webm", module.video.name)
    assert not any("html" in name or "clip" in name for name in stored_files(settings))

    served = admin_client.get(f"/modules/{module.slug}/poster")
    assert_served_as_data(served, "image/png")
    assert body(served) == PNG_THEN_SCRIPT  # the bytes as they came, labelled as an image


def test_a_video_named_js_that_passes_the_mp4_check_is_served_as_video(admin_client):
    response = admin_client.post(
        ADD_URL,
        module_form(video=upload("payload.js", FTYP_THEN_SCRIPT), transcript_file=transcript()),
    )
    assert response.status_code == 302, form_errors(response)
    module = Module.objects.get(slug="giving-feedback")
    assert module.video.name.endswith(".mp4") and "payload" not in module.video.name
    served = admin_client.get(f"/modules/{module.slug}/video", HTTP_RANGE="bytes=0-9")
    assert served.status_code == 206
    assert_served_as_data(served, "video/mp4")


@pytest.mark.parametrize(
    ("name", "data"),
    [("poster.svg", SVG), ("poster.png", SVG), ("poster.html", b"<html>" + SCRIPT)],
)
def test_svg_and_pages_are_refused_as_posters_whatever_their_name(
    admin_client, settings, name, data
):
    response = admin_client.post(
        ADD_URL,
        module_form(video=demo_video(), poster=upload(name, data), transcript_file=transcript()),
    )
    assert response.status_code == 200
    errors = form_errors(response)
    assert f"{name} is not a PNG, JPEG or WebP image" in errors and "SVG" in errors
    assert not Module.objects.filter(slug="giving-feedback").exists()
    assert stored_files(settings) == []


def test_a_page_uploaded_as_the_video_is_refused(admin_client, settings):
    response = admin_client.post(
        ADD_URL,
        module_form(video=upload("video.mp4", b"<html>" + SCRIPT), transcript_file=transcript()),
    )
    assert response.status_code == 200
    assert "video.mp4 is not an MP4 or WebM video" in form_errors(response)
    assert stored_files(settings) == []


# --- through a module package ---------------------------------------------------------------


def _rename_media(folder, **names: str) -> None:
    """Store the package's video and poster under other names (and maybe other bytes)."""
    for role, spec in names.items():
        current = next(folder.glob(f"{role}.*"))
        new_name, _, data = spec.partition("=")
        edit_manifest(folder, f'{role} = "{current.name}"', f'{role} = "{new_name}"')
        target = folder / new_name
        current.rename(target)
        if data:
            target.write_bytes({"png-then-script": PNG_THEN_SCRIPT, "svg": SVG}[data])


def test_a_package_video_named_html_is_stored_as_webm_and_served_as_video(package, client):  # noqa: F811
    _rename_media(package, video="video.html", poster="poster.html=png-then-script")
    import_(package)
    module = Module.objects.get()
    assert re.fullmatch(r"videos/[0-9a-f]{20}\.webm", module.video.name)
    assert re.fullmatch(r"posters/[0-9a-f]{20}\.png", module.poster.name)
    assert_served_as_data(client.get(f"/modules/{module.slug}/video"), "video/webm")
    assert_served_as_data(client.get(f"/modules/{module.slug}/poster"), "image/png")


def test_a_package_with_an_svg_poster_is_refused_and_changes_nothing(package, settings):  # noqa: F811
    _rename_media(package, poster="poster.svg=svg")
    assert_refused(package, "poster.svg is not a PNG, JPEG or WebP image", settings)


def test_exported_packages_name_media_by_their_type(full_module, tmp_path):  # noqa: F811
    full_module.poster.save("x", ContentFile(PNG_THEN_SCRIPT), save=True)
    folder = export(full_module.slug, tmp_path / "out")
    assert {"video.webm", "poster.png"} <= {p.name for p in folder.iterdir()}


# --- files stored before names were ours ----------------------------------------------------


def test_a_page_stored_under_its_uploaders_name_is_served_as_a_download(client):
    module = make_module()
    module.poster.save("evil.html", ContentFile(b"<html>" + SCRIPT), save=True)
    Module.objects.filter(pk=module.pk).update(poster="posters/evil.html")
    response = client.get(f"/modules/{module.slug}/poster")
    assert_served_as_data(response, "application/octet-stream")
    assert response["Content-Disposition"].startswith("attachment")


def test_certificate_pdfs_carry_the_same_headers(learner, client):
    module = make_module()
    certificate = issue_certificate(
        completion=make_completion(learner, module), printed_name="Lee Learner"
    )
    client.force_login(learner)
    response = client.get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 200
    assert_served_as_data(response, "application/pdf")
    transcript_pdf = client.get("/certificates/transcript.pdf")
    assert_served_as_data(transcript_pdf, "application/pdf")


# --- in a real browser ------------------------------------------------------------------------


def _attack_through_the_admin(admin_client) -> Module:
    """The attack as it was found: a "poster" page loading a "video" script from our origin."""
    slug = "giving-feedback"
    poster = PNG_HEAD + f'<html><script src="/modules/{slug}/video"></script></html>'.encode()
    response = admin_client.post(
        ADD_URL,
        module_form(
            slug=slug,
            video=upload("payload.js", JS_THAT_PASSES_THE_MP4_CHECK, "text/javascript"),
            poster=upload("poster.html", poster, "text/html"),
            transcript_file=transcript(),
        ),
    )
    assert response.status_code == 302, form_errors(response)
    return Module.objects.get(slug=slug)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_opening_a_crafted_poster_or_stored_page_in_the_browser_runs_no_script(
    live_server, page, admin_client, admin_user
):
    # Signed in as the superuser, as the attack was used: the draft's files are visible.
    page.context.add_cookies([session_cookie(admin_user, live_server)])
    attacked = _attack_through_the_admin(admin_client)
    # A page stored under its uploader's name before names were ours, loading the same script.
    legacy = make_module(published=False)
    page_html = f'<html><script src="/modules/{attacked.slug}/video"></script>{SCRIPT.decode()}'
    legacy.poster.save("evil.html", ContentFile(page_html.encode()), save=True)
    Module.objects.filter(pk=legacy.pk).update(poster=legacy.poster.name)

    requests_made: list[str] = []
    page.on("request", lambda request: requests_made.append(request.url))
    for slug in (attacked.slug, legacy.slug):
        try:
            page.goto(f"{live_server.url}/modules/{slug}/poster")
        except Exception as error:  # sent as a download: nothing is rendered at all
            assert "Download is starting" in str(error)
        else:
            page.wait_for_timeout(500)
            assert page.title() != "pwned"
            assert "Not found" not in page.content()
    assert not any(url.endswith("/admin/") for url in requests_made), requests_made
