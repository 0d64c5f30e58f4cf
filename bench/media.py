"""The media pipeline on this machine: processing time per minute of video, the sizes of
what it makes, the error of timing a spoken transcript, and a certificate's first download
rendered in the request against stored by its job.

    .venv/bin/python bench/media.py [--seconds 60]

It makes its own clips with ffmpeg and espeak-ng (Debian's), uses its own database
(coachlearn_bench_pipeline) on the embedded server, and a temporary media folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import configure, set_up_django

WORK = Path(tempfile.mkdtemp(prefix="coachlearn-bench-media-"))
configure(
    "coachlearn_bench_pipeline",
    MEDIA_ROOT=str(WORK / "media"),
    VIDEO_WORK_DIR=str(WORK / "work"),
)

LINES = [
    "Welcome back. What would you like to focus on today?",
    "I want to get better at giving feedback to my residents.",
    "What makes feedback hard for you right now?",
    "I worry that they will take it personally.",
    "Let us look at one recent conversation together.",
    "Yesterday a resident missed an important finding on rounds.",
    "What did you say to her, and what did you want to say?",
    "I said nothing in the moment. I talked to her after.",
    "How did that conversation go for both of you?",
    "Better than I expected, but I was not very specific.",
    "What would specific feedback have sounded like?",
    "That the finding was in the chart and how to look for it next time.",
]


def ffmpeg(*arguments: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *arguments], check=True)


def clips(seconds: int) -> dict[str, Path]:
    picture = f"testsrc2=s={{}}:r=30:d={seconds}"
    sound = ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}"]
    phone = WORK / "phone.mov"
    ffmpeg(
        *["-f", "lavfi", "-i", picture.format("1920x1080"), *sound],
        *["-c:v", "libx265", "-x265-params", "log-level=error", "-preset", "fast"],
        *["-tag:v", "hvc1", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(phone)],
    )
    webm = WORK / "screen.webm"
    ffmpeg(
        *["-f", "lavfi", "-i", picture.format("1280x720"), *sound],
        *["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "800k"],
        *["-c:a", "libopus", "-shortest", str(webm)],
    )
    return {"phone HEVC 1080p .mov": phone, "screen VP9 720p .webm": webm}


def spoken(gap: float = 7.5) -> tuple[Path, list[float]]:
    inputs, delays, starts = [], [], []
    for index, text in enumerate(LINES):
        wav = WORK / f"line{index}.wav"
        voice = "en-us" if index % 2 == 0 else "en-us+m3"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "165", "-w", str(wav), text], check=True)
        start = 1.0 + index * gap
        starts.append(start)
        inputs += ["-i", str(wav)]
        delays.append(f"[{index + 1}:a]adelay={int(start * 1000)}:all=1[a{index}]")
    mix = "".join(f"[a{i}]" for i in range(len(LINES)))
    graph = ";".join([*delays, f"{mix}amix=inputs={len(LINES)}:normalize=0[sound]"])
    length = int(starts[-1] + gap + 5)  # the last line is spoken whole
    video = WORK / "spoken.webm"
    ffmpeg(
        *["-f", "lavfi", "-i", f"color=c=0x224466:s=320x180:r=10:d={length}", *inputs],
        *["-filter_complex", graph, "-map", "0:v", "-map", "[sound]", "-t", str(length)],
        *["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"],
        str(video),
    )
    return video, starts


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of each clip")
    args = parser.parse_args()

    set_up_django()
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from accounts.models import User
    from certificates.models import Certificate
    from certificates.pdf import certificate_pdf
    from certificates.services import issue_certificate
    from modules.alignment import align, audio_of
    from modules.models import Module
    from modules.services import video_changed
    from modules.video_pipeline import process_module_video
    from quizzes.models import Attempt, Completion, Quiz

    Module.objects.filter(slug__startswith="bench-media-").delete()

    print(f"Video processing ({args.seconds} s clips, {os.cpu_count()} cores):")
    for number, (name, path) in enumerate(clips(args.seconds).items()):
        module = Module.objects.create(
            title=name, slug=f"bench-media-{number}", activity_code=f"BM-{number:04d}"
        )
        module.video.save(f"clip{path.suffix}", ContentFile(path.read_bytes()), save=True)
        video_changed(module=module)
        started = time.perf_counter()
        processing = process_module_video(module)
        took = time.perf_counter() - started
        prefix = Path(module.video.storage.path(processing.prefix))
        renditions = sorted((prefix / "hls").glob("v*"))
        sizes = ", ".join(f"{r.name} {size_of(r) / 1e6:.1f} MB" for r in renditions)
        web = (prefix / "web.mp4").stat().st_size / 1e6 if processing.has_web_video else 0
        print(
            f"  {name}: {took:.1f} s, {took / (args.seconds / 60):.1f} s per minute of video;"
            f" upload {path.stat().st_size / 1e6:.1f} MB, web.mp4 {web:.1f} MB, HLS {sizes}"
        )

    video, starts = spoken()
    lines = [(index + 1, text) for index, text in enumerate(LINES)]
    started = time.perf_counter()
    proposals = align(audio_of(video), lines)
    took = time.perf_counter() - started
    errors = [abs(p.start_seconds - s) for p, s in zip(proposals, starts, strict=True)]
    print(
        f"Transcript timing: {len(LINES)} spoken lines over {starts[-1] + 7.5:.0f} s, aligned in"
        f" {took:.1f} s; error median {statistics.median(errors):.2f} s,"
        f" worst {max(errors):.2f} s"
    )

    user = User.objects.filter(email="bench-media@example.org").first() or (
        User.objects.create_user("bench-media@example.org", "x-long-passphrase-1")
    )
    module = Module.objects.get(slug="bench-media-0")
    quiz = Quiz.objects.create(module=module)
    attempt = Attempt.objects.create(
        user=user, quiz=quiz, score_percent=100, passed=True, finished_at=timezone.now()
    )
    completion = Completion.objects.create(
        user=user, module=module, attempt=attempt, completed_at=attempt.finished_at
    )
    certificate = issue_certificate(completion=completion, printed_name="Bench Learner")
    started = time.perf_counter()
    certificate_pdf(certificate)  # what the first download did: render, store, send
    rendered = time.perf_counter() - started
    timings = []
    for _ in range(20):
        fresh = Certificate.objects.get(pk=certificate.pk)
        started = time.perf_counter()
        certificate_pdf(fresh)  # what it does now: the job stored it, read it
        timings.append(time.perf_counter() - started)
    stored = statistics.median(timings)
    print(
        f"Certificate first download: rendered in the request {rendered * 1000:.0f} ms,"
        f" stored by the job {stored * 1000:.1f} ms ({rendered / stored:.0f}× faster)"
    )


if __name__ == "__main__":
    main()
