"""The rooms import downwards only, and only settings uses the embedded PostgreSQL: the
contracts in pyproject.toml, checked by import-linter as `make lint` does."""

import subprocess
import sys
from pathlib import Path

from tests.processes import child_env

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_every_import_contract_is_kept():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=child_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
