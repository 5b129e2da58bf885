"""Finding and taking files on the Files page, in Chromium, once per backend
(fake-gcs-server and the local backend): searching below a folder, the
quick filter, a selection that survives a reload, a viewer's page, copying
a path and a link, and downloading several files at once."""

import re

import pytest
import requests
from playwright.sync_api import expect

from storage.backends import get_backend, reset_backend
from storage.models import BucketGrant
from storage.services import connection_create
from storage.tests.fixtures import configure_gcs, configure_local, unique_bucket_name
from workspaces.models import Role
from workspaces.tests.factories import add_member, make_project, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "finding files 42"
# fake-gcs-server ignores response-content-disposition, so the files to
# download have a type browsers never show: they save them on both backends.
BINARY = "application/octet-stream"
SEARCH = "Search this folder and its subfolders"
FILTER = "Filter the loaded items by name"


@pytest.fixture(params=["gcs", "local"])
def world(request, settings, tmp_path, make_user):
    if request.param == "gcs":
        configure_gcs(settings, request.getfixturevalue("fake_gcs"), request.getfixturevalue("gcs_key"))
    else:
        configure_local(settings, tmp_path / "local-storage")
    backend = get_backend()
    bucket = unique_bucket_name()
    backend.create_bucket(name=bucket)
    put = backend.upload_bytes
    put(bucket=bucket, name="docs/guide/README.md", data=b"# Read me\n", content_type="text/markdown")
    put(bucket=bucket, name="docs/notes.txt", data=b"notes\n", content_type="text/plain")
    put(bucket=bucket, name="alpha.bin", data=b"alpha bytes", content_type=BINARY)
    put(bucket=bucket, name="beta.bin", data=b"beta bytes", content_type=BINARY)
    put(bucket=bucket, name="Theta-report.txt", data=b"theta\n", content_type="text/plain")
    owner = make_user(email="olive@example.com", full_name="Olive Owner", password=PASSWORD)
    viewer = make_user(email="vic@example.com", full_name="Vic Viewer", password=PASSWORD)
    workspace = make_workspace(owner, name="Lab")
    add_member(workspace, viewer, Role.VIEWER)
    project = make_project(workspace, owner, name="Survey")
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    connection_create(user=owner, project=project, bucket_name=bucket, prefix="")
    yield backend, bucket, f"/w/{workspace.slug}/p/{project.slug}/files/"
    reset_backend()


def open_files(page, live_server, path, email="olive@example.com"):
    page.goto(live_server.url + path)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    expect(page.locator("#fb-rows .fb-item").first).to_be_visible()


def item(page, name):
    return page.locator(f'#fb-rows .fb-item[data-name="{name}"]')


def test_search_opens_a_result_where_it_is_and_esc_comes_back(live_server, world, page, screenshot):
    backend, bucket, path = world
    open_files(page, live_server, path)
    expect(page).to_have_title(f"{bucket} · Files · Survey · omX")

    box = page.get_by_label(SEARCH)
    box.fill("re")
    result = item(page, "docs/guide/README.md")
    expect(result).to_be_visible()
    expect(result).to_contain_text("docs/guide/")
    expect(item(page, "Theta-report.txt")).to_be_visible()  # case aside
    expect(item(page, "alpha.bin")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"search=re"))
    expect(page).to_have_title(f"Search “re” in {bucket} · Files · Survey · omX")
    expect(page.locator("#fb-status")).to_contain_text("2 found for “re” in this folder and below · that is all")
    screenshot("search-results")

    # Esc in the box: the folder again.
    page.keyboard.press("Escape")
    expect(item(page, "alpha.bin")).to_be_visible()
    expect(page.locator("[data-result]")).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"search="))

    # From the box to the results with the keyboard, Enter opens the result's folder with it selected.
    box.fill("READ")
    expect(page.locator("[data-result]")).to_have_count(1)
    page.keyboard.press("ArrowDown")
    expect(result).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"prefix=docs/guide/&object=docs/guide/README.md$"))
    opened = item(page, "docs/guide/README.md")
    expect(opened).to_have_class(re.compile(r"\bis-selected\b"))
    expect(opened).to_be_focused()
    expect(page.locator("#fb-details .fb-details-name")).to_have_text("README.md")
    expect(page).to_have_title("guide · Files · Survey · omX")
    screenshot("result-opened")

    # Back: the search again, with its title; a click on a result's name opens it too.
    page.go_back()
    expect(page.locator("[data-result]")).to_have_count(1)
    expect(page).to_have_title(f"Search “READ” in {bucket} · Files · Survey · omX")
    result.locator(".fb-open").click()
    expect(page).to_have_url(re.compile(r"object=docs/guide/README.md"))
    expect(item(page, "docs/guide/README.md")).to_have_class(re.compile(r"\bis-selected\b"))
    assert page.js_errors == []


def test_a_search_that_finds_little_per_page_keeps_going_and_can_stop(live_server, world, page, settings):
    backend, bucket, path = world
    for i in range(40):
        backend.upload_bytes(bucket=bucket, name=f"many/f{i:03d}.txt", data=b"x", content_type="text/plain")
    backend.upload_bytes(bucket=bucket, name="many/zz-needle.txt", data=b"x", content_type="text/plain")
    settings.STORAGE_SEARCH_SCAN_LIMIT = 2
    open_files(page, live_server, path)
    page.get_by_label(SEARCH).fill("needle")
    expect(item(page, "many/zz-needle.txt")).to_be_visible(timeout=30_000)  # pages of nothing, then the match
    expect(page.locator("#fb-status")).to_contain_text("1 found for “needle”")

    page.get_by_label(SEARCH).fill("nothing-like-this")
    stop = page.get_by_role("button", name="Stop searching")
    stop.click()
    expect(page.locator("#fb-more.is-stopped")).to_contain_text("Search stopped.")
    expect(page.locator("#fb-status")).to_contain_text("search stopped")
    expect(stop).to_be_hidden()
    page.get_by_role("link", name="Search further").click()
    expect(page.locator("#fb-status")).to_contain_text("0 found for “nothing-like-this” in this folder and below · that is all",
                                                       timeout=30_000)
    assert page.js_errors == []


def test_the_quick_filter_matches_contains_and_ignores_case(live_server, world, page):
    _, _, path = world
    open_files(page, live_server, path)
    page.get_by_label(FILTER).fill("ETA")
    expect(page.locator("#fb-rows .fb-item:visible")).to_have_count(2)
    expect(item(page, "beta.bin")).to_be_visible()
    expect(item(page, "Theta-report.txt")).to_be_visible()
    expect(item(page, "alpha.bin")).to_be_hidden()
    expect(page.locator("#fb-status")).to_contain_text("4 items loaded · 2 contain “ETA”")
    page.get_by_label(FILTER).fill("qqq")
    expect(page.locator("#fb-nomatch")).to_have_text("Nothing loaded here contains “qqq”.")
    page.keyboard.press("Escape")
    expect(page.locator("#fb-rows .fb-item:visible")).to_have_count(4)
    assert page.js_errors == []


def test_a_reload_keeps_the_selected_file(live_server, world, page):
    _, _, path = world
    open_files(page, live_server, path)
    item(page, "beta.bin").locator(".fb-col-type").click()
    expect(page).to_have_url(re.compile(r"object=beta.bin"))
    page.reload()
    expect(item(page, "beta.bin")).to_have_class(re.compile(r"\bis-selected\b"))
    expect(item(page, "beta.bin")).to_be_focused()
    expect(item(page, "beta.bin").locator(".fb-pick")).to_be_checked()
    expect(page.locator("#fb-details .fb-details-name")).to_have_text("beta.bin")
    page.keyboard.press("ArrowUp")  # the keyboard goes on from there
    expect(page).to_have_url(re.compile(r"object=alpha.bin$"))
    page.keyboard.press("Escape")
    expect(page).not_to_have_url(re.compile(r"object="))
    assert page.js_errors == []


def test_a_viewer_has_no_checkboxes_but_selects_with_the_keyboard(live_server, world, page, screenshot):
    _, _, path = world
    open_files(page, live_server, path, email="vic@example.com")
    expect(page.locator("input[type=checkbox]")).to_have_count(0)
    item(page, "alpha.bin").locator(".fb-col-type").click()
    page.keyboard.press("ArrowDown")
    expect(item(page, "beta.bin")).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.locator("#fb-details .fb-details-name")).to_have_text("beta.bin")
    screenshot("viewer")
    assert page.js_errors == []


def test_copy_path_and_copy_link(live_server, world, page):
    backend, bucket, path = world
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_files(page, live_server, path)
    scheme = page.evaluate("JSON.parse(document.getElementById('fb-rules').textContent).scheme")
    clipboard = lambda: page.evaluate("navigator.clipboard.readText()")  # noqa: E731

    item(page, "alpha.bin").locator(".fb-col-type").click()
    page.get_by_role("button", name="Copy the selected file's path").click()
    expect(page.locator("#fb-toast")).to_have_text(f"Copied {scheme}://{bucket}/alpha.bin")
    assert clipboard() == f"{scheme}://{bucket}/alpha.bin"

    page.get_by_role("button", name="Copy the path of alpha.bin").click()  # the details panel's
    expect(page.locator("#fb-toast")).to_contain_text("Copied")
    assert clipboard() == f"{scheme}://{bucket}/alpha.bin"

    page.get_by_role("button", name="Copy a signed link to the selected file").click()
    expect(page.locator("#fb-toast")).to_contain_text("Copied a signed link to alpha.bin")
    link = clipboard()
    assert link.startswith("http") and requests.get(link, timeout=10).content == b"alpha bytes"
    assert page.js_errors == []


def test_downloading_two_selected_files(live_server, world, page, screenshot, tmp_path):
    _, _, path = world
    open_files(page, live_server, path)
    seen = []
    page.on("download", lambda download: seen.append(download))
    item(page, "alpha.bin").locator(".fb-col-type").click()
    item(page, "beta.bin").locator(".fb-col-type").click(modifiers=["ControlOrMeta"])
    button = page.get_by_role("button", name="Download the selected files")
    expect(button).to_contain_text("2")
    with page.expect_download() as first:
        button.click()
    if len(seen) < 2:  # the second one comes a moment later
        with page.expect_download():
            pass
    downloads = [first.value, seen[1]]
    got = {}
    for download in downloads:
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        got[download.suggested_filename] = target.read_bytes()
    assert got == {"alpha.bin": b"alpha bytes", "beta.bin": b"beta bytes"}
    expect(page.locator("#fb-downloads-summary")).to_have_text("2 of 2 started.")
    expect(page).to_have_url(re.compile(r"/files/"))  # the page stayed
    screenshot("downloads")
    assert page.js_errors == []
