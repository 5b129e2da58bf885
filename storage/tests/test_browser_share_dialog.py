"""The Files page's side of share links in Chromium, once per backend: a
member shares a file with a password through the Share… dialog (a field
error first, then the link shown once), a stranger (a fresh context, no
session) opens it, gives the password and downloads the file; the member
revokes the link in the Shares panel (the confirmation starts on Cancel)
and the stranger's reload shows the ended page. A drop folder made from a
folder's details takes a file through its public page. A viewer sees the
Shares panel but can neither share nor revoke; an admin reads a link's
accesses."""

import re

import pytest
from playwright.sync_api import expect

from storage.backends import get_backend, reset_backend
from storage.models import BucketGrant, Share
from storage.services import connection_create
from storage.share_services import share_create, share_download
from storage.tests.fixtures import configure_gcs, configure_local, unique_bucket_name
from workspaces.models import Role
from workspaces.tests.factories import add_member, make_project, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "sharing from the page 42"
LINK_PASSWORD = "open sesame 7"
# octet-stream: browsers save it rather than show it, from either backend's signed URL.
RESULTS = b"\x00\x01 the results \xff\n"


@pytest.fixture(params=["gcs", "local"])
def storage(request, settings, tmp_path):
    if request.param == "gcs":
        configure_gcs(settings, request.getfixturevalue("fake_gcs"), request.getfixturevalue("gcs_key"))
    else:
        configure_local(settings, tmp_path / "local-storage")
    backend = get_backend()
    bucket = unique_bucket_name()
    backend.create_bucket(name=bucket)
    backend.upload_bytes(bucket=bucket, name="data/results.bin", data=RESULTS, content_type="application/octet-stream")
    backend.upload_bytes(bucket=bucket, name="notes.txt", data=b"notes\n", content_type="text/plain")
    backend.create_folder(bucket=bucket, prefix="inbox/")
    yield backend, bucket
    reset_backend()


@pytest.fixture
def team(make_user, storage):
    backend, bucket = storage
    owner = make_user(email="olive@example.com", full_name="Olive Owner", password=PASSWORD)
    member = make_user(email="bob@example.com", full_name="Bob Member", password=PASSWORD)
    viewer = make_user(email="vic@example.com", full_name="Vic Viewer", password=PASSWORD)
    workspace = make_workspace(owner, name="Lab")
    add_member(workspace, member, Role.MEMBER)
    add_member(workspace, viewer, Role.VIEWER)
    project = make_project(workspace, owner, name="Survey")
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    connection_create(user=owner, project=project, bucket_name=bucket, prefix="")
    return workspace, project, backend, bucket, owner


def files_url(live_server, workspace, project):
    return f"{live_server.url}/w/{workspace.slug}/p/{project.slug}/files/"


def log_in(page, url, email):
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda u: "/accounts/login" not in u)


def item(page, name):
    return page.locator(f'#fb-rows .fb-item[data-name="{name}"]')


def stranger(browser):
    return browser.new_context(viewport={"width": 390, "height": 800}, accept_downloads=True).new_page()


def test_a_member_shares_a_file_with_a_password_and_revokes_it(live_server, team, page, browser, tmp_path):
    workspace, project, backend, bucket, _ = team
    log_in(page, files_url(live_server, workspace, project), "bob@example.com")
    item(page, "data/").locator(".fb-open").click()
    item(page, "data/results.bin").locator(".fb-col-size").click()
    share = page.locator("#fb-listing .fb-toolbar [data-action=share]")
    expect(share).to_be_enabled()
    share.click()

    dialog = page.locator("#fb-dialog")
    expect(dialog.get_by_role("heading", name="Share “results.bin”")).to_be_visible()
    expect(page.get_by_label("Link works for (days)")).to_be_focused()
    # A use limit the API refuses: its message shows on the field, nothing is made.
    page.get_by_label("Use limit (optional)").fill("0")
    page.get_by_label("Password (optional)").fill(LINK_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#fb-share-uses-error")).not_to_be_empty()
    expect(page.get_by_label("Use limit (optional)")).to_be_focused()
    assert not Share.objects.exists()
    page.get_by_label("Use limit (optional)").fill("")
    page.keyboard.press("Enter")

    expect(dialog).to_contain_text("This link is shown only now.")
    link = page.locator("#fb-share-url").input_value()
    assert re.fullmatch(re.escape(live_server.url) + r"/s/[\w-]{20,}", link)
    dialog.get_by_role("button", name="Copy the share link").click()
    expect(dialog.get_by_role("button", name="Copy the share link")).to_have_text("Copied")
    created = Share.objects.get()
    assert (created.object_name, created.mode, created.has_password) == ("data/results.bin", "download", True)
    page.keyboard.press("Escape")
    expect(dialog).not_to_be_visible()

    # A stranger with the link and the password downloads the file.
    other = stranger(browser)
    other.goto(link)
    other.get_by_label("Password").fill(LINK_PASSWORD)
    other.get_by_role("button", name="Open").click()
    expect(other.get_by_role("heading", name="results.bin")).to_be_visible()
    with other.expect_download() as download:
        other.get_by_role("button", name="Download").click()
    saved = tmp_path / "results.bin"
    download.value.save_as(saved)
    assert saved.read_bytes() == RESULTS

    # The member revokes it in the Shares panel; the confirmation starts on Cancel.
    page.locator("#fb-listing [data-action=shares]").click()
    panel = page.locator("#fb-shares")
    row = panel.locator(".fb-share-item").filter(has_text="data/results.bin")
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text("1 use, no limit")
    expect(row).to_contain_text("Bob Member")
    row.get_by_role("button", name="Revoke the link to data/results.bin").click()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    dialog.get_by_role("button", name="Revoke link").click()
    expect(row.locator(".fb-share-state")).to_have_text("Revoked")
    expect(row.get_by_role("button", name=re.compile("Revoke"))).to_have_count(0)
    created.refresh_from_db()
    assert created.state == Share.State.REVOKED

    response = other.reload()
    assert response.status == 410
    expect(other.get_by_role("heading", name="This link has ended")).to_be_visible()
    other.context.close()
    assert not page.js_errors


def test_a_drop_folder_made_from_a_folders_details_takes_a_file(live_server, team, page, browser, tmp_path):
    workspace, project, backend, bucket, _ = team
    log_in(page, files_url(live_server, workspace, project), "bob@example.com")
    item(page, "inbox/").locator(".fb-col-size").click()
    details = page.locator("#fb-details")
    details.get_by_role("button", name="Share inbox").click()
    dialog = page.locator("#fb-dialog")
    expect(page.get_by_label("Link works for (days)")).to_be_focused()
    page.get_by_label("Link works for (days)").fill("2")
    dialog.get_by_label(re.compile("Only upload")).check()
    dialog.get_by_role("button", name="Create link").click()
    expect(dialog.get_by_role("heading", name="Drop folder link to “inbox”")).to_be_visible()
    link = page.locator("#fb-share-url").input_value()
    assert Share.objects.get().mode == "upload"

    (tmp_path / "sent.txt").write_bytes(b"sent through the drop folder\n")
    other = stranger(browser)
    other.goto(link)
    expect(other.get_by_role("heading", name="Send files to “inbox”")).to_be_visible()
    other.set_input_files("#share-drop-input", [str(tmp_path / "sent.txt")])
    expect(other.locator("#share-drop-list li[data-state=done]")).to_have_count(1, timeout=15000)
    assert backend.read_head(bucket=bucket, name="inbox/sent.txt", max_bytes=100) == b"sent through the drop folder\n"
    other.context.close()
    assert not page.js_errors


def test_a_viewer_sees_the_links_but_cannot_share_or_revoke(live_server, team, page):
    workspace, project, backend, bucket, owner = team
    share_create(user=owner, project=project, bucket=bucket, object_name="notes.txt", max_uses=5)
    log_in(page, files_url(live_server, workspace, project), "vic@example.com")
    expect(item(page, "notes.txt")).to_be_visible()
    expect(page.locator("[data-action=share]")).to_have_count(0)

    page.locator("#fb-listing [data-action=shares]").click()
    panel = page.locator("#fb-shares")
    row = panel.locator(".fb-share-item")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("notes.txt")
    expect(row).to_contain_text("0 of 5 uses")
    expect(row).to_contain_text("Olive Owner")
    expect(panel.get_by_role("button", name=re.compile("Revoke"))).to_have_count(0)
    expect(panel.locator(".fb-share-accesses")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(panel).not_to_be_visible()
    expect(page.locator("#fb-listing [data-action=shares]")).to_be_focused()
    assert not page.js_errors


def test_an_admin_reads_a_links_accesses(live_server, team, page):
    workspace, project, backend, bucket, owner = team
    share, _ = share_create(user=owner, project=project, bucket=bucket, object_name="notes.txt")
    share_download(share=share, client_ip="203.0.113.9")
    log_in(page, files_url(live_server, workspace, project), "olive@example.com")
    page.locator("#fb-listing [data-action=shares]").click()
    row = page.locator("#fb-shares .fb-share-item")
    expect(row).to_contain_text("1 use, no limit")
    row.locator("summary", has_text="Accesses").click()
    expect(row.locator(".fb-share-accesses li")).to_have_count(1)
    expect(row.locator(".fb-share-accesses li")).to_contain_text("downloaded notes.txt · from 203.0.113.9")
    assert not page.js_errors
