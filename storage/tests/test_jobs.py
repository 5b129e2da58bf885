"""Storage jobs on both backends: the API contract (202, validation, 403 for
containment before anything is queued, cancel rules) and what a job does when
a worker runs it (`job_work`, called directly so the tests are deterministic;
real `db_worker` processes are in test_jobs_workers.py)."""

import pytest

from projects.models import Project
from storage.job_runner import job_work
from storage.models import AccessLogEntry, BucketGrant, StorageConnection, StorageJob
from workspaces.models import ActivityEvent, Membership, Role, Workspace

pytestmark = pytest.mark.django_db

FILES = ["data/a/x.txt", "data/a/sub/y.txt", "data/a/sub/z.txt", "data/b.txt"]


@pytest.fixture
def world(storage_backend, make_user, token_client):
    backend, bucket = storage_backend
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    users = {}
    for role in Role.values:
        users[role] = make_user(email=f"{role}@acme.test")
        Membership.objects.create(workspace=workspace, user=users[role], role=role)
    users["outsider"] = make_user(email="outsider@elsewhere.test")
    project = Project.objects.create(workspace=workspace, name="Data", slug="data", created_by=users["owner"])
    other = f"{bucket}-2"
    backend.create_bucket(name=other)
    for b in (bucket, other):
        BucketGrant.objects.create(workspace=workspace, bucket_name=b)
        StorageConnection.objects.create(project=project, bucket_name=b, prefix="data/")
    backend.create_folder(bucket=bucket, prefix="data/a/")
    for name in FILES:
        backend.upload_bytes(bucket=bucket, name=name, data=name.encode(), content_type="text/plain")
    backend.upload_bytes(bucket=bucket, name="outside.txt", data=b"no", content_type="text/plain")
    base = f"/api/workspaces/{workspace.id}/projects/{project.id}/storage/jobs"
    return type("World", (), {"backend": backend, "bucket": bucket, "other": other, "users": users,
                              "project": project, "base": base,
                              "client": staticmethod(lambda role: token_client(users[role]))})


def names(w, bucket=None, prefix="data/"):
    return sorted(n for n in w.backend.iter_names(bucket=bucket or w.bucket, prefix=prefix) if n != prefix)


def start(w, role="member", **body):
    response = w.client(role).post(w.base, body, format="json")
    assert response.status_code == 202, response.content
    return StorageJob.objects.get(pk=response.json()["id"])


def run(job):
    job_work(job=job)
    job.refresh_from_db()
    assert job.state == "succeeded", job.errors
    assert job.done + job.skipped + job.failed == job.total
    return job


def test_delete_folder_and_object_records_one_event(world):
    job = run(start(world, kind="delete", bucket=world.bucket, sources=["data/a/", "data/b.txt"]))
    assert names(world) == []
    assert (job.done, job.skipped, job.failed) == (job.total, 0, 0)
    assert job.total == 5 if world.backend.name == "gcs" else job.total == 6  # local: every directory is a folder
    event = ActivityEvent.objects.get(verb="storage.objects_deleted")
    assert event.payload["done"] == job.done and event.payload["job"] == str(job.pk)
    # the access log names the request that started the job, not the worker
    logged = AccessLogEntry.objects.filter(action="delete")
    assert {"data/a/x.txt", "data/b.txt"} <= set(logged.values_list("object_name", flat=True))
    assert set(logged.values_list("via", "client_ip", "actor__email")) == {("api", "127.0.0.1", "member@acme.test")}


def test_copy_into_folder_keeps_inner_tree_and_creates_no_placeholder(world):
    world.backend.create_folder(bucket=world.bucket, prefix="data/dest/")
    job = run(start(world, kind="copy", bucket=world.bucket, sources=["data/a/sub/", "data/b.txt"],
                    destination={"prefix": "data/dest/"}))
    assert set(names(world, prefix="data/dest/")) >= {"data/dest/sub/y.txt", "data/dest/sub/z.txt", "data/dest/b.txt"}
    if world.backend.name == "gcs":  # the source had no data/a/sub/ placeholder
        assert "data/dest/sub/" not in names(world, prefix="data/dest/")
    assert world.backend.read_head(bucket=world.bucket, name="data/dest/sub/y.txt", max_bytes=100) == b"data/a/sub/y.txt"
    assert "data/a/sub/y.txt" in names(world)  # a copy leaves the source
    assert job.skipped == 0 and ActivityEvent.objects.filter(verb="storage.objects_copied").count() == 1


def test_move_folder_to_another_bucket_moves_its_placeholder(world):
    job = run(start(world, kind="move", bucket=world.bucket, sources=["data/a/"],
                    destination={"bucket": world.other, "prefix": "data/"}))
    moved = names(world, bucket=world.other)
    assert {"data/a/", "data/a/x.txt", "data/a/sub/y.txt", "data/a/sub/z.txt"} <= set(moved)
    assert [n for n in names(world) if n.startswith("data/a")] == []
    assert job.failed == 0 and ActivityEvent.objects.filter(verb="storage.objects_moved").count() == 1


def test_rename_object_and_folder(world):
    run(start(world, kind="move", bucket=world.bucket, sources=["data/b.txt"], destination={"name": "data/c.txt"}))
    run(start(world, kind="move", bucket=world.bucket, sources=["data/a/"], destination={"name": "data/new/"}))
    assert {"data/c.txt", "data/new/x.txt", "data/new/sub/y.txt"} <= set(names(world))
    assert not [n for n in names(world) if n.startswith(("data/a/", "data/b.txt"))]


@pytest.mark.parametrize("on_conflict", ["skip", "overwrite"])
def test_conflicts_skip_or_overwrite(world, on_conflict):
    world.backend.upload_bytes(bucket=world.bucket, name="data/d/b.txt", data=b"old", content_type="text/plain")
    job = run(start(world, kind="move", bucket=world.bucket, sources=["data/b.txt"],
                    destination={"prefix": "data/d/"}, on_conflict=on_conflict))
    body = world.backend.read_head(bucket=world.bucket, name="data/d/b.txt", max_bytes=100)
    if on_conflict == "skip":
        assert (job.done, job.skipped, body) == (0, 1, b"old")
        assert "data/b.txt" in names(world)  # a skipped move leaves its source
    else:
        assert (job.done, job.skipped, body) == (1, 0, b"data/b.txt")
        assert "data/b.txt" not in names(world)


def test_a_missing_source_counts_as_failed(world):
    job = run(start(world, kind="copy", bucket=world.bucket, sources=["data/gone.txt"], destination={"prefix": "data/d/"}))
    assert (job.failed, job.total) == (1, 1) and job.errors[0]["name"] == "data/gone.txt"


@pytest.mark.parametrize("body", [
    {"kind": "copy", "sources": ["data/a/"], "destination": {"prefix": "data/a/"}},
    {"kind": "move", "sources": ["data/a/"], "destination": {"prefix": "data/a/sub/"}},
    {"kind": "move", "sources": ["data/a/"], "destination": {"name": "data/a/b/"}},
    {"kind": "move", "sources": ["data/b.txt"], "destination": {"prefix": "data/"}},
    {"kind": "move", "sources": ["data/b.txt", "data/a/"], "destination": {"name": "data/q"}},
    {"kind": "move", "sources": ["data/a/"], "destination": {"name": "data/q"}},
    {"kind": "copy", "sources": ["data/b.txt"]},
    {"kind": "copy", "sources": ["data/b.txt"], "destination": {"prefix": "x/", "name": "y"}},
    {"kind": "delete", "sources": ["data/b.txt"], "destination": {"prefix": "data/x/"}},
    {"kind": "delete", "sources": []},
    {"kind": "delete", "sources": ["data/../b.txt"]},
    {"kind": "rename", "sources": ["data/b.txt"]},
    {"kind": "copy", "sources": ["data/b.txt"], "destination": {"prefix": "data/x/"}, "on_conflict": "merge"},
])
def test_invalid_input_is_400_and_queues_nothing(world, body):
    response = world.client("member").post(world.base, {"bucket": world.bucket, **body}, format="json")
    assert response.status_code == 400, response.content
    assert not StorageJob.objects.exists()


@pytest.mark.parametrize("body", [
    {"kind": "delete", "sources": ["outside.txt"]},
    {"kind": "copy", "sources": ["data/b.txt"], "destination": {"prefix": "elsewhere/"}},
    {"kind": "move", "sources": ["data/b.txt"], "destination": {"name": "outside2.txt"}},
    {"kind": "copy", "sources": ["data/b.txt"], "destination": {"bucket": "not-linked-bucket", "prefix": "data/"}},
])
def test_outside_the_linked_prefixes_is_403_and_queues_nothing(world, body):
    response = world.client("member").post(world.base, {"bucket": world.bucket, **body}, format="json")
    assert response.status_code == 403, response.content
    assert not StorageJob.objects.exists()


def test_list_and_read_and_outsiders(world):
    job = start(world, kind="delete", bucket=world.bucket, sources=["data/b.txt"])
    listing = world.client("viewer").get(world.base).json()
    assert listing["count"] == 1
    item = listing["results"][0]
    assert set(item) == {"id", "kind", "state", "bucket", "sources", "destination", "on_conflict", "progress",
                         "errors", "created_by", "created_at", "started_at", "finished_at"}
    assert item["state"] == "queued" and item["progress"] == {"done": 0, "skipped": 0, "failed": 0, "total": None}
    assert world.client("viewer").get(f"{world.base}/{job.pk}").json()["id"] == str(job.pk)
    assert world.client("outsider").get(f"{world.base}/{job.pk}").status_code == 404
    assert world.client("viewer").post(world.base, {"kind": "delete", "bucket": world.bucket,
                                                    "sources": ["data/b.txt"]}, format="json").status_code == 403


def test_cancel_rules(world):
    job = start(world, kind="delete", bucket=world.bucket, sources=["data/b.txt"])
    url = f"{world.base}/{job.pk}/cancel"
    assert world.client("viewer").post(url).status_code == 403
    other_member = world.users["member"]
    job.created_by = world.users["owner"]
    job.save()
    assert world.client("member").post(url).status_code == 403  # someone else's job
    response = world.client("admin").post(url)
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert ActivityEvent.objects.filter(verb="storage.objects_deleted").count() == 1
    assert world.client("admin").post(url).status_code == 409
    job_work(job=StorageJob.objects.get(pk=job.pk))  # a worker finding it cancelled does nothing
    assert "data/b.txt" in names(world)
    assert other_member  # the member's own job is cancelled by the member below
    own = start(world, kind="delete", bucket=world.bucket, sources=["data/b.txt"])
    assert world.client("member").post(f"{world.base}/{own.pk}/cancel").json()["state"] == "cancelled"


def test_cancel_of_a_running_job_stops_it_after_the_object_in_hand(world):
    job = start(world, kind="copy", bucket=world.bucket, sources=["data/a/"], destination={"prefix": "data/d/"})
    StorageJob.objects.filter(pk=job.pk).update(state="running", heartbeat_at=None)  # as if claimed, then lost
    StorageJob.objects.filter(pk=job.pk).update(state="queued")
    response = world.client("member").post(f"{world.base}/{job.pk}/cancel")
    assert response.json()["state"] == "cancelled"
    job2 = start(world, kind="copy", bucket=world.bucket, sources=["data/a/"], destination={"prefix": "data/d/"})
    StorageJob.objects.filter(pk=job2.pk).update(cancel_requested=True)  # requested while running
    job_work(job=job2)
    job2.refresh_from_db()
    assert job2.state == "cancelled" and job2.done == 0 and job2.total is not None


def test_a_worker_takes_over_an_abandoned_job_and_redoes_only_pending(world, settings):
    """A worker that stopped after handling some of a batch: the next one
    counts each object once and leaves everything where it belongs."""
    from datetime import timedelta

    from django.utils import timezone

    job = start(world, kind="move", bucket=world.bucket, sources=["data/a/"], destination={"prefix": "data/d/"})
    pending = [n for n in world.backend.iter_names(bucket=world.bucket, prefix="data/a/")]
    # The dead worker had moved the first object but not yet counted it.
    first = pending[0]
    target = "data/d/" + first[len("data/"):]
    world.backend.copy_object(bucket=world.bucket, name=first, dest_bucket=world.bucket, dest_name=target,
                              overwrite=False)
    world.backend.delete_objects(bucket=world.bucket, names=[first])
    StorageJob.objects.filter(pk=job.pk).update(
        state="running", lease_token="dead", heartbeat_at=timezone.now() - timedelta(hours=1),
        total=len(pending), pending=pending, cursor={"source": 0, "after": pending[-1]})
    job.refresh_from_db()
    job = run(job)
    assert (job.done, job.skipped, job.failed) == (len(pending), 0, 0)
    assert not [n for n in names(world) if n.startswith("data/a")]


def test_a_fresh_lease_keeps_other_workers_off(world):
    from django.utils import timezone

    job = start(world, kind="delete", bucket=world.bucket, sources=["data/b.txt"])
    StorageJob.objects.filter(pk=job.pk).update(state="running", lease_token="alive", heartbeat_at=timezone.now())
    job.refresh_from_db()
    job_work(job=job)
    job.refresh_from_db()
    assert job.state == "running" and job.lease_token == "alive"
    assert "data/b.txt" in names(world)


def test_sync_delete_objects_uses_batches_within_one_deadline(world):
    many = [f"data/many/{i:04d}.txt" for i in range(150)]
    for name in many:
        world.backend.upload_bytes(bucket=world.bucket, name=name, data=b"", content_type="text/plain")
    deleted, not_found = world.backend.delete_objects(bucket=world.bucket, names=[*many, "data/many/none"])
    assert deleted == many and not_found == ["data/many/none"]


def test_a_move_of_several_batches_counts_and_logs_each_object_once(world):
    """Copies run several at a time; each object is moved, counted and logged once."""
    many = [f"data/many/{i // 40}/{i:03d}.txt" for i in range(130)]
    for name in many:
        world.backend.upload_bytes(bucket=world.bucket, name=name, data=name.encode(), content_type="text/plain")
    sources = list(world.backend.iter_names(bucket=world.bucket, prefix="data/many/"))
    job = run(start(world, kind="move", bucket=world.bucket, sources=["data/many/"],
                    destination={"prefix": "data/moved/"}))
    assert (job.done, job.skipped, job.failed) == (len(sources), 0, 0)
    assert names(world, prefix="data/many/") == []
    moved = [n for n in names(world, prefix="data/moved/") if not n.endswith("/")]
    assert moved == sorted(n.replace("data/many/", "data/moved/many/") for n in many)
    assert world.backend.read_head(bucket=world.bucket, name="data/moved/many/3/129.txt", max_bytes=100) == \
        b"data/many/3/129.txt"
    logged = list(AccessLogEntry.objects.filter(action="delete").values_list("object_name", flat=True))
    assert sorted(logged) == sorted(sources)


@pytest.mark.parametrize("same", [True, False])
def test_a_redone_copy_that_lost_its_hash_is_compared_by_content(world, same):
    """A worker killed between writing a copy and its metadata leaves the copy
    without a hash: the next worker compares bytes, finishes the move when
    they match and skips it when they do not."""
    from datetime import timedelta

    from django.utils import timezone

    name, target = "data/b.txt", "data/d/b.txt"
    job = start(world, kind="move", bucket=world.bucket, sources=[name], destination={"prefix": "data/d/"})
    data = name.encode() if same else b"X" * len(name)
    world.backend.upload_bytes(bucket=world.bucket, name=target, data=data, content_type="text/plain")
    if world.backend.name == "local":
        world.backend._meta_path(world.bucket, target).unlink()  # the crash: no metadata, so no hash
        assert world.backend.get_object(bucket=world.bucket, name=target).md5_hash is None
    StorageJob.objects.filter(pk=job.pk).update(
        state="running", lease_token="dead", heartbeat_at=timezone.now() - timedelta(hours=1),
        total=1, pending=[name], cursor={"source": 0, "after": name})
    job.refresh_from_db()
    job = run(job)
    assert (job.done, job.skipped) == ((1, 0) if same else (0, 1))
    assert (name in names(world)) is not same
    assert world.backend.read_head(bucket=world.bucket, name=target, max_bytes=100) == data
