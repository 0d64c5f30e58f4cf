"""Recognise uploaded media by their first bytes, never by their file names.

A browser plays MP4 (ISO base media: an `ftyp` box first) and WebM (an EBML header whose
DocType is "webm"); anything else uploaded as a video would leave learners with a player
that never starts. Posters are PNG, JPEG or WebP. Only the head of a file is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

HEAD_BYTES = 4096
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EBML_DOCTYPE_ID = 0x4282


@dataclass(frozen=True)
class MediaType:
    content_type: str
    extension: str  # with the dot, as files of this type are named in packages


MP4 = MediaType("video/mp4", ".mp4")
WEBM = MediaType("video/webm", ".webm")
PNG = MediaType("image/png", ".png")
JPEG = MediaType("image/jpeg", ".jpg")
WEBP = MediaType("image/webp", ".webp")


class MediaFileError(ValueError):
    """The one error for refused media; the message names the file."""


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
        raise MediaFileError(f"{name} is not a PNG, JPEG or WebP image.")
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
