"""Site-wide guards: a Permissions-Policy header, a friendly 503 while the database is
unreachable, a 414 for absurdly long addresses, a 413 for large bodies outside the admin,
and personal pages kept out of caches."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)


class PermissionsPolicyMiddleware:
    """Permissions-Policy from settings.PERMISSIONS_POLICY ({feature: [origins]})."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy(getattr(settings, "PERMISSIONS_POLICY", {}))

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


def permissions_policy(features: dict[str, list[str]]) -> str:
    """`camera=(), fullscreen=(self)`: "self" stays a keyword, other origins are quoted."""

    def allow_list(origins: list[str]) -> str:
        return " ".join(o if o in ("self", "*") else f'"{o}"' for o in origins)

    return ", ".join(f"{feature}=({allow_list(origins)})" for feature, origins in features.items())


class PrivateResponsesMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in person that does
    not say otherwise.

    Pages for a signed-in person are theirs (My learning, certificates, transcripts,
    attempts, quizzes, profile, saved searches): no shared cache may keep them and no
    browser should keep them on disk. One rule here rather than a decorator per view, so a
    new personal page cannot be forgotten; a response that sets its own Cache-Control
    (media, the verify page) keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The header first: a response that has one (/healthz, the 503 page) never makes
        # this load the session, which would need the database.
        if "Cache-Control" in response:
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response


class RequestBodyLimitMiddleware:
    """413 for a request body larger than settings.MAX_REQUEST_BODY_BYTES, before anything
    reads it, except for staff in the admin's views (video and poster uploads).

    DATA_UPLOAD_MAX_MEMORY_SIZE does not cover file fields, so without this any anonymous
    POST (sign-up, say) could make Django spool hundreds of megabytes to disk. The admin is
    recognised by the resolved view's namespace, never by the raw path (SCRIPT_NAME can
    change that). It must run before CsrfViewMiddleware, whose process_view reads the form.
    A body without Content-Length (chunked) is refused too: Django would read it as empty.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Only signed-in staff may send uploads; anyone else's POST to the admin is limited
        # like any other (the user is known here: process_view runs after authentication).
        if "admin" in request.resolver_match.namespaces and request.user.is_staff:
            return None
        limit = settings.MAX_REQUEST_BODY_BYTES
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return _plain(411, "Send the request with a Content-Length.")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _plain(400, "The Content-Length is not a number.")
        if length > limit:
            return _plain(413, f"This request is too large: up to {limit:,} bytes are accepted.")
        return None


def _plain(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class UrlLengthLimitMiddleware:
    """414 for a request address longer than settings.MAX_URL_LENGTH.

    nginx and gunicorn refuse such request lines at the edge; this keeps any other way of
    serving the app (runserver, a proxy with larger buffers) from parsing megabytes of
    query string and echoing it back in every "sign in and come back" link of the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = getattr(settings, "MAX_URL_LENGTH", 64 * 1024)

    def __call__(self, request):
        length = len(request.path_info) + len(request.META.get("QUERY_STRING", ""))
        if length > self.limit:
            return HttpResponse(
                "This address is too long.", status=414, content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A 503 page instead of a 500 when the database cannot be reached.

    Settings give connections a short connect_timeout, so a stopped database answers in
    seconds. Nothing is kept between requests: the next request simply connects again,
    which is how the site recovers by itself when the database returns.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Errors raised by other middleware (the session, the signed-in user) never reach
        # process_exception; Django has turned them into a 500 already. The signal below
        # marked the request, so the 500 is swapped for the 503 here.
        if response.status_code == 500 and getattr(request, "_database_unavailable", False):
            return unavailable_response()
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.error("Database unavailable: %s", exception)
            return unavailable_response()
        return None


def _mark_database_errors(sender, request=None, **kwargs) -> None:
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        request._database_unavailable = True


got_request_exception.connect(_mark_database_errors, dispatch_uid="coachlearn-database-503")


def unavailable_response() -> HttpResponse:
    # Rendered without a request, so no context processor (which might query) runs.
    response = HttpResponse(
        render_to_string("503.html", {"site_name": settings.SITE_NAME}), status=503
    )
    response["Retry-After"] = str(getattr(settings, "DATABASE_UNAVAILABLE_RETRY_AFTER", 30))
    response["Cache-Control"] = "no-store"
    return response
