from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse


class StaffTwoFactorMiddleware:
    """Staff without two-factor sign-in are sent to set it up before using the admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and request.path.startswith("/admin/")
            and request.user.is_authenticated
            and request.user.is_staff
            and not _has_two_factor(request.user)
        ):
            messages.warning(request, "Set up two-factor sign-in to use the admin.")
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def _has_two_factor(user) -> bool:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user, types=[Authenticator.Type.TOTP])
