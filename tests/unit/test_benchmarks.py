"""The benchmarks of bench/ (bench/README.md): the load benchmark starts as a package and
keeps its options, and no benchmark file grows into one of the repository's largest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
LONGEST = 500  # lines


def test_the_load_benchmark_starts_and_lists_its_options():
    # --help imports every part of the package before it parses the options.
    answer = subprocess.run(
        [sys.executable, str(BENCH / "load"), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert answer.returncode == 0, answer.stderr
    for option in ("--servers", "--nginx", "--redis", "--profile", "--cache-max-entries"):
        assert option in answer.stdout
    assert "--requests" in answer.stdout and "--quiz-cycles" in answer.stdout


def test_no_benchmark_file_is_longer_than_500_lines():
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in BENCH.rglob("*.py")
    }
    assert lengths, "no benchmark found"
    assert {name: n for name, n in lengths.items() if n > LONGEST} == {}
