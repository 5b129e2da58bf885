"""Storage jobs run by real `manage.py db_worker` processes on PostgreSQL:
two workers, one killed with SIGKILL in the middle of a job; the other takes
the job over once its lease expires, and every object is accounted for once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from projects.models import Project
from storage.backends import get_backend, reset_backend
from storage.job_services import job_create
from storage.models import BucketGrant, StorageConnection, StorageJob
from workspaces.models import ActivityEvent, Membership, Role, Workspace

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LEASE = 2
N = 2500


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://…): workers share the test database")


def _worker(name: str, env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--worker-id", name,
             "--no-startup-delay", "--no-reload"],  # no reloader: the pid is the worker
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )


WORKER_APP = "omx-test-db-worker"


def _worker_sessions() -> int:
    """The workers' own sessions (they connect as WORKER_APP): other tests'
    live servers may keep sessions of their own open meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND application_name = %s", [WORKER_APP])
        return len(cursor.fetchall())


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_job_survives_its_worker_being_killed(postgres, settings, tmp_path, make_user):
    from django_tasks_db.models import DBTaskResult

    root = tmp_path / "storage"
    settings.STORAGE_BACKEND, settings.STORAGE_LOCAL_ROOT, settings.STORAGE_JOB_LEASE_SECONDS = "local", root, LEASE
    reset_backend()
    backend = get_backend()
    bucket = "jobs-kill"
    backend.create_bucket(name=bucket)
    names = [f"data/src/{i // 100:02d}/{i:05d}.txt" for i in range(N)]
    for name in names:
        backend.upload_bytes(bucket=bucket, name=name, data=name.encode(), content_type="text/plain")
    user = make_user()
    workspace = Workspace.objects.create(name="Kill", slug="kill")
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    project = Project.objects.create(workspace=workspace, name="P", slug="p", created_by=user)
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    StorageConnection.objects.create(project=project, bucket_name=bucket, prefix="data/")

    db = connection.settings_dict
    env = {**os.environ, "PGAPPNAME": WORKER_APP, "STORAGE_BACKEND": "local", "STORAGE_LOCAL_ROOT": str(root),
           "STORAGE_JOB_LEASE_SECONDS": str(LEASE),
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"}
    workers = {name: _worker(name, env, tmp_path / f"{name}.log") for name in ("w1", "w2")}
    try:
        project.workspace.role = Role.OWNER
        job = job_create(user=user, project=project, kind="move", bucket=bucket, sources=["data/src/"],
                         destination={"prefix": "data/dst/"})

        def holder():
            job.refresh_from_db()
            if job.state != "running" or job.done < 300:
                return None
            row = DBTaskResult.objects.filter(status="RUNNING").exclude(worker_ids=[]).first()
            return row.worker_ids[-1] if row else None

        victim = _wait(holder, 60, "a worker to be well into the job")
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait(10)
        done_at_kill = StorageJob.objects.get(pk=job.pk).done
        assert done_at_kill < job.total or job.total is None, "the job finished before the kill: make it larger"

        _wait(lambda: StorageJob.objects.get(pk=job.pk).is_finished, 120, "the other worker to finish the job")
        job.refresh_from_db()
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
        # PostgreSQL ends a killed client's session on its own time: generous on a busy machine.
        _wait(lambda: not _worker_sessions(), 60, "the workers' database sessions to close")
    logs = "\n".join((tmp_path / f"{n}.log").read_text()[-2000:] for n in workers)
    assert job.state == "succeeded", (job.errors, logs)
    placeholders = 1 + N // 100  # on disk every directory is a folder: src/ and each src/NN/
    assert job.total == N + placeholders
    assert (job.done, job.skipped, job.failed) == (job.total, 0, 0), logs
    moved = [n for n in backend.iter_names(bucket=bucket, prefix="data/dst/") if not n.endswith("/")]
    assert sorted(moved) == sorted(n.replace("data/src/", "data/dst/src/") for n in names)
    assert list(backend.iter_names(bucket=bucket, prefix="data/src/")) == []  # folders moved with their objects
    assert ActivityEvent.objects.filter(verb="storage.objects_moved").count() == 1
