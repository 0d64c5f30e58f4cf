"""Background jobs with a real worker (`manage.py procrastinate worker`) on the test
database: mail and certificate PDFs leave the request, and a worker killed with SIGKILL
half-way has its job retried with no partial file or row left behind."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from accounts.models import OutgoingMail
from certificates.models import Certificate
from certificates.services import issue_certificate
from modules.models import VideoProcessing
from modules.services import video_changed
from tests.app_server import production_env
from tests.factories import DEMO_DIR, make_completion, make_module
from tests.web.test_accounts import _sign_up

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """One worker process with production settings, on this test's database and media."""

    def __init__(self, media: Path, mail: Path, **extra: str) -> None:
        env = production_env(
            MEDIA_ROOT=str(media),
            MAIL_FILE_DIR=str(mail),
            JOBS_HEARTBEAT_SECONDS="1",
            JOBS_STALLED_AFTER_SECONDS="3",
            JOBS_STALLED_CHECK_SECONDS="1",
            VIDEO_WORK_DIR=str(media.parent / "work"),
            **extra,
        )
        self.log = open(media.parent / f"worker-{time.monotonic_ns()}.log", "w+")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "procrastinate", "worker"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


@pytest.fixture
def start_worker(settings, tmp_path):
    workers: list[Worker] = []
    mail = tmp_path / "mail"

    def start() -> Worker:
        workers.append(Worker(Path(settings.MEDIA_ROOT), mail))
        return workers[-1]

    start.mail = mail
    yield start
    for worker in workers:
        worker.stop()


def wait_for(condition, *, seconds: float = 60, what: str = "the job"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.02)
    raise AssertionError(f"{what} did not happen within {seconds} s")


def job_of(task_name: str) -> ProcrastinateJob:
    return ProcrastinateJob.objects.filter(task_name=task_name).order_by("-pk").first()


def status_of(task_name: str) -> str | None:
    job = job_of(task_name)
    return job.status if job else None


# --- mail ----------------------------------------------------------------------------------


@pytest.fixture
def queued_mail(settings):
    settings.EMAIL_BACKEND = "accounts.mail.QueuedEmailBackend"


def test_mail_waits_in_the_queue_and_a_worker_sends_it(queued_mail, start_worker):
    send_mail("Your certificate", "It is ready.", None, ["coach@example.org"])
    assert OutgoingMail.objects.count() == 1
    assert not start_worker.mail.exists()  # nothing was sent during the request
    assert "coach@example.org" not in str(job_of("accounts.tasks.send_mail").args)

    start_worker()
    wait_for(lambda: status_of("accounts.tasks.send_mail") == "succeeded")
    [sent] = start_worker.mail.iterdir()
    text = sent.read_text()
    assert "To: coach@example.org" in text and "It is ready." in text
    assert not OutgoingMail.objects.exists()  # the message left the database once sent


def test_sign_up_with_a_new_or_a_taken_address_only_queues_one_mail(
    queued_mail, client, learner, settings
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    answers = []
    for email in ("new.coach@example.org", "learner@example.org"):
        before = OutgoingMail.objects.count()
        response = _sign_up(client, email=email)
        answers.append((response.status_code, response["Location"]))
        assert OutgoingMail.objects.count() == before + 1, email
        client.logout()
    assert answers[0] == answers[1] == (302, reverse("account_email_verification_sent"))


# --- certificates --------------------------------------------------------------------------


def test_a_claimed_certificate_is_rendered_by_a_worker_before_its_first_download(
    learner, client, start_worker
):
    certificate = issue_certificate(
        completion=make_completion(learner, make_module()), printed_name="Lee Learner"
    )
    assert not Certificate.objects.get(pk=certificate.pk).pdf
    start_worker()
    wait_for(lambda: status_of("certificates.tasks.render_certificate") == "succeeded")
    stored = Certificate.objects.get(pk=certificate.pk)
    assert stored.pdf and len(stored.pdf_sha256) == 64
    client.force_login(learner)
    response = client.get(stored.get_absolute_url())
    assert response.content == stored.pdf.open("rb").read()


def test_a_worker_killed_while_rendering_a_certificate_leaves_it_to_the_next(
    learner, start_worker, settings
):
    certificate = issue_certificate(
        completion=make_completion(learner, make_module()), printed_name="Lee Learner"
    )
    first = start_worker()
    wait_for(lambda: status_of("certificates.tasks.render_certificate") == "doing", seconds=60)
    first.kill()
    start_worker()
    wait_for(
        lambda: status_of("certificates.tasks.render_certificate") == "succeeded",
        what="the retried job",
    )
    stored = Certificate.objects.get(pk=certificate.pk)
    folder = Path(settings.MEDIA_ROOT) / "certificates"
    assert [p.name for p in folder.iterdir()] == [Path(stored.pdf.name).name]
    import hashlib

    assert hashlib.sha256(stored.pdf.open("rb").read()).hexdigest() == stored.pdf_sha256


# --- video ---------------------------------------------------------------------------------


def test_a_worker_killed_while_processing_a_video_is_replaced_and_the_job_done_once(
    start_worker, settings
):
    module = make_module()
    module.video.save("talk.webm", ContentFile((DEMO_DIR / "coaching-basics.webm").read_bytes()))
    video_changed(module=module)
    first = start_worker()
    # Killed while ffmpeg is at work, its outputs half-written in its work folder.
    wait_for(
        lambda: VideoProcessing.objects.filter(module=module, percent__gte=10).exists(),
        what="processing to be under way",
    )
    first.kill()
    assert VideoProcessing.objects.get(module=module).status == VideoProcessing.Status.RUNNING
    start_worker()
    wait_for(
        lambda: VideoProcessing.objects.filter(module=module, status="ready").exists(),
        seconds=120,
        what="the retried processing",
    )
    processing = VideoProcessing.objects.get(module=module)
    folders = os.listdir(Path(settings.MEDIA_ROOT) / "processed" / str(module.pk))
    assert folders == [processing.prefix.rsplit("/", 1)[1]]
    assert (Path(settings.MEDIA_ROOT) / processing.prefix / "hls" / "master.m3u8").is_file()
    assert list((Path(settings.MEDIA_ROOT).parent / "work").iterdir()) == []


def test_a_half_written_pdf_left_by_a_killed_render_is_replaced_not_kept_beside(learner, settings):
    from certificates.tasks import render_certificate

    certificate = issue_certificate(
        completion=make_completion(learner, make_module()), printed_name="Lee Learner"
    )
    folder = Path(settings.MEDIA_ROOT) / "certificates"
    folder.mkdir(parents=True)
    (folder / f"{certificate.code}.pdf").write_bytes(b"%PDF-1.7 cut short")  # no row names it
    render_certificate(certificate_id=certificate.pk)  # the retried job, run here
    stored = Certificate.objects.get(pk=certificate.pk)
    assert [p.name for p in folder.iterdir()] == [f"{certificate.code}.pdf"]
    assert stored.pdf.name == f"certificates/{certificate.code}.pdf"
    assert stored.pdf.open("rb").read().startswith(b"%PDF") and stored.pdf.size > 1000
