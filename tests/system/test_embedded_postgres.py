"""The embedded PostgreSQL starter: where data goes, who runs it, when it stops."""

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from devdb import pgserver
from tests.processes import child_env

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="checks what happens when run as root")
ROOT = Path(__file__).resolve().parents[2]


def _modes_above(path: Path) -> dict[Path, int]:
    return {folder: stat.S_IMODE(folder.stat().st_mode) for folder in path.parents}


@pytest.fixture
def open_folder():
    folder = Path(tempfile.mkdtemp(prefix="coachlearn-open-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def closed_folder():
    folder = Path(tempfile.mkdtemp(prefix="coachlearn-closed-"))
    folder.chmod(0o700)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _cleanup(layout: pgserver.Layout) -> None:
    pgserver.remove(layout)
    if layout.data != layout.link:
        shutil.rmtree(layout.data.parent, ignore_errors=True)


def _query(layout: pgserver.Layout, sql: str):
    with psycopg.connect(host=str(layout.socket_dir), user="postgres", dbname="postgres") as c:
        return c.execute(sql).fetchone()[0]


@as_root
def test_root_keeps_data_in_project_when_its_folders_are_open(open_folder):
    link = open_folder / "project" / "var" / "postgres"
    link.parent.mkdir(parents=True)
    before = _modes_above(link)
    layout = pgserver.ensure_running(link)
    try:
        assert layout.data == link.absolute()
        assert _query(layout, "SELECT current_setting('listen_addresses')") == ""
        assert link.stat().st_uid == pgserver.pwd.getpwnam(pgserver.SYSTEM_USER).pw_uid
        assert stat.S_IMODE(link.stat().st_mode) == 0o700
        assert _modes_above(link) == before
    finally:
        _cleanup(layout)


@as_root
def test_root_never_opens_a_closed_folder_and_keeps_data_where_traversal_is_open(closed_folder):
    link = closed_folder / "project" / "var" / "postgres"
    link.parent.mkdir(parents=True)
    before = _modes_above(link)
    layout = pgserver.ensure_running(link)
    try:
        assert _modes_above(link) == before
        assert stat.S_IMODE(closed_folder.stat().st_mode) == 0o700
        assert layout.data.is_relative_to(pgserver.SHARED_ROOT)
        assert link.is_symlink() and link.resolve() == layout.data
        assert _query(layout, "SELECT 1") == 1
    finally:
        _cleanup(layout)


@as_root
def test_root_runs_the_server_as_our_system_user_not_root(open_folder):
    link = open_folder / "var" / "postgres"
    link.parent.mkdir(parents=True)
    layout = pgserver.ensure_running(link)
    try:
        pid = int((layout.data / "postmaster.pid").read_text().split()[0])
        owner = Path(f"/proc/{pid}").stat().st_uid
        assert owner == pgserver.pwd.getpwnam(pgserver.SYSTEM_USER).pw_uid
        assert owner != 0
    finally:
        _cleanup(layout)


def _holder(link: Path) -> subprocess.Popen:
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from devdb import pgserver
        pgserver.ensure_running(Path({str(link)!r}))
        print("up", flush=True)
        sys.stdin.read()
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=child_env(),
    )
    assert process.stdout.readline().strip() == "up"
    return process


def test_server_is_shared_by_processes_and_stops_with_the_last_one(open_folder):
    link = open_folder / "var" / "postgres"
    link.parent.mkdir(parents=True)
    first = _holder(link)
    second = _holder(link)
    layout = pgserver.plan_layout(link)
    try:
        server_pid = pgserver._postmaster_pid(layout)
        assert server_pid is not None
        first.communicate("", timeout=30)
        assert pgserver._postmaster_pid(layout) == server_pid, "one server, still running"
        second.communicate("", timeout=30)
        assert pgserver._postmaster_pid(layout) is None, "the last user stopped it"
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
        _cleanup(layout)


def test_a_user_killed_without_cleanup_does_not_leave_the_server_running(open_folder):
    link = open_folder / "var" / "postgres"
    link.parent.mkdir(parents=True)
    first = _holder(link)
    layout = pgserver.plan_layout(link)
    try:
        assert pgserver._postmaster_pid(layout) is not None
        first.kill()  # SIGKILL: no atexit
        first.wait()
        deadline = time.monotonic() + 30
        while pgserver._postmaster_pid(layout) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pgserver._postmaster_pid(layout) is None, "the watcher stopped it"
        second = _holder(link)
        assert pgserver._postmaster_pid(layout) is not None, "and the next user starts it again"
        second.communicate("", timeout=30)
    finally:
        _cleanup(layout)


def test_runserver_ended_with_sigterm_stops_the_server(open_folder):
    """runserver connects from a thread; SIGTERM must still let it release the server."""
    var = open_folder / "var"
    var.mkdir()
    # A server of its own under `var`, with the database runserver creates there.
    env = child_env(testing=False, VAR_DIR=str(var), DEBUG="1", EMBEDDED_DATABASE_NAME="coachlearn")
    env.pop("DATABASE_URL", None)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    layout = pgserver.plan_layout(var / "postgres")
    try:
        deadline = time.monotonic() + 60
        while not pgserver._read_users(layout) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pgserver._postmaster_pid(layout) is not None, "runserver started the server"
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        deadline = time.monotonic() + 30
        while pgserver._postmaster_pid(layout) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pgserver._postmaster_pid(layout) is None
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        _cleanup(layout)


@as_root
def test_programs_behind_a_closed_folder_are_used_from_a_readable_copy(
    open_folder, closed_folder, monkeypatch
):
    """A virtual environment under /root: the server's user cannot reach the wheel."""
    package = pgserver.binaries().parent.parent
    site = closed_folder / "site-packages"
    site.mkdir()
    shutil.copytree(package / "pginstall", site / package.name / "pginstall", symlinks=True)
    shutil.copytree(package.parent / f"{package.name}.libs", site / f"{package.name}.libs")
    monkeypatch.setattr(pgserver, "binaries", lambda: site / package.name / "pginstall" / "bin")
    link = open_folder / "var" / "postgres"
    link.parent.mkdir(parents=True)
    before = _modes_above(site / package.name / "pginstall" / "bin")
    layout = pgserver.ensure_running(link)
    try:
        assert layout.bin_dir.is_relative_to(pgserver.SHARED_ROOT)
        assert _query(layout, "SELECT 1") == 1
        assert _modes_above(site / package.name / "pginstall" / "bin") == before
        assert stat.S_IMODE(closed_folder.stat().st_mode) == 0o700
    finally:
        _cleanup(layout)
        shutil.rmtree(layout.bin_dir.parents[2], ignore_errors=True)
