"""Uploaded media: the type is read from the first bytes, the name is ours.

A browser plays MP4 (ISO base media: an `ftyp` box first) and WebM (an EBML header whose
DocType is "webm"); anything else uploaded as a video would leave learners with a player
that never starts. Posters are PNG, JPEG or WebP; SVG and everything else is refused, since
a file that a browser may render as a page could run script from our origin.

Every way a file comes in (the admin, `import_module`, the demo loader) goes through
`store_media`: the content decides the type, and the file is stored under a random name
with that type's extension, so the name an uploader chose never reaches storage or a
response. Serving (`served_type`) derives the type from that extension alone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import BinaryIO, Literal

from django.conf import settings
from django.core.files import File
from django.db.models.fields.files import FieldFile

HEAD_BYTES = 4096
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EBML_DOCTYPE_ID = 0x4282


@dataclass(frozen=True)
class MediaType:
    content_type: str
    extension: str  # with the dot: the only extension files of this type are stored with

    def stored_name(self) -> str:
        """A name of ours for a new file of this type: random, with the canonical extension."""
        return f"{secrets.token_hex(10)}{self.extension}"


MP4 = MediaType("video/mp4", ".mp4")
WEBM = MediaType("video/webm", ".webm")
PNG = MediaType("image/png", ".png")
JPEG = MediaType("image/jpeg", ".jpg")
WEBP = MediaType("image/webp", ".webp")


VIDEO_TYPES = (MP4, WEBM)
IMAGE_TYPES = (PNG, JPEG, WEBP)
BY_EXTENSION = {kind.extension: kind for kind in (*VIDEO_TYPES, *IMAGE_TYPES)}
MAX_POSTER_BYTES = 10 * 10**6

MediaRole = Literal["video", "poster"]


class MediaFileError(ValueError):
    """The one error for refused media; the message names the file."""


def check_media(handle: BinaryIO, *, role: MediaRole, name: str, size: int) -> MediaType:
    """The type of an incoming video or poster, from its content; MediaFileError if refused."""
    if role == "video":
        return check_video(handle, name=name, size=size, max_bytes=settings.MAX_VIDEO_UPLOAD_BYTES)
    return check_image(handle, name=name, size=size, max_bytes=MAX_POSTER_BYTES)


def store_media(field_file: FieldFile, handle: BinaryIO, *, role: MediaRole, name: str) -> str:
    """Check `handle` and save it into `field_file` under a name of ours; the stored name.

    The model is not saved (the caller saves it with its other fields).
    """
    handle.seek(0, 2)
    size = handle.tell()
    kind = check_media(handle, role=role, name=name, size=size)
    field_file.save(kind.stored_name(), File(handle), save=False)
    return field_file.name


def served_type(field_file: FieldFile) -> MediaType | None:
    """The type a stored file is served as, None for a file that is no media of ours.

    Files stored by `store_media` carry their type in their extension. A file stored under
    a name of its uploader's (before names were ours) is read again: its extension says
    nothing, and the caller sends a file that is neither video nor image as a download.
    """
    name = field_file.name or ""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    if suffix in BY_EXTENSION:
        return BY_EXTENSION[suffix]
    try:
        with field_file.storage.open(name, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except FileNotFoundError:
        return None
    return sniff_video(head) or sniff_image(head)


def format_size(size: int) -> str:
    """1.5 MB, 500 MB, 12 KB, 800 bytes (decimal units, as file browsers show them)."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def sniff_video(head: bytes) -> MediaType | None:
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return MP4
    if head.startswith(EBML_MAGIC) and _ebml_doctype(head) == b"webm":
        return WEBM
    return None


def sniff_image(head: bytes) -> MediaType | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def check_video(handle: BinaryIO, *, name: str, size: int, max_bytes: int) -> MediaType:
    """The video's type, or MediaFileError saying why `name` is refused."""
    _check_size(name=name, size=size, max_bytes=max_bytes)
    kind = sniff_video(_head(handle))
    if kind is None:
        raise MediaFileError(
            f"{name} is not an MP4 or WebM video (its content was checked, not its name); "
            "export the video as MP4 (H.264) or WebM and upload it again."
        )
    return kind


def check_image(handle: BinaryIO, *, name: str, size: int, max_bytes: int) -> MediaType:
    _check_size(name=name, size=size, max_bytes=max_bytes)
    kind = sniff_image(_head(handle))
    if kind is None:
        raise MediaFileError(
            f"{name} is not a PNG, JPEG or WebP image (its content was checked, not its name; "
            "SVG and other formats are not accepted)."
        )
    return kind


def _check_size(*, name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise MediaFileError(
            f"{name} is {format_size(size)}; files up to {format_size(max_bytes)} are accepted."
        )
    if size == 0:
        raise MediaFileError(f"{name} is empty.")


def _head(handle: BinaryIO) -> bytes:
    handle.seek(0)
    head = handle.read(HEAD_BYTES)
    handle.seek(0)
    return head


# ----------------------------------------------------------------------------- EBML


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at `at`: (value, length), or None if cut short."""
    if at >= len(data) or data[at] == 0:
        return None
    first = data[at]
    length = 8 - first.bit_length() + 1
    if at + length > len(data):
        return None
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = (value << 8) | byte
    return value, length


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType ("webm", "matroska") of the EBML header at the start of `head`."""
    at = len(EBML_MAGIC)
    header_size = _vint(head, at, keep_marker=False)
    if header_size is None:
        return None
    at += header_size[1]
    end = min(len(head), at + header_size[0])
    while at < end:
        element = _vint(head, at, keep_marker=True)
        if element is None:
            return None
        size = _vint(head, at + element[1], keep_marker=False)
        if size is None:
            return None
        body = at + element[1] + size[1]
        if element[0] == EBML_DOCTYPE_ID:
            return head[body : body + size[0]].rstrip(b"\x00")
        at = body + size[0]
    return None
