"""Reusable storage fixtures: a real fake-gcs-server, a throwaway service-account
key, and a `storage_backend` fixture that runs a test once per backend.

Imported by the root conftest, so tests in every app can use them:

    from storage.tests.fixtures import *  # noqa: F403

Nothing here mocks the storage client: GCS tests talk HTTP to fake-gcs-server.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from omx.testing.gcs import (
    GCS_TEST_PROJECT,
    FakeGcs,
    ServiceAccountKey,
    fake_gcs_binary,
    write_service_account_key,
)
from storage.backends import get_backend, reset_backend

__all__ = [
    "FakeGcs",
    "ServiceAccountKey",
    "configure_gcs",
    "configure_local",
    "fake_gcs",
    "gcs_key",
    "gcs_storage",
    "listing_requests",
    "local_storage",
    "storage_backend",
    "signed_url_client",
    "unique_bucket_name",
]


@contextmanager
def listing_requests(backend):
    """(url, headers) of each request the listing's urllib3 pool sends, while
    inside: the requests still go to the emulator."""
    pool, sent = backend.listing_http._http.http, []
    send = pool.urlopen
    pool.urlopen = lambda method, url, *args, **kwargs: sent.append((url, kwargs["headers"])) or send(
        method, url, *args, **kwargs)
    try:
        yield sent
    finally:
        del pool.urlopen


def unique_bucket_name() -> str:
    return f"omx-test-{uuid.uuid4().hex[:16]}"


@pytest.fixture(scope="session")
def fake_gcs(tmp_path_factory):
    """A running fake-gcs-server for the whole test session."""
    problem = None
    try:
        binary = fake_gcs_binary()
    except RuntimeError as exc:
        problem = str(exc)
    server = None
    if problem is None:
        server = FakeGcs(binary, tmp_path_factory.mktemp("fake-gcs") / "server.log")
        try:
            server.start()
        except (OSError, RuntimeError) as exc:
            problem = f"fake-gcs-server could not start ({exc})"
    if problem is not None:
        message = f"GCS backend tests need fake-gcs-server: {problem}."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gcs_key(tmp_path_factory) -> ServiceAccountKey:
    """A freshly generated service-account key file (never committed, never valid at Google)."""
    return write_service_account_key(tmp_path_factory.mktemp("gcs-key") / "service-account.json")


def configure_gcs(settings, fake: FakeGcs, key: ServiceAccountKey | None, **overrides) -> None:
    """Point the app at fake-gcs-server, signing with `key` (None: ambient credentials)."""
    settings.STORAGE_BACKEND = "gcs"
    settings.STORAGE_EMULATOR_HOST = fake.url
    settings.GCS_CREDENTIALS_PATH = str(key.path) if key else None
    settings.GCS_PROJECT_ID = GCS_TEST_PROJECT
    for name, value in overrides.items():
        setattr(settings, name, value)
    reset_backend()


def configure_local(settings, root: Path, **overrides) -> None:
    settings.STORAGE_BACKEND = "local"
    settings.STORAGE_LOCAL_ROOT = root
    for name, value in overrides.items():
        setattr(settings, name, value)
    reset_backend()


@pytest.fixture
def gcs_storage(settings, fake_gcs, gcs_key):
    """(backend, bucket) on fake-gcs-server with a fresh bucket."""
    configure_gcs(settings, fake_gcs, gcs_key)
    backend = get_backend()
    bucket = unique_bucket_name()
    backend.create_bucket(name=bucket)
    yield backend, bucket
    reset_backend()


@pytest.fixture
def local_storage(settings, tmp_path):
    """(backend, bucket) on the local backend under a temporary root."""
    configure_local(settings, tmp_path / "local-storage")
    backend = get_backend()
    bucket = unique_bucket_name()
    backend.create_bucket(name=bucket)
    yield backend, bucket
    reset_backend()


@pytest.fixture(params=["gcs", "local"])
def storage_backend(request):
    """(backend, bucket), once on fake-gcs-server and once on the local backend."""
    return request.getfixturevalue(f"{request.param}_storage")


@pytest.fixture
def signed_url_client(request, settings):
    """`absolute(url)`: GCS signed URLs are absolute already; local ones are served
    by the app itself, so they go to pytest-django's live server."""

    def absolute(url: str) -> str:
        if url.startswith(("http://", "https://")):
            return url
        # The live server's thread touches the database connection on every
        # request (close_old_connections), so the test needs database access.
        has_db = request.node.get_closest_marker("django_db") or {
            "db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"
        } & set(request.fixturenames)
        if not has_db:
            request.getfixturevalue("db")
        return request.getfixturevalue("live_server").url + url

    return absolute
