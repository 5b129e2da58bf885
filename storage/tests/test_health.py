"""Connection health: listings remember whether a link answered,
`check_connections` rechecks every link, and /healthz asks storage for real."""

import io
import socket

import pytest
from django.core.cache import cache
from django.core.management import call_command

from projects.models import Project
from storage import selectors
from storage.backends import StorageUnavailable, reset_backend
from storage.health import STATUS_CACHE_KEY
from storage.models import BucketGrant, StorageConnection
from storage.tests.fixtures import configure_gcs
from workspaces.models import Workspace


def _refusing_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"  # closed again: connections are refused


@pytest.fixture
def link(storage_backend, make_user):
    backend, bucket = storage_backend
    owner = make_user()
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    project = Project.objects.create(workspace=workspace, name="Data", slug="data", created_by=owner)
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    connection = StorageConnection.objects.create(project=project, bucket_name=bucket, prefix="")
    return project, bucket, connection


def test_a_listing_records_success_then_failure(link, settings, gcs_key):
    project, bucket, connection = link
    selectors.objects_list(project=project, bucket=bucket, prefix=None)
    connection.refresh_from_db()
    assert connection.last_checked_at is not None and connection.last_error is None
    first = connection.last_checked_at

    selectors.objects_list(project=project, bucket=bucket, prefix=None)  # unchanged within a minute: no write
    connection.refresh_from_db()
    assert connection.last_checked_at == first

    settings.STORAGE_BACKEND = "gcs"
    settings.STORAGE_EMULATOR_HOST = _refusing_address()
    settings.GCS_CREDENTIALS_PATH = str(gcs_key.path)
    settings.GCS_PROJECT_ID = "omx-test"
    settings.GCS_TIMEOUT_SECONDS = 0.5
    with pytest.raises(StorageUnavailable):
        selectors.objects_list(project=project, bucket=bucket, prefix=None)
    connection.refresh_from_db()
    assert connection.last_error and connection.last_checked_at > first
    reset_backend()


def test_check_connections_rechecks_every_link(link, settings):
    project, bucket, connection = link
    StorageConnection.objects.create(project=project, bucket_name="omx-no-such-bucket", prefix="")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("check_connections", stdout=out)
    assert exit_status.value.code == 1
    assert "1 of 2 links failed" in out.getvalue()
    states = dict(StorageConnection.objects.values_list("bucket_name", "last_error"))
    assert states[bucket] is None and states["omx-no-such-bucket"]
    assert all(StorageConnection.objects.values_list("last_checked_at", flat=True))


def test_healthz_reports_storage_from_a_real_cached_call(db, client, settings, fake_gcs, gcs_key):
    configure_gcs(settings, fake_gcs, gcs_key)
    assert client.get("/healthz").json()["storage"] == "ok"
    assert cache.get(STATUS_CACHE_KEY) == "ok"  # the next checks within 30 s reuse it

    cache.delete(STATUS_CACHE_KEY)
    settings.STORAGE_EMULATOR_HOST = _refusing_address()
    settings.GCS_TIMEOUT_SECONDS = 0.5
    body = client.get("/healthz").json()
    assert body["storage"] == "error" and body["status"] == "ok", body  # the app itself is up
    reset_backend()
