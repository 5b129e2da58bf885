"""Per-request cost of the JSON API in one process, with cProfile on demand:
where a request's time goes, without gunicorn, sockets or the load generator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omx_prof .venv/bin/python -m bench.profile
    PROFILE=workspaces N=300 ... -m bench.profile            # + cProfile, by cumulative time
    PROFILE=workspaces SORT=tottime ... -m bench.profile     # + cProfile, by own time
    ... -m bench.profile me dashboard                        # only these rows
    ... -m bench.profile upload-url upload-url-nolog         # the access log's cost, in process
    ... -m bench.profile files fragment                      # the Files page and its HTMX listing
    N=3000 .venv/bin/py-spy record -r 500 -f raw -o fragment.txt -- .venv/bin/python -m bench.profile fragment
                                                             # sampled, not traced: small calls keep their true cost

The storage rows run against a fake-gcs-server started here, with the GCS
backend and a throw-away key, as `make bench` runs them. The database named in
DATABASE_URL is migrated and seeded once (a user, a workspace with 30
projects, a granted and linked bucket holding 100 objects).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

from omx.testing.gcs import FakeGcs, fake_gcs_binary, write_service_account_key

N = int(os.environ.get("N", "300"))
BUCKET = "omx-profile"
PREFIX = "small/"


def _start_gcs(workdir: Path) -> FakeGcs:
    gcs = FakeGcs(fake_gcs_binary(), workdir / "fake-gcs.log")
    gcs.start()
    key = workdir / "service-account.json"
    write_service_account_key(key, project="omx-profile", email="omx-profile@omx-profile.iam.gserviceaccount.com")
    os.environ.update({"STORAGE_BACKEND": "gcs", "STORAGE_EMULATOR_HOST": gcs.url,
                       "GCS_CREDENTIALS_PATH": str(key), "GCS_PROJECT_ID": "omx-profile"})
    return gcs


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omx.settings")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "profile-" + "x" * 60)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # the pages' manifest, as gunicorn's start does


def _seed():
    from accounts.models import User
    from storage.backends import get_backend
    from storage.models import BucketGrant, StorageConnection
    from workspaces.models import Workspace
    from workspaces.tests.factories import make_project, make_workspace

    user = User.objects.filter(email="profile@example.com").first() or User.objects.create_user(
        email="profile@example.com", password="x" * 20, full_name="Profile")
    workspace = Workspace.objects.filter(created_by=user).first()
    if workspace is None:
        workspace = make_workspace(user, name="Profile workspace")
        for i in range(30):
            make_project(workspace, user, name=f"Project {i:02d}")
        BucketGrant.objects.create(workspace=workspace, bucket_name=BUCKET)
    project = workspace.projects.order_by("name").last()
    StorageConnection.objects.get_or_create(project=project, bucket_name=BUCKET, prefix=PREFIX)
    backend = get_backend()  # the emulator is new on every run: its bucket too
    backend.create_bucket(name=BUCKET)
    for i in range(100):
        backend.upload_bytes(bucket=BUCKET, name=f"{PREFIX}object-{i:06d}.txt", data=b"x", content_type="text/plain")
    return user, workspace, project


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="omx-profile-") as tmp:
        gcs = _start_gcs(Path(tmp))
        try:
            _setup_django()
            return _run(sys.argv[1:])
        finally:
            gcs.stop()


def _run(which: list[str]) -> int:
    from django.conf import settings
    from django.test import Client

    from accounts.tokens import token_pair_for_user

    user, workspace, project = _seed()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_pair_for_user(user)['access_token']}")
    browser = Client()  # the Files page's visitor: a session, as `make bench` logs in
    browser.force_login(user)
    files_path = f"/w/{workspace.slug}/p/{project.slug}/files/"
    project_path = f"/api/workspaces/{workspace.pk}/projects/{project.pk}"

    def upload_url(log: bool = True):
        settings.ACCESS_LOG_ENABLED = log  # a plain assignment: override_settings would cost more than the log
        return client.post(f"{project_path}/storage/upload-url", content_type="application/json",
                           data={"bucket": BUCKET, "object_name": f"{PREFIX}upload.txt", "content_type": "text/plain"})

    requests = {
        "me": lambda: client.get("/api/auth/me"),
        "workspaces": lambda: client.get("/api/workspaces"),
        "projects": lambda: client.get(f"/api/workspaces/{workspace.pk}/projects"),
        "dashboard": lambda: client.get(f"{project_path}/dashboard"),
        "upload-url": upload_url,
        "upload-url-nolog": lambda: upload_url(log=False),  # ACCESS_LOG_ENABLED=false
        "objects": lambda: client.get(f"{project_path}/storage/objects",
                                      {"bucket": BUCKET, "prefix": PREFIX, "page_size": 100}),
        "files": lambda: browser.get(files_path),
        "fragment": lambda: browser.get(files_path, {"bucket": BUCKET, "prefix": PREFIX},
                                        headers={"HX-Request": "true", "HX-Target": "fb-listing"}),
    }
    for name in which or list(requests):
        send = requests[name]
        response = send()
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        # Five rounds of N/5; the best round is the figure (as timeit does): other
        # work on a shared machine only ever adds time. Beside it, this process's
        # own CPU time per request (Python's work: not PostgreSQL's nor the
        # emulator's), which a busy or oversubscribed machine disturbs least.
        rounds, cpu = [], []
        per = max(1, N // 5)
        for _ in range(5):
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(per):
                send()
            rounds.append((time.perf_counter() - t0) / per * 1000)
            cpu.append((time.process_time() - c0) / per * 1000)
        rounds.sort()
        print(f"{name:16} {rounds[0]:6.2f} ms/request (median {rounds[2]:.2f}), CPU here {min(cpu):.2f} ms",
              flush=True)
    target = os.environ.get("PROFILE")
    if target:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(N):
            requests[target]()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            int(os.environ.get("LINES", "60")))
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
