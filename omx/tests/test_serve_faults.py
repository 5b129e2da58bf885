"""fake-gcs-server hung, stopped and started again while omX serves under
gunicorn with the GCS backend: storage calls answer 503 JSON within twice
GCS_TIMEOUT_SECONDS (plus slack) while the rest of the API keeps answering,
and storage works again once the server is back, without restarting the app."""

import os
import signal
import uuid

import pytest

from conftest import missing_service
from omx.testing.gcs import FakeGcs, fake_gcs_binary, write_service_account_key
from omx.testing.servers import AppServer
from omx.testing.servers import http_json as call
from storage.backends.gcs import GcsBackend

PASSWORD = "storage outage passphrase 1"
GCS_TIMEOUT = 1.0
# gunicorn, Django and the client's own overhead on a busy 2-core machine.
SLACK = 1.5


def create_bucket(fake: FakeGcs, name: str) -> None:
    backend = GcsBackend(project_id="omx-fault", credentials_path=None, emulator_host=fake.url, timeout=5)
    backend.create_bucket(name=name)
    backend.upload_bytes(bucket=name, name="docs/readme.txt", data=b"hello", content_type="text/plain")


@pytest.fixture
def served_with_fake_gcs(tmp_path):
    try:
        binary = fake_gcs_binary()
    except RuntimeError as exc:
        missing_service(f"fake-gcs-server: {exc}")
    fake = FakeGcs(binary, tmp_path / "fake-gcs.log")
    fake.start()
    app = AppServer({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'omx.db'}",
        "STORAGE_BACKEND": "gcs",
        "STORAGE_EMULATOR_HOST": fake.url,
        "GCS_CREDENTIALS_PATH": str(write_service_account_key(tmp_path / "key.json").path),
        "GCS_PROJECT_ID": "omx-fault",
        "GCS_TIMEOUT_SECONDS": str(GCS_TIMEOUT),
    })
    try:
        app.manage("migrate", "--noinput")
        app.start()
        yield fake, app
    finally:
        app.stop()
        fake.stop()


def test_storage_server_hung_down_and_back(served_with_fake_gcs):
    fake, app = served_with_fake_gcs
    api = f"{app.url}/api"
    assert call("POST", f"{api}/auth/register", {"email": "sam@example.com", "password": PASSWORD})[0] == 201
    token = call("POST", f"{api}/auth/login", {"email": "sam@example.com", "password": PASSWORD})[2]["access_token"]
    workspace = call("POST", f"{api}/workspaces", {"name": "Outage"}, token)[2]
    project = call("POST", f"{api}/workspaces/{workspace['id']}/projects", {"name": "Files"}, token)[2]
    storage = f"{api}/workspaces/{workspace['id']}/projects/{project['id']}/storage"
    bucket = f"omx-fault-{uuid.uuid4().hex[:12]}"
    create_bucket(fake, bucket)
    app.manage("grants", "add", workspace["slug"], bucket)
    status, _, body, _ = call("POST", f"{storage}/connections", {"bucket_name": bucket, "prefix": ""}, token)
    assert status == 201, body
    objects = f"{storage}/objects?bucket={bucket}&prefix=docs/"

    # Both gunicorn workers get to list (and so hold a pooled connection to the emulator).
    for _ in range(4):
        status, _, body, _ = call("GET", objects, token=token)
        assert status == 200, body

    def assert_storage_unavailable():
        for _ in range(2):
            status, content_type, body, elapsed = call("GET", objects, token=token)
            assert status == 503, body
            assert content_type == "application/json"
            assert body["code"] == "storage_unavailable" and body["detail"]
            assert elapsed < 2 * GCS_TIMEOUT + SLACK, f"503 after {elapsed:.2f}s"
            # The rest of the API does not wait on storage.
            status, _, body, elapsed = call("GET", f"{api}/auth/me", token=token)
            assert status == 200 and body["email"] == "sam@example.com"
            assert elapsed < 1.0
            assert call("GET", f"{app.url}/healthz")[0] == 200

    def assert_storage_works():
        for _ in range(4):
            status, _, body, _ = call("GET", objects, token=token)
            assert status == 200, body
            assert [o["name"] for o in body["objects"]] == ["docs/readme.txt"]

    # Hung: the server accepts connections but never answers.
    os.kill(fake._process.pid, signal.SIGSTOP)
    try:
        assert_storage_unavailable()
    finally:
        os.kill(fake._process.pid, signal.SIGCONT)
    assert_storage_works()

    # Down: connections are refused.
    fake.stop()
    assert_storage_unavailable()

    # Back on the same port, empty (the in-memory server lost its data).
    fake.start()
    create_bucket(fake, bucket)
    assert_storage_works()


def test_a_very_long_api_url_gets_a_json_answer_under_gunicorn(served_with_fake_gcs):
    """gunicorn itself would answer an over-long request line with HTML; omX
    answers it, in JSON, like every other /api/ error."""
    _, app = served_with_fake_gcs
    status, content_type, body, _ = call("GET", f"{app.url}/api/auth/me?pad={'x' * 20000}")
    assert status == 401 and content_type == "application/json", (status, content_type)
    assert body["code"] == "not_authenticated"
