"""Bad input is refused or made harmless: uploads checked by content, hostile packages,
an enormous search query, path traversal in file addresses, and HTML or script typed into
any text that is shown back (pages, the staff report, the verify page, the PDF).

What tests/web/test_admin_authoring.py and tests/web/test_module_packages.py already prove (a
renamed text file as the video, a video over the limit, zip-slip, a zip-bomb ratio, a
zip too large) is not repeated here."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from certificates.models import EvaluationQuestion
from certificates.pdf import certificate_pdf
from certificates.services import issue_certificate
from modules.media_files import MAX_POSTER_BYTES
from modules.models import Competency, Module
from modules.search import refresh_search_vector
from modules.services import replace_cues
from modules.transcripts import ParsedCue
from packages.importer import import_package
from packages.manifest import MAX_MANIFEST_BYTES, PackageError
from tests.factories import DEMO_DIR, attach_demo_video, make_completion, make_module, make_quiz
from tests.web.test_admin_authoring import module_form

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:modules_module_add")
WEBM = (DEMO_DIR / "coaching-basics.webm").read_bytes()
TRANSCRIPT = b"Coach: [00:00] Welcome.\n\nStudent: [00:07] Thanks.\n"
ATTACK = "<script>alert('x')</script><img src=x onerror=alert(1)>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def _module_form(**files) -> dict:
    transcript = SimpleUploadedFile("talk.txt", TRANSCRIPT, "text/plain")
    return module_form(**{"transcript_file": transcript, **files})


def _stored_files(settings) -> list[Path]:
    """Media stored for modules: the accepted transcript of a refused save is kept as a
    draft (under drafts/), the refused file nowhere."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    drafts = root / "drafts"
    return [p for p in root.rglob("*") if p.is_file() and drafts not in p.parents]


def _refused(client, settings, **files) -> str:
    response = client.post(ADD_URL, _module_form(**files))
    assert response.status_code == 200  # the form again, with the error
    assert not Module.objects.exists()
    assert _stored_files(settings) == []
    return " ".join(str(error) for error in response.context["errors"])


# --- uploads ------------------------------------------------------------------------------


def test_an_empty_video_is_refused(admin_client, settings):
    video = SimpleUploadedFile("talk.webm", b"", "video/webm")
    # Django's own FileField check answers first for an empty upload.
    assert "empty" in _refused(admin_client, settings, video=video)


def test_a_video_cut_off_inside_its_header_is_refused(admin_client, settings):
    video = SimpleUploadedFile("talk.webm", WEBM[:12], "video/webm")
    assert "is not an MP4 or WebM video" in _refused(admin_client, settings, video=video)


def test_a_video_with_a_video_name_and_type_but_other_content_is_refused(admin_client, settings):
    video = SimpleUploadedFile("talk.mp4", b"%PDF-1.7 " + b"x" * 5000, "video/mp4")
    assert "is not an MP4 or WebM video" in _refused(admin_client, settings, video=video)


def test_an_empty_transcript_is_refused(admin_client, settings):
    transcript = SimpleUploadedFile("talk.txt", b"", "text/plain")
    errors = _refused(admin_client, settings, transcript_file=transcript)
    assert "empty" in errors


def test_a_binary_file_as_the_transcript_is_refused(admin_client, settings):
    transcript = SimpleUploadedFile("talk.txt", WEBM[:4000], "text/plain")
    errors = _refused(admin_client, settings, transcript_file=transcript)
    assert "talk.txt" in errors


def test_a_text_file_as_the_poster_is_refused(admin_client, settings):
    poster = SimpleUploadedFile("poster.png", b"not an image at all", "image/png")
    errors = _refused(admin_client, settings, poster=poster)
    assert "is not a PNG, JPEG or WebP image" in errors


def test_a_poster_over_its_limit_is_refused(admin_client, settings):
    png = (DEMO_DIR / "coaching-basics.png").read_bytes()
    poster = SimpleUploadedFile("poster.png", png + b"\0" * MAX_POSTER_BYTES, "image/png")
    assert "files up to" in _refused(admin_client, settings, poster=poster)


# --- module packages ------------------------------------------------------------------------


def _assert_package_refused(path: Path, message: str, settings) -> None:
    with pytest.raises(PackageError, match=message):
        import_package(path=path)
    assert not Module.objects.exists()
    assert _stored_files(settings) == []


def test_a_huge_module_toml_is_refused_before_it_is_read(tmp_path, settings):
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "module.toml").write_text("# padding\n" * (MAX_MANIFEST_BYTES // 10 + 1))
    _assert_package_refused(folder, "module.toml: .* bytes; files up to", settings)


def test_a_huge_module_toml_in_a_zip_is_refused(tmp_path, settings):
    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("module.toml", "# padding\n" * (MAX_MANIFEST_BYTES // 10 + 1))
    # Padding compresses far more than 100:1: refused as a bomb before it is unpacked.
    _assert_package_refused(path, "module.toml", settings)


def test_a_zip_whose_content_does_not_match_its_checksum_is_refused(tmp_path, settings):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("module.toml", "format = 1\n" * 1000)
    damaged = data.getvalue().replace(b"format = 1", b"format = 2", 1)  # CRC no longer fits
    path = tmp_path / "package.zip"
    path.write_bytes(damaged)
    _assert_package_refused(path, "damaged zip file", settings)


def test_a_zip_cut_short_is_refused(tmp_path, settings):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("module.toml", "format = 1\n")
        archive.writestr("transcript.vtt", "WEBVTT\n")
    path = tmp_path / "package.zip"
    path.write_bytes(data.getvalue()[:-30])
    _assert_package_refused(path, "package.zip", settings)


# --- an enormous search query ---------------------------------------------------------------


def test_a_ten_megabyte_search_query_is_refused_as_too_long(client):
    response = client.get("/search/", {"q": "listening " * 10**6})  # 10 MB
    assert response.status_code == 414
    assert len(response.content) < 1000  # nothing of it is echoed back


def test_a_ten_megabyte_activity_code_lookup_is_refused_as_too_long(client):
    response = client.get("/lookup/", {"code": "X" * 10**7})
    assert response.status_code == 414


def test_a_50_kb_search_query_under_the_address_limit_is_cut_and_answered(client):
    make_module(title="Listening well", cues=3)
    response = client.get("/search/", {"q": "listening " * 5000})  # 50 KB
    assert response.status_code == 200
    assert response.context["query"].was_cut
    assert len(response.context["query"].text) <= 200


def test_a_ten_megabyte_search_form_post_is_refused(client, learner):
    client.force_login(learner)
    response = client.post("/me/searches/new/", {"q": "x" * 10**7, "name": "Huge"})
    assert response.status_code == 413  # larger than MAX_REQUEST_BODY_BYTES, never read


# --- path traversal ---------------------------------------------------------------------------

TRAVERSALS = [
    "/modules/../../etc/passwd/video",
    "/modules/..%2F..%2Fetc%2Fpasswd/video",
    "/modules/%2e%2e/video",
    "/modules/%2e%2e%2f%2e%2e%2fetc%2fpasswd/poster",
    "/modules/..%252F..%252Fetc%252Fpasswd/video",
    "/modules/....//....//etc/passwd/video",
    "/certificates/../../etc/passwd.pdf",
    "/certificates/..%2F..%2Fetc%2Fpasswd.pdf",
    "/certificates/%2e%2e%2f%2e%2e%2fetc%2fpasswd.pdf",
    "/certificates/..%5c..%5cetc%5cpasswd.pdf",
    "/certificates/passwd%00.pdf",
    "/media/../../etc/passwd",
    "/media/certificates/../../../etc/passwd",
    "/static/../../etc/passwd",
    "/static/..%2F..%2Fsettings.py",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_in_file_addresses_finds_nothing(client, admin_user, path):
    client.force_login(admin_user)  # staff see the most: still nothing outside media
    response = client.get(path)
    assert response.status_code in (400, 404)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"root:" not in body and b"SECRET_KEY" not in body


def test_a_stored_file_name_pointing_outside_media_is_never_served(client, settings):
    module = attach_demo_video(make_module())
    Module.objects.filter(pk=module.pk).update(video="../../../../../../etc/passwd")
    response = client.get(f"/modules/{module.slug}/video")
    assert response.status_code in (400, 404)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"root:" not in body


# --- HTML and script in every text shown back ----------------------------------------------


@pytest.fixture
def hostile(learner, author, settings):
    """A module, its texts, a learner and an evaluation answer, all full of markup."""
    module = make_module(
        title=f"Title {ATTACK}",
        summary=f"Summary {ATTACK}",
        description=f"Description {ATTACK}",
        disclosure_statement=f"Disclosure {ATTACK}",
        objectives=1,
        duration_seconds=200,
    )
    module.objectives.update(text=f"Objective {ATTACK}")
    module.competencies.set([Competency.objects.create(name=f"Competency {ATTACK}")])
    replace_cues(
        module=module,
        cues=[
            ParsedCue(0.0, 5.0, f"Coach {ATTACK}", f"listening {ATTACK}"),
            ParsedCue(5.0, 9.0, "", "plain listening line"),
        ],
    )
    refresh_search_vector(module)
    make_quiz(module)
    question = EvaluationQuestion.objects.create(
        module=module, text=f"Comments {ATTACK}", kind=EvaluationQuestion.Kind.TEXT
    )
    learner.certificate_name = f"Lee {ATTACK}"
    learner.save()
    certificate = issue_certificate(
        completion=make_completion(learner, module),
        printed_name=f"Lee {ATTACK}",
        evaluation={question.pk: f"Answer {ATTACK}"},
    )
    return module, certificate


def _assert_escaped(response) -> str:
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html and "<img src=x" not in html
    return html


def test_module_texts_and_transcript_are_escaped_on_the_module_page(client, hostile):
    module, _ = hostile
    html = _assert_escaped(client.get(module.get_absolute_url()))
    for label in ("Title", "Description", "Objective", "Competency", "listening", "Coach"):
        assert f"{label} {ESCAPED}" in html, label


def test_the_catalog_and_search_results_escape_module_texts(client, hostile):
    _assert_escaped(client.get("/"))
    html = _assert_escaped(client.get("/search/", {"q": "listening"}))
    assert "Title &lt;script&gt;" in html
    _assert_escaped(client.get("/search/", {"q": ATTACK}))


def test_the_learners_name_is_escaped_on_their_pages(client, learner, hostile):
    client.force_login(learner)
    for path in ("/certificates/", "/accounts/profile/", hostile[0].get_absolute_url()):
        _assert_escaped(client.get(path))


def test_the_certificate_name_is_escaped_on_the_public_verify_page(client, hostile):
    _, certificate = hostile
    html = _assert_escaped(client.get(f"/verify/{certificate.code}/"))
    assert f"Lee {ESCAPED}" in html


def test_evaluation_answers_are_escaped_in_the_staff_report(client, programme_staff, hostile):
    client.force_login(programme_staff)
    html = _assert_escaped(client.get("/certificates/evaluations/"))
    assert f"Answer {ESCAPED}" in html


def test_the_admin_escapes_what_learners_typed(client, admin_user, hostile):
    _, certificate = hostile
    client.force_login(admin_user)
    _assert_escaped(client.get(f"/admin/certificates/certificate/{certificate.pk}/change/"))
    _assert_escaped(client.get("/admin/certificates/certificate/"))


def test_markup_in_the_name_is_printed_as_text_inside_the_pdf(hostile):
    _, certificate = hostile
    text = PdfReader(io.BytesIO(certificate_pdf(certificate))).pages[0].extract_text()
    assert "<script>" in " ".join(text.split())  # shown literally: markup, not a tag


def test_captions_keep_markup_out_of_the_cue_payload(client, hostile):
    module, _ = hostile
    vtt = client.get(f"/modules/{module.slug}/captions.vtt").content.decode()
    assert "<script>" not in vtt and "&lt;script&gt;" in vtt


def test_a_package_zipped_with_an_unusual_compression_method_is_refused(tmp_path, settings):
    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("module.toml", "format = 1\n")
    _assert_package_refused(path, "compression method 12 is not supported", settings)
