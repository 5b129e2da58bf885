"""Fixtures shared by every app's tests."""

import itertools

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tokens import token_pair_for_user

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated_cache_and_storage(settings, tmp_path):
    """Each test starts with an empty cache and its own local storage root."""
    from django.core.cache import cache

    cache.clear()
    # Fast hashing for the many users tests create; test_api checks argon2 itself.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # WhiteNoise indexes every static file (thousands, with Swagger UI's) each
    # time a test client builds its middleware; look files up lazily instead.
    settings.WHITENOISE_AUTOREFRESH = True
    # ... from the apps' static folders, as in development: a fresh clone has
    # no collected STATIC_ROOT.
    settings.WHITENOISE_USE_FINDERS = True
    settings.STORAGE_LOCAL_ROOT = tmp_path / "storage"
    settings.STORAGE_BACKEND = "local"
    yield
    cache.clear()


@pytest.fixture
def background(django_capture_on_commit_callbacks):
    """`with background(): <a request>`: the request's commit callbacks run,
    then a worker runs every task they queued (`db_worker --batch`), as
    production's workers would, in this process (so mail.outbox sees mail)."""
    from contextlib import contextmanager
    from unittest import mock

    from django.core.management import call_command

    @contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield
        # The worker closes "old" connections between tasks; inside the test's
        # transaction that would be the test's own connection.
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*",
                         verbosity=0)

    return run


@pytest.fixture
def make_user(db):
    def make(email=None, password=PASSWORD, full_name="", **extra):
        n = next(_counter)
        return User.objects.create_user(
            email=email or f"user{n}@example.com", password=password,
            full_name=full_name or f"User {n}", **extra,
        )

    return make


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def token_client():
    """An APIClient holding a bearer token for the given user."""

    def make(user):
        client = APIClient()
        tokens = token_pair_for_user(user)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        client.tokens = tokens
        return client

    return make


@pytest.fixture
def alice(make_user):
    return make_user(email="alice@example.com", full_name="Alice Owner")


@pytest.fixture
def bob(make_user):
    return make_user(email="bob@example.com", full_name="Bob Member")


@pytest.fixture
def charlie(make_user):
    return make_user(email="charlie@example.com", full_name="Charlie Outsider")


# --- Real-browser tests (Playwright driving Debian's Chromium) ---------------

import os  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

# pytest-django's live_server runs in a thread beside Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


def missing_service(what: str):
    """Fail under CI (a missing service is a broken setup), skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI=true but is missing")
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        missing_service(f"Chromium ({CHROMIUM}; apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_service("Playwright for Python (pip install -r requirements-dev.txt)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A Content-Security-Policy refusal breaks a page silently: count it as an error.
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    """screenshot("name") saves test-artifacts/<test>-<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str, target=None):
        path = ARTIFACTS / f"{request.node.name}-{name}.png".replace("/", "_")
        (target or page).screenshot(path=str(path), full_page=target is None)
        return path

    return take


# Storage fixtures (fake-gcs-server, service-account key, both backends) for every app's tests.
from storage.tests.fixtures import *  # noqa: E402, F401, F403
