"""Bytes to text: a BOM first, then UTF-8, then a detector, then Windows-1252.

Vendors and old course sites save captions as UTF-16 or UTF-32 (with a BOM) and as
Windows-1252 or Latin-1 (without one); all of them are read, and the caller is told which
encoding was used so the admin can check the accents. Only data that is not text at all is
refused.
"""

from __future__ import annotations

import codecs

import charset_normalizer

from modules.transcripts.model import Repair, TranscriptError, numbered

NOT_TEXT = (
    "not text: the file looks binary (it has NUL bytes or control characters); "
    "upload plain text, WebVTT or SRT"
)
# Longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
FALLBACK = "cp1252"
# How much more "chaos" (charset-normalizer's measure of odd characters, 0 to 1) than the
# detector's favourite Windows-1252 may show and still be preferred.
_CHAOS_MARGIN = 0.1
# A text file has a few stray control characters at most; more than this share is binary.
_MAX_CONTROL_SHARE = 0.1
_ALLOWED_CONTROLS = set("\t\n\r\f\v")


_ENCODING_NAMES = {"cp1252": "Windows-1252", "latin_1": "Latin-1", "iso8859_1": "Latin-1"}


def encoding_name(encoding: str) -> str:
    """How people name an encoding: Windows-1252, UTF-16, GB18030."""
    return _ENCODING_NAMES.get(encoding, encoding.upper().replace("_", "-"))


def decode(data: str | bytes) -> tuple[str, str, list[Repair]]:
    """(text, the encoding used, repairs); raises TranscriptError for data that is not text."""
    if isinstance(data, str):
        text, encoding = data, "utf-8"
    else:
        text, encoding = _decode_bytes(bytes(data))
    return _finish(text.removeprefix("\ufeff"), encoding)


def _finish(text: str, encoding: str) -> tuple[str, str, list[Repair]]:
    _refuse_binary(text)
    repairs = _nul_repairs(text)
    return text.replace("\x00", "\ufffd"), encoding, repairs


def _decode_bytes(raw: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            name = encoding.removesuffix("-le").removesuffix("-be")
            return raw[len(bom) :].decode(encoding, errors="replace"), name
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in raw:  # UTF-16 without a BOM, or binary: neither is read by guessing
        raise TranscriptError(NOT_TEXT)
    encoding = _detected(raw)
    return raw.decode(encoding, errors="replace"), encoding


def _detected(raw: bytes) -> str:
    """charset-normalizer's guess, or Windows-1252 when that reads the bytes about as
    cleanly (the detector is unsure of short texts, where many code pages fit, and
    Windows-1252 is what Western tools write)."""
    matches = list(charset_normalizer.from_bytes(raw))
    if not matches:
        return FALLBACK
    best = matches[0]
    for match in matches:
        if match.encoding == FALLBACK and match.chaos <= best.chaos + _CHAOS_MARGIN:
            return FALLBACK
    return best.encoding


def _refuse_binary(text: str) -> None:
    controls = sum(1 for char in text if char < " " and char not in _ALLOWED_CONTROLS)
    if controls and controls > _MAX_CONTROL_SHARE * len(text):
        raise TranscriptError(NOT_TEXT)


def _nul_repairs(text: str) -> list[Repair]:
    """WebVTT's rule, for every format: a NUL character is read as U+FFFD (�)."""
    repairs = []
    for number, line in numbered(text):
        if "\x00" in line:
            repairs.append(Repair(number, "a NUL character is read as �"))
    return repairs
