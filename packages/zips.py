"""Zips are untrusted: entries that would land outside the package, symbolic links, too many
or too large files and suspicious compression ratios are refused before anything is extracted.
"""

from __future__ import annotations

import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from packages.manifest import COPY_CHUNK, PackageError

# What reading a damaged zip raises (bad headers or CRC, cut-off or corrupt deflate data,
# an unknown compression method, a name that is not UTF-8 though flagged so, a NUL in a
# name). Found by tests/web/test_fuzz_parsers.py. OSError is left out: it is the disk's.
DAMAGED_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError)
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


@dataclass(frozen=True)
class ZipLimits:
    max_files: int = 50
    max_file_bytes: int = 500 * 10**6
    max_total_bytes: int = 600 * 10**6
    # Video barely compresses and text about 10:1; far more is a zip bomb's signature.
    max_ratio: int = 100
    ratio_applies_above: int = 10**6

    @classmethod
    def from_settings(cls) -> ZipLimits:
        largest = settings.MAX_VIDEO_UPLOAD_BYTES
        return cls(max_file_bytes=largest, max_total_bytes=largest + 100 * 10**6)


_UNSAFE_NAME = re.compile(r"^(/|\\|[A-Za-z]:)|\\")


def checked_parts(name: str, where: str) -> list[str]:
    """The parts of a relative path, or PackageError for absolute paths, `..` and the like."""
    parts = name.rstrip("/").split("/")
    if _UNSAFE_NAME.search(name) or any(part in ("", ".", "..") for part in parts):
        raise PackageError(f"{where}: {name}: a path outside the package is not allowed")
    return parts


@contextmanager
def open_package(path: Path, *, limits: ZipLimits | None = None) -> Iterator[Path]:
    """The package as a folder: `path` itself, or a zip checked and unpacked to a temp folder."""
    if path.is_dir():
        yield path
        return
    if not path.is_file():
        raise PackageError(f"{path}: no such file or folder")
    if not zipfile.is_zipfile(path):
        raise PackageError(f"{path.name}: not a folder or a zip file")
    limits = limits or ZipLimits.from_settings()
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        try:
            with zipfile.ZipFile(path) as archive:
                members = _checked_members(archive, path.name, limits)
                for info, parts in members:
                    _extract(archive, info, root.joinpath(*parts), path.name)
        except DAMAGED_ZIP_ERRORS as error:
            # A zip cut short or with damaged bytes fails while it is read, in zipfile or
            # zlib; it is the package's fault, so it is refused like any other bad package.
            raise PackageError(f"{path.name}: a damaged zip file ({error})") from None
        yield root


def _checked_members(archive, zip_name: str, limits: ZipLimits) -> list:
    infos = archive.infolist()
    if len(infos) > limits.max_files:
        raise PackageError(
            f"{zip_name}: {len(infos)} entries; a package may hold {limits.max_files}"
        )
    members, seen, total = [], set(), 0
    for info in infos:
        parts = checked_parts(info.filename, zip_name)
        _check_entry(info, zip_name, limits)
        if info.is_dir():
            continue
        if info.filename in seen:
            raise PackageError(f"{zip_name}: {info.filename}: appears twice")
        seen.add(info.filename)
        total += info.file_size
        members.append((info, parts))
    if total > limits.max_total_bytes:
        raise PackageError(
            f"{zip_name}: unpacks to {total} bytes; the limit is {limits.max_total_bytes}"
        )
    return _without_top_folder(members)


def _check_entry(info: zipfile.ZipInfo, zip_name: str, limits: ZipLimits) -> None:
    where = f"{zip_name}: {info.filename}"
    if stat.S_ISLNK(info.external_attr >> 16):
        raise PackageError(f"{where}: symbolic links are not allowed")
    if info.flag_bits & 0x1:
        raise PackageError(f"{where}: encrypted entries are not supported")
    if info.header_offset < 0:  # a damaged directory; seeking there would fail with EINVAL
        raise PackageError(f"{where}: a damaged zip file (the entry lies before its start)")
    if info.compress_type not in ZIP_METHODS:
        # Packages are stored or deflated (as exported and as "compress" tools make them);
        # bzip2, LZMA and the rest fail in their own ways when damaged.
        raise PackageError(
            f"{where}: compression method {info.compress_type} is not supported; "
            "zip the package with the usual (deflate) compression"
        )
    if info.file_size > limits.max_file_bytes:
        raise PackageError(
            f"{where}: {info.file_size} bytes; files up to {limits.max_file_bytes} are allowed"
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > limits.ratio_applies_above and ratio > limits.max_ratio:
        raise PackageError(
            f"{where}: compressed {ratio:.0f} times; refused as a possible zip bomb "
            f"(the limit is {limits.max_ratio})"
        )


def _without_top_folder(members: list) -> list:
    """Zips made by "compress this folder" hold everything inside one folder."""
    tops = {parts[0] for _, parts in members}
    if len(tops) == 1 and all(len(parts) > 1 for _, parts in members):
        return [(info, parts[1:]) for info, parts in members]
    return members


def _extract(archive, info: zipfile.ZipInfo, target: Path, zip_name: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with archive.open(info) as source, target.open("wb") as out:
        while chunk := source.read(COPY_CHUNK):
            written += len(chunk)
            if written > info.file_size:  # never trust the header's size alone
                raise PackageError(f"{zip_name}: {info.filename}: larger than it claims")
            out.write(chunk)
