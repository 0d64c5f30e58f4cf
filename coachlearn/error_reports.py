"""Errors to Sentry (or any service that speaks its protocol), only when SENTRY_DSN is set.

No personal data leaves: no user, IP address, cookie, request body (a sign-in form's
password, a learner's evaluation answers) or query string (a learner's search). Each event
carries the request id that the log line of the same request has, so the two can be matched.
"""

from __future__ import annotations

from coachlearn.request_log import current_request_id


def init_error_reports(*, dsn: str, environment: str, release: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        # Frames' local variables hold whatever the code held: a user, a form, a password.
        include_local_variables=False,
        traces_sample_rate=0.0,  # errors only: Prometheus has the timings
        before_send=_scrubbed,
    )


def _scrubbed(event: dict, hint: dict) -> dict:
    """The request id added; the query string (a learner's search, an address in a link)
    and the Referer header (which carries another page's query) dropped."""
    event.setdefault("tags", {})["request_id"] = current_request_id()
    request = event.get("request") or {}
    request.pop("query_string", None)
    if "url" in request:
        request["url"] = request["url"].split("?", 1)[0]
    for name in list(request.get("headers") or {}):
        if name.lower() == "referer":
            del request["headers"][name]
    return event
