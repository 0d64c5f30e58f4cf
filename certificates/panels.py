"""What the certificate layer shows on module pages (learning.module_page)."""

from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string

from certificates.models import Certificate
from certificates.pdf import verification_url
from quizzes.learner_state import LearnerModuleState

LINKEDIN_ADD_CERTIFICATION = "https://www.linkedin.com/profile/add"


def linkedin_url(certificate: Certificate) -> str:
    """LinkedIn's add-certification form, filled in."""
    return (
        LINKEDIN_ADD_CERTIFICATION
        + "?"
        + urlencode(
            {
                "startTask": "CERTIFICATION_NAME",
                "name": f"{certificate.module_title} ({certificate.activity_code})",
                "organizationName": settings.CERTIFICATE_ISSUER,
                "issueYear": certificate.completion_date.year,
                "issueMonth": certificate.completion_date.month,
                "certUrl": verification_url(certificate),
                "certId": certificate.display_code,
            }
        )
    )


def certificate_panel(request, module, state: LearnerModuleState | None) -> str:
    """The learner's certificate, or the way to claim it; `state` is None for a visitor."""
    # Certificates are issued for completions: without one there is nothing to show.
    if state is None or state.completion is None:
        return ""
    certificate = Certificate.objects.valid().filter(user=request.user, module=module).first()
    context = {"module": module, "certificate": certificate}
    if certificate:
        context["linkedin_url"] = linkedin_url(certificate)
    else:
        context["claimable"] = True
    return render_to_string(
        "certificates/includes/module_certificate_panel.html", context, request=request
    )
