from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from accounts.roles import TwoFactorRequired, require_staff_two_factor

ADMIN_NAMESPACE = "admin"


class StaffTwoFactorMiddleware:
    """Staff without two-factor sign-in are sent to set it up before any staff page.

    The admin is recognised by the view the request resolved to (its URL namespace), never
    by the address: a proxy header such as SCRIPT_NAME changes request.path, not the view.
    Staff pages outside the admin raise TwoFactorRequired from accounts.roles.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            match is not None
            and ADMIN_NAMESPACE in match.namespaces
            and match.url_name != "logout"  # signing out needs no second factor
            and request.user.is_authenticated
            and request.user.is_staff
        ):
            try:
                require_staff_two_factor(request.user)
            except TwoFactorRequired:
                return _set_up_two_factor(request)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, TwoFactorRequired):
            return _set_up_two_factor(request)
        return None


def _set_up_two_factor(request):
    messages.warning(request, "Set up two-factor sign-in to use staff pages.")
    return redirect(reverse("mfa_activate_totp"))
