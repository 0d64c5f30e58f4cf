"""What the server makes of an uploaded video, with Debian's ffmpeg and ffprobe.

For every new upload (`video_changed` queues the job `modules.tasks.process_video`):

1. ffprobe reads the duration, codecs, size and rotation; the browser's guess of the
   duration is replaced by it.
2. Without an uploaded poster, a frame becomes the poster.
3. An upload a browser may not play (a phone's HEVC .mov, 10-bit or 4K H.264, a rotated
   picture, Matroska…) gets an H.264/AAC MP4 with `faststart`, at most 1080 lines.
4. HLS renditions (360p and, for sources that tall, 720p) with keyframes every 4 seconds in
   all of them, so a player switches between them at any segment.

Learners keep the original until all of it is done: the results are written under a new
prefix of their own and switched to in one transaction at the end, then the previous ones
are deleted. A run killed half-way leaves only an unreferenced prefix, removed by the next
run, so the job can simply run again.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction

from modules.media_files import HEAD_BYTES, MP4, WEBM, sniff_video, store_media
from modules.models import Module, VideoProcessing

logger = logging.getLogger(__name__)

SEGMENT_SECONDS = 4
RENDITIONS = (360, 720)  # heights; taller sources still get both
MAX_WEB_HEIGHT = 1080
OUTPUT_ROOT = "processed"
MAX_PIXELS = 3840 * 2160
PR_SET_PDEATHSIG = 1
WEB_SAFE = {
    # container (ffprobe format names, any of) → video codecs and audio codecs browsers play
    "mp4": ({"h264"}, {"aac", "mp3"}),
    "webm": ({"vp8", "vp9", "av1"}, {"opus", "vorbis"}),
}
HLS_NAME = re.compile(r"master\.m3u8|v\d/(index\.m3u8|segment\d{3,5}\.ts)")


class VideoPipelineError(Exception):
    """The video cannot be processed; the message says why, for the author."""


@dataclass(frozen=True)
class Probe:
    duration: float
    formats: tuple[str, ...]
    video_codec: str
    pixel_format: str
    width: int
    height: int
    rotation: int
    audio_codec: str | None

    @property
    def shown_height(self) -> int:
        """The picture's height as it is shown (a phone's portrait video is rotated)."""
        return self.width if self.rotation in (90, 270) else self.height

    def is_web_safe(self) -> bool:
        """Plays as it is in current browsers: no copy needs to be made."""
        if self.rotation or self.pixel_format not in ("yuv420p", "yuvj420p"):
            return False
        if self.shown_height > MAX_WEB_HEIGHT:
            return False
        for container, (video, audio) in WEB_SAFE.items():
            if container in self.formats and self.video_codec in video:
                return self.audio_codec is None or self.audio_codec in audio
        return False

    def as_dict(self) -> dict:
        return {
            "duration": round(self.duration, 3),
            "formats": list(self.formats),
            "video_codec": self.video_codec,
            "pixel_format": self.pixel_format,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "audio_codec": self.audio_codec,
        }


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise VideoPipelineError(
            f"{name} is not installed on the server (`make run` installs Debian's ffmpeg)."
        )
    return path


def input_options(path: Path) -> list[str]:
    """How ffmpeg and ffprobe open an uploaded file: as a local file of the container its
    content was found to be, never another protocol or format a crafted file asks for."""
    with path.open("rb") as handle:
        kind = sniff_video(handle.read(HEAD_BYTES))
    demuxer = {MP4: "mov", WEBM: "matroska"}.get(kind)
    if demuxer is None:
        raise VideoPipelineError("The file is not an MP4 or WebM video.")
    return ["-protocol_whitelist", "file", "-f", demuxer, "-i", str(path)]


def probe(path: Path) -> Probe:
    try:
        result = subprocess.run(
            [tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_format"]
            + ["-show_streams", *input_options(path)],
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=_die_with_parent,
        )
    except subprocess.TimeoutExpired:
        raise VideoPipelineError("Reading the video took too long.") from None
    if result.returncode != 0:
        raise VideoPipelineError(f"The video could not be read: {_last_line(result.stderr)}")
    data = json.loads(result.stdout or "{}")
    streams = data.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None:
        raise VideoPipelineError("The file has no video stream.")
    duration = float(data.get("format", {}).get("duration") or video.get("duration") or 0)
    if duration <= 0:
        raise VideoPipelineError("The video's length could not be read.")
    found = Probe(
        duration=duration,
        formats=tuple(data.get("format", {}).get("format_name", "").split(",")),
        video_codec=video.get("codec_name", ""),
        pixel_format=video.get("pix_fmt", ""),
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
        rotation=_rotation(video),
        audio_codec=audio.get("codec_name") if audio else None,
    )
    _check_limits(found)
    return found


def _check_limits(found: Probe) -> None:
    """What a worker will take on: a crafted file can claim any size or length."""
    if found.width * found.height > MAX_PIXELS:
        raise VideoPipelineError(
            f"The picture is {found.width}×{found.height}; videos up to 4K "
            "(3840×2160) are processed. Export it smaller and upload it again."
        )
    if found.duration > settings.MAX_VIDEO_SECONDS:
        raise VideoPipelineError(
            f"The video is {found.duration / 3600:.1f} hours long; up to "
            f"{settings.MAX_VIDEO_SECONDS / 3600:g} hours are processed."
        )


def _rotation(stream: dict) -> int:
    """Degrees the picture is turned when shown: a rotate tag or a display matrix."""
    degrees = stream.get("tags", {}).get("rotate")
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            degrees = side_data["rotation"]
    try:
        return int(float(degrees or 0)) % 360
    except ValueError:
        return 0


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1][:300] if lines else "ffmpeg gave no reason"


Progress = Callable[[float], None]  # 0.0 … 1.0 of the current step


def _die_with_parent() -> None:
    """In the child: end when the worker ends, even by SIGKILL (Linux's PR_SET_PDEATHSIG),
    so a killed worker leaves no ffmpeg writing into the folder its retry uses."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def run_ffmpeg(arguments: list[str], *, duration: float, progress: Progress) -> None:
    """ffmpeg with its progress read from a pipe; VideoPipelineError with its last words."""
    command = [tool("ffmpeg"), "-hide_banner", "-nostdin", "-y", "-v", "error"]
    command += ["-progress", "pipe:1", "-nostats", *arguments]
    # Generous for this machine's speed (a minute of 1080p takes well under a minute).
    deadline = time.monotonic() + max(600.0, 20 * duration)
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            preexec_fn=_die_with_parent,
        )
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("out_time_us=") and line[12:].strip().isdigit():
                progress(min(int(line[12:]) / 1e6 / duration, 1.0))
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise VideoPipelineError("Processing took too long and was stopped.")
        code = process.wait()
        if code != 0:
            errors.seek(0)
            raise VideoPipelineError(f"ffmpeg stopped: {_last_line(errors.read())}")


def make_poster(source: Path, out: Path, found: Probe) -> Path:
    at = min(1.0, found.duration / 10)
    run_ffmpeg(
        [
            "-ss",
            f"{at:.3f}",
            *input_options(source),
            "-frames:v",
            "1",
            "-vf",
            "scale=-2:min(720\\,ih)",
        ]
        + [str(out)],
        duration=found.duration,
        progress=lambda _: None,
    )
    return out


def _keyframes() -> list[str]:
    # A keyframe at every segment boundary in every rendition: players switch anywhere.
    return ["-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})", "-sc_threshold", "0"]


def make_web_mp4(source: Path, out: Path, found: Probe, progress: Progress) -> Path:
    height = min(found.shown_height, MAX_WEB_HEIGHT)
    arguments = [*input_options(source), "-map", "0:v:0", "-map", "0:a:0?"]
    arguments += ["-vf", f"scale=-2:{height - height % 2},format=yuv420p"]
    arguments += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", *_keyframes()]
    arguments += ["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart", str(out)]
    run_ffmpeg(arguments, duration=found.duration, progress=progress)
    return out


def make_hls(source: Path, folder: Path, found: Probe, progress: Progress) -> Path:
    """HLS renditions of `source` in `folder`, with master.m3u8 naming them."""
    heights = [h for h in RENDITIONS if h <= max(found.shown_height, RENDITIONS[0])]
    split = f"[0:v]split={len(heights)}" + "".join(f"[s{i}]" for i in range(len(heights)))
    scales = [f"[s{i}]scale=-2:{h},format=yuv420p[v{i}]" for i, h in enumerate(heights)]
    arguments = [*input_options(source), "-filter_complex", ";".join([split, *scales])]
    streams = []
    for index, height in enumerate(heights):
        arguments += ["-map", f"[v{index}]"]
        arguments += [f"-c:v:{index}", "libx264", f"-b:v:{index}", f"{height * 3}k"]
        stream = f"v:{index}"
        if found.audio_codec:
            arguments += ["-map", "0:a:0", f"-c:a:{index}", "aac", f"-b:a:{index}", "96k"]
            stream += f",a:{index}"
        streams.append(stream)
    arguments += ["-preset", "veryfast", *_keyframes(), "-ac", "2"]
    arguments += ["-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod"]
    arguments += ["-hls_segment_filename", str(folder / "v%v" / "segment%03d.ts")]
    arguments += ["-master_pl_name", "master.m3u8", "-var_stream_map", " ".join(streams)]
    arguments += [str(folder / "v%v" / "index.m3u8")]
    # ffmpeg names the folders by stream number, not by the "name:" given.
    for index in range(len(heights)):
        (folder / f"v{index}").mkdir(parents=True, exist_ok=True)
    run_ffmpeg(arguments, duration=found.duration, progress=progress)
    return folder / "master.m3u8"


# --- the job's work --------------------------------------------------------------------------


class _Reporter:
    """Writes the step and percent of a run to its row, at most once a second."""

    def __init__(self, rows) -> None:
        self.rows = rows
        self.last = 0.0

    def step(self, words: str, percent: int) -> None:
        self.rows.update(step=words, percent=percent)
        self.last = time.monotonic()

    def within(self, words: str, start: int, end: int) -> Progress:
        def report(fraction: float) -> None:
            if time.monotonic() - self.last >= 1:
                self.step(words, start + round((end - start) * fraction))

        return report


def process_module_video(module: Module, *, source: str | None = None) -> VideoProcessing:
    """Probe, poster, web copy and HLS for the module's video `source` (see the docstring).

    `source` is the stored name the job was queued for; if the video was replaced since,
    the outputs are dropped at the end instead of being shown for the new one.
    """
    source = source or module.video.name
    processing = VideoProcessing.objects.get(module=module)
    storage = module.video.storage
    remove_stale_outputs(processing, storage)
    # Every write about this run names its upload: a video replaced meanwhile keeps its row.
    this_run = VideoProcessing.objects.filter(pk=processing.pk, source=source)
    this_run.update(
        status=VideoProcessing.Status.RUNNING, error="", percent=0, step="Reading the video"
    )
    report = _Reporter(this_run)
    prefix = f"{OUTPUT_ROOT}/{module.pk}/{secrets.token_hex(8)}"
    with _work_folder(module, prefix.rsplit("/", 1)[1]) as folder:
        local = _local_copy(module, folder)
        found = probe(local)
        poster = None if module.poster else make_poster(local, folder / "poster.png", found)
        hls_source = local
        web = None
        if not found.is_web_safe():
            web = make_web_mp4(
                local,
                folder / "web.mp4",
                found,
                report.within("Making a copy every browser plays", 5, 50),
            )
            hls_source = web
        start = 50 if web else 5
        make_hls(
            hls_source, folder / "hls", found, report.within("Making streaming versions", start, 98)
        )
        report.step("Saving", 99)
        _upload(folder, storage, prefix, web=web is not None)
        return _switch_to(
            module.pk, processing.pk, source, prefix, found, poster=poster, web=web is not None
        )


@contextlib.contextmanager
def _work_folder(module: Module, run: str):
    """A local folder of this run's own; what earlier, killed runs left goes first (one run
    per module at a time: the job's lock)."""
    root = Path(settings.VIDEO_WORK_DIR)
    for stale in root.glob(f"module-{module.pk}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    folder = root / f"module-{module.pk}-{run}"
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _local_copy(module: Module, folder: Path) -> Path:
    """The upload as a local file for ffmpeg (storage may be remote)."""
    try:
        return Path(module.video.path)
    except NotImplementedError:
        target = folder / ("source" + Path(module.video.name).suffix)
        with module.video.open("rb") as stored, target.open("wb") as local:
            shutil.copyfileobj(stored, local, 1024 * 1024)
        return target


@contextlib.contextmanager
def local_video(module: Module):
    """The module's uploaded video as a local file, for as long as the block runs."""
    with _work_folder(module, "read") as folder:
        yield _local_copy(module, folder)


def _upload(folder: Path, storage: Storage, prefix: str, *, web: bool) -> None:
    files = sorted((folder / "hls").rglob("*"))
    if web:
        files.append(folder / "web.mp4")
    for path in files:
        if path.is_file():
            relative = path.relative_to(folder).as_posix()
            with path.open("rb") as handle:
                storage.save(f"{prefix}/{relative}", File(handle))


def _switch_to(
    module_pk: int, processing_pk: int, source: str, prefix: str, found: Probe, *, poster, web: bool
):
    """The new outputs replace the old in one transaction; the old are deleted after it."""
    with transaction.atomic():
        module = Module.objects.select_for_update().get(pk=module_pk)
        processing = VideoProcessing.objects.select_for_update().get(pk=processing_pk)
        if not source == processing.source == module.video.name:
            # The video was replaced while this ran: these outputs belong to nobody.
            transaction.on_commit(lambda: delete_tree(module.video.storage, prefix))
            return processing
        old_prefix = processing.prefix
        module.duration_seconds = max(1, round(found.duration))
        fields = ["duration_seconds"]
        if poster is not None and not module.poster:
            with poster.open("rb") as handle:
                store_media(module.poster, handle, role="poster", name="poster.png")
            fields.append("poster")
        module.save(update_fields=fields)
        from modules.services import module_changed  # services imports this module

        module_changed(module)  # pages and captions show the new duration, poster and player
        processing.status = VideoProcessing.Status.READY
        processing.step, processing.percent, processing.error = "Ready", 100, ""
        processing.probe = found.as_dict()
        processing.prefix, processing.has_web_video, processing.has_hls = prefix, web, True
        processing.save()
        if old_prefix and old_prefix != prefix:
            transaction.on_commit(lambda: delete_tree(module.video.storage, old_prefix))
    return processing


def remove_stale_outputs(processing: VideoProcessing, storage: Storage) -> None:
    """Prefixes of this module that no row names: what an earlier, killed run left."""
    root = f"{OUTPUT_ROOT}/{processing.module_id}"
    try:
        folders, _ = storage.listdir(root)
    except FileNotFoundError:
        return
    for name in folders:
        if f"{root}/{name}" != processing.prefix:
            delete_tree(storage, f"{root}/{name}")


def delete_tree(storage: Storage, prefix: str) -> None:
    try:
        folders, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in files:
        storage.delete(f"{prefix}/{name}")
    for name in folders:
        delete_tree(storage, f"{prefix}/{name}")
    with contextlib.suppress(NotImplementedError, OSError):  # local folders stay otherwise
        Path(storage.path(prefix)).rmdir()
