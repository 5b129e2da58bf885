"""The bucket browser page (storage/views.py) through Django's test client:
roles and their controls, htmx fragments, pagination, previews, actions,
escaping, and errors rendered in place."""

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from storage.backends import get_backend, uri
from storage.management.commands.seed_demo import png
from storage.job_runner import job_work
from storage.models import BucketGrant, StorageConnection, StorageJob
from storage.services import connection_create
from storage.tests.fixtures import unique_bucket_name
from workspaces.models import ActivityEvent, Role
from workspaces.tests.factories import add_member, make_project, make_user, make_workspace

pytestmark = pytest.mark.django_db

HOSTILE = "<img src=x onerror=alert(1)>.txt"
ROLES = ["viewer", "member", "admin", "owner"]


@pytest.fixture(autouse=True)
def _lazy_static(settings):
    # WhiteNoise would index every static file for each test client otherwise.
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture
def world(db):
    users = {role: make_user(f"{role}@acme.test", f"{role.title()} Person") for role in [*ROLES, "outsider"]}
    workspace = make_workspace(users["owner"], name="Acme Research")
    for role in ("admin", "member", "viewer"):
        add_member(workspace, users[role], Role(role))
    project = make_project(workspace, users["owner"], name="Genomes")
    other = make_project(make_workspace(users["outsider"], name="Other Lab"), users["outsider"], name="Elsewhere")
    return SimpleNamespace(users=users, workspace=workspace, project=project, other=other)


def fill(backend, bucket):
    put = backend.upload_bytes
    put(bucket=bucket, name="data/readme.txt", data=b"hello <b>world</b>\n", content_type="text/plain")
    put(bucket=bucket, name="data/summary.json", data=b'{"a":1,"b":[1,2]}', content_type="application/json")
    put(bucket=bucket, name="data/page.html", data=b"<script>alert(1)</script>", content_type="text/html")
    put(bucket=bucket, name="data/blob.bin", data=b"\x00\x01\x02binary", content_type="application/octet-stream")
    put(bucket=bucket, name="data/images/dot.png", data=png(8, 8, (200, 0, 0), (0, 0, 200)), content_type="image/png")
    put(bucket=bucket, name="data/reports/2026/q1.csv", data=b"a,b\n1,2\n", content_type="text/csv")
    put(bucket=bucket, name="data/" + HOSTILE, data=b"boo", content_type="text/plain")
    put(bucket=bucket, name="data-private/secret.txt", data=b"no", content_type="text/plain")
    put(bucket=bucket, name="outside.txt", data=b"no", content_type="text/plain")
    backend.create_folder(bucket=bucket, prefix="data/empty/")


def _linked(world, backend, bucket):
    fill(backend, bucket)
    BucketGrant.objects.create(workspace=world.workspace, bucket_name=bucket)
    connection = connection_create(user=world.users["owner"], project=world.project, bucket_name=bucket,
                                   prefix="data/")
    world.backend, world.bucket, world.connection = backend, bucket, connection
    world.url = reverse("storage:browser", kwargs={"workspace": world.workspace.slug, "project": world.project.slug})
    world.action = lambda name: reverse(f"storage:{name}", kwargs={"workspace": world.workspace.slug,
                                                                    "project": world.project.slug})
    return world


@pytest.fixture
def linked(world, local_storage):
    """`data/` of a local bucket linked to the project."""
    return _linked(world, *local_storage)


@pytest.fixture
def linked_any(world, storage_backend):
    """The same, once on fake-gcs-server and once on the local backend."""
    return _linked(world, *storage_backend)


def as_(client, world, role):
    client.force_login(world.users[role])
    return client


def htmx(target, **extra):
    return {"HX-Request": "true", "HX-Target": target, "HX-Current-URL": "http://testserver/somewhere", **extra}


def text(response):
    return response.content.decode()


def names_in(page):
    return re.findall(r'<tr class="fb-item[^"]*"[^>]*data-name="([^"]*)"', page)


# --- The page and its controls, per role ------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_the_listing_and_only_its_controls(role, linked, client):
    response = as_(client, linked, role).get(linked.url)
    assert response.status_code == 200
    page = text(response)
    assert 'id="fb-listing"' in page and 'id="fb-details"' in page and "<html" in page
    # Folders first (placeholders included), then files in GCS order.
    assert names_in(page) == [
        "data/empty/", "data/images/", "data/reports/",
        "data/" + HOSTILE.replace("<", "&lt;").replace(">", "&gt;"),
        "data/blob.bin", "data/page.html", "data/readme.txt", "data/summary.json",
    ]
    assert "19\xa0bytes" in page  # sizes in human units
    writer = role != "viewer"
    admin = role in ("admin", "owner")
    assert ('data-action="upload-files"' in page) is writer
    assert ('id="fb-newfolder"' in page) is writer
    assert ('id="fb-delete"' in page) is writer
    assert ('id="fb-selection"' in page) is writer
    assert ("Link a bucket</summary>" in page) is admin
    assert ("/unlink" in page) is admin


def test_outsiders_get_404_everywhere_and_anonymous_visitors_log_in(linked, client):
    as_(client, linked, "outsider")
    assert client.get(linked.url).status_code == 404
    assert client.get(linked.url, headers=htmx("fb-listing")).status_code == 404
    for name in ("download", "buckets"):
        assert client.get(linked.action(name)).status_code == 404
    for name in ("link", "folder-create", "delete", "upload-check", "connection-create"):
        assert client.post(linked.action(name), {"c": linked.connection.pk, "name": "data/x"}).status_code == 404
    other = reverse("storage:browser", kwargs={"workspace": linked.workspace.slug, "project": linked.other.slug})
    assert as_(client, linked, "owner").get(other).status_code == 404

    client.logout()
    response = client.get(f"{linked.url}?c={linked.connection.pk}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/w/acme-research/p/genomes/files/")


def test_an_expired_session_on_htmx_goes_to_log_in_and_back(linked, client):
    current = f"http://testserver{linked.url}?c={linked.connection.pk}&prefix=data/images/"
    response = client.get(linked.url, headers=htmx("fb-listing", **{"HX-Current-URL": current}))
    assert response.status_code == 200
    location = response["HX-Redirect"]
    assert location.startswith("/accounts/login/?next=")
    assert parse_qs(urlsplit(location).query)["next"] == [f"{linked.url}?c={linked.connection.pk}&prefix=data/images/"]
    posted = client.post(linked.action("delete"), {"name": "data/readme.txt"}, headers=htmx("fb-dialog-body"))
    assert posted["HX-Redirect"].startswith("/accounts/login/?next=")
    check = client.post(linked.action("upload-check"), {"name": "data/x"}, headers={"Accept": "application/json"})
    assert check.status_code == 401 and check.json()["code"] == "not_authenticated"


def test_ids_redirect_to_slugs_keeping_the_query(linked, client):
    as_(client, linked, "viewer")
    url = reverse("storage:browser", kwargs={"workspace": linked.workspace.pk, "project": linked.project.pk})
    response = client.get(f"{url}?c={linked.connection.pk}&prefix=data/images/")
    assert response.status_code == 302
    assert response["Location"] == f"{linked.url}?c={linked.connection.pk}&prefix=data/images/"


# --- Navigation and fragments -------------------------------------------------------------------


def test_htmx_requests_get_only_their_fragment(linked, client):
    as_(client, linked, "member")
    query = f"?c={linked.connection.pk}&prefix=data/reports/"
    for target, start in [("fb-listing", '<div id="fb-listing"'), ("fb-results", '<div id="fb-results"'),
                          ("fb-details", '<div id="fb-details"'), ("fb-connections", '<div id="fb-connections"')]:
        response = client.get(linked.url + query, headers=htmx(target))
        page = text(response).strip()
        assert response.status_code == 200, target
        assert "<html" not in page and "<body" not in page, target
        assert re.sub(r"^<title>.*?</title>\s*", "", page).startswith(start), target
        assert response["Vary"].count("HX-Request") == 1
    listing = text(client.get(linked.url + query, headers=htmx("fb-listing")))
    assert "<title>reports · Files · Genomes · omX</title>" in listing
    assert 'aria-current="location">reports</span>' in listing  # the crumb for this prefix
    assert 'data-name="data/reports/2026/"' in listing
    # A history restore (back button after hx-push-url) gets the whole page.
    restore = client.get(linked.url + query, headers=htmx("fb-listing", **{"HX-History-Restore-Request": "true"}))
    assert "<html" in text(restore) and 'data-name="data/reports/2026/"' in text(restore)


def test_a_listing_fragment_mints_no_csrf_token_and_its_forms_post_with_the_header(linked, client):
    as_(client, linked, "member")
    query = f"?c={linked.connection.pk}&prefix=data/"
    page = text(client.get(linked.url + query))
    assert 'id="fb-newfolder"' in page and 'name="csrfmiddlewaretoken"' in page  # without htmx, each form has one
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    fragment = client.get(linked.url + query, headers=htmx("fb-listing"))
    assert 'id="fb-newfolder"' in text(fragment) and "csrfmiddlewaretoken" not in text(fragment)
    assert "csrftoken" not in fragment.cookies  # no new token: nothing to set
    checked = Client(enforce_csrf_checks=True)
    checked.cookies = client.cookies
    form = {"c": str(linked.connection.pk), "prefix": "data/", "name": "from-a-fragment"}
    assert checked.post(linked.action("folder-create"), form, headers=htmx("fb-newfolder")).status_code == 403
    made = checked.post(linked.action("folder-create"), form, headers=htmx("fb-newfolder", **{"X-CSRFToken": token}))
    assert made.status_code == 200 and 'data-name="data/from-a-fragment/"' in text(
        client.get(linked.url + query, headers=htmx("fb-listing")))


def test_breadcrumbs_run_from_the_connection_root(linked, client):
    page = text(as_(client, linked, "viewer").get(f"{linked.url}?c={linked.connection.pk}&prefix=data/reports/2026/"))
    crumbs = re.search(r'<nav class="fb-crumbs".*?</nav>', page, re.S).group(0)
    labels = re.findall(r">([^<>]+)</(?:a|span)>", crumbs)
    assert [label.strip() for label in labels] == [f"{linked.bucket}/data/", "reports", "2026"]
    assert f'href="{linked.url}?c={linked.connection.pk}&amp;prefix=data/reports/"' in crumbs
    assert f'href="{linked.url}?c={linked.connection.pk}"' in crumbs  # the root keeps a short URL


def test_bucket_and_prefix_in_the_query_work_too(linked, client):
    page = text(as_(client, linked, "viewer").get(f"{linked.url}?bucket={linked.bucket}&prefix=data/images/"))
    assert names_in(page) == ["data/images/dot.png"]


def test_paths_outside_the_link_show_a_message_in_place(linked, client):
    as_(client, linked, "viewer")
    outside = client.get(f"{linked.url}?c={linked.connection.pk}&prefix=data-private/")
    assert outside.status_code == 403
    assert "Outside the linked folders" in text(outside) and 'id="fb-connections"' in text(outside)
    bad = client.get(f"{linked.url}?c={linked.connection.pk}&prefix=data/../x/", headers=htmx("fb-listing"))
    assert bad.status_code == 400 and bad["X-Omx-Fragment"] == "1"
    assert "Not a valid path" in text(bad)
    gone = client.get(f"{linked.url}?c=00000000-0000-4000-8000-000000000000")
    assert gone.status_code == 404 and "No such bucket link" in text(gone)


def test_large_prefixes_load_100_at_a_time_one_storage_call_each(linked_any, client, monkeypatch):
    backend, bucket = linked_any.backend, linked_any.bucket
    for i in range(230):
        backend.upload_bytes(bucket=bucket, name=f"data/many/f{i:04d}.txt", data=b"x", content_type="text/plain")
    calls = []
    real = backend.list_level
    monkeypatch.setattr(backend, "list_level", lambda **kw: calls.append(kw) or real(**kw))
    as_(client, linked_any, "viewer")
    url = f"{linked_any.url}?c={linked_any.connection.pk}&prefix=data/many/"
    seen, pages = [], 0
    response = client.get(url)
    page = text(response)
    while True:
        pages += 1
        seen += names_in(page) or re.findall(r'data-name="([^"]*)"', page)
        more = re.search(r'<tr id="fb-more"[^>]*hx-get="([^"]+)"[^>]*hx-trigger="revealed"', page)
        if not more:
            break
        page = text(client.get(more.group(1).replace("&amp;", "&"), headers=htmx("fb-more")))
        assert "<table" not in page  # just rows and the next sentinel
    assert pages == 3 and len(seen) == 230 and len(set(seen)) == 230
    assert seen == sorted(seen)
    assert len(calls) == 3 and all(call["page_size"] == 100 for call in calls)
    assert "100 items loaded · more load as you scroll" in text(response)


def test_the_filter_hides_loaded_rows_whose_name_does_not_contain_it(linked, client):
    # What a page without script gets from the filter's GET form: the page
    # it shows, with the rows that do not match (case aside) hidden.
    as_(client, linked, "viewer")
    page = text(client.get(f"{linked.url}?c={linked.connection.pk}&q=RE"))
    shown = re.findall(r'<tr class="fb-item" tabindex="-1"\s+data-kind="[^"]*" data-name="([^"]*)"', page)
    assert sorted(shown) == ["data/readme.txt", "data/reports/"]
    assert len(names_in(page)) == 8  # all loaded, the rest hidden
    assert "8 items loaded · 2 contain “RE” · that is all" in page
    none = text(client.get(f"{linked.url}?c={linked.connection.pk}&q=a/b"))
    assert "Nothing loaded here contains “<span class=\"fb-nomatch-q\">a/b</span>”" in none


def test_sorting_applies_to_the_loaded_page_and_says_so(linked, client):
    as_(client, linked, "viewer")
    page = text(client.get(f"{linked.url}?c={linked.connection.pk}&sort=size&dir=desc"))
    files = [n for n in names_in(page) if not n.endswith("/")]
    assert files[0] == "data/page.html" and files[-1].startswith("data/&lt;img")  # 25 bytes first, 3 last
    assert names_in(page)[:3] == ["data/empty/", "data/images/", "data/reports/"]  # folders stay first
    assert "sorted by size within the 8 loaded items" in page
    assert 'aria-sort="descending"' in page


def test_grid_view_signs_thumbnails_for_images_only(linked, client):
    as_(client, linked, "viewer")
    grid = text(client.get(f"{linked.url}?c={linked.connection.pk}&prefix=data/images/&view=grid"))
    thumbs = re.findall(r'<img src="([^"]+)" alt="" loading="lazy"', grid)
    assert len(thumbs) == 1 and thumbs[0].startswith("/storage/local/")
    image = client.get(thumbs[0].replace("&amp;", "&"))
    assert image.status_code == 200 and b"".join(image.streaming_content).startswith(b"\x89PNG")
    root_grid = text(client.get(f"{linked.url}?c={linked.connection.pk}&view=grid"))
    assert "loading=\"lazy\"" not in root_grid  # no images at the root: nothing signed
    listing = text(client.get(f"{linked.url}?c={linked.connection.pk}&prefix=data/images/"))
    assert "/storage/local/" not in listing  # list view signs nothing


# --- Details and previews ---------------------------------------------------------------------


def details(client, world, name):
    response = client.get(f"{world.url}?c={world.connection.pk}&object={name}", headers=htmx("fb-details"))
    return response, text(response)


def test_details_show_metadata_and_escaped_text_previews(linked_any, client):
    as_(client, linked_any, "viewer")
    response, page = details(client, linked_any, "data/readme.txt")
    assert response.status_code == 200 and page.lstrip().startswith('<div id="fb-details"')
    assert "<pre" in page and "hello &lt;b&gt;world&lt;/b&gt;" in page
    assert uri(linked_any.bucket, "data/readme.txt") in page
    assert "19\xa0bytes" in page and "text/plain" in page
    md5 = linked_any.backend.get_object(bucket=linked_any.bucket, name="data/readme.txt").md5_hash
    assert md5 and md5 in page
    assert "/download?c=" in page and "Copy link" in page

    # Tables and JSON are laid out by the page from the head of a fresh signed URL.
    _, json_page = details(client, linked_any, "data/summary.json")
    assert 'data-structured="json"' in json_page and 'data-max-bytes="262144"' in json_page and "<pre" not in json_page
    _, csv_page = details(client, linked_any, "data/reports/2026/q1.csv")
    assert 'data-structured="csv"' in csv_page and 'data-max-rows="200"' in csv_page

    _, html_page = details(client, linked_any, "data/page.html")
    assert "Source text (not rendered)" in html_page and "&lt;script&gt;alert(1)&lt;/script&gt;" in html_page
    assert "<script>alert" not in html_page and "<iframe" not in html_page

    _, binary = details(client, linked_any, "data/blob.bin")
    assert "No preview for this type." in binary and "<pre" not in binary

    _, image = details(client, linked_any, "data/images/dot.png")
    assert 'class="fb-preview-image"' in image


def test_long_text_previews_read_only_64_kib(linked, client):
    linked.backend.upload_bytes(bucket=linked.bucket, name="data/big.log", data=("é" * 40000).encode(),
                                content_type="text/plain")
    _, page = details(as_(client, linked, "viewer"), linked, "data/big.log")
    assert "Showing the first 64 KiB of 78.1\xa0KB." in page
    shown = re.search(r"<pre[^>]*>(.*?)</pre>", page, re.S).group(1)
    assert shown == "é" * 32768 and "\ufffd" not in shown  # a cut character is left out


def test_missing_objects_and_folders_in_details(linked, client):
    as_(client, linked, "viewer")
    response, page = details(client, linked, "data/nope.txt")
    assert response.status_code == 404 and "This file no longer exists" in page
    _, folder = details(client, linked, "data/images/")
    assert "Folder (a name prefix)" in folder and "Open folder" in folder
    response, outside = details(client, linked, "outside.txt")
    assert response.status_code == 403


def test_hostile_names_render_as_text(linked, client):
    page = text(as_(client, linked, "member").get(linked.url))
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page
    _, detail = details(client, linked, "data/" + HOSTILE)
    assert "<img src=x" not in detail and "&lt;img src=x onerror=alert(1)&gt;.txt" in detail


def test_the_full_page_can_open_with_an_object_selected(linked, client):
    page = text(as_(client, linked, "viewer").get(f"{linked.url}?c={linked.connection.pk}&object=data/readme.txt"))
    assert "<html" in page and "hello &lt;b&gt;world" in page and 'data-name="data/readme.txt"' in page


# --- Download and copy link ----------------------------------------------------------------------


def test_download_redirects_to_an_attachment_url(linked, client):
    as_(client, linked, "viewer")
    response = client.get(f"{linked.action('download')}?c={linked.connection.pk}&name=data/readme.txt")
    assert response.status_code == 302 and response["Location"].startswith("http://testserver/storage/local/")
    served = client.get(response["Location"].removeprefix("http://testserver"))
    assert b"".join(served.streaming_content) == b"hello <b>world</b>\n"
    assert served["Content-Disposition"].startswith("attachment;")
    missing = client.get(f"{linked.action('download')}?c={linked.connection.pk}&name=data/nope.txt")
    assert missing.status_code == 404 and "This file no longer exists" in text(missing)
    outside = client.get(f"{linked.action('download')}?c={linked.connection.pk}&name=outside.txt")
    assert outside.status_code == 403


def test_copy_link_gives_a_signed_url_and_its_expiry(linked, client):
    as_(client, linked, "viewer")
    response = client.post(linked.action("link"), {"c": linked.connection.pk, "name": "data/readme.txt"},
                           headers=htmx("fb-link"))
    page = text(response)
    assert response.status_code == 200 and page.lstrip().startswith('<div id="fb-link"')
    url = re.search(r'id="fb-link-url" type="text" readonly value="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert url.startswith("http://testserver/storage/local/")
    assert "Anyone with this link can download the file until" in page and "(in 14" in page
    served = client.get(url.removeprefix("http://testserver"))
    assert b"".join(served.streaming_content) == b"hello <b>world</b>\n"


# --- New folder, delete ------------------------------------------------------------------------------


def test_members_create_folders_and_the_listing_is_told(linked, client):
    as_(client, linked, "member")
    response = client.post(linked.action("folder-create"),
                           {"c": linked.connection.pk, "prefix": "data/reports/", "name": "2027"},
                           headers=htmx("fb-newfolder"))
    assert response.status_code == 200
    assert '"storage-changed"' in response["HX-Trigger"]
    assert text(response).lstrip().startswith('<details id="fb-newfolder"')
    assert 'hx-swap-oob="true"' in text(response) and "Folder 2027 created." in text(response)
    assert linked.backend.get_object(bucket=linked.bucket, name="data/reports/2027/")
    assert ActivityEvent.objects.filter(verb="storage.folder_created").count() == 1

    bad = client.post(linked.action("folder-create"), {"c": linked.connection.pk, "prefix": "data/", "name": ".."},
                      headers=htmx("fb-newfolder"))
    assert bad.status_code == 400 and "HX-Trigger" not in bad
    assert " open>" in text(bad) and "Names cannot contain" in text(bad)  # the error, in place

    plain = client.post(linked.action("folder-create"), {"c": linked.connection.pk, "prefix": "data/", "name": "nojs"})
    assert plain.status_code == 302 and plain["Location"] == f"{linked.url}?c={linked.connection.pk}"


def test_viewers_cannot_write_even_by_hand(linked, client):
    as_(client, linked, "viewer")
    assert client.post(linked.action("folder-create"), {"c": linked.connection.pk, "name": "x"}).status_code == 403
    assert client.post(linked.action("delete"),
                       {"c": linked.connection.pk, "name": "data/readme.txt", "confirm": "1"}).status_code == 403
    assert client.post(linked.action("upload-check"), {"c": linked.connection.pk, "name": "data/x"}).status_code == 403
    assert linked.backend.get_object(bucket=linked.bucket, name="data/readme.txt")


def test_delete_confirms_then_reports_deleted_and_not_found(linked, client):
    as_(client, linked, "member")
    names = ["data/readme.txt", "data/" + HOSTILE, "data/gone.txt"]
    first = client.post(linked.action("delete"), {"c": linked.connection.pk, "name": names},
                        headers=htmx("fb-dialog-body"))
    page = text(first)
    assert first.status_code == 200 and "Delete 3 items?" in page
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page and "<img src=x" not in page
    assert re.search(r'data-action="close-dialog" autofocus>Cancel<', page)  # Enter does not delete
    assert "HX-Trigger" not in first
    assert linked.backend.get_object(bucket=linked.bucket, name="data/readme.txt")  # nothing yet

    second = client.post(linked.action("delete"), {"c": linked.connection.pk, "name": names, "confirm": "1"},
                         headers=htmx("fb-dialog-body"))
    result = text(second)
    assert second.status_code == 200 and "Deleted 2 items" in result
    assert "Not found (already gone):" in result and "data/gone.txt" in result
    assert '"storage-changed"' in second["HX-Trigger"]
    assert not StorageJob.objects.exists()  # plain objects go at once
    listing = names_in(text(client.get(linked.url)))
    assert "data/readme.txt" not in listing


def test_deleting_a_folder_says_everything_inside_goes_and_runs_as_a_job(linked, client):
    as_(client, linked, "member")
    names = ["data/reports/", "data/readme.txt"]
    first = client.post(linked.action("delete"), {"c": linked.connection.pk, "prefix": "data/", "name": names},
                        headers=htmx("fb-dialog-body"))
    assert first.status_code == 200
    assert ("The folder reports/ and everything inside it and the file readme.txt will be deleted"
            in text(first))
    assert re.search(r'data-action="close-dialog" autofocus>Cancel<', text(first))
    assert not StorageJob.objects.exists()

    second = client.post(linked.action("delete"), {"c": linked.connection.pk, "prefix": "data/", "name": names,
                                                   "confirm": "1"}, headers=htmx("fb-dialog-body"))
    job = StorageJob.objects.get()
    assert second.status_code == 200 and "Deleting in the background" in text(second)
    assert (job.kind, job.bucket, job.sources, job.created_by) == ("delete", linked.bucket, names,
                                                                   linked.users["member"])
    assert (job.created_via, job.client_ip) == ("page", "127.0.0.1")  # what its access-log rows will say
    assert str(job.pk) in second["HX-Trigger-After-Settle"] and '"storage-job"' in second["HX-Trigger-After-Settle"]
    job_work(job=job)
    job.refresh_from_db()
    assert job.state == "succeeded"
    left = set(linked.backend.iter_names(bucket=linked.bucket, prefix="data/"))
    assert not {n for n in left if n.startswith("data/reports/")} and "data/readme.txt" not in left
    assert "data/summary.json" in left

    plain = client.post(linked.action("delete"), {"c": linked.connection.pk, "name": ["data/images/"], "confirm": "1"},
                        follow=True)
    assert "in the background" in text(plain) and StorageJob.objects.count() == 2


def test_delete_refuses_names_outside_the_link(linked, client):
    as_(client, linked, "member")
    response = client.post(linked.action("delete"), {"c": linked.connection.pk, "name": ["outside.txt"], "confirm": "1"},
                           headers=htmx("fb-dialog-body"))
    assert response.status_code == 400 and "outside the bucket" in text(response)
    assert linked.backend.get_object(bucket=linked.bucket, name="outside.txt")
    empty = client.post(linked.action("delete"), {"c": linked.connection.pk}, headers=htmx("fb-dialog-body"))
    assert empty.status_code == 400 and "Select the files or folders" in text(empty)


def test_delete_without_javascript_confirms_on_a_page_then_redirects(linked, client):
    as_(client, linked, "member")
    confirm = client.post(linked.action("delete"), {"c": linked.connection.pk, "name": ["data/readme.txt"]})
    assert confirm.status_code == 200 and "<html" in text(confirm) and "Delete 1 item?" in text(confirm)
    done = client.post(linked.action("delete"), {"c": linked.connection.pk, "name": ["data/readme.txt"], "confirm": "1"},
                       follow=True)
    assert "Deleted 1 item." in text(done)


def test_upload_check_reports_conflicts_and_refusals(linked, client):
    as_(client, linked, "member")
    response = client.post(linked.action("upload-check"), {
        "c": linked.connection.pk,
        "name": ["data/readme.txt", "data/new.txt", "outside.txt", "data/../x", "data/images/dot.png"],
    })
    body = response.json()
    assert response.status_code == 200
    assert sorted(body["existing"]) == ["data/images/dot.png", "data/readme.txt"]
    assert set(body["refused"]) == {"outside.txt", "data/../x"}
    assert "outside" in body["refused"]["outside.txt"]


# --- Linking and unlinking buckets -------------------------------------------------------------------


def test_admins_link_a_bucket_with_the_check_shown_inline(linked, client):
    as_(client, linked, "admin")
    choices = client.get(linked.action("buckets"), headers=htmx("fb-bucket-picker"))
    assert choices.status_code == 200 and f'data-fill-bucket="{linked.bucket}"' in text(choices)
    assert "· linked" in text(choices)

    missing_bucket = unique_bucket_name()
    BucketGrant.objects.create(workspace=linked.workspace, bucket_name=missing_bucket)
    missing = client.post(linked.action("connection-create"), {"bucket_name": missing_bucket, "prefix": ""},
                          headers=htmx("fb-connections"))
    assert missing.status_code == 400 and text(missing).lstrip().startswith('<div id="fb-connections"')
    assert "The bucket cannot be reached" in text(missing) and "<details class=\"fb-linker\" open>" in text(missing)

    other = unique_bucket_name()
    get_backend().create_bucket(name=other)
    BucketGrant.objects.create(workspace=linked.workspace, bucket_name=other, prefix="raw/")
    ok = client.post(linked.action("connection-create"), {"bucket_name": other, "prefix": "/raw"},
                     headers=htmx("fb-connections"))
    created = StorageConnection.objects.get(bucket_name=other)
    assert created.prefix == "raw/"
    assert ok["HX-Redirect"] == f"{linked.url}?c={created.pk}"

    unlink = reverse("storage:connection-delete", kwargs={"workspace": linked.workspace.slug,
                                                          "project": linked.project.slug, "connection_id": created.pk})
    assert client.post(unlink).status_code == 302
    assert not StorageConnection.objects.filter(pk=created.pk).exists()


def test_the_link_dialog_offers_exactly_the_grants(linked, client):
    as_(client, linked, "admin")
    BucketGrant.objects.create(workspace=linked.workspace, bucket_name="granted-elsewhere", prefix="team/")
    get_backend().create_bucket(name="not-granted-here")
    choices = text(client.get(linked.action("buckets"), headers=htmx("fb-bucket-picker")))
    assert f'data-fill-bucket="{linked.bucket}" data-fill-prefix=""' in choices
    assert 'data-fill-bucket="granted-elsewhere" data-fill-prefix="team/"' in choices
    assert "not-granted-here" not in choices
    refused = client.post(linked.action("connection-create"), {"bucket_name": "not-granted-here", "prefix": ""},
                          headers=htmx("fb-connections"))
    assert refused.status_code == 400 and "not granted to the workspace" in text(refused)
    assert not StorageConnection.objects.filter(bucket_name="not-granted-here").exists()


def test_without_grants_the_dialog_says_whom_to_ask(linked, client):
    as_(client, linked, "admin")
    BucketGrant.objects.all().delete()
    page = text(client.get(linked.url))
    assert "No bucket is granted to this workspace yet." in page
    assert f"manage.py grants add {linked.workspace.slug} BUCKET" in page
    assert 'name="bucket_name"' not in page  # no text box that can only fail
    assert "not granted" in page  # the existing link is marked


def test_a_granted_link_answers_whether_grants_exist(linked, client):
    as_(client, linked, "admin")
    client.get(linked.url)  # warm: health bookkeeping
    with CaptureQueriesContext(connection) as ctx:
        page = text(client.get(linked.url))
    assert 'name="bucket_name"' in page and "No bucket is granted" not in page
    grant_check = 'SELECT 1 AS "a" FROM "storage_bucketgrant"'
    assert [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(grant_check)] == []


def test_members_cannot_link_unlink_or_list_buckets(linked, client):
    as_(client, linked, "member")
    assert client.get(linked.action("buckets")).status_code == 403
    assert client.post(linked.action("connection-create"), {"bucket_name": linked.bucket}).status_code == 403
    unlink = reverse("storage:connection-delete", kwargs={"workspace": linked.workspace.slug,
                                                          "project": linked.project.slug,
                                                          "connection_id": linked.connection.pk})
    assert client.post(unlink).status_code == 403
    assert StorageConnection.objects.count() == 1


def test_a_project_without_buckets_says_what_to_do(world, client, settings):
    url = reverse("storage:browser", kwargs={"workspace": world.workspace.slug, "project": world.project.slug})
    assert "This workspace has no bucket granted yet" in text(as_(client, world, "admin").get(url))
    BucketGrant.objects.create(workspace=world.workspace, bucket_name="team-bucket")
    assert "Link a bucket granted to Acme Research" in text(as_(client, world, "admin").get(url))
    settings.STORAGE_GRANTS = "open"
    assert "Link one of the service account" in text(as_(client, world, "admin").get(url))
    assert "An admin of Acme Research can link" in text(as_(client, world, "viewer").get(url))


# --- Storage down ------------------------------------------------------------------------------------------


@pytest.fixture
def unreachable(world, settings):
    """A GCS backend pointed at a port where nothing listens."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    BucketGrant.objects.create(workspace=world.workspace, bucket_name="omx-down")
    connection = StorageConnection.objects.create(project=world.project, bucket_name="omx-down", prefix="",
                                                  created_by=world.users["owner"])
    settings.STORAGE_BACKEND = "gcs"
    settings.STORAGE_EMULATOR_HOST = f"http://127.0.0.1:{port}"
    settings.GCS_PROJECT_ID = "omx-test"
    settings.GCS_TIMEOUT_SECONDS = 0.3
    world.url = reverse("storage:browser", kwargs={"workspace": world.workspace.slug, "project": world.project.slug})
    world.connection = connection
    return world


def test_unreachable_storage_shows_a_message_and_retry_in_place(unreachable, client):
    as_(client, unreachable, "member")
    response = client.get(unreachable.url)
    page = text(response)
    assert response.status_code == 503
    assert "Cloud Storage is unreachable" in page and ">Retry</a>" in page
    assert 'id="fb-connections"' in page and "omx-down" in page  # the page around it still works
    fragment = client.get(unreachable.url, headers=htmx("fb-listing"))
    assert fragment.status_code == 503 and fragment["X-Omx-Fragment"] == "1"
    assert text(fragment).lstrip().startswith("<title>") and "Retry" in text(fragment)
    _, detail = details(client, unreachable, "x.txt")
    assert "Cloud Storage is unreachable" in detail and 'hx-target="#fb-details"' in detail and ">Retry<" in detail


# --- Search, titles, selection in the address ------------------------------------------------


def test_search_lists_matches_at_any_depth_with_their_folder(linked, client):
    as_(client, linked, "viewer")
    base = f"{linked.url}?c={linked.connection.pk}"
    response = client.get(f"{base}&search=RE", headers=htmx("fb-results"))
    page = text(response)
    assert response.status_code == 200 and "<table" in page and 'id="fb-listing"' not in page
    assert names_in(page) == ["data/readme.txt", "data/reports/2026/q1.csv"]
    assert page.count("data-result") == 2 and '<span class="mono">reports/2026/</span>' in page
    # A result opens its folder with it selected.
    assert f'href="{base}&amp;prefix=data/reports/2026/&amp;object=data/reports/2026/q1.csv"' in page
    assert f"<title>Search “RE” in {linked.bucket}/data/ · Files · Genomes · omX</title>" in page
    assert "2 found for “RE” in this folder and below · that is all" in page
    # Starting a search is a step in the history; refining it is not.
    assert response["HX-Push-Url"] == f"{base}&search=RE"
    refined = client.get(f"{base}&search=REA", headers=htmx("fb-results", **{"HX-Current-URL": f"http://testserver{base}&search=RE"}))
    assert refined["HX-Replace-Url"] == f"{base}&search=REA" and names_in(text(refined)) == ["data/readme.txt"]
    left = client.get(base, headers=htmx("fb-results", **{"HX-Current-URL": f"http://testserver{base}&search=REA"}))
    assert left["HX-Push-Url"] == base and "data-result" not in text(left)


def test_search_pages_on_while_results_are_few_and_says_so(linked, client, settings):
    settings.STORAGE_SEARCH_SCAN_LIMIT = 2
    as_(client, linked, "viewer")
    page = text(client.get(f"{linked.url}?c={linked.connection.pk}&search=q1.csv", headers=htmx("fb-results")))
    assert names_in(page) == [] and "Searching…" in page and "Stop searching" in page
    assert "0 found for “q1.csv” in this folder and below · searching…" in page
    seen = []
    while more := re.search(r'id="fb-more" class="fb-more fb-searching" hx-get="([^"]+)"', page):
        page = text(client.get(more.group(1).replace("&amp;", "&"), headers=htmx("fb-more")))
        seen += names_in(page)
    assert seen == ["data/reports/2026/q1.csv"]


def test_search_outside_the_link_or_too_long_is_refused_in_place(linked, client):
    as_(client, linked, "viewer")
    outside = client.get(f"{linked.url}?c={linked.connection.pk}&prefix=data-private/&search=s", headers=htmx("fb-results"))
    assert outside.status_code == 403 and "Outside the linked folders" in text(outside)
    bad = client.get(f"{linked.url}?c={linked.connection.pk}&search=x&page_token=forged", headers=htmx("fb-more"))
    assert bad.status_code == 400 and "not valid for this search" in text(bad)


def test_a_folder_has_one_title_loaded_or_navigated_to(linked, client):
    as_(client, linked, "viewer")
    url = f"{linked.url}?c={linked.connection.pk}&prefix=data/reports/"
    whole = re.search(r"<title>(.*?)</title>", text(client.get(url))).group(1)
    fragment = re.search(r"<title>(.*?)</title>", text(client.get(url, headers=htmx("fb-listing")))).group(1)
    assert whole == fragment == "reports · Files · Genomes · omX"


def test_the_object_in_the_address_is_the_selected_row(linked, client):
    as_(client, linked, "member")
    page = text(client.get(f"{linked.url}?c={linked.connection.pk}&object=data/readme.txt"))
    row = re.search(r'<tr class="fb-item is-selected" tabindex="0"[^>]*data-name="data/readme.txt"', page)
    assert row and re.search(r'value="data/readme.txt" form="fb-selection" aria-label="Select readme.txt" checked', page)
    assert page.count("is-selected") == 1 and 'data-object="data/readme.txt"' in page


@pytest.mark.parametrize("role, boxes", [("viewer", 0), ("member", 9)])
def test_viewers_get_no_checkboxes(linked, client, role, boxes):
    page = text(as_(client, linked, role).get(f"{linked.url}?c={linked.connection.pk}"))
    assert page.count('type="checkbox"') == boxes  # one per row and select all, for those who can act
    assert 'data-action="download-selected"' in page and 'data-action="copy-path"' in page


def test_the_page_rules_follow_the_settings(settings):
    from storage.templatetags.storage_page import browser_rules

    settings.SHARE_MAX_DAYS = 30
    first = browser_rules()
    assert '"share_max_days": 30' in first and browser_rules() == first
    settings.SHARE_MAX_DAYS = 3
    assert '"share_max_days": 3,' in browser_rules()
