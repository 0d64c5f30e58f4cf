"""The shared cast (learner, other learner, author, programme staff, admin), a browser, and
the fixtures every folder uses (tests/unit, web, browser, system); factories are in
tests/factories.py."""

import os
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches

from modules import live
from modules.models import Competency
from tests.factories import PASSWORD
from tests.processes import child_env


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VIDEO_WORK_DIR = tmp_path / "work"
    yield
    uses_database = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
    } & set(request.fixturenames)
    caches["local"].clear()
    live.forget()
    if uses_database:
        cache.clear()


def _user(email: str, name: str, **flags):
    User = get_user_model()
    user = User.objects.create_user(email, PASSWORD, certificate_name=name, **flags)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def learner(db):
    return _user("learner@example.org", "Lee Learner")


@pytest.fixture
def other_learner(db):
    return _user("other@example.org", "Olu Other")


@pytest.fixture
def author(db):
    return _user("author@example.org", "Ari Author", is_staff=True)


def migration_group(migration_name: str):
    """The group a data migration of coachlearn makes; made again exactly as it does, since
    transactional tests flush rows that migrations wrote."""
    import importlib

    from django.apps import apps as global_apps
    from django.contrib.auth.models import Group

    migration = importlib.import_module(f"coachlearn.migrations.{migration_name}")
    if not Group.objects.filter(name=migration.GROUP).exists():
        migration.create_group(global_apps, None)
    return Group.objects.get(name=migration.GROUP)


@pytest.fixture
def programme_staff(db):
    """Staff in the "Programme staff" group: learners' records, no authoring."""
    user = _user("programme@example.org", "Pat Programme", is_staff=True)
    user.groups.add(migration_group("0002_programme_staff_group"))
    return user


@pytest.fixture
def admin_user(db):
    return _user("admin@example.org", "Ada Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def competency(db):
    return Competency.objects.create(name="Establishing the coaching agreement")


# --- a real browser -------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            "Debian's chromium is missing; `make test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the Django calls the tests
    # make between browser steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def run_at_once(action, count: int) -> list:
    """Call `action()` from `count` threads released together; return their results.

    Each thread has its own database connection (closed at the end), so this exercises
    the database's locking and constraints as concurrent requests would. Any exception
    in a thread fails the caller.
    """
    import threading

    from django.db import connection

    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(action())
        except Exception as error:  # noqa: BLE001 - re-raised below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def free_port() -> int:
    """A TCP port nothing listens on now, on the loopback address."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def collected_static():
    """collectstatic once per test run, as in production (hashed and compressed by
    WhiteNoise), for the servers tests start with DEBUG off. Defined here only: a fixture
    imported into several test files would run once for each of them."""
    import shutil
    import subprocess
    import sys
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="coachlearn-static-"))
    folder.chmod(0o755)
    env = child_env(testing=False, DEBUG="0", STATIC_ROOT=str(folder))
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=root,
        env=env,
        check=True,
    )
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
