"""Share links and drop folders on both backends: the project's API, the public
API and pages, signed URLs that really work (and cannot overwrite), the end
of a link (revoked, expired, used up, unlinked, ungranted), passwords and
their throttle, and that nothing public names the bucket or the parent prefix."""

import re
from datetime import timedelta

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from projects.models import Project
from storage.models import AccessLogEntry, BucketGrant, Share, StorageConnection
from storage.tests import gcs_signature
from workspaces.models import ActivityEvent, Membership, Role, Workspace

pytestmark = pytest.mark.django_db

PARENT = "secret-parent-7f3a/"
SIGNED_URL = re.compile(rb"https?://[^\"\s]*X-Goog-Signature=[0-9a-f]+|(https?://[^/\"\s]+)?/storage/local/[^\"\s]+")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(storage_backend, make_user, token_client):
    return _world(storage_backend, make_user, token_client)


@pytest.fixture
def gcs_world(gcs_storage, make_user, token_client):
    return _world(gcs_storage, make_user, token_client)


@pytest.fixture
def local_world(local_storage, make_user, token_client):
    return _world(local_storage, make_user, token_client)


def _world(backend_and_bucket, make_user, token_client):
    backend, bucket = backend_and_bucket
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    users = {}
    for role in Role.values:
        users[role] = make_user(email=f"{role}@acme.test")
        Membership.objects.create(workspace=workspace, user=users[role], role=role)
    project = Project.objects.create(workspace=workspace, name="Data", slug="data", created_by=users["owner"])
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    connection = StorageConnection.objects.create(project=project, bucket_name=bucket, prefix=PARENT)
    for name, data in (("report.pdf", b"%PDF-1"), ("photos/cat.png", b"\x89PNG..."), ("photos/raw/a.txt", b"a"),
                       ("notes.txt", b"hello")):
        backend.upload_bytes(bucket=bucket, name=PARENT + name, data=data,
                             content_type="image/png" if name.endswith(".png") else "text/plain")
    base = f"/api/workspaces/{workspace.id}/projects/{project.id}/storage"
    return {"backend": backend, "bucket": bucket, "base": base, "users": users, "project": project,
            "connection": connection, "workspace": workspace, "client": lambda role: token_client(users[role])}


def create(world, role="member", **body):
    response = world["client"](role).post(f"{world['base']}/shares", {"bucket": world["bucket"], **body},
                                          format="json")
    return response


def token_of(url: str) -> str:
    return url.rsplit("/s/", 1)[1]


def live(signed_url_client, url: str) -> str:
    """Local signed URLs name the test client's host: send them to the live server."""
    return signed_url_client(url.removeprefix("http://testserver"))


def fetch(signed_url_client, url: str, **kwargs):
    return requests.get(live(signed_url_client, url), timeout=10, **kwargs)


def test_create_object_share_answers_url_once_and_keeps_only_a_hash(world):
    response = create(world, object_name=PARENT + "report.pdf", expires_in_days=3, max_uses=2)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "bucket", "object_name", "prefix", "mode", "expires_at", "max_uses", "use_count",
                         "has_password", "state", "created_by", "created_at", "revoked_at", "url"}
    assert body["state"] == "active" and body["mode"] == "download" and body["max_uses"] == 2
    assert body["url"].startswith("http://testserver/s/")
    share = Share.objects.get()
    token = token_of(body["url"])
    assert token not in share.token_hash and len(share.token_hash) == 64
    assert ActivityEvent.objects.filter(verb="share.created").count() == 1
    listed = world["client"]("viewer").get(f"{world['base']}/shares").json()
    assert listed["count"] == 1 and "url" not in listed["results"][0]
    detail = world["client"]("viewer").get(f"{world['base']}/shares/{share.pk}").json()
    assert "url" not in detail and detail["id"] == str(share.pk)


@pytest.mark.parametrize("body, field", [
    ({}, "non_field_errors"),
    ({"object_name": PARENT + "notes.txt", "prefix": PARENT}, "non_field_errors"),
    ({"object_name": PARENT + "notes.txt", "mode": "upload"}, "prefix"),
    ({"object_name": PARENT + "notes.txt", "expires_in_days": 0}, "expires_in_days"),
    ({"object_name": PARENT + "notes.txt", "expires_in_days": 91}, "expires_in_days"),
    ({"object_name": PARENT + "notes.txt", "max_uses": 0}, "max_uses"),
])
def test_create_refuses_bad_input(world, body, field):
    response = create(world, **body)
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Share.objects.exists()


def test_create_checks_containment_and_existence(world):
    assert create(world, object_name="outside.txt").status_code == 403
    assert create(world, object_name=PARENT + "missing.txt").status_code == 404
    assert create(world, role="viewer", object_name=PARENT + "notes.txt").status_code == 403
    assert not Share.objects.exists()


def test_object_share_download_counts_uses_and_logs(world, signed_url_client):
    url = create(world, object_name=PARENT + "notes.txt", max_uses=2).json()["url"]
    token, public = token_of(url), APIClient()
    info = public.get(f"/api/shares/{token}").json()
    assert info == {"kind": "object", "name": "notes.txt", "size": 5, "expires_at": info["expires_at"],
                    "password_required": False}
    for _ in range(2):
        answer = public.post(f"/api/shares/{token}/download", {}, format="json")
        assert answer.status_code == 200, answer.content
        assert set(answer.json()) == {"url", "expires_at"}
        got = fetch(signed_url_client, answer.json()["url"])
        assert got.status_code == 200 and got.content == b"hello"
    third = public.post(f"/api/shares/{token}/download", {}, format="json")
    assert third.status_code == 410 and third.json()["code"] == "share_gone"
    share = Share.objects.get()
    assert share.use_count == 2 and share.state == "exhausted"
    rows = AccessLogEntry.objects.filter(share=share)
    assert rows.count() == 2 and {r.via for r in rows} == {"share"} and {r.action for r in rows} == {"share_download"}
    accesses = world["client"]("admin").get(f"{world['base']}/shares/{share.pk}/accesses").json()
    assert accesses["count"] == 2
    assert set(accesses["results"][0]) == {"at", "action", "object_name", "client_ip"}
    assert accesses["results"][0]["action"] == "download"
    assert world["client"]("member").get(f"{world['base']}/shares/{share.pk}/accesses").status_code == 403


def test_signed_urls_live_at_most_five_minutes(world):
    token = token_of(create(world, object_name=PARENT + "notes.txt").json()["url"])
    answer = APIClient().post(f"/api/shares/{token}/download", {}, format="json").json()
    expires = timezone.datetime.fromisoformat(answer["expires_at"])
    assert expires - timezone.now() <= timedelta(seconds=301)
    if world["backend"].name == "gcs":
        assert gcs_signature.parse(answer["url"]).expires_seconds <= 300


def test_folder_share_lists_relative_paths_and_refuses_outside(world, signed_url_client):
    token = token_of(create(world, prefix=PARENT + "photos/").json()["url"])
    public = APIClient()
    top = public.get(f"/api/shares/{token}/objects").json()
    assert top["path"] == "" and top["folders"] == [{"name": "raw", "path": "raw/"}]
    assert [o["path"] for o in top["objects"]] == ["cat.png"] and top["next_page_token"] is None
    inner = public.get(f"/api/shares/{token}/objects", {"path": "raw/"}).json()
    assert [o["path"] for o in inner["objects"]] == ["raw/a.txt"]
    answer = public.post(f"/api/shares/{token}/download", {"path": "raw/a.txt"}, format="json")
    assert fetch(signed_url_client, answer.json()["url"]).content == b"a"
    for path in ("../notes.txt", "/etc", "raw/../../notes.txt"):
        assert public.post(f"/api/shares/{token}/download", {"path": path}, format="json").status_code == 403
    assert public.get(f"/api/shares/{token}/objects", {"path": "../"}).status_code == 403
    assert public.post(f"/api/shares/{token}/download", {"path": "nope.txt"}, format="json").status_code == 404


def test_revoke_ends_the_link_at_once_and_only_creator_or_admin_may(world):
    body = create(world, object_name=PARENT + "notes.txt").json()
    token, sid = token_of(body["url"]), body["id"]
    other = create(world, role="admin", object_name=PARENT + "notes.txt").json()
    assert world["client"]("member").delete(f"{world['base']}/shares/{other['id']}").status_code == 403
    assert world["client"]("viewer").delete(f"{world['base']}/shares/{sid}").status_code == 403
    assert world["client"]("member").delete(f"{world['base']}/shares/{sid}").status_code == 204
    assert world["client"]("admin").delete(f"{world['base']}/shares/{other['id']}").status_code == 204
    assert ActivityEvent.objects.filter(verb="share.revoked").count() == 2
    public = APIClient()
    for answer in (public.get(f"/api/shares/{token}"),
                   public.post(f"/api/shares/{token}/download", {}, format="json")):
        assert answer.status_code == 410 and answer.json()["code"] == "share_gone"
    assert public.get(f"/s/{token}").status_code == 410
    assert public.get("/api/shares/not-a-token").status_code == 404
    assert public.get("/s/not-a-token").status_code == 404


def test_expired_unlinked_or_ungranted_links_are_gone(world):
    tokens = [token_of(create(world, object_name=PARENT + "notes.txt").json()["url"]) for _ in range(3)]
    Share.objects.filter(token_hash=Share.objects.order_by("created_at").first().token_hash).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    public = APIClient()
    assert [public.get(f"/api/shares/{t}").status_code for t in tokens].count(410) == 1
    BucketGrant.objects.all().delete()
    assert all(public.get(f"/api/shares/{t}").status_code == 410 for t in tokens)
    BucketGrant.objects.create(workspace=world["workspace"], bucket_name=world["bucket"])
    assert [public.get(f"/api/shares/{t}").status_code for t in tokens].count(200) == 2
    world["connection"].delete()
    assert all(public.get(f"/api/shares/{t}").status_code == 410 for t in tokens)


def test_password_is_required_everywhere_and_throttled(world):
    token = token_of(create(world, object_name=PARENT + "notes.txt", password="open sesame").json()["url"])
    assert Share.objects.get().password_hash.startswith(("argon2", "pbkdf2", "md5"))
    public = APIClient()
    for answer in (public.get(f"/api/shares/{token}"),
                   public.post(f"/api/shares/{token}/download", {}, format="json")):
        assert answer.status_code == 403 and answer.json()["code"] == "share_password"
    info = public.get(f"/api/shares/{token}", {"password": "open sesame"}).json()
    assert info["password_required"] is True
    for _ in range(5):
        wrong = public.post(f"/api/shares/{token}/download", {"password": "guess"}, format="json")
        assert wrong.status_code == 403
    throttled = public.post(f"/api/shares/{token}/download", {"password": "open sesame"}, format="json")
    assert throttled.status_code == 429 and "Retry-After" in throttled
    elsewhere = APIClient(REMOTE_ADDR="203.0.113.9")
    assert elsewhere.post(f"/api/shares/{token}/download", {"password": "open sesame"},
                          format="json").status_code == 200
    page = APIClient().get(f"/s/{token}")
    assert page.status_code == 200 and b'name="password"' in page.content


def test_drop_folder_uploads_refuse_existing_names_and_listing(world, signed_url_client, settings):
    token = token_of(create(world, prefix=PARENT + "inbox/", mode="upload").json()["url"])
    public = APIClient()
    assert public.get(f"/api/shares/{token}").json()["kind"] == "drop"
    assert public.get(f"/api/shares/{token}/objects").status_code == 403
    assert public.post(f"/api/shares/{token}/download", {"path": "x"}, format="json").status_code == 403
    answer = public.post(f"/api/shares/{token}/upload", {"name": "../a/b.txt", "content_type": "text/plain"},
                         format="json")
    assert answer.status_code == 200, answer.content
    signed = answer.json()
    assert set(signed) == {"url", "method", "headers", "expires_at"} and signed["method"] == "PUT"
    put = requests.put(live(signed_url_client, signed["url"]), data=b"dropped", headers=signed["headers"], timeout=10)
    assert put.status_code in (200, 201), put.text
    name = PARENT + "inbox/.._a_b.txt"
    assert world["backend"].get_object(bucket=world["bucket"], name=name).size == 7
    again = public.post(f"/api/shares/{token}/upload", {"name": "../a/b.txt"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "exists"
    assert AccessLogEntry.objects.filter(action="share_upload", object_name=name).count() == 1
    assert public.post(f"/api/shares/{token}/upload", {"name": " "}, format="json").status_code == 400


def test_gcs_drop_url_signs_no_overwrite_and_size_cap(gcs_key, gcs_world, settings):
    world = gcs_world
    settings.SHARE_MAX_UPLOAD_BYTES = 1234
    token = token_of(create(world, prefix=PARENT + "inbox/", mode="upload").json()["url"])
    signed = APIClient().post(f"/api/shares/{token}/upload", {"name": "x.bin"}, format="json").json()
    assert signed["headers"]["x-goog-if-generation-match"] == "0"
    assert signed["headers"]["x-goog-content-length-range"] == "0,1234"
    parts = gcs_signature.parse(signed["url"])
    assert {"x-goog-if-generation-match", "x-goog-content-length-range"} <= set(parts.signed_headers)
    assert parts.expires_seconds <= 300
    key = gcs_key.public_key
    assert gcs_signature.verify(signed["url"], method="PUT", headers=signed["headers"], public_key=key)
    without = {k: v for k, v in signed["headers"].items() if k != "x-goog-if-generation-match"}
    assert not gcs_signature.verify(signed["url"], method="PUT", headers=without, public_key=key)


def test_local_drop_url_cannot_overwrite_an_object_created_meanwhile(local_world, signed_url_client, settings):
    world = local_world
    settings.SHARE_MAX_UPLOAD_BYTES = 10
    token = token_of(create(world, prefix=PARENT + "inbox/", mode="upload").json()["url"])
    public = APIClient()
    signed = public.post(f"/api/shares/{token}/upload", {"name": "late.txt"}, format="json").json()
    world["backend"].upload_bytes(bucket=world["bucket"], name=PARENT + "inbox/late.txt", data=b"first",
                                  content_type="text/plain")
    put = requests.put(live(signed_url_client, signed["url"]), data=b"second", headers=signed["headers"], timeout=10)
    assert put.status_code == 412
    assert world["backend"].read_head(bucket=world["bucket"], name=PARENT + "inbox/late.txt", max_bytes=10) == b"first"
    big = public.post(f"/api/shares/{token}/upload", {"name": "big.txt"}, format="json").json()
    put = requests.put(live(signed_url_client, big["url"]), data=b"x" * 11, headers=big["headers"], timeout=10)
    assert put.status_code == 413


def test_public_pages_work_without_javascript(world, client):
    obj = token_of(create(world, object_name=PARENT + "photos/cat.png").json()["url"])
    page = client.get(f"/s/{obj}")
    assert page.status_code == 200 and b"cat.png" in page.content and b"Download" in page.content
    assert page["Referrer-Policy"] == "same-origin"
    assert b"<img" in page.content  # an image preview through a fresh inline URL
    download = client.post(f"/s/{obj}/download")
    assert download.status_code == 302
    folder = token_of(create(world, prefix=PARENT + "photos/").json()["url"])
    page = client.get(f"/s/{folder}", {"path": "raw/"})
    assert page.status_code == 200 and b"a.txt" in page.content and b"photos" in page.content
    assert client.post(f"/s/{folder}/download", {"path": "raw/a.txt"}).status_code == 302
    assert client.post(f"/s/{folder}/download", {"path": "../notes.txt"}).status_code == 403
    drop = token_of(create(world, prefix=PARENT + "inbox/", mode="upload").json()["url"])
    page = client.get(f"/s/{drop}")
    assert page.status_code == 200 and b'type="file"' in page.content and b"share-drop.js" in page.content
    protected = token_of(create(world, object_name=PARENT + "notes.txt", password="pw").json()["url"])
    assert client.post(f"/s/{protected}/download").status_code == 403
    assert client.post(f"/s/{protected}", {"password": "no"}).status_code == 403
    assert client.post(f"/s/{protected}", {"password": "pw"}).status_code == 302
    assert client.post(f"/s/{protected}/download").status_code == 302


def test_no_public_answer_names_the_bucket_or_the_parent(world, client, settings):
    bucket, parent = world["bucket"].encode(), PARENT.rstrip("/").encode()
    tokens = {
        "object": token_of(create(world, object_name=PARENT + "photos/cat.png").json()["url"]),
        "folder": token_of(create(world, prefix=PARENT + "photos/").json()["url"]),
        "drop": token_of(create(world, prefix=PARENT + "inbox/", mode="upload").json()["url"]),
        "password": token_of(create(world, object_name=PARENT + "notes.txt", password="pw").json()["url"]),
    }
    world["backend"].upload_bytes(bucket=world["bucket"], name=PARENT + "inbox/n.txt", data=b"n",
                                  content_type="text/plain")
    public = APIClient()
    answers = []
    for kind, token in tokens.items():
        answers += [client.get(f"/s/{token}"), client.get(f"/s/{token}", {"path": "raw/"}),
                    client.get(f"/s/{token}", {"path": "../"}), client.post(f"/s/{token}/download"),
                    client.post(f"/s/{token}/download", {"path": "missing.txt"}),
                    client.post(f"/s/{token}/upload", {"name": "n.txt"}),
                    public.get(f"/api/shares/{token}"), public.get(f"/api/shares/{token}/objects"),
                    public.get(f"/api/shares/{token}/objects", {"path": "raw/"}),
                    public.post(f"/api/shares/{token}/download", {"path": "missing.txt"}, format="json"),
                    public.post(f"/api/shares/{token}/upload", {"name": "n.txt"}, format="json"),
                    public.post(f"/api/shares/{token}/upload", {"name": "n.txt"}, format="json")]
    Share.objects.update(revoked_at=timezone.now())
    answers += [client.get(f"/s/{t}") for t in tokens.values()]
    answers += [public.get(f"/api/shares/{t}") for t in tokens.values()]
    statuses = set()
    for answer in answers:
        statuses.add(answer.status_code)
        if answer.status_code in (301, 302, 303):
            continue  # a redirect to the signed URL itself, which necessarily names the object
        # A signed URL names its bucket and object by necessity: the answers
        # that hand one out are checked around it.
        body = SIGNED_URL.sub(b"", answer.content)
        assert bucket not in body and parent not in body, (answer.status_code, body[:400])
    assert {200, 403, 404, 409, 410} <= statuses


def test_access_log_rows_for_every_door(world, client):
    base, bucket = world["base"], world["bucket"]
    member = world["client"]("member")
    member.post(f"{base}/upload-url", {"bucket": bucket, "object_name": PARENT + "u.txt"}, format="json")
    member.post(f"{base}/download-url", {"bucket": bucket, "object_name": PARENT + "notes.txt"}, format="json")
    member.delete(f"{base}/objects", {"bucket": bucket, "object_names": [PARENT + "notes.txt",
                                                                         PARENT + "report.pdf"]}, format="json")
    rows = list(AccessLogEntry.objects.order_by("id").values_list("via", "action", "object_name", "actor_id"))
    assert rows == [("api", "upload_url", PARENT + "u.txt", world["users"]["member"].pk),
                    ("api", "download_url", PARENT + "notes.txt", world["users"]["member"].pk),
                    ("api", "delete", PARENT + "notes.txt", world["users"]["member"].pk),
                    ("api", "delete", PARENT + "report.pdf", world["users"]["member"].pk)]
    assert AccessLogEntry.objects.filter(client_ip="127.0.0.1").count() == 4
    admin = world["client"]("admin")
    page = admin.get(f"{base}/access-log").json()
    assert page["count"] == 4 and page["results"][0]["object_name"] == PARENT + "report.pdf"
    assert set(page["results"][0]) == {"at", "actor", "via", "action", "bucket", "object_name", "share_id",
                                       "client_ip"}
    assert world["client"]("member").get(f"{base}/access-log").status_code == 403
    csv = admin.get(f"{base}/access-log", {"format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0] == "at,actor_id,actor_email,via,action,bucket,object_name,share_id,client_ip"
    assert len(lines) == 5
    client.force_login(world["users"]["admin"])
    html = client.get(f"/w/acme/p/data/access-log", {"action": "delete"})
    assert html.status_code == 200 and html.content.count(b"<tr>") == 3
    csv_page = client.get("/w/acme/p/data/access-log.csv", {"action": "delete"})
    assert len(b"".join(csv_page.streaming_content).decode().splitlines()) == 3
    client.force_login(world["users"]["member"])
    assert client.get("/w/acme/p/data/access-log").status_code == 403


def test_access_log_off_writes_nothing(world, settings):
    settings.ACCESS_LOG_ENABLED = False
    world["client"]("member").post(f"{world['base']}/download-url",
                                   {"bucket": world["bucket"], "object_name": PARENT + "notes.txt"}, format="json")
    assert not AccessLogEntry.objects.exists()


def test_prune_access_log(world):
    from django.core.management import call_command

    world["client"]("member").post(f"{world['base']}/download-url",
                                   {"bucket": world["bucket"], "object_name": PARENT + "notes.txt"}, format="json")
    AccessLogEntry.objects.create(project=world["project"], via="api", action="delete", bucket="b",
                                  object_name="old", at=timezone.now() - timedelta(days=40))
    call_command("prune_access_log", "--older-than", "30")
    assert list(AccessLogEntry.objects.values_list("object_name", flat=True)) == [PARENT + "notes.txt"]
