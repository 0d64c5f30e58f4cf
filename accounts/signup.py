"""The sign-up form: a taken address costs what a new one costs.

With ACCOUNT_PREVENT_ENUMERATION allauth answers a taken address like a new one and mails
its owner instead of making an account, but a new account hashes its password (PBKDF2,
hundreds of milliseconds) and a taken address did not: the time told which addresses have
accounts (bench/signup.py). Kept apart from accounts/forms.py, which allauth's own forms
import (ACCOUNT_SIGNUP_FORM_CLASS).
"""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        if self.account_already_exists:
            # The hash a new account would store, thrown away: the same work.
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)
