"""Certificate PDFs: one function renders a certificate to bytes; storage and caching around it.

Rendering uses only the project's own fonts and inline images: the URL fetcher refuses
everything but data: URLs and files under static/fonts/, so a PDF never waits on the
network and looks the same on every machine. A rendered PDF is stored with its SHA-256
and served from storage after that; it is rendered again only if the file is missing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from certificates.models import Certificate

FONTS_DIR = (Path(settings.BASE_DIR) / "static" / "fonts").resolve()


class OwnFilesOnly(URLFetcher):
    """Serves data: URLs and our font files; refuses every other address."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(url.removeprefix("file://")).resolve()
            if path.is_relative_to(FONTS_DIR) and path.is_file():
                return super().fetch(url, headers)
        raise ValueError(f"certificate rendering does not fetch {url}")


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL + certificate.get_verify_url()


def qr_code_svg_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=4, border=2, dark="#111111")


def render_certificate_pdf(certificate: Certificate) -> bytes:
    url = verification_url(certificate)
    html = render_to_string(
        "certificates/certificate.html",
        {
            "certificate": certificate,
            "verification_url": url,
            "qr_code": qr_code_svg_uri(url),
            "page_size": settings.CERTIFICATE_PAGE_SIZE,
            "issuer": settings.CERTIFICATE_ISSUER,
            "site_name": settings.SITE_NAME,
            "credit_statement": settings.CERTIFICATE_CREDIT_STATEMENT,
            "signatory_name": settings.CERTIFICATE_SIGNATORY_NAME,
            "signatory_title": settings.CERTIFICATE_SIGNATORY_TITLE,
        },
    )
    return html_to_pdf(html)


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint with our fonts and nothing from the network."""
    document = HTML(
        string=html, base_url=FONTS_DIR.parent.as_uri() + "/", url_fetcher=OwnFilesOnly()
    )
    return document.write_pdf()


def certificate_pdf(certificate: Certificate) -> bytes:
    """The stored PDF, rendered and stored (with its SHA-256) the first time it is asked for."""
    stored, data = _stored_pdf(certificate)
    if data is not None:
        return data
    with stored.open("rb") as handle:
        return handle.read()


def stored_certificate_pdf(certificate: Certificate) -> FieldFile:
    """The certificate's stored PDF file, rendered and stored first if it is missing."""
    return _stored_pdf(certificate)[0]


def _stored_pdf(certificate: Certificate) -> tuple[FieldFile, bytes | None]:
    """The stored file, and its bytes when they were rendered (or read) just now."""
    if certificate.pdf and certificate.pdf.storage.exists(certificate.pdf.name):
        return certificate.pdf, None
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.pdf and locked.pdf.storage.exists(locked.pdf.name):
            with locked.pdf.open("rb") as handle:
                data = handle.read()
        else:
            data = render_certificate_pdf(locked)
            name = f"{locked.code}.pdf"
            # A file of this name that no row names is what a killed render left: replace it.
            orphan = locked.pdf.field.generate_filename(locked, name)
            if locked.pdf.storage.exists(orphan):
                locked.pdf.storage.delete(orphan)
            locked.pdf.save(name, ContentFile(data), save=False)
            locked.pdf_sha256 = hashlib.sha256(data).hexdigest()
            locked.save(update_fields=["pdf", "pdf_sha256"])
    certificate.refresh_from_db(fields=["pdf", "pdf_sha256"])
    return certificate.pdf, data
