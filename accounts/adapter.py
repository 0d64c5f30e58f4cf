"""The site's allauth adapter: demo accounts stay out of production, and mail names the site
as configured (SITE_URL, SITE_NAME), never as the request's Host header claimed it."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect

from accounts.demo import may_sign_in


class AccountAdapter(DefaultAccountAdapter):
    def pre_login(self, request, user, **kwargs):
        # Every allauth sign-in (password, email confirmation, password reset) passes here.
        if not may_sign_in(user):
            clear_login(request)
            messages.error(request, "Demo accounts cannot sign in on this server.")
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth builds its links (verification, reset, sign-up) from the request, so a
        # forged Host (any port passes ALLOWED_HOSTS) would put another address in the
        # mail. Every mail passes here: its links move onto SITE_URL and the site is named
        # from settings (the default's current_site is the request's host).
        host = self.request.get_host() if self.request is not None else None
        context = {key: _on_site_url(value, host) for key, value in context.items()}
        context["current_site"] = SimpleNamespace(
            name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc
        )
        super().send_mail(template_prefix, email, context)


def _on_site_url(value, host: str | None):
    """A link to the request's host, re-based onto SITE_URL; anything else unchanged."""
    if not isinstance(value, str) or host is None:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or parts.netloc != host:
        return value
    return settings.SITE_URL + parts._replace(scheme="", netloc="").geturl()
