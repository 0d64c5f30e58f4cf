"""The app behind PgBouncer in transaction mode (Debian's pgbouncer, on a loopback port).

PgBouncer hands a server connection to a client for one transaction only, so nothing may
outlive a transaction on the server: no prepared statements (Django's psycopg default) and
no server-side cursors (DATABASE_PGBOUNCER=1 turns them off). The pages here cover plain
reads, a sign-in (a session written), a transaction with SELECT … FOR UPDATE (a certificate
PDF rendered and stored) and `.iterator()` (the credit report, a server-side cursor
otherwise), served by gunicorn with production settings and its connection pool.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from certificates.services import issue_certificate
from devdb import pgserver
from devdb.embedded_db.base import server as embedded_server
from tests.app_server import app_server, get, sign_in, wait_for_port
from tests.conftest import free_port
from tests.factories import PASSWORD, make_completion, make_module
from tests.processes import child_env

pytestmark = pytest.mark.django_db(transaction=True)
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@pytest.fixture
def pgbouncer():
    """127.0.0.1:<port> of a PgBouncer in transaction mode before the embedded server."""
    if not Path(PGBOUNCER).exists():
        pytest.fail("Debian's pgbouncer is missing; `make test` installs it")
    folder = Path(tempfile.mkdtemp(prefix="coachlearn-pgbouncer-"))
    folder.chmod(0o755)
    port = free_port()
    (folder / "users.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"""
[databases]
* = host={embedded_server().socket_dir} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
default_pool_size = 4
; Each transaction to the next server connection in turn (PgBouncer reuses the last one by
; default, which would hide anything that outlives a transaction).
min_pool_size = 3
server_round_robin = 1
max_client_conn = 100
ignore_startup_parameters = extra_float_digits,options
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""
    )
    command = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer will not run as root: as the database's system user
        owner = pwd.getpwnam(pgserver.SYSTEM_USER)
        for path in folder.iterdir():
            os.chown(path, owner.pw_uid, owner.pw_gid)
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        command[1:1] = ["-u", pgserver.SYSTEM_USER]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_env()
    )
    try:
        wait_for_port(port, process)
        yield port, folder
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def site(pgbouncer, collected_static):
    port, _ = pgbouncer
    database = connection.settings_dict["NAME"]
    with app_server(
        workers=2,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/{database}",
        DATABASE_PGBOUNCER="1",
        DB_POOL_MAX_SIZE="2",
        STATIC_ROOT=str(collected_static),
        MFA_REQUIRED_FOR_STAFF="0",
    ) as url:
        yield url


def test_pages_sign_in_locking_and_iterating_work_through_pgbouncer(
    site, pgbouncer, learner, programme_staff, tmp_path
):
    module = make_module(cues=5)
    certificate = issue_certificate(
        completion=make_completion(learner, module), printed_name="Lee Learner"
    )
    for _ in range(3):  # the same queries again and again: no statement is prepared
        for path in ("/", f"/modules/{module.slug}/", f"/verify/{certificate.code}/"):
            assert get(site + path)[0] == 200, path
    learner_cookie = sign_in(site, learner.email, PASSWORD)
    status, headers, body = get(
        f"{site}/certificates/{certificate.code}.pdf", Cookie=learner_cookie
    )
    assert status == 200 and body.startswith(b"%PDF")
    staff_cookie = sign_in(site, programme_staff.email, PASSWORD)
    status, _, body = get(site + "/certificates/report.csv", Cookie=staff_cookie)
    assert status == 200 and certificate.display_code.encode() in body
    log = (pgbouncer[1] / "pgbouncer.log").read_text()
    assert "login attempt" in log  # the app really went through PgBouncer
