"""The Storage section of the API, on both backends: containment, validation,
signed-URL round trips with a real HTTP client, activity, and faults."""

import time
from urllib.parse import quote, unquote

import pytest
import requests

from projects.models import Project
from storage.backends import get_backend
from storage.models import BucketGrant, StorageConnection
from storage.tests.fixtures import configure_gcs, unique_bucket_name
from workspaces.models import ActivityEvent, Membership, Role, Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_user):
    """A workspace with one user per role and a project."""
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    users = {}
    for role in Role.values:
        users[role] = make_user(email=f"{role}@acme.test")
        Membership.objects.create(workspace=workspace, user=users[role], role=role)
    users["outsider"] = make_user(email="outsider@elsewhere.test")
    project = Project.objects.create(workspace=workspace, name="Data", slug="data", created_by=users["owner"])
    return workspace, project, users


@pytest.fixture
def linked(storage_backend, team, token_client):
    """A bucket on the parametrised backend, with `data/` linked to the project."""
    backend, bucket = storage_backend
    workspace, project, users = team
    backend.upload_bytes(bucket=bucket, name="data/readme.txt", data=b"hello", content_type="text/plain")
    backend.upload_bytes(bucket=bucket, name="data-private/secret.txt", data=b"no", content_type="text/plain")
    backend.upload_bytes(bucket=bucket, name="outside.txt", data=b"no", content_type="text/plain")
    client = token_client(users["admin"])
    base = f"/api/workspaces/{workspace.id}/projects/{project.id}/storage"
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    response = client.post(f"{base}/connections", {"bucket_name": bucket, "prefix": "/data"}, format="json")
    assert response.status_code == 201, response.content
    return {"backend": backend, "bucket": bucket, "base": base, "users": users, "project": project,
            "workspace": workspace, "client": lambda role: token_client(users[role])}


def test_link_normalises_prefix_and_records_activity(linked):
    connection = StorageConnection.objects.get()
    assert connection.prefix == "data/"
    assert connection.last_error is None and connection.last_checked_at is not None
    event = ActivityEvent.objects.get(verb="storage.linked")
    assert event.project == linked["project"]
    body = linked["client"]("viewer").get(f"{linked['base']}/connections").json()
    assert body["count"] == 1
    assert set(body["results"][0]) == {"id", "bucket_name", "gcp_project_id", "prefix", "created_by",
                                       "created_at", "last_checked_at", "last_error", "granted"}
    assert body["results"][0]["granted"] is True


def test_linking_twice_or_a_missing_bucket_is_400(linked):
    admin = linked["client"]("admin")
    again = admin.post(f"{linked['base']}/connections", {"bucket_name": linked["bucket"], "prefix": "data/"}, format="json")
    assert again.status_code == 400 and "bucket_name" in again.json()
    missing_bucket = unique_bucket_name()
    BucketGrant.objects.create(workspace=linked["workspace"], bucket_name=missing_bucket)
    missing = admin.post(f"{linked['base']}/connections", {"bucket_name": missing_bucket}, format="json")
    assert missing.status_code == 400 and "bucket_name" in missing.json()
    bad = admin.post(f"{linked['base']}/connections", {"bucket_name": "Not_A_Bucket!"}, format="json")
    assert bad.status_code == 400
    assert StorageConnection.objects.count() == 1


def test_full_round_trip_through_the_api(linked, signed_url_client):
    # Local signed URLs point at this app (the test client's "testserver");
    # a real HTTP client reaches it through the live server.
    real = lambda url: signed_url_client(url.removeprefix("http://testserver"))  # noqa: E731
    member = linked["client"]("member")
    base, bucket = linked["base"], linked["bucket"]
    data = "Grüße aus omX\n".encode() * 100

    up = member.post(f"{base}/upload-url", {"bucket": bucket, "object_name": "data/reports/q1.txt",
                                            "content_type": "text/plain; charset=utf-8"}, format="json")
    assert up.status_code == 200, up.content
    up = up.json()
    assert up["method"] == "PUT" and set(up) == {"url", "method", "headers", "expires_at"}
    assert up["url"].startswith("http")
    assert all(h == "Content-Type" or h.lower().startswith("x-goog-") for h in up["headers"])
    put = requests.put(real(up["url"]), data=data, headers=up["headers"], timeout=10)
    assert put.status_code == 200, put.text

    listing = member.get(f"{base}/objects", {"bucket": bucket}).json()
    assert listing["prefix"] == "data/"
    assert listing["folders"] == [{"name": "reports", "prefix": "data/reports/"}]
    assert [o["name"] for o in listing["objects"]] == ["data/readme.txt"]
    assert listing["next_page_token"] is None
    inner = member.get(f"{base}/objects", {"bucket": bucket, "prefix": "data/reports/"}).json()
    [obj] = inner["objects"]
    assert obj["name"] == "data/reports/q1.txt" and obj["size"] == len(data)
    assert obj["content_type"].startswith("text/plain") and obj["md5_hash"]

    down = linked["client"]("viewer").post(
        f"{base}/download-url", {"bucket": bucket, "object_name": "data/reports/q1.txt", "disposition": "attachment"},
        format="json")
    assert down.status_code == 200
    got = requests.get(real(down.json()["url"]), timeout=10)
    assert got.status_code == 200 and got.content == data
    # fake-gcs-server ignores response-content-disposition; GCS and the local
    # backend apply what the signed URL carries.
    disposition = got.headers.get("Content-Disposition") or unquote(down.json()["url"])
    assert "attachment" in disposition and "q1.txt" in disposition

    deleted = member.delete(f"{base}/objects", {"bucket": bucket, "object_names": [
        "data/reports/q1.txt", "data/reports/never.txt"]}, format="json")
    assert deleted.json() == {"deleted": ["data/reports/q1.txt"], "not_found": ["data/reports/never.txt"]}
    gone = member.post(f"{base}/download-url", {"bucket": bucket, "object_name": "data/reports/q1.txt"}, format="json")
    assert gone.status_code == 404
    event = ActivityEvent.objects.get(verb="storage.objects_deleted")
    assert event.payload["count"] == 1 and event.payload["names"] == ["data/reports/q1.txt"]


def test_delete_by_repeated_query_parameters(linked):
    backend, bucket = linked["backend"], linked["bucket"]
    for n in range(3):
        backend.upload_bytes(bucket=bucket, name=f"data/q{n}.csv", data=b"a,b", content_type="text/csv")
    response = linked["client"]("member").delete(
        f"{linked['base']}/objects?bucket={bucket}&object_name=data/q0.csv&object_name=data/q2.csv")
    assert response.status_code == 200
    assert sorted(response.json()["deleted"]) == ["data/q0.csv", "data/q2.csv"]
    left = [o.name for o in backend.list_level(bucket=bucket, prefix="data/").objects]
    assert left == ["data/q1.csv", "data/readme.txt"]


def test_folders_are_placeholders_listed_once(linked):
    member = linked["client"]("member")
    response = member.post(f"{linked['base']}/folders", {"bucket": linked["bucket"], "prefix": "data/new folder"}, format="json")
    assert response.status_code == 201
    assert response.json() == {"bucket": linked["bucket"], "prefix": "data/new folder/"}
    listing = member.get(f"{linked['base']}/objects", {"bucket": linked["bucket"], "prefix": "data/"}).json()
    assert listing["folders"] == [{"name": "new folder", "prefix": "data/new folder/"}]
    inside = member.get(f"{linked['base']}/objects", {"bucket": linked["bucket"], "prefix": "data/new folder/"}).json()
    assert inside["folders"] == [] and inside["objects"] == []  # its own placeholder is never shown
    assert ActivityEvent.objects.filter(verb="storage.folder_created").count() == 1


def test_listing_pages_and_filter(linked):
    backend, bucket = linked["backend"], linked["bucket"]
    for n in range(25):
        backend.upload_bytes(bucket=bucket, name=f"data/f{n:02}.txt", data=b"x", content_type="text/plain")
        if n % 5 == 0:
            backend.create_folder(bucket=bucket, prefix=f"data/f{n:02}-dir/")
    viewer = linked["client"]("viewer")
    seen_objects, seen_folders, token = [], [], None
    while True:
        params = {"bucket": bucket, "prefix": "data/", "page_size": 7}
        if token:
            params["page_token"] = token
        page = viewer.get(f"{linked['base']}/objects", params).json()
        seen_objects += [o["name"] for o in page["objects"]]
        seen_folders += [f["prefix"] for f in page["folders"]]
        token = page["next_page_token"]
        if not token:
            break
    assert sorted(seen_objects) == sorted([f"data/f{n:02}.txt" for n in range(25)] + ["data/readme.txt"])
    assert len(seen_objects) == len(set(seen_objects))
    assert sorted(seen_folders) == [f"data/f{n:02}-dir/" for n in range(0, 25, 5)]
    filtered = viewer.get(f"{linked['base']}/objects", {"bucket": bucket, "prefix": "data/", "starts_with": "f1"}).json()
    assert [o["name"] for o in filtered["objects"]] == [f"data/f1{n}.txt" for n in range(10)]
    assert [f["prefix"] for f in filtered["folders"]] == ["data/f10-dir/", "data/f15-dir/"]


@pytest.mark.parametrize("page_size", [0, 1001, -1, "ten"])
def test_page_size_out_of_range_is_400(linked, page_size):
    response = linked["client"]("viewer").get(
        f"{linked['base']}/objects", {"bucket": linked["bucket"], "page_size": page_size})
    assert response.status_code == 400 and "page_size" in response.json()


def test_prefix_is_required_when_a_bucket_has_several_connections(linked):
    linked["backend"].create_folder(bucket=linked["bucket"], prefix="logs/")
    admin = linked["client"]("admin")
    assert admin.post(f"{linked['base']}/connections", {"bucket_name": linked["bucket"], "prefix": "logs"},
                      format="json").status_code == 201
    response = admin.get(f"{linked['base']}/objects", {"bucket": linked["bucket"]})
    assert response.status_code == 400 and "prefix" in response.json()
    assert admin.get(f"{linked['base']}/objects", {"bucket": linked["bucket"], "prefix": "logs/"}).status_code == 200


def test_unlinking_never_deletes_objects(linked):
    connection = StorageConnection.objects.get()
    response = linked["client"]("admin").delete(f"{linked['base']}/connections/{connection.id}")
    assert response.status_code == 204
    assert not StorageConnection.objects.exists()
    assert linked["backend"].get_object(bucket=linked["bucket"], name="data/readme.txt").size == 5
    assert ActivityEvent.objects.filter(verb="storage.unlinked").count() == 1


def test_bucket_list(linked):
    response = linked["client"]("admin").get(f"{linked['base']}/buckets")
    assert response.status_code == 200
    body = response.json()
    assert [b["name"] for b in body["buckets"]] == [linked["bucket"]]  # exactly the grants
    assert set(body["buckets"][0]) == {"name", "location", "storage_class", "created", "granted_prefixes"}
    assert body["buckets"][0]["granted_prefixes"] == [""]
    assert body["buckets"][0]["location"]
    assert linked["client"]("member").get(f"{linked['base']}/buckets").status_code == 403


def test_first_upload_url_ticks_the_checklist(linked):
    assert linked["project"].first_upload_at is None
    linked["client"]("member").post(f"{linked['base']}/upload-url",
                                    {"bucket": linked["bucket"], "object_name": "data/x.bin"}, format="json")
    linked["project"].refresh_from_db()
    assert linked["project"].first_upload_at is not None


# --- hostile input ------------------------------------------------------------

HOSTILE_NAMES = [
    "data/../outside.txt", "data/./readme.txt", "../data/readme.txt", "data/%2e%2e/outside.txt",
    "data/%2E%2E/x", "/data/readme.txt", "//data/x", "data/x\x00.txt", "data/x\r\n.txt", "data/x\n",
    "data/" + "a" * 1020, "data/" + "é" * 510, "data-private/secret.txt", "data", "outside.txt",
    "datä/readme.txt", "data／readme.txt", "ｄata/readme.txt", "data\\..\\outside.txt", "", "data/a/../../x",
    "data/..", "data/.", ".", "..", "data/\x7f", "data/\t.txt",
]
HOSTILE_PREFIXES = [
    "../", "data/../", "/data/", "data-private/", "data-", "dat", "outside/", "data/%2e%2e/", "data/\x00/",
    "data/\r\n/", "x" * 1100, "data//x/", "da%74a/",
]
HOSTILE_BUCKETS = ["other-bucket-not-linked", "UPPER", "a", "has space", "goog-bucket", "x" * 64, "../etc", "192.168.1.1"]


@pytest.fixture
def dead_storage(linked, settings):
    """The same project, but the storage server address now refuses every
    connection: anything that reached the network would answer 503, so a 4xx
    proves the input was refused before any network call."""
    if get_backend().name == "gcs":
        settings.STORAGE_EMULATOR_HOST = "http://127.0.0.1:9"
        settings.GCS_TIMEOUT_SECONDS = 1
    return linked


def test_hostile_object_names_are_4xx_and_touch_nothing(dead_storage):
    member, base, bucket = dead_storage["client"]("member"), dead_storage["base"], dead_storage["bucket"]
    for name in HOSTILE_NAMES:
        responses = [
            member.post(f"{base}/upload-url", {"bucket": bucket, "object_name": name}, format="json"),
            member.post(f"{base}/download-url", {"bucket": bucket, "object_name": name}, format="json"),
            member.delete(f"{base}/objects", {"bucket": bucket, "object_names": [name]}, format="json"),
            member.delete(f"{base}/objects?bucket={bucket}&object_name={quote(name)}"),
        ]
        for response in responses:
            assert response.status_code in (400, 403), (name, response.status_code, response.content)
            assert response["Content-Type"] == "application/json"
    assert not ActivityEvent.objects.filter(verb="storage.objects_deleted").exists()


def test_hostile_prefixes_are_4xx(dead_storage):
    member, base, bucket = dead_storage["client"]("member"), dead_storage["base"], dead_storage["bucket"]
    for prefix in HOSTILE_PREFIXES:
        for response in [
            member.get(f"{base}/objects", {"bucket": bucket, "prefix": prefix}),
            member.post(f"{base}/folders", {"bucket": bucket, "prefix": prefix}, format="json"),
        ]:
            assert response.status_code in (400, 403), (prefix, response.status_code, response.content)
    assert not ActivityEvent.objects.filter(verb="storage.folder_created").exists()


def test_unlinked_or_invalid_buckets_are_4xx(dead_storage):
    member, base = dead_storage["client"]("member"), dead_storage["base"]
    for bucket in HOSTILE_BUCKETS:
        assert member.get(f"{base}/objects", {"bucket": bucket}).status_code in (400, 403), bucket
        response = member.post(f"{base}/upload-url", {"bucket": bucket, "object_name": "data/x"}, format="json")
        assert response.status_code in (400, 403), bucket


def test_at_least_thirty_hostile_inputs():
    assert len(HOSTILE_NAMES) + len(HOSTILE_PREFIXES) + len(HOSTILE_BUCKETS) >= 30


def test_hostile_inputs_left_the_bucket_unchanged(linked):
    """After the hostile calls above a bucket holds exactly what it held."""
    backend, bucket = linked["backend"], linked["bucket"]
    member, base = linked["client"]("member"), linked["base"]
    for name in HOSTILE_NAMES:
        member.delete(f"{base}/objects", {"bucket": bucket, "object_names": [name]}, format="json")
    root = backend.list_level(bucket=bucket, prefix="")
    assert sorted(f.prefix for f in root.folders) == ["data-private/", "data/"]
    assert [o.name for o in root.objects] == ["outside.txt"]
    assert [o.name for o in backend.list_level(bucket=bucket, prefix="data-private/").objects] == ["data-private/secret.txt"]


@pytest.mark.parametrize("content_type", [
    "text/plain\r\nX-Evil: 1", 'text/plain; a="é"', "text/plain;\n a=b", "nonsense", "a/b/c",
])
def test_bad_content_type_is_400(linked, content_type):
    response = linked["client"]("member").post(
        f"{linked['base']}/upload-url",
        {"bucket": linked["bucket"], "object_name": "data/x", "content_type": content_type}, format="json")
    assert response.status_code == 400 and "content_type" in response.json()


def test_other_projects_cannot_use_a_linked_bucket(linked, token_client):
    other = Project.objects.create(workspace=linked["workspace"], name="Other", slug="other")
    base = f"/api/workspaces/{linked['workspace'].id}/projects/{other.id}/storage"
    response = linked["client"]("owner").get(f"{base}/objects", {"bucket": linked["bucket"], "prefix": "data/"})
    assert response.status_code == 403


# --- faults ---------------------------------------------------------------------


@pytest.fixture
def gcs_linked(settings, fake_gcs, gcs_key, team, token_client):
    configure_gcs(settings, fake_gcs, gcs_key, GCS_TIMEOUT_SECONDS=1)
    bucket = unique_bucket_name()
    get_backend().create_bucket(name=bucket)
    workspace, project, users = team
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    StorageConnection.objects.create(project=project, bucket_name=bucket, prefix="")
    return bucket, f"/api/workspaces/{workspace.id}/projects/{project.id}/storage", token_client(users["member"])


def test_storage_down_answers_503_quickly_and_recovers(gcs_linked, fake_gcs):
    bucket, base, client = gcs_linked
    assert client.get(f"{base}/objects", {"bucket": bucket}).status_code == 200
    fake_gcs.stop()
    try:
        started = time.monotonic()
        response = client.get(f"{base}/objects", {"bucket": bucket})
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert response.json()["code"] == "storage_unavailable"
        assert elapsed < 2 * 1 + 1.5  # twice GCS_TIMEOUT_SECONDS, plus slack for the test machine
        assert client.post(f"{base}/folders", {"bucket": bucket, "prefix": "x"}, format="json").status_code == 503
        # the rest of the app keeps serving
        assert client.get("/api/auth/me").status_code == 200
        assert client.get(f"{base}/connections").status_code == 200
    finally:
        fake_gcs.start()
    get_backend().create_bucket(name=bucket)  # the in-memory server lost its buckets
    assert client.get(f"{base}/objects", {"bucket": bucket}).status_code == 200
