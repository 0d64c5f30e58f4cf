"""HTTP Range responses for stored files: the one way large files (video) leave the app.

Browsers seek in a <video> by asking for byte ranges; without 206 answers Chrome cannot seek.
Files are streamed in chunks from storage, never read whole into memory. In production the
same view can hand the file to nginx (X-Accel-Redirect) after its access check, or, with
media in a bucket, redirect to a short-lived presigned address of it (the bucket answers
the Range requests).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime

from django.conf import settings
from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header

CHUNK_SIZE = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# A file we serve is data: even if a browser took it for a page, this policy gives it no
# script, no plugin, no form and an opaque origin (deploy/nginx.conf adds the same three
# headers to the files it sends after X-Accel-Redirect).
FILE_POLICY = "default-src 'none'; sandbox"


@dataclass(frozen=True)
class StoredFile:
    """A file in storage that no model field names (the outputs of video processing)."""

    name: str
    storage: Storage


def protect_file_response(response: HttpResponseBase) -> HttpResponseBase:
    """The headers every stored file leaves with: its own type only, never a page."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """One byte range as (first, last), None to send the whole file, "unsatisfiable" for 416.

    Several ranges at once are answered with the whole file, which RFC 9110 allows.
    """
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # suffix range: the last N bytes
        length = _position(last_text)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(size - length, 0), size - 1
    first = _position(first_text)
    last = _position(last_text) if last_text else size - 1
    if last_text and last < first:
        return None
    if first >= size:
        return "unsatisfiable"
    return first, min(last, size - 1)


# More digits than any file size has; int() refuses numbers of over 4,300 digits anyway.
_MAX_POSITION_DIGITS = 18


def _position(digits: str) -> int:
    """A byte position from the header; an absurdly long one counts as past any file's end
    (the answer to bytes=<huge>- is 416 and to bytes=0-<huge> the rest of the file)."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_POSITION_DIGITS else 10**_MAX_POSITION_DIGITS


def _iter_range(handle, first: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(first)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _validators(field_file: FieldFile, size: int) -> tuple[str, str | None]:
    try:
        modified = field_file.storage.get_modified_time(field_file.name)
    except (NotImplementedError, OSError):
        return f'"{size}"', None
    stamp = int(modified.timestamp())
    return f'"{size:x}-{stamp:x}"', formatdate(stamp, usegmt=True)


def _if_range_matches(request, etag: str, last_modified: str | None) -> bool:
    condition = request.headers.get("If-Range")
    if not condition:
        return True
    if condition.startswith('"') or condition.startswith("W/"):
        return condition == etag
    if last_modified is None:
        return False
    try:
        return parsedate_to_datetime(condition) >= parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False


def ranged_file_response(
    request,
    field_file: FieldFile | StoredFile,
    *,
    content_type: str,
    download_name: str | None = None,
    cache_control: str = "private, max-age=3600",
    may_redirect: bool = True,
) -> HttpResponse:
    """Serve a stored file with Range support (200, 206 or 416) as `content_type`.

    The type is the caller's, decided from what the file was found to be when it came in;
    never from the stored name. With object storage (MEDIA_SERVING=redirect) the answer is a
    redirect to the bucket instead, which answers the Range requests itself; a file whose
    relative addresses must resolve against ours (an HLS playlist names its segments so)
    passes may_redirect=False and is streamed from the bucket.
    """
    if settings.MEDIA_SERVING == "redirect" and may_redirect:
        return presigned_redirect(
            field_file, content_type=content_type, download_name=download_name
        )
    name = field_file.name
    try:
        size = field_file.storage.size(name)
    except FileNotFoundError:
        raise Http404("This file is not in storage.") from None
    etag, last_modified = _validators(field_file, size)

    if settings.MEDIA_SERVING == "x-accel":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX + name
    else:
        wanted = request.headers.get("Range")
        chosen = None
        if wanted and _if_range_matches(request, etag, last_modified):
            chosen = parse_range(wanted, size)
        if chosen == "unsatisfiable":
            response = HttpResponse(status=416, content_type=content_type)
            response["Content-Range"] = f"bytes */{size}"
        elif chosen is None:
            response = FileResponse(field_file.storage.open(name, "rb"), content_type=content_type)
            response["Content-Length"] = str(size)
        else:
            first, last = chosen
            length = last - first + 1
            handle = field_file.storage.open(name, "rb")
            response = StreamingHttpResponse(
                _iter_range(handle, first, length), status=206, content_type=content_type
            )
            response["Content-Range"] = f"bytes {first}-{last}/{size}"
            response["Content-Length"] = str(length)
        response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = last_modified
    response["Cache-Control"] = cache_control
    if download_name:
        response["Content-Disposition"] = content_disposition_header(True, download_name)
    return protect_file_response(response)


def presigned_redirect(
    field_file: FieldFile, *, content_type: str, download_name: str | None = None
) -> HttpResponse:
    """A 302 to a short-lived signed address of the file in the bucket, after the caller's
    access check. The storage sends the bytes (and answers Range itself) with the type we
    chose and, for a download, our file name: the bucket's own metadata decides nothing.
    """
    parameters = {"ResponseContentType": content_type}
    if download_name:
        parameters["ResponseContentDisposition"] = content_disposition_header(True, download_name)
    address = field_file.storage.url(
        field_file.name, parameters=parameters, expire=settings.MEDIA_URL_EXPIRY
    )
    response = HttpResponseRedirect(address)
    # The address expires: a browser may reuse the redirect for a minute (seeks within one
    # viewing), never past the signature's life, and no shared cache keeps it at all.
    response["Cache-Control"] = f"private, max-age={min(60, settings.MEDIA_URL_EXPIRY // 2)}"
    return protect_file_response(response)
