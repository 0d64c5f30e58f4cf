"""One log line per request, and a request id on every log line written while serving it.

    2026-12-01T10:04:26.123Z INFO coachlearn.requests [3f2a…] GET /modules/x/ 200 12.3ms user=42

The id comes from the X-Request-ID header when a trusted proxy sets it (TRUST_X_REQUEST_ID),
otherwise it is made here; it is sent back in the response's X-Request-ID header, so a
learner's "it failed" and the log line meet. The user is their id, never their email.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from urllib.parse import quote

from django.conf import settings
from django.utils.functional import empty

logger = logging.getLogger("coachlearn.requests")
_request_id: ContextVar[str] = ContextVar("request_id", default="-")
# What we accept from a proxy: no spaces, quotes or line breaks can reach a log line.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def current_request_id() -> str:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request being served ("-" outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class LineFormatter(logging.Formatter):
    """UTC time to the millisecond, level, logger, request id, message."""

    converter = time.gmtime

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def formatTime(self, record, datefmt=None) -> str:  # noqa: N802 - logging's name
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


class OncePerInterval(logging.Filter):
    """One record per message text every `seconds`: an outage of Redis fails every cache
    call, and the log should say so once, not hundreds of times a second."""

    def __init__(self, seconds: float = 10.0) -> None:
        super().__init__()
        self.seconds = seconds
        self.last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        key = f"{record.name}:{record.msg}"
        if now - self.last.get(key, -self.seconds) < self.seconds:
            return False
        self.last[key] = now
        return True


def request_id_for(request) -> str:
    offered = request.headers.get("X-Request-ID", "")
    if settings.TRUST_X_REQUEST_ID and _VALID_ID.match(offered):
        return offered
    return uuid.uuid4().hex


def _user_id(request) -> str:
    """The signed-in user's id if this request has looked them up already; never a query
    of its own (the log line must not cost one, nor fail while the database is away)."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty or wrapped is None or not getattr(wrapped, "is_authenticated", False):
        return "-"
    return str(wrapped.pk)


class RequestLogMiddleware:
    """Outermost: it times everything and logs the status the client gets."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_for(request)
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            # For a streamed file, the time to its headers: the bytes go on after this.
            logger.info(
                "%s %s %s %.1fms user=%s",
                request.method,
                quote(request.path, safe=_PATH_SAFE),
                response.status_code,
                (time.perf_counter() - started) * 1000,
                _user_id(request),
            )
            return response
        finally:
            _request_id.reset(token)
