"""Site-wide guards: a Permissions-Policy header, a friendly 503 while the database is
unreachable, a 414 for absurdly long addresses, a 413 for large bodies outside the admin,
and personal pages kept out of caches."""

from __future__ import annotations

import logging
import sys
import time

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


class DatabaseBreaker:
    """After a failed connection, this worker answers 503 at once for a few seconds.

    Without it, every request during an outage waits for its own connection attempt (the
    pool's timeout, or the connect timeout of a host that does not answer) while holding a
    worker. Open, the breaker lets no request near the database until `seconds` have passed;
    then requests go through again, and the first that fails opens it for another spell. A
    query that fails for its own reasons (a deadlock, a timeout) leaves it closed.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, error: BaseException) -> None:
        if self.seconds > 0 and is_connection_failure(error):
            self.open_until = time.monotonic() + self.seconds

    def reset(self) -> None:
        self.open_until = 0.0


def is_connection_failure(error: BaseException) -> bool:
    """The database could not be reached (or dropped us), as opposed to a query's error.

    psycopg gives server errors an SQLSTATE; failing to connect (and the pool's timeout)
    has none. Class 08 is "connection exception"; 57P01-57P03 a server shutting down or
    starting up.
    """
    cause = error.__cause__ or error
    state = getattr(cause, "sqlstate", None)
    return state is None or state.startswith("08") or state in {"57P01", "57P02", "57P03"}


# One per worker process: threads of a worker share it, as they share its pool.
breaker = DatabaseBreaker(getattr(settings, "DATABASE_BREAKER_SECONDS", 2.0))


class DatabaseUnavailableMiddleware:
    """A 503 page instead of a 500 when the database cannot be reached, at once.

    Settings give connections a short connect_timeout and the pool a short wait; after one
    failure the breaker above answers 503 without trying for a few seconds. The site
    recovers by itself: once the spell is over the next request simply connects again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if breaker.is_open() and request.path_info not in settings.DATABASE_FREE_PATHS:
            return unavailable_response()
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
            breaker.trip(exception)
            return unavailable_response()
        return None


def _mark_database_errors(sender, request=None, **kwargs) -> None:
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        request._database_unavailable = True
        breaker.trip(error)


got_request_exception.connect(_mark_database_errors, dispatch_uid="coachlearn-database-503")


def unavailable_response() -> HttpResponse:
    # Rendered without a request, so no context processor (which might query) runs.
    response = HttpResponse(
        render_to_string("503.html", {"site_name": settings.SITE_NAME}), status=503
    )
    response["Retry-After"] = str(getattr(settings, "DATABASE_UNAVAILABLE_RETRY_AFTER", 30))
    response["Cache-Control"] = "no-store"
    return response
