#!/usr/bin/env python3
"""Generate the demo videos and posters for modules/demo/catalog.toml.

Usage:
    python bin/make_demo_media.py              # (re)build every module's media
    python bin/make_demo_media.py coaching-basics   # only the given slug(s)
    python bin/make_demo_media.py --check      # only verify the existing files

For every module in ``modules/demo/catalog.toml`` this writes, next to the
catalog:

* ``<video>``  - a WebM (VP9 video + Opus audio), 640x360 at 15 fps, lasting
  exactly ``duration_seconds``: a slowly turning two-colour gradient with the
  module title and a large running ``mm:ss`` clock burned in, and a quiet sine
  tone whose pitch steps up every 10 seconds (so seeking is audible as well as
  visible). A keyframe every 2 s keeps seeking quick; the bitrate is kept low
  so the files stay small enough to live in the repository.
* ``<poster>`` - a 640x360 PNG title card.

Afterwards each video is checked with ``ffmpeg -i``: codecs, duration (must
match ``duration_seconds``) and file size (under 2.5 MB for videos of two
minutes or more, under 1 MB for shorter ones). The script exits non-zero if a
check fails.

ffmpeg is found, in this order, from:

1. the ``FFMPEG`` environment variable (path to an ffmpeg binary);
2. the ``imageio-ffmpeg`` package (``imageio_ffmpeg.get_ffmpeg_exe()``), which
   ships a static ffmpeg build - e.g.::

       python3 -m venv /tmp/mediavenv
       /tmp/mediavenv/bin/pip install imageio-ffmpeg
       /tmp/mediavenv/bin/python bin/make_demo_media.py

3. ``ffmpeg`` on ``PATH``.

If that ffmpeg lacks the ``drawtext`` filter (no libfreetype), the videos fall
back to ffmpeg's ``testsrc`` pattern, whose own frame counter stands in for the
clock, and the posters carry no text.

Only the Python standard library is needed (Python 3.11+ for ``tomllib``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "modules" / "demo"
CATALOG = DEMO_DIR / "catalog.toml"

WIDTH, HEIGHT, FPS = 640, 360, 15
GOP = 2 * FPS  # keyframe every 2 seconds
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


def find_ffmpeg() -> str:
    env = os.environ.get("FFMPEG")
    if env:
        exe = shutil.which(env)
        if not exe:
            sys.exit(f"FFMPEG={env!r} is not an executable")
        return exe
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # not installed, or no binary for this platform
        pass
    exe = shutil.which("ffmpeg")
    if exe:
        return exe
    sys.exit(
        "ffmpeg not found: set FFMPEG, install imageio-ffmpeg "
        "(pip install imageio-ffmpeg) or put ffmpeg on PATH"
    )


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

# Quiet sine tone; the pitch steps up a whole tone every 10 s (8 steps, then
# repeats). The amplitude dips to zero for 50 ms around each change, so there
# is no click.
TONE = (
    "0.06*min(1\\,20*min(mod(t\\,10)\\,10-mod(t\\,10)))"
    "*sin(2*PI*220*pow(2\\,mod(floor(t/10)\\,8)/6)*t)"
)


def build_video(ffmpeg, module, series_title, palette, drawtext, out: Path):
    d = int(module["duration_seconds"])
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
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
        graph = f"{video},format=yuv420p[v];aevalsrc='{TONE}':s=48000:c=mono:d={d}[a]"
        cmd = [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-map",
            "[a]",
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
            "-c:a",
            "libopus",
            "-b:a",
            "16k",
            "-ac",
            "1",
            "-t",
            str(d),
            "-metadata",
            f"title={module['title']}",
            "-f",
            "webm",
            str(out),
        ]
        subprocess.run(cmd, check=True)


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
            str(out),
        ]
        subprocess.run(cmd, check=True)


def probe(ffmpeg: str, path: Path) -> dict:
    """Read duration and codecs from `ffmpeg -i` (ffprobe is not shipped)."""
    err = subprocess.run(
        [ffmpeg, "-hide_banner", "-i", str(path)], capture_output=True, text=True
    ).stderr
    info = {"duration": None, "video": None, "audio": None, "raw": err}
    m = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", err)
    if m:
        h, mi, s = m.groups()
        info["duration"] = int(h) * 3600 + int(mi) * 60 + float(s)
    m = re.search(r"Stream #\S+.*?Video: (\w+)[^\n]*?(\d{2,5})x(\d{2,5})", err)
    if m:
        info["video"] = m.group(1)
        info["size"] = f"{m.group(2)}x{m.group(3)}"
    m = re.search(r"Stream #\S+.*?Audio: (\w+)", err)
    if m:
        info["audio"] = m.group(1)
    return info


def check(ffmpeg: str, module) -> bool:
    video = DEMO_DIR / module["video"]
    poster = DEMO_DIR / module["poster"]
    want = int(module["duration_seconds"])
    limit = SIZE_LIMIT_LONG if want >= 120 else SIZE_LIMIT_SHORT
    problems = []
    if not video.exists():
        problems.append(f"{video.name} missing")
    else:
        info = probe(ffmpeg, video)
        size = video.stat().st_size
        dur = info["duration"]
        print(
            f"{video.name}: {'unknown' if dur is None else f'{dur:.2f}'} s (want {want}),"
            f" video={info['video']} "
            f"{info.get('size')}, audio={info['audio']}, {size:,} bytes"
        )
        if dur is None or abs(dur - want) > 0.25:
            problems.append(f"{video.name}: duration {dur} != {want}")
        if info["video"] != "vp9" or info["audio"] != "opus":
            problems.append(f"{video.name}: codecs {info['video']}/{info['audio']}")
        if size > limit:
            problems.append(f"{video.name}: {size:,} bytes > {limit:,}")
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
    ap.add_argument("--check", action="store_true", help="only verify existing files")
    args = ap.parse_args()

    catalog = tomllib.loads(CATALOG.read_text(encoding="utf-8"))
    series_title = catalog["series"]["title"]
    modules = catalog["modules"]
    unknown = set(args.slugs) - {m["slug"] for m in modules}
    if unknown:
        sys.exit(f"unknown slug(s): {', '.join(sorted(unknown))}")

    ffmpeg = find_ffmpeg()
    drawtext = has_filter(ffmpeg, "drawtext")
    print(f"ffmpeg: {ffmpeg} (drawtext: {'yes' if drawtext else 'no, using testsrc'})")

    ok = True
    for m in modules:
        if args.slugs and m["slug"] not in args.slugs:
            continue
        palette = PALETTES[(int(m["position"]) - 1) % len(PALETTES)]
        if not args.check:
            print(f"building {m['slug']} ({m['duration_seconds']} s)...")
            build_video(ffmpeg, m, series_title, palette, drawtext, DEMO_DIR / m["video"])
            build_poster(ffmpeg, m, series_title, palette, drawtext, DEMO_DIR / m["poster"])
        ok = check(ffmpeg, m) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
