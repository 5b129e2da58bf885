"""Bucket grants: the operator decides which buckets a workspace may link,
and every storage door obeys, on both backends and both databases."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from storage.models import AccessLogEntry, BucketGrant, StorageConnection
from storage.tests.fixtures import unique_bucket_name
from storage.validation import is_within
from workspaces.models import Membership, Role, Workspace


@pytest.fixture
def granted(storage_backend, make_user, token_client):
    """Our workspace, granted `data/` of a bucket and linked to it; and a
    stranger who owns a workspace of their own."""
    backend, bucket = storage_backend
    backend.upload_bytes(bucket=bucket, name="data/readme.txt", data=b"hello", content_type="text/plain")
    owner, stranger = make_user(email="owner@acme.test"), make_user(email="stranger@else.test")
    ours = Workspace.objects.create(name="Acme", slug="acme")
    Membership.objects.create(workspace=ours, user=owner, role=Role.OWNER)
    project = Project.objects.create(workspace=ours, name="Data", slug="data", created_by=owner)
    theirs = Workspace.objects.create(name="Else", slug="else")
    Membership.objects.create(workspace=theirs, user=stranger, role=Role.OWNER)
    their_project = Project.objects.create(workspace=theirs, name="Mine", slug="mine", created_by=stranger)
    call_command("grants", "add", "acme", bucket, "--prefix", "data", stdout=io.StringIO())
    client = token_client(owner)
    base = f"/api/workspaces/{ours.id}/projects/{project.id}/storage"
    response = client.post(f"{base}/connections", {"bucket_name": bucket, "prefix": "data/"}, format="json")
    assert response.status_code == 201, response.content
    return {"bucket": bucket, "backend": backend, "client": client, "base": base, "workspace": ours,
            "stranger": token_client(stranger),
            "their_base": f"/api/workspaces/{theirs.id}/projects/{their_project.id}/storage"}


def test_a_stranger_cannot_list_or_link_our_granted_bucket(granted):
    stranger, base = granted["stranger"], granted["their_base"]
    assert stranger.get(f"{base}/buckets").json()["buckets"] == []
    response = stranger.post(f"{base}/connections", {"bucket_name": granted["bucket"]}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "bucket_not_granted"
    assert StorageConnection.objects.count() == 1
    # and through our own project's URL they are an outsider: 404
    assert stranger.get(f"{granted['base']}/connections").status_code == 404


def test_a_grant_of_a_prefix_allows_that_prefix_or_deeper_only(granted):
    client, base, bucket = granted["client"], granted["base"], granted["bucket"]
    deeper = client.post(f"{base}/connections", {"bucket_name": bucket, "prefix": "data/sub"}, format="json")
    assert deeper.status_code == 201
    for prefix in ("", "dat", "data-private/", "other/"):
        refused = client.post(f"{base}/connections", {"bucket_name": bucket, "prefix": prefix}, format="json")
        assert refused.status_code == 403 and refused.json()["code"] == "bucket_not_granted", prefix
    listed = client.get(f"{base}/buckets").json()["buckets"]
    assert listed == [{**listed[0], "name": bucket, "granted_prefixes": ["data/"]}]


def test_ungranted_buckets_are_refused_before_google_is_asked(granted, settings):
    # A bucket that does not exist anywhere: the refusal cannot come from Google.
    response = granted["client"].post(f"{granted['base']}/connections",
                                      {"bucket_name": unique_bucket_name()}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "bucket_not_granted"


def test_a_removed_grant_blocks_every_storage_route_at_once(granted):
    client, base, bucket = granted["client"], granted["base"], granted["bucket"]
    assert client.get(f"{base}/objects", {"bucket": bucket}).status_code == 200
    call_command("grants", "remove", "acme", bucket, "--prefix", "data/", stdout=io.StringIO())
    calls = [
        client.get(f"{base}/objects", {"bucket": bucket}),
        client.get(f"{base}/objects", {"bucket": bucket, "prefix": "data/"}),
        client.post(f"{base}/upload-url", {"bucket": bucket, "object_name": "data/x.txt"}, format="json"),
        client.post(f"{base}/download-url", {"bucket": bucket, "object_name": "data/readme.txt"}, format="json"),
        client.post(f"{base}/folders", {"bucket": bucket, "prefix": "data/new/"}, format="json"),
        client.delete(f"{base}/objects", {"bucket": bucket, "object_names": ["data/readme.txt"]}, format="json"),
    ]
    for response in calls:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "bucket_not_granted"
    # nothing changed, and the link stays listed as not granted
    assert granted["backend"].get_object(bucket=bucket, name="data/readme.txt").size == 5
    links = client.get(f"{base}/connections").json()["results"]
    assert [link["granted"] for link in links] == [False]
    # the grant back: everything works again
    call_command("grants", "add", "acme", bucket, stdout=io.StringIO())
    assert client.get(f"{base}/objects", {"bucket": bucket}).status_code == 200
    assert client.get(f"{base}/connections").json()["results"][0]["granted"] is True


def test_open_grants_keep_the_single_organisation_behaviour(granted, settings):
    settings.STORAGE_GRANTS = "open"
    BucketGrant.objects.all().delete()
    client, base, bucket = granted["client"], granted["base"], granted["bucket"]
    assert client.get(f"{base}/objects", {"bucket": bucket}).status_code == 200
    root = client.post(f"{base}/connections", {"bucket_name": bucket, "prefix": ""}, format="json")
    assert root.status_code == 201 and root.json()["granted"] is True
    listed = client.get(f"{base}/buckets").json()
    assert bucket in [b["name"] for b in listed["buckets"]]


def test_grant_checks_add_no_query(granted, settings):
    client, base, bucket = granted["client"], granted["base"], granted["bucket"]
    counts = {}
    for mode in ("open", "required"):
        settings.STORAGE_GRANTS = mode
        client.get(f"{base}/objects", {"bucket": bucket})  # warm: health bookkeeping, caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{base}/objects", {"bucket": bucket}).status_code == 200
        counts[mode] = len(ctx.captured_queries)
    assert counts["required"] == counts["open"], counts


def _link_values(connections):
    return [(c.pk, c.bucket_name, c.prefix, c.granted, c.last_checked_at, c.last_error) for c in connections]


@pytest.mark.parametrize("mode", ["required", "open"])
def test_links_read_with_the_project_are_those_of_their_own_query(granted, settings, mode):
    from projects.selectors import project_get_for_user
    from storage.selectors import connection_objects

    settings.STORAGE_GRANTS = mode
    client, base, bucket = granted["client"], granted["base"], granted["bucket"]
    assert client.post(f"{base}/connections", {"bucket_name": bucket, "prefix": "data/sub/"},
                       format="json").status_code == 201
    project = Project.objects.get(workspace=granted["workspace"])
    owner = project.created_by
    # A link whose grant is gone, in another bucket, sorted before ours.
    StorageConnection.objects.create(project=project, bucket_name="aaa-ungranted", prefix="x/")

    def lookup(**kwargs):
        return project_get_for_user(user=owner, workspace_id=project.workspace_id, project_id=project.pk,
                                    counts=False, **kwargs)

    with_links = lookup(connections=True)
    expected = connection_objects(project=lookup())
    assert len(expected) == 3 and [c.bucket_name for c in expected][0] == "aaa-ungranted"
    assert _link_values(with_links.connections_read) == _link_values(expected)
    assert [c.granted for c in expected] == ([False, True, True] if mode == "required" else [True] * 3)
    assert connection_objects(project=with_links) is with_links.connections_read
    assert (with_links.pk, with_links.role, with_links.workspace.slug) == (project.pk, "owner", "acme")

    StorageConnection.objects.filter(project=project).delete()
    assert lookup(connections=True).connections_read == []


def test_a_signed_url_reads_the_links_in_the_projects_query(granted):
    client, base, bucket = granted["client"], granted["base"], granted["bucket"]

    def upload_url():
        return client.post(f"{base}/upload-url", {"bucket": bucket, "object_name": "data/new.txt"}, format="json")

    assert upload_url().status_code == 200  # warm: the project's first upload is recorded once
    with CaptureQueriesContext(connection) as ctx:
        assert upload_url().status_code == 200
    queries = [q["sql"] for q in ctx.captured_queries]
    # The project with its links and the token's user, then the access log's row.
    assert len(queries) == 2, queries
    links = [q for q in queries if "project_storage_connections" in q]
    assert len(links) == 1 and "projects_project" in links[0]
    assert links[0].count('JOIN "workspaces_membership"') == 1 and links[0].count('JOIN "accounts_user"') == 1
    # A name outside the links is still refused, with nothing logged.
    logged = AccessLogEntry.objects.count()
    outside = client.post(f"{base}/upload-url", {"bucket": bucket, "object_name": "other/x.txt"}, format="json")
    assert outside.status_code == 403 and AccessLogEntry.objects.count() == logged


# --- the management command -------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("grants", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_grants_command_add_list_remove():
    Workspace.objects.create(name="Acme", slug="acme")
    Workspace.objects.create(name="Beta", slug="beta")
    assert "Granted" in run("add", "acme", "team-bucket")
    assert "Already granted" in run("add", "acme", "team-bucket")  # changes nothing, exit 0
    run("add", "acme", "team-bucket", "--prefix", "/raw/2026")
    run("add", "beta", "team-bucket")
    assert run("list").splitlines() == ["acme team-bucket", "acme team-bucket raw/2026/", "beta team-bucket"]
    assert run("list", "--workspace", "beta").splitlines() == ["beta team-bucket"]
    run("remove", "acme", "team-bucket", "--prefix", "raw/2026/")
    assert run("list", "--workspace", "acme").splitlines() == ["acme team-bucket"]
    assert BucketGrant.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("args", [
    ("add", "nobody", "team-bucket"),
    ("add", "acme", "Not_A_Bucket"),
    ("add", "acme", "team-bucket", "--prefix", "a/../b"),
    ("remove", "nobody", "team-bucket"),
    ("list", "--workspace", "nobody"),
])
def test_grants_command_refuses_bad_input(args):
    Workspace.objects.create(name="Acme", slug="acme")
    with pytest.raises(CommandError):
        run(*args)
    assert BucketGrant.objects.count() == 0


# --- the prefix invariant --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["/data/", "data", "a//b/"])
def test_the_database_refuses_an_unnormalised_prefix(prefix):
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    with pytest.raises(IntegrityError), transaction.atomic():
        BucketGrant.objects.create(workspace=workspace, bucket_name="team-bucket", prefix=prefix)


def test_is_within_is_safe_with_an_unnormalised_prefix():
    assert is_within("data/x", "data") and is_within("data/x", "/data/") and is_within("data/", "data/")
    assert not is_within("data-private/x", "data")
    assert not is_within("data", "data/")
    assert is_within("anything", "") and is_within("anything", "/")


def test_admin_form_normalises(admin_client, db):
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    response = admin_client.post("/admin/storage/bucketgrant/add/", {
        "workspace": workspace.pk, "bucket_name": "team-bucket", "prefix": "/raw/2026"})
    assert response.status_code == 302, response.content
    grant = BucketGrant.objects.get()
    assert grant.prefix == "raw/2026/"
    bad = admin_client.post("/admin/storage/bucketgrant/add/", {
        "workspace": workspace.pk, "bucket_name": "Not_A_Bucket", "prefix": ""})
    assert bad.status_code == 200 and BucketGrant.objects.count() == 1


def test_like_wildcards_in_a_granted_prefix_match_only_themselves(granted):
    client, base, bucket = granted["client"], granted["base"], granted["bucket"]
    call_command("grants", "add", "acme", bucket, "--prefix", "r_n%/", stdout=io.StringIO())
    assert client.post(f"{base}/connections", {"bucket_name": bucket, "prefix": "r_n%/x"}, format="json").status_code == 201
    for prefix in ("run%/", "r_nX/", "rxn%/"):
        response = client.post(f"{base}/connections", {"bucket_name": bucket, "prefix": prefix}, format="json")
        assert response.status_code == 403, prefix
    # the same rule in the query that lists links (granted) as in the link check
    call_command("grants", "remove", "acme", bucket, "--prefix", "r_n%/", stdout=io.StringIO())
    StorageConnection.objects.create(project=StorageConnection.objects.first().project, bucket_name=bucket,
                                     prefix="rxn%/")
    call_command("grants", "add", "acme", bucket, "--prefix", "r_n%/", stdout=io.StringIO())
    links = {link["prefix"]: link["granted"] for link in client.get(f"{base}/connections").json()["results"]}
    assert links == {"data/": True, "r_n%/x/": True, "rxn%/": False}
