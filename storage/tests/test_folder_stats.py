"""Folder details: counting a folder's objects and bytes in the background
(storage/stats_services.py, the folder_stats_run task) and the Files page's
view that asks for it and shows it (storage/stats_views.py)."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from storage.models import BucketGrant, FolderStats
from storage.services import connection_create
from storage.stats_services import folder_stats_count, folder_stats_get, folder_stats_request
from workspaces.models import Role
from workspaces.tests.factories import add_member, make_project, make_user, make_workspace

pytestmark = pytest.mark.django_db

FILES = {
    "data/a.txt": b"a" * 10, "data/b.txt": b"b" * 20, "data/sub/c.txt": b"c" * 30,
    "data/sub/deeper/d.txt": b"d" * 40, "data-not/e.txt": b"e" * 50, "other/f.txt": b"f",
}


@pytest.fixture
def world(storage_backend, settings):
    backend, bucket = storage_backend
    for name, data in FILES.items():
        backend.upload_bytes(bucket=bucket, name=name, data=data, content_type="text/plain")
    backend.create_folder(bucket=bucket, prefix="data/sub/")  # a placeholder is no object of its own
    backend.create_folder(bucket=bucket, prefix="data/empty/")
    users = {role: make_user(f"{role}@acme.test", role.title()) for role in ("owner", "viewer", "outsider")}
    workspace = make_workspace(users["owner"], name="Acme")
    add_member(workspace, users["viewer"], Role.VIEWER)
    project = make_project(workspace, users["owner"], name="Genomes")
    make_project(make_workspace(users["outsider"], name="Other"), users["outsider"], name="Elsewhere")
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    connection = connection_create(user=users["owner"], project=project, bucket_name=bucket, prefix="data/")
    url = reverse("storage:folder-stats", kwargs={"workspace": workspace.slug, "project": project.slug})
    return SimpleNamespace(backend=backend, bucket=bucket, users=users, project=project, connection=connection,
                           url=url)


def count(world, prefix):
    stats = folder_stats_request(user=world.users["viewer"], project=world.project, bucket=world.bucket,
                                 prefix=prefix)
    folder_stats_count(stats=FolderStats.objects.select_related("project").get(pk=stats.pk))
    return folder_stats_get(project=world.project, bucket=world.bucket, prefix=prefix)


def test_a_count_takes_in_every_subfolder(world):
    stats = count(world, "data/")
    assert (stats.state, stats.object_count, stats.total_bytes, stats.complete) == ("done", 4, 100, True)
    assert stats.finished_at is not None
    sub = count(world, "data/sub/")
    assert (sub.object_count, sub.total_bytes) == (2, 70)
    empty = count(world, "data/empty/")
    assert (empty.state, empty.object_count, empty.complete) == ("done", 0, True)


def test_a_count_stops_at_its_limit_and_says_at_least(world, settings):
    settings.STORAGE_FOLDER_STATS_LIMIT = 2
    stats = count(world, "data/")
    assert stats.state == "done" and not stats.complete
    assert 2 <= stats.object_count < 4


def test_counts_stay_inside_the_link_and_its_grant(world):
    from django.core.exceptions import PermissionDenied

    for prefix in ("other/", "data-not/", ""):
        with pytest.raises(PermissionDenied):
            folder_stats_request(user=world.users["owner"], project=world.project, bucket=world.bucket,
                                 prefix=prefix)
    assert not FolderStats.objects.exists()
    stats = folder_stats_request(user=world.users["owner"], project=world.project, bucket=world.bucket,
                                 prefix="data/")
    BucketGrant.objects.all().delete()  # the grant goes before a worker gets to it
    folder_stats_count(stats=FolderStats.objects.select_related("project").get(pk=stats.pk))
    stats.refresh_from_db()
    assert stats.state == "failed" and "not granted" in stats.error


def test_asking_again_while_counting_joins_the_count(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        first = folder_stats_request(user=world.users["owner"], project=world.project, bucket=world.bucket,
                                     prefix="data/")
        second = folder_stats_request(user=world.users["viewer"], project=world.project, bucket=world.bucket,
                                      prefix="data/")
    assert first.pk == second.pk and FolderStats.objects.count() == 1
    assert len(queued) == 1  # one task, not two


def test_the_view_counts_in_the_background_for_a_viewer(world, client, background):
    client.force_login(world.users["viewer"])
    headers = {"HX-Request": "true", "HX-Target": "fb-folder-stats"}
    before = client.get(world.url, {"c": world.connection.pk, "prefix": "data/"}, headers=headers)
    assert before.status_code == 200 and "Count objects and size" in before.content.decode()
    with background():
        asked = client.post(world.url, {"c": world.connection.pk, "prefix": "data/"}, headers=headers)
    assert asked.status_code == 202
    page = asked.content.decode()
    assert "Counting…" in page and 'hx-trigger="every 1s"' in page
    done = client.get(world.url, {"c": world.connection.pk, "prefix": "data/"}, headers=headers).content.decode()
    assert '<dd class="fb-stats-objects">4</dd>' in done and "100\xa0bytes" in done and "Count again" in done
    assert "every 1s" not in done


def test_the_view_refuses_outsiders_and_paths_outside_the_link(world, client):
    client.force_login(world.users["outsider"])
    assert client.post(world.url, {"c": world.connection.pk, "prefix": "data/"}).status_code == 404
    assert client.get(world.url, {"c": world.connection.pk, "prefix": "data/"}).status_code == 404
    client.force_login(world.users["viewer"])
    outside = client.post(world.url, {"c": world.connection.pk, "prefix": "other/"},
                          headers={"HX-Request": "true"})
    assert outside.status_code == 403
    assert not FolderStats.objects.exists()


def test_without_javascript_the_button_comes_back_to_the_folder(world, client, background):
    client.force_login(world.users["viewer"])
    with background():
        response = client.post(world.url, {"c": world.connection.pk, "prefix": "data/sub/"})
    assert response.status_code == 302 and "object=data/sub/" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert '<dd class="fb-stats-objects">2</dd>' in page
