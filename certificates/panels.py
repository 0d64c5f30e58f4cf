"""What the certificate layer shows on module pages (see modules.extensions)."""

from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string

from certificates.models import Certificate
from certificates.pdf import verification_url
from quizzes.panels import learner_completion

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


def certificate_panel(request, module) -> str:
    # Certificates are issued for completions: without one there is nothing to show.
    if not request.user.is_authenticated or learner_completion(request, module) is None:
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
