from certificates.models import Certificate
from certificates.pdf import certificate_pdf
from coachlearn.jobs import job


@job(queue="certificates")
def render_certificate(*, certificate_id: int) -> None:
    """Render and store a new certificate's PDF, so that its first download is a stored file."""
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is not None:
        certificate_pdf(certificate)  # renders only if no stored PDF exists yet
