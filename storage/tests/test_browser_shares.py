"""Share links in Chromium, once per backend: a stranger (a fresh browser
context, no session) opens a file's link and downloads it; once revoked, the
same link shows the "ended" page with 410. A drop folder takes two files
through its page, and they land in the bucket."""

import pytest
from playwright.sync_api import expect

from storage.backends import get_backend, reset_backend
from storage.models import BucketGrant, StorageConnection
from storage.share_services import share_create, share_get, share_revoke
from storage.tests.fixtures import configure_gcs, configure_local, unique_bucket_name
from workspaces.models import Role
from workspaces.tests.factories import make_project, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=["gcs", "local"])
def shared(request, settings, tmp_path, make_user):
    if request.param == "gcs":
        configure_gcs(settings, request.getfixturevalue("fake_gcs"), request.getfixturevalue("gcs_key"))
    else:
        configure_local(settings, tmp_path / "local-storage")
    backend = get_backend()
    bucket = unique_bucket_name()
    backend.create_bucket(name=bucket)
    backend.upload_bytes(bucket=bucket, name="team/results/summary.txt", data=b"the summary\n",
                         content_type="text/plain")
    owner = make_user(email="olive@example.com", full_name="Olive Owner")
    workspace = make_workspace(owner, name="Lab")
    project = make_project(workspace, owner, name="Survey")
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    StorageConnection.objects.create(project=project, bucket_name=bucket, prefix="team/")
    yield backend, bucket, owner, project
    reset_backend()


def stranger(browser):
    return browser.new_context(viewport={"width": 1100, "height": 800}, accept_downloads=True).new_page()


def test_a_stranger_downloads_a_shared_file_until_it_is_revoked(live_server, shared, browser, tmp_path):
    backend, bucket, owner, project = shared
    share, token = share_create(user=owner, project=project, bucket=bucket, object_name="team/results/summary.txt")
    page = stranger(browser)
    response = page.goto(f"{live_server.url}/s/{token}")
    assert response.status == 200
    expect(page.get_by_role("heading", name="summary.txt")).to_be_visible()
    assert bucket not in page.content() and "team/" not in page.content()
    if backend.name == "local":
        with page.expect_download() as download:
            page.get_by_role("button", name="Download").click()
        saved = tmp_path / "summary.txt"
        download.value.save_as(saved)
        assert saved.read_bytes() == b"the summary\n"
    else:
        # fake-gcs-server ignores response-content-disposition: the browser shows the text.
        page.get_by_role("button", name="Download").click()
        expect(page.locator("body")).to_contain_text("the summary")
        page.go_back()

    share_revoke(user=owner, role=Role.OWNER, share=share_get(project=project, share_id=share.pk))
    response = page.reload()
    assert response.status == 410
    expect(page.get_by_role("heading", name="This link has ended")).to_be_visible()
    page.context.close()


def test_a_stranger_drops_two_files_into_a_drop_folder(live_server, shared, browser, tmp_path):
    backend, bucket, owner, project = shared
    _, token = share_create(user=owner, project=project, bucket=bucket, prefix="team/inbox/", mode="upload")
    files = {"one.txt": b"first file\n", "two.csv": b"a,b\n1,2\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    page = stranger(browser)
    page.goto(f"{live_server.url}/s/{token}")
    expect(page.get_by_role("heading", name="Send files to “inbox”")).to_be_visible()
    page.set_input_files("#share-drop-input", [str(tmp_path / name) for name in files])
    rows = page.locator("#share-drop-list li")
    expect(rows).to_have_count(2)
    expect(page.locator("#share-drop-list li[data-state=done]")).to_have_count(2, timeout=15000)
    for name, data in files.items():
        assert backend.read_head(bucket=bucket, name=f"team/inbox/{name}", max_bytes=100) == data
    # The same names again: refused, nothing overwritten.
    page.set_input_files("#share-drop-input", [str(tmp_path / "one.txt")])
    expect(page.locator("#share-drop-list li[data-state=failed]")).to_have_count(1, timeout=15000)
    expect(page.locator("#share-drop-list li[data-state=failed]")).to_contain_text("there already")
    page.context.close()
