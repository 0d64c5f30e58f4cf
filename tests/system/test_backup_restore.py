"""`manage.py backup` and `manage.py restore` round-trip a populated database and its media.

Everything runs in subprocesses against a database of its own on the shared embedded
server (EMBEDDED_DATABASE_NAME) and a media folder of its own, as `make backup` and
`make restore DIR=…` would; the database is dropped at the end.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from devdb.embedded_db.base import server
from ops.backup import BackupError, verify
from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]

POPULATE = """
import django; django.setup()
from decimal import Decimal
from django.utils import timezone
from accounts.models import User
from certificates.models import EvaluationQuestion
from certificates.pdf import certificate_pdf
from certificates.services import issue_certificate, revoke_certificate
from modules.models import LearningObjective, Module
from quizzes.models import Attempt, Completion, Quiz, WatchProgress

admin = User.objects.create_superuser("boss@example.org", "pw-not-used-1", certificate_name="Bo")
for m in range(3):
    module = Module.objects.create(
        title=f"Module {m}", slug=f"module-{m}", activity_code=f"BK-{m:04d}",
        credit=Decimal("0.25"), duration_seconds=600, is_published=True,
        published_at=timezone.now(),
    )
    LearningObjective.objects.create(module=module, position=1, text="Listen first.")
    quiz = Quiz.objects.create(module=module)
    question = EvaluationQuestion.objects.create(module=module, text="Useful?")
    for n in range(4):
        user, _ = User.objects.get_or_create(
            email=f"learner{n}@example.org", defaults={"certificate_name": f"Learner {n}"}
        )
        WatchProgress.objects.create(
            user=user, module=module, intervals=[[0, 300]], watched_seconds=300
        )
        Attempt.objects.create(user=user, quiz=quiz, score_percent=40, passed=False,
                               finished_at=timezone.now())
        attempt = Attempt.objects.create(user=user, quiz=quiz, score_percent=100, passed=True,
                                         finished_at=timezone.now())
        completion = Completion.objects.create(user=user, module=module, attempt=attempt,
                                               completed_at=attempt.finished_at)
        certificate = issue_certificate(completion=completion, printed_name=f"Learner {n}",
                                        evaluation={question.pk: "yes"})
        certificate_pdf(certificate)
        if n == 3:
            revoke_certificate(certificate=certificate, actor=admin, reason="Issued in error")
"""

# Every certificate with its stored PDF's bytes hashed now, and the hash kept in the row.
DESCRIBE = """
import django, hashlib, json; django.setup()
from accounts.models import User
from certificates.models import Certificate, CertificateEvent, EvaluationAnswer
from quizzes.models import Attempt, Completion, WatchProgress
certificates = {}
for c in Certificate.objects.order_by("code"):
    data = c.pdf.open("rb").read() if c.pdf and c.pdf.storage.exists(c.pdf.name) else b""
    certificates[c.code] = [c.learner_name, c.status, c.pdf.name, c.pdf_sha256,
                            hashlib.sha256(data).hexdigest(), len(data)]
print(json.dumps({
    "learners": sorted(User.objects.values_list("email", flat=True)),
    "attempts": sorted(Attempt.objects.values_list("user__email", "quiz__module__slug",
                                                   "score_percent", "passed")),
    "completions": Completion.objects.count(),
    "watch": WatchProgress.objects.count(),
    "events": sorted(CertificateEvent.objects.values_list("certificate__code", "action",
                                                           "reason")),
    "answers": EvaluationAnswer.objects.count(),
    "certificates": certificates,
}, default=str))
"""

DAMAGE = """
import django; django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute(
        "TRUNCATE certificates_certificate, quizzes_attempt, accounts_user CASCADE"
    )
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Environment of a site with its own database and media; the database is dropped after."""
    tmp_path = tmp_path_factory.mktemp("site")
    name = f"coachlearn_backup_{uuid.uuid4().hex[:10]}"
    env = child_env(
        DJANGO_SETTINGS_MODULE="coachlearn.settings",
        EMBEDDED_DATABASE_NAME=name,  # a site of its own, on the embedded server
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    env.pop("DATABASE_URL", None)
    yield env
    with psycopg.connect(
        host=str(server().socket_dir), user="postgres", dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _process(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        input=stdin,
    )


def _run(env: dict, *args: str, stdin: str | None = None) -> str:
    result = _process(env, *args, stdin=stdin)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _manage(env: dict, *args: str, stdin: str | None = None) -> str:
    return _run(env, "manage.py", *args, stdin=stdin)


def _describe(env: dict) -> dict:
    return json.loads(_run(env, "-c", DESCRIBE))


@pytest.fixture(scope="module")
def populated(site, tmp_path_factory):
    """The populated site and a backup of it. Every test leaves the site as populated."""
    _manage(site, "migrate", "--noinput", "-v0")
    _run(site, "-c", POPULATE)
    backups = tmp_path_factory.mktemp("backups")
    return site, Path(_manage(site, "backup", "--dest", str(backups)).strip())


def _restore(env: dict, folder: Path, *options: str, stdin: str | None = None):
    return _process(env, "manage.py", "restore", str(folder), *options, stdin=stdin)


def test_a_backup_restores_learners_attempts_certificates_and_their_pdfs(populated):
    site, folder = populated
    before = _describe(site)
    assert len(before["certificates"]) == 12 and before["completions"] == 12

    _run(site, "-c", DAMAGE)  # the worst day: records and files gone
    for path in Path(site["MEDIA_ROOT"]).rglob("*.pdf"):
        path.unlink()
    assert _describe(site)["certificates"] == {}

    _manage(site, "restore", str(folder), "--noinput")
    after = _describe(site)
    assert after == before
    for learner_name, _, _, stored_hash, file_hash, size in after["certificates"].values():
        assert stored_hash == file_hash and size > 1000, learner_name


def test_the_manifest_lists_counts_and_the_sha256_of_every_file(populated):
    _, folder = populated
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["rows"]["certificates.Certificate"] == 12
    assert manifest["rows"]["quizzes.Attempt"] == 24
    assert manifest["rows"]["accounts.User"] == 5
    pdfs = {name: entry for name, entry in manifest["media"].items() if name.endswith(".pdf")}
    assert len(pdfs) == 12
    for name, entry in pdfs.items():
        data = (folder / "media" / name).read_bytes()
        assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    dump = (folder / "database.dump").read_bytes()
    assert dump.startswith(b"PGDMP")  # pg_dump's custom format
    assert manifest["dump"]["sha256"] == hashlib.sha256(dump).hexdigest()
    assert folder.name[:8].isdigit()  # var/backups/<timestamp>/


def test_a_damaged_backup_is_refused_before_anything_is_touched(populated, tmp_path):
    site, folder = populated
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    pdf = next((copy / "media").rglob("*.pdf"))
    pdf.write_bytes(pdf.read_bytes()[:-10])
    with pytest.raises(BackupError, match="files differ from the manifest"):
        verify(copy)
    before = _describe(site)
    result = _restore(site, copy, "--noinput")
    assert result.returncode != 0 and "files differ from the manifest" in result.stderr
    assert _describe(site) == before


def test_restore_asks_before_replacing_the_database(populated):
    site, folder = populated
    result = _restore(site, folder, stdin="no\n")
    assert result.returncode != 0 and "Restore cancelled" in result.stderr
