"""The demo accounts `load_demo` makes with DEBUG on. Their passwords are public (printed by
`make run`), so a server with DEBUG off never lets them sign in."""

from django.conf import settings

DEMO_ACCOUNTS = [
    ("learner@coachlearn.test", "coach-learner-demo", "Dr. Lee Demo", False),
    ("admin@coachlearn.test", "coach-admin-demo", "Ada Admin", True),
]
DEMO_EMAILS = frozenset(email for email, *_ in DEMO_ACCOUNTS)


def may_sign_in(user) -> bool:
    """False for a demo account unless DEBUG is on: a database made in development and then
    served in production must not open a superuser with a published password."""
    return settings.DEBUG or user.email.lower() not in DEMO_EMAILS
