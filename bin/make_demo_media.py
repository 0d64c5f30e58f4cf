#!/usr/bin/env python3
"""Generate the demo videos and posters for modules/demo/catalog.toml.

Usage:
    .venv/bin/python bin/make_demo_media.py              # (re)build every module's media
    .venv/bin/python bin/make_demo_media.py coaching-basics   # only the given slug(s)
    .venv/bin/python bin/make_demo_media.py --check      # only verify the existing files

For every module in ``modules/demo/catalog.toml`` this writes, next to the
catalog:

* ``<video>``  - a WebM (VP9 video + Opus audio), 640x360 at 15 fps, lasting
  exactly ``duration_seconds``: a slowly turning two-colour gradient with the
  module title and a large running ``mm:ss`` clock burned in. The sound is the
  module's transcript spoken by ``espeak-ng``, one voice per speaker (see
  ``VOICES``), each timed line starting exactly at its timestamp, so the
  captions, the transcript highlight and the sound agree. A keyframe every 2 s
  keeps seeking quick; the bitrates are kept low (speech: Opus mono, 24 kbps)
  so the files stay small enough to live in the repository.
* ``<poster>`` - a 640x360 PNG title card.

How the speech is laid out
    The transcript (``<slug>.txt``, read with ``modules.transcripts``) is cut
    into slots: a timed line starts a slot at its timestamp, which lasts until
    the next timed line (the last one until ``duration_seconds``). Untimed
    paragraphs after a timed line are spoken right after it, in its slot.
    Bracketed and parenthesized notes such as ``[laughs]`` or ``(Says
    nothing)`` are stage directions and are not spoken. A slot is spoken at
    espeak-ng's normal rate (175 words per minute); if it would run past the
    next line's timestamp (less ``GAP`` seconds of silence), it is spoken
    faster, up to ``MAX_WPM``. If even that does not fit, the overrun is
    reported as a problem and the script exits non-zero (the files are still
    written, so you can listen): shorten the line or move the next timestamp.
    The lines are placed with ffmpeg's ``adelay`` and mixed with ``amix``.

Afterwards each video is checked: codecs and duration with ``ffprobe``
(the duration must match ``duration_seconds``), the file size (under
``SIZE_LIMIT_LONG`` for videos of two minutes or more, under
``SIZE_LIMIT_SHORT`` for shorter ones), and the speech: the audio is decoded
and ``silencedetect`` finds where speech starts; every spoken timed line must
start within ``ONSET_TOLERANCE`` seconds of its timestamp (a table per module
is printed). The script exits non-zero if a check fails.

The output is deterministic: espeak-ng always produces the same samples, and
ffmpeg runs with ``+bitexact`` flags, fixed encoder settings and a fixed
thread count, so the same inputs and tool versions give the same bytes.

Tools (Debian packages ``ffmpeg`` and ``espeak-ng``) are taken from ``PATH``,
or from the ``FFMPEG``, ``FFPROBE`` and ``ESPEAK`` environment variables. If
that ffmpeg lacks the ``drawtext`` filter (no libfreetype), the videos fall
back to ffmpeg's ``testsrc`` pattern, whose own frame counter stands in for the
clock, and the posters carry no text.

Python 3.11+ (``tomllib``) and webvtt-py (used by ``modules/transcripts.py``)
are needed: run it with the project's virtualenv, ``.venv/bin/python``.
"""

from __future__ import annotations

import argparse
import array
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import tomllib
import wave
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "modules" / "demo"
CATALOG = DEMO_DIR / "catalog.toml"

sys.path.insert(0, str(ROOT))
try:
    from modules.transcripts import parse_transcript
except ImportError as error:  # webvtt-py missing: not the project's virtualenv
    sys.exit(f"cannot read transcripts ({error}); run this with .venv/bin/python")

WIDTH, HEIGHT, FPS = 640, 360, 15
GOP = 2 * FPS  # keyframe every 2 seconds
THREADS = "2"  # fixed, so that the encoders' output does not depend on the machine
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

# Calm colour pairs (dark, light), picked by module position.
PALETTES = [
    ("0x1f4e5f", "0x6a8caf"),  # slate blue
    ("0x2f5d50", "0x8fb9a8"),  # sage
    ("0x5b3f63", "0xb39bc8"),  # muted plum
    ("0x6b4f2a", "0xc9a66b"),  # ochre
]

SIZE_LIMIT_LONG = 2_500_000  # videos of 120 s or more
SIZE_LIMIT_SHORT = 1_000_000

# --- speech ---------------------------------------------------------------------

# espeak-ng voice (language + variant) of the demo's speakers. Any other speaker gets a
# voice from EXTRA_VOICES picked from a CRC-32 of the name (stable across runs and
# machines, unlike hash()), skipping voices already used in the same transcript.
VOICES = {"Host": "en-us", "Coach": "en-us+f3", "Student": "en-us+m3"}
EXTRA_VOICES = [
    "en-us+f2",
    "en-us+m1",
    "en-gb+f4",
    "en-gb+m2",
    "en-us+f5",
    "en-gb+m7",
    "en-us+m6",
    "en-gb+f1",
]
BASE_WPM = 175  # espeak-ng's default rate
MAX_WPM = 300  # faster than this is hard to follow
GAP = 0.25  # seconds of silence left before the next timed line
PART_GAP = 0.3  # pause before an untimed paragraph spoken in the same slot
ESPEAK_RATE = 22050  # espeak-ng's sample rate
TRIM_LEVEL = 330  # |sample| below this (about -40 dBFS) counts as silence when trimming
AUDIO_BITRATE = "24k"

# The onset check: silencedetect finds silences of at least SILENCE_MIN seconds below
# SILENCE_NOISE; the end of each is a speech onset. A timed line passes if an onset is
# within ONSET_TOLERANCE seconds of its timestamp.
SILENCE_NOISE = "-40dB"
SILENCE_MIN = 0.1
ONSET_TOLERANCE = 0.3

# Stage directions ("[laughs]", "(Says nothing; waits)") are shown, not spoken.
NOTE = re.compile(r"\[[^\]]*\]|\([^)]*\)")


def find_tool(env: str, name: str, package: str) -> str:
    value = os.environ.get(env)
    if value:
        exe = shutil.which(value)
        if not exe:
            sys.exit(f"{env}={value!r} is not an executable")
        return exe
    exe = shutil.which(name)
    if exe:
        return exe
    sys.exit(f"{name} not found: install it (apt-get install {package}) or set {env}")


def has_filter(ffmpeg: str, name: str) -> bool:
    out = subprocess.run(
        [ffmpeg, "-hide_banner", "-filters"], capture_output=True, text=True
    ).stdout
    return re.search(rf"^\s*\S+\s+{re.escape(name)}\s", out, re.M) is not None


def fq(path: Path | str) -> str:
    """Quote a file path for use as a filter option value."""
    s = str(path).replace("\\", "/")
    return "'" + s.replace("'", r"'\''").replace(":", r"\:") + "'"


def font_opt(path: Path) -> str:
    return f"fontfile={fq(path)}" if path.exists() else "font=Sans"


def gradient(duration: float, palette: tuple[str, str]) -> str:
    c0, c1 = palette
    return (
        f"gradients=s={WIDTH}x{HEIGHT}:r={FPS}:d={duration}:c0={c0}:c1={c1}"
        f":x0=0:y0=0:x1={WIDTH}:y1={HEIGHT}:speed=0.004:seed=1"
    )


def fit(text: str, size: int, width: int = WIDTH - 60) -> int:
    """Shrink a font size so that one line of DejaVu Sans fits the frame."""
    return max(14, min(size, int(width / (0.64 * max(len(text), 1)))))


def text_layers(tmp: Path, lines: list[tuple[str, str, int, str]]) -> str:
    """drawtext filters for static text; each line is (text, font, size, y)."""
    parts = []
    for i, (text, font, size, y) in enumerate(lines):
        f = tmp / f"line{i}.txt"
        f.write_text(text, encoding="utf-8")
        parts.append(
            f"drawtext={font}:textfile={fq(f)}:expansion=none:fontsize={size}"
            f":fontcolor=white:shadowcolor=black@0.5:shadowx=2:shadowy=2"
            f":x=(w-text_w)/2:y={y}"
        )
    return ",".join(parts)


CLOCK = r"%{eif\:trunc(t/60)\:d\:2}\:%{eif\:mod(trunc(t)\,60)\:d\:2}"


@dataclass
class Slot:
    """What is spoken from one timed line's timestamp until the next one."""

    start: float
    end: float  # the next timed line's timestamp, or the end of the video
    parts: list[tuple[str, str]] = field(default_factory=list)  # (speaker, spoken text)
    label: str = ""  # the timed line as written, shortened, for messages
    wpm: int = BASE_WPM
    length: float = 0.0  # seconds of speech

    @property
    def room(self) -> float:
        return self.end - self.start - GAP


def spoken(text: str) -> str:
    return " ".join(NOTE.sub(" ", text).split())


def mmss(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60:02d}:{s % 60:02d}"


def voices_for(speakers: list[str]) -> dict[str, str]:
    """Each speaker's voice: VOICES, else a stable pick from EXTRA_VOICES (see there)."""
    chosen = {name: VOICES[name] for name in speakers if name in VOICES}
    for name in speakers:
        if name in chosen:
            continue
        first = zlib.crc32(name.encode("utf-8")) % len(EXTRA_VOICES)
        ring = EXTRA_VOICES[first:] + EXTRA_VOICES[:first]
        free = [v for v in ring if v not in chosen.values()]
        chosen[name] = (free or ring)[0]
    return chosen


def speech_slots(module) -> list[Slot]:
    path = DEMO_DIR / module["transcript"]
    cues = parse_transcript(path.read_bytes(), filename=path.name)
    duration = float(module["duration_seconds"])
    slots: list[Slot] = []
    for cue in cues:
        if cue.start_seconds is not None or not slots:
            start = cue.start_seconds or 0.0
            if start >= duration:
                sys.exit(f"{path.name}: line [{mmss(start)}] starts after the video ends")
            label = f"{cue.speaker or '-'}: {cue.text}"
            if len(label) > 40:
                label = label[:38].rstrip() + "..."
            slots.append(Slot(start, duration, label=label))
        text = spoken(cue.text)
        if text:
            slots[-1].parts.append((cue.speaker, text))
    for slot, following in zip(slots, slots[1:], strict=False):
        slot.end = following.start
    return slots


def read_wav(path: Path) -> array.array:
    with wave.open(str(path), "rb") as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, ESPEAK_RATE):
            sys.exit(f"{path}: espeak-ng wrote an unexpected WAV format")
        samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def write_wav(path: Path, samples: array.array) -> None:
    if sys.byteorder == "big":
        samples = array.array("h", samples)
        samples.byteswap()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(ESPEAK_RATE)
        w.writeframes(samples.tobytes())


def trimmed(samples: array.array) -> array.array:
    """Without espeak-ng's leading and trailing silence, so speech starts at sample 0."""
    loud = [i for i, v in enumerate(samples) if abs(v) >= TRIM_LEVEL]
    return samples[loud[0] : loud[-1] + 1] if loud else array.array("h")


def say(espeak: str, voice: str, wpm: int, text: str, tmp: Path) -> array.array:
    out = tmp / "say.wav"
    subprocess.run(
        [espeak, "-v", voice, "-s", str(wpm), "-w", str(out), "--stdin"],
        input=text,
        text=True,
        check=True,
    )
    return trimmed(read_wav(out))


def speak_slot(espeak: str, slot: Slot, voices: dict[str, str], tmp: Path) -> array.array:
    """The slot's speech at the slowest rate (from BASE_WPM up to MAX_WPM) that fits."""
    wpm = BASE_WPM
    while True:
        clip = array.array("h")
        for i, (speaker, text) in enumerate(slot.parts):
            if i:
                clip.extend(array.array("h", bytes(2 * round(PART_GAP * ESPEAK_RATE))))
            clip.extend(say(espeak, voices[speaker], wpm, text, tmp))
        length = len(clip) / ESPEAK_RATE
        if length <= slot.room or wpm >= MAX_WPM:
            slot.wpm, slot.length = wpm, length
            return clip
        # Speech time is roughly inversely proportional to the rate; go at least 5 wpm up.
        wpm = min(MAX_WPM, max(wpm + 5, math.ceil(wpm * length / slot.room)))


def build_speech(ffmpeg, espeak, module, tmp: Path) -> tuple[Path, list[Slot], list[str]]:
    """Speak the transcript into one WAV of exactly duration_seconds (48 kHz mono)."""
    d = int(module["duration_seconds"])
    slots = speech_slots(module)
    speakers = list(dict.fromkeys(s for slot in slots for s, _ in slot.parts))
    voices = voices_for(speakers)
    print("  voices: " + ", ".join(f"{name or '(no speaker)'} {voices[name]}" for name in speakers))
    problems, inputs, chains, labels = [], [], [], []
    for n, slot in enumerate(slots):
        if not slot.parts:
            continue
        clip = speak_slot(espeak, slot, voices, tmp)
        wav = tmp / f"slot{n:03d}.wav"
        write_wav(wav, clip)
        i = len(labels)
        inputs += ["-i", str(wav)]
        delay = round(slot.start * ESPEAK_RATE)
        chains.append(f"[{i}:a]adelay=delays={delay}S:all=1[s{i}]")
        labels.append(f"[s{i}]")
        if slot.wpm > BASE_WPM:
            print(
                f"  [{mmss(slot.start)}] {slot.length:.2f} s at {slot.wpm} wpm"
                f" (room {slot.room:.2f} s): {slot.label}"
            )
        if slot.length > slot.room:
            problems.append(
                f"[{mmss(slot.start)}] {slot.label!r} needs {slot.length:.2f} s even at"
                f" {MAX_WPM} wpm but has {slot.room:.2f} s before the next line"
                f" (overrun {slot.length - slot.room:.2f} s): shorten it or move the next"
                " timestamp"
            )
    out = tmp / "speech.wav"
    if labels:
        graph = ";".join(chains) + (
            f";{''.join(labels)}amix=inputs={len(labels)}:duration=longest:normalize=0"
            f",apad=whole_dur={d},atrim=end={d},aresample=48000[a]"
        )
    else:  # nothing to say: silence
        graph = f"anullsrc=r=48000:cl=mono:d={d}[a]"
    cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *inputs]
    cmd += ["-filter_complex", graph, "-map", "[a]", "-ac", "1", "-c:a", "pcm_s16le"]
    cmd += ["-fflags", "+bitexact", "-flags:a", "+bitexact", str(out)]
    subprocess.run(cmd, check=True)
    return out, slots, problems


def build_video(ffmpeg, espeak, module, series_title, palette, drawtext, out: Path):
    d = int(module["duration_seconds"])
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        speech, slots, problems = build_speech(ffmpeg, espeak, module, tmp)
        if drawtext:
            bold, regular = font_opt(FONT_BOLD), font_opt(FONT)
            video = ",".join(
                [
                    gradient(d, palette),
                    text_layers(
                        tmp,
                        [
                            (module["title"], bold, fit(module["title"], 34), "40"),
                            (series_title, regular, 18, "88"),
                            (
                                f"{module['activity_code']}  ·  demo video",
                                regular,
                                16,
                                "h-44",
                            ),
                        ],
                    ),
                    f"drawtext={regular}:text='{CLOCK}':fontsize=110"
                    ":fontcolor=white:shadowcolor=black@0.5:shadowx=3:shadowy=3"
                    ":x=(w-text_w)/2:y=(h-text_h)/2+20",
                ]
            )
        else:
            video = f"testsrc=s={WIDTH}x{HEIGHT}:r={FPS}:d={d}"
        cmd = [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-i",
            str(speech),
            "-filter_complex",
            f"{video},format=yuv420p[v]",
            "-map",
            "[v]",
            "-map",
            "0:a",
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "60k",
            "-crf",
            "45",
            "-g",
            str(GOP),
            "-keyint_min",
            str(GOP),
            "-deadline",
            "good",
            "-cpu-used",
            "4",
            "-row-mt",
            "1",
            "-threads",
            THREADS,
            "-c:a",
            "libopus",
            "-b:a",
            AUDIO_BITRATE,
            "-application",
            "voip",
            "-ac",
            "1",
            "-t",
            str(d),
            "-metadata",
            f"title={module['title']}",
            "-fflags",
            "+bitexact",
            "-flags:v",
            "+bitexact",
            "-flags:a",
            "+bitexact",
            "-f",
            "webm",
            str(out),
        ]
        subprocess.run(cmd, check=True)
    return problems


def build_poster(ffmpeg, module, series_title, palette, drawtext, out: Path):
    d = int(module["duration_seconds"])
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        video = gradient(1, palette)
        if drawtext:
            bold, regular = font_opt(FONT_BOLD), font_opt(FONT)
            video += "," + text_layers(
                tmp,
                [
                    (series_title.upper(), regular, 16, "104"),
                    (module["title"], bold, fit(module["title"], 40), "136"),
                    (
                        f"{module['activity_code']}  ·  {d // 60}:{d % 60:02d}"
                        f"  ·  {module['credit']} credit",
                        regular,
                        20,
                        "206",
                    ),
                ],
            )
        cmd = [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-filter_complex",
            f"{video}[v]",
            "-map",
            "[v]",
            "-frames:v",
            "1",
            "-update",
            "1",
            "-fflags",
            "+bitexact",
            "-flags:v",
            "+bitexact",
            str(out),
        ]
        subprocess.run(cmd, check=True)


def probe(ffprobe: str, path: Path) -> dict:
    """Duration, codecs and frame size, read with ffprobe."""
    entries = "format=duration:stream=codec_type,codec_name,width,height"
    cmd = [ffprobe, "-v", "error", "-show_entries", entries, "-of", "json", str(path)]
    data = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    info = {"duration": None, "video": None, "audio": None, "size": None}
    if "duration" in data.get("format", {}):
        info["duration"] = float(data["format"]["duration"])
    for stream in data.get("streams", []):
        kind = stream.get("codec_type")
        if kind in ("video", "audio") and info[kind] is None:
            info[kind] = stream.get("codec_name")
            if kind == "video":
                info["size"] = f"{stream.get('width')}x{stream.get('height')}"
    return info


def speech_onsets(ffmpeg: str, path: Path) -> list[float]:
    """Where speech starts in the file's audio: the ends of silencedetect's silences."""
    cmd = [ffmpeg, "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0", "-af"]
    cmd += [f"silencedetect=noise={SILENCE_NOISE}:d={SILENCE_MIN}", "-f", "null", "-"]
    log = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    starts = [float(x) for x in re.findall(r"silence_start: (-?[\d.]+)", log)]
    onsets = [float(x) for x in re.findall(r"silence_end: (-?[\d.]+)", log)]
    if not starts or starts[0] > 0.05:  # the audio starts with sound
        onsets.insert(0, 0.0)
    return onsets


def check_speech(ffmpeg: str, module, video: Path) -> list[str]:
    """Every spoken timed line must start within ONSET_TOLERANCE of its timestamp."""
    onsets = speech_onsets(ffmpeg, video)
    slots = [slot for slot in speech_slots(module) if slot.parts]
    problems, diffs = [], []
    print(f"  {'line':>4}  {'time':>5}  {'onset':>7}  {'diff':>6}  text")
    for n, slot in enumerate(slots, start=1):
        onset = min(onsets, key=lambda t: abs(t - slot.start)) if onsets else math.inf
        diff = onset - slot.start
        bad = abs(diff) > ONSET_TOLERANCE
        print(
            f"  {n:>4}  {mmss(slot.start)}  {onset:>7.2f}  {diff:>+6.2f}  {slot.label}"
            + ("  <-- PROBLEM" if bad else "")
        )
        diffs.append(abs(diff))
        if bad:
            problems.append(
                f"{video.name}: speech of [{mmss(slot.start)}] starts at {onset:.2f} s,"
                f" {diff:+.2f} s off (tolerance {ONSET_TOLERANCE} s)"
            )
    if diffs:
        print(
            f"  {len(diffs)} timed lines: |diff| max {max(diffs):.2f} s,"
            f" median {statistics.median(diffs):.2f} s"
        )
    return problems


def check(ffmpeg: str, ffprobe: str, module) -> bool:
    video = DEMO_DIR / module["video"]
    poster = DEMO_DIR / module["poster"]
    want = int(module["duration_seconds"])
    limit = SIZE_LIMIT_LONG if want >= 120 else SIZE_LIMIT_SHORT
    problems = []
    if not video.exists():
        problems.append(f"{video.name} missing")
    else:
        info = probe(ffprobe, video)
        size = video.stat().st_size
        dur = info["duration"]
        print(
            f"{video.name}: {'unknown' if dur is None else f'{dur:.2f}'} s (want {want}),"
            f" video={info['video']} {info['size']}, audio={info['audio']},"
            f" {size:,} bytes (limit {limit:,})"
        )
        if dur is None or abs(dur - want) > 0.25:
            problems.append(f"{video.name}: duration {dur} != {want}")
        if info["video"] != "vp9" or info["audio"] != "opus":
            problems.append(f"{video.name}: codecs {info['video']}/{info['audio']}")
        if size > limit:
            problems.append(f"{video.name}: {size:,} bytes > {limit:,}")
        if info["audio"]:
            problems += check_speech(ffmpeg, module, video)
    if not poster.exists():
        problems.append(f"{poster.name} missing")
    else:
        print(f"{poster.name}: {poster.stat().st_size:,} bytes")
    for p in problems:
        print("  PROBLEM:", p)
    return not problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("slugs", nargs="*", help="only these modules (default: all)")
    ap.add_argument(
        "--check", action="store_true", help="only verify the existing files (incl. speech timing)"
    )
    args = ap.parse_args()

    catalog = tomllib.loads(CATALOG.read_text(encoding="utf-8"))
    series_title = catalog["series"]["title"]
    modules = catalog["modules"]
    unknown = set(args.slugs) - {m["slug"] for m in modules}
    if unknown:
        sys.exit(f"unknown slug(s): {', '.join(sorted(unknown))}")

    ffmpeg = find_tool("FFMPEG", "ffmpeg", "ffmpeg")
    ffprobe = find_tool("FFPROBE", "ffprobe", "ffmpeg")
    espeak = None if args.check else find_tool("ESPEAK", "espeak-ng", "espeak-ng")
    drawtext = has_filter(ffmpeg, "drawtext")
    print(f"ffmpeg: {ffmpeg} (drawtext: {'yes' if drawtext else 'no, using testsrc'})")
    if espeak:
        print(f"espeak-ng: {espeak}")

    ok = True
    for m in modules:
        if args.slugs and m["slug"] not in args.slugs:
            continue
        palette = PALETTES[(int(m["position"]) - 1) % len(PALETTES)]
        if not args.check:
            print(f"building {m['slug']} ({m['duration_seconds']} s)...")
            video, poster = DEMO_DIR / m["video"], DEMO_DIR / m["poster"]
            problems = build_video(ffmpeg, espeak, m, series_title, palette, drawtext, video)
            build_poster(ffmpeg, m, series_title, palette, drawtext, poster)
            for p in problems:
                print("  PROBLEM:", p)
            ok = not problems and ok
        ok = check(ffmpeg, ffprobe, m) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
