"""The site's allauth adapter: demo accounts stay out of production."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
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
