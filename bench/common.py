"""Pieces every benchmark needs: its settings and database, percentiles, free ports, a gunicorn
that is up, static files, CPU time from /proc, nginx and Redis for a run."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# gunicorn's advice, and `make serve`'s default: 2 × cores + 1 workers.
DEFAULT_WORKERS = 2 * (os.cpu_count() or 1) + 1
DEFAULT_STATIC_ROOT = "/tmp/coachlearn-bench-static"


def configure(database: str | None, **overrides: str) -> None:
    """Production settings (DEBUG=0, plain HTTP) on the benchmark's own database of the
    embedded server (DATABASE_URL wins if set), with the project importable. Call it before
    Django is imported; `overrides` are more environment variables."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "coachlearn.settings",
            "DEBUG": "0",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,testserver",  # gunicorn gets 127.0.0.1 only
            "STATIC_ROOT": os.environ.get("STATIC_ROOT", DEFAULT_STATIC_ROOT),
            **({"EMBEDDED_DATABASE_NAME": database} if database else {}),
            **overrides,
        }
    )


def set_up_django() -> None:
    """django.setup(), then the benchmark's database migrated, with its cache table. The
    request log (a line per request) is quiet in this process, where the requests are the
    benchmark's own; the servers it starts keep theirs."""
    import logging

    import django

    django.setup()
    logging.getLogger("coachlearn.requests").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    port: int, workers: int, *options: str, env: dict, stderr=None
) -> subprocess.Popen:
    """gunicorn serving the project on 127.0.0.1:port (stop it with stop_server)."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "coachlearn.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            *options,
        ],
        cwd=ROOT,
        env=env,
        stderr=stderr,
    )


def wait_for(port: int, server: subprocess.Popen) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"{server.args[0]} exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.args[0]} did not start listening within 30 s")


def collect_static() -> None:
    """gunicorn with DEBUG=0 serves hashed static names: the manifest must exist."""
    static_root = Path(os.environ["STATIC_ROOT"])
    manifest = static_root / "staticfiles.json"
    newest_source = max(p.stat().st_mtime for p in (ROOT / "static").rglob("*") if p.is_file())
    if manifest.exists() and manifest.stat().st_mtime >= newest_source:
        return
    print(f"collecting static files into {static_root} …", flush=True)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        check=True,
    )


def cpu_seconds(match) -> float:
    """CPU time (user + system) used so far by the processes for which match(ppid, cmdline)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if match(int(fields[1]), cmdline):  # fields[1]: the parent's pid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def stop_server(server: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it has not exited in time."""
    if server.poll() is None:
        server.terminate()
    try:
        server.wait(timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def start_nginx(
    folder: Path, app_ports: list[int], static_root: str
) -> tuple[subprocess.Popen, int]:
    """deploy/nginx.conf on 127.0.0.1 in front of the app servers on `app_ports`."""
    port = free_port()
    servers = "\n    ".join(f"server 127.0.0.1:{p};" for p in app_ports)
    site = (
        (ROOT / "deploy" / "nginx.conf")
        .read_text()
        .replace("listen 80;", f"listen 127.0.0.1:{port};")
        .replace("server 127.0.0.1:8000;", servers)
        .replace("keepalive 16;", "keepalive 64;")
        .replace("/srv/coachlearn/var/static/", f"{static_root}/")
    )
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(mode=0o777, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""
        daemon off;
        worker_processes 1;
        pid {folder}/nginx.pid;
        error_log {folder}/error.log warn;
        events {{ worker_connections 1024; }}
        http {{
            include /etc/nginx/mime.types;
            access_log off;
            client_body_temp_path {folder}/body;
            proxy_temp_path {folder}/proxy;
            fastcgi_temp_path {folder}/fastcgi;
            uwsgi_temp_path {folder}/uwsgi;
            scgi_temp_path {folder}/scgi;
            {site}
        }}
        """
    )
    process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(folder)])
    wait_for(port, process)
    return process, port


def start_redis(folder: Path) -> tuple[subprocess.Popen, int]:
    """redis-server on 127.0.0.1 with nothing on disk (stop it with stop_server)."""
    port = free_port()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(port, process)
    return process, port


def say(message: str) -> None:
    print(message, flush=True)
