"""Storage fan-out (many small calls for one request) answers within one
deadline for the whole request: API.md's 503 within twice GCS_TIMEOUT_SECONDS."""

import socket
import threading
import time

import pytest

from projects.models import Project
from storage import selectors
from storage.backends import StorageUnavailable, reset_backend
from storage.deadline import map_within_deadline
from storage.models import BucketGrant, StorageConnection
from workspaces.models import Workspace


def test_map_within_deadline_keeps_order_and_gives_up_on_time():
    assert map_within_deadline(lambda n: n * n, range(20), seconds=5) == [n * n for n in range(20)]
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        map_within_deadline(lambda n: release.wait(5), range(50), seconds=0.3)
    assert time.monotonic() - started < 1.0
    release.set()


def test_map_within_deadline_passes_errors_on():
    def fail(n):
        raise StorageUnavailable("down")

    with pytest.raises(StorageUnavailable):
        map_within_deadline(fail, [1, 2], seconds=5)


@pytest.mark.django_db
def test_upload_preflight_of_many_names_against_a_hung_server(settings, gcs_key, make_user):
    """1,000 metadata lookups against a server that never answers: one 503,
    within twice the timeout, not 1,000 timeouts."""
    owner = make_user()
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    project = Project.objects.create(workspace=workspace, name="Data", slug="data", created_by=owner)
    BucketGrant.objects.create(workspace=workspace, bucket_name="omx-hung-bucket")
    StorageConnection.objects.create(project=project, bucket_name="omx-hung-bucket", prefix="")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        host, port = hung.getsockname()
        settings.STORAGE_BACKEND = "gcs"
        settings.STORAGE_EMULATOR_HOST = f"http://{host}:{port}"
        settings.GCS_CREDENTIALS_PATH = str(gcs_key.path)
        settings.GCS_PROJECT_ID = "omx-test"
        settings.GCS_TIMEOUT_SECONDS = 0.5
        names = [f"upload/file-{i:04d}.bin" for i in range(1000)]
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            selectors.objects_existing(project=project, bucket="omx-hung-bucket", names=names)
        assert time.monotonic() - started < 2 * settings.GCS_TIMEOUT_SECONDS + 0.5
    reset_backend()
