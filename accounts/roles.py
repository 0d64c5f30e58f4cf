"""What staff may do beyond a learner, and what it takes: the rules in one place.

- Staff (module authors, programme staff, superusers) preview unpublished modules.
- Learners' records (other people's attempts and certificates, the credit report, the
  evaluation answers) need the permission `certificates.view_learner_records`, held by
  superusers and the "Programme staff" group; being staff is not enough.
- Whenever staff use either, and in all of the admin, they must have set up two-factor
  sign-in (when MFA_REQUIRED_FOR_STAFF is on, as in production). Without it the request
  raises TwoFactorRequired, which accounts.middleware turns into the set-up page.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404

LEARNER_RECORDS_PERMISSION = "certificates.view_learner_records"


class TwoFactorRequired(PermissionDenied):
    """Staff tried to use a staff right before setting up two-factor sign-in."""


def has_two_factor(user) -> bool:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user, types=[Authenticator.Type.TOTP])


def require_staff_two_factor(user) -> None:
    """Raise TwoFactorRequired for staff without two-factor sign-in, when it is required."""
    if settings.MFA_REQUIRED_FOR_STAFF and not has_two_factor(user):
        raise TwoFactorRequired("Set up two-factor sign-in to use staff pages.")


def may_preview(user) -> bool:
    """Staff see unpublished modules (to author and check them)."""
    return user.is_authenticated and user.is_staff


def require_learner_records(user) -> None:
    """Pass for those who may read other learners' records; 404 for everyone else.

    404 rather than 403: a learner guessing an attempt or certificate learns nothing.
    """
    if not (user.is_authenticated and user.has_perm(LEARNER_RECORDS_PERMISSION)):
        raise Http404("Not found.")
    require_staff_two_factor(user)


def require_owner_or_learner_records(user, owner_id: int) -> None:
    """A learner's own record, or someone allowed to read learners' records."""
    if not (user.is_authenticated and user.pk == owner_id):
        require_learner_records(user)
