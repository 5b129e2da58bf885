"""The bucket browser driven like a person, in Chromium, once per backend
(fake-gcs-server and the local backend): log in, navigate and come back with
the back button, filter, grid thumbnails, uploads by file input and by drop,
previews, signed links, folders, multi-select delete, a viewer's page, and an
object name that tries to be HTML."""

import re

import pytest
import requests
from playwright.sync_api import expect

from storage.backends import get_backend, reset_backend
from storage.management.commands.seed_demo import png
from storage.models import BucketGrant
from storage.services import connection_create
from storage.tests.fixtures import configure_gcs, configure_local, unique_bucket_name
from workspaces.models import Role
from workspaces.tests.factories import add_member, make_project, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = "<img src=x onerror=alert(1)>"
PASSWORD = "files in the browser 42"
UPLOADS = {"up-1.txt": b"first upload\n", "up-2.txt": b"second " * 40000, "up-3.txt": bytes(range(256)) * 6000}


@pytest.fixture(params=["gcs", "local"])
def storage(request, settings, tmp_path):
    if request.param == "gcs":
        configure_gcs(settings, request.getfixturevalue("fake_gcs"), request.getfixturevalue("gcs_key"))
    else:
        configure_local(settings, tmp_path / "local-storage")
    backend = get_backend()
    bucket = unique_bucket_name()
    backend.create_bucket(name=bucket)
    put = backend.upload_bytes
    put(bucket=bucket, name="docs/2026/q1/report.txt", data=b"quarter one\n", content_type="text/plain")
    put(bucket=bucket, name="docs/readme.md", data=b"# Docs\n", content_type="text/markdown")
    put(bucket=bucket, name="pics/red.png", data=png(64, 48, (220, 40, 40), (250, 200, 200)), content_type="image/png")
    put(bucket=bucket, name="notes.txt", data=b"hello from omX\nline two\n", content_type="text/plain")
    put(bucket=bucket, name=HOSTILE, data=b"not html", content_type="text/html")
    put(bucket=bucket, name="zz-last.txt", data=b"z", content_type="text/plain")
    yield backend, bucket
    reset_backend()


@pytest.fixture
def team(make_user, storage):
    backend, bucket = storage
    owner = make_user(email="olive@example.com", full_name="Olive Owner", password=PASSWORD)
    viewer = make_user(email="vic@example.com", full_name="Vic Viewer", password=PASSWORD)
    workspace = make_workspace(owner, name="Lab")
    add_member(workspace, viewer, Role.VIEWER)
    project = make_project(workspace, owner, name="Survey")
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    connection_create(user=owner, project=project, bucket_name=bucket, prefix="")
    return workspace, project, backend, bucket


def log_in(page, email):
    """Log in through the form the page sent us to, and come back."""
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def item(page, name):
    return page.locator(f'#fb-rows .fb-item[data-name="{name}"]')


def test_the_bucket_browser_like_a_person(live_server, team, page, browser, screenshot):
    # live_server first: it then outlives the browser, whose open connections close before it stops.
    workspace, project, backend, bucket = team
    files_url = f"{live_server.url}/w/{workspace.slug}/p/{project.slug}/files/"
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # Log in through the form (sent there by the project page) and open the project's files.
    page.goto(f"{live_server.url}/w/{workspace.slug}/p/{project.slug}/")
    log_in(page, "olive@example.com")
    files_link = page.get_by_role("link", name="Files", exact=True)
    if files_link.count():  # the dashboard's link to this page
        files_link.first.click()
    else:
        page.goto(files_url)
    expect(page).to_have_url(files_url)
    expect(item(page, "notes.txt")).to_be_visible()
    screenshot("root")

    # Two folders down by clicking, then back twice with the browser's back button.
    item(page, "docs/").locator(".fb-open").click()
    expect(item(page, "docs/2026/")).to_be_visible()
    expect(page).to_have_url(re.compile(r"prefix=docs/$"))
    item(page, "docs/2026/").locator(".fb-open").click()
    expect(item(page, "docs/2026/q1/")).to_be_visible()
    expect(page).to_have_url(re.compile(r"prefix=docs/2026/$"))
    expect(page.locator(".fb-crumbs")).to_contain_text("2026")
    screenshot("two-folders-down")
    page.go_back()
    expect(item(page, "docs/readme.md")).to_be_visible()
    expect(page).to_have_url(re.compile(r"prefix=docs/$"))
    page.go_back()
    expect(item(page, "notes.txt")).to_be_visible()
    expect(page).to_have_url(files_url)

    # The keyboard: select a row, Enter opens the folder, Backspace goes up.
    item(page, "docs/").locator(".fb-col-type").click()
    page.keyboard.press("Enter")
    expect(item(page, "docs/2026/")).to_be_visible()
    page.keyboard.press("Backspace")
    expect(item(page, "notes.txt")).to_be_visible()

    # The quick filter: the loaded rows whose name contains it, case aside.
    page.get_by_label("Filter the loaded items by name").fill("NO")
    expect(page.locator("#fb-rows .fb-item:visible")).to_have_count(1)
    expect(item(page, "notes.txt")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=NO"))
    page.get_by_label("Filter the loaded items by name").fill("")
    expect(page.locator("#fb-rows .fb-item:visible")).to_have_count(5)

    # Grid view: the image's thumbnail really loads.
    page.get_by_role("button", name="Grid view").click()
    expect(page.locator("#fb-rows.fb-grid")).to_be_visible()
    item(page, "pics/").locator(".fb-open").click()
    thumb = item(page, "pics/red.png").locator("img")
    expect(thumb).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    screenshot("grid-thumbnail")
    page.get_by_role("button", name="List view").click()
    expect(page.locator("table.fb-table")).to_be_visible()
    page.locator(".fb-crumbs a").first.click()
    expect(item(page, "notes.txt")).to_be_visible()

    # Three uploads through the file input, one dropped; each bar reaches 100%.
    page.set_input_files("#fb-upload-files", files=[
        {"name": name, "mimeType": "text/plain", "buffer": data} for name, data in UPLOADS.items()])
    page.wait_for_function("""() => {
        const jobs = document.querySelectorAll('.fb-job');
        return jobs.length === 3 && [...jobs].every(j => j.dataset.state === 'done' && j.querySelector('progress').value === 100);
    }""")
    expect(page.locator("#fb-tray-summary")).to_have_text("All done: 3 uploaded.")
    for name in UPLOADS:
        expect(item(page, name)).to_be_visible()  # the listing refreshed itself
    page.evaluate("""() => {
        const data = new DataTransfer();
        data.items.add(new File(['dropped bytes'], 'dropped.txt', {type: 'text/plain'}));
        const target = document.querySelector('#fb-listing');
        for (const type of ['dragenter', 'dragover', 'drop']) {
            target.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
        }
    }""")
    page.wait_for_function("""() => {
        const jobs = document.querySelectorAll('.fb-job');
        return jobs.length === 4 && [...jobs].every(j => j.dataset.state === 'done' && j.querySelector('progress').value === 100);
    }""")
    expect(item(page, "dropped.txt")).to_be_visible()
    screenshot("uploads-done")
    for name, data in {**UPLOADS, "dropped.txt": b"dropped bytes"}.items():
        assert backend.read_head(bucket=bucket, name=name, max_bytes=10_000_000) == data

    # A name that exists already: asked first, and skipped.
    page.set_input_files("#fb-upload-files", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"new"}])
    expect(page.locator("#fb-dialog")).to_contain_text("A file with this name exists")
    page.locator("#fb-dialog").get_by_role("button", name="Skip these").click()
    expect(page.locator(".fb-job[data-state=skipped]")).to_have_count(1)
    expect(page.locator("#fb-tray-summary")).to_have_text("All done: 4 uploaded, 1 skipped.")
    assert backend.read_head(bucket=bucket, name="notes.txt", max_bytes=100) == b"hello from omX\nline two\n"
    page.get_by_role("button", name="Close the upload panel").click()

    # A text preview, then "Copy link": the link on the page fetches the same bytes.
    item(page, "notes.txt").locator(".fb-col-type").click()
    expect(page.locator("#fb-details pre.fb-text")).to_have_text("hello from omX\nline two\n")
    page.get_by_role("button", name="Copy a signed link to notes.txt").click()
    link = page.locator("#fb-link-url")
    expect(link).to_have_value(re.compile(r"^https?://"))
    expect(page.locator("#fb-link")).to_contain_text("Anyone with this link can download the file until")
    screenshot("text-preview-and-link")
    fetched = requests.get(link.input_value(), timeout=10)
    assert fetched.status_code == 200 and fetched.content == b"hello from omX\nline two\n"

    # A new folder.
    page.locator("#fb-newfolder summary").click()
    expect(page.get_by_label("Folder name")).to_be_focused()  # typed straight away
    page.keyboard.type("made-here")
    page.keyboard.press("Enter")
    expect(item(page, "made-here/")).to_be_visible()
    # Inside it (a listing htmx swapped in, its forms without a token field of their
    # own), another: htmx sends the page's token in a header.
    item(page, "made-here/").locator(".fb-open").click()
    expect(page.locator(".fb-crumbs [aria-current=location]")).to_have_text("made-here")
    assert page.locator("#fb-newfolder input[name=csrfmiddlewaretoken]").count() == 0
    page.locator("#fb-newfolder summary").click()
    expect(page.get_by_label("Folder name")).to_be_focused()
    page.keyboard.type("inner")
    page.keyboard.press("Enter")
    expect(item(page, "made-here/inner/")).to_be_visible()
    assert backend.list_level(bucket=bucket, prefix="made-here/").folders[0].prefix == "made-here/inner/"
    page.go_back()
    expect(item(page, "up-1.txt")).to_be_visible()

    # Select three with a click and a shift-click, then the Delete key.
    item(page, "up-1.txt").locator(".fb-pick").click()
    item(page, "up-3.txt").locator(".fb-pick").click(modifiers=["Shift"])
    expect(page.locator("#fb-rows .fb-pick:checked")).to_have_count(3)
    expect(page.locator("#fb-status")).to_contain_text("3 selected")
    page.keyboard.press("Delete")
    dialog = page.locator("#fb-dialog")
    expect(dialog).to_contain_text("Delete 3 items?")
    for name in UPLOADS:
        expect(dialog).to_contain_text(name)
    screenshot("confirm-delete")
    dialog.get_by_role("button", name="Delete 3 items").click()
    expect(dialog).to_contain_text("Deleted 3 items")
    dialog.get_by_role("link", name="Close").click()
    expect(dialog).to_be_hidden()
    for name in UPLOADS:
        expect(item(page, name)).to_have_count(0)
    assert not {o.name for o in backend.list_level(bucket=bucket, prefix="").objects} & set(UPLOADS)

    # An object name that is HTML stays text: no dialog, no element.
    expect(page.get_by_text(HOSTILE, exact=True)).to_be_visible()
    assert page.locator("img[src='x']").count() == 0
    item(page, HOSTILE).locator(".fb-col-type").click()
    expect(page.locator("#fb-details .fb-details-name")).to_have_text(HOSTILE)
    assert dialogs == []
    assert page.js_errors == []
    page.wait_for_load_state("networkidle")

    # A viewer sees no upload, folder or delete controls.
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    try:
        viewer = context.new_page()
        viewer.goto(files_url)  # no session yet: to log in, and back here
        log_in(viewer, "vic@example.com")
        expect(viewer).to_have_url(files_url)
        expect(item(viewer, "notes.txt")).to_be_visible()
        for control in ("[data-action=upload-files]", "[data-action=upload-folder]", "#fb-newfolder",
                        "#fb-delete", "#fb-selection", ".fb-unlink", ".fb-linker"):
            expect(viewer.locator(control)).to_have_count(0)
        screenshot("viewer", target=viewer)
    finally:
        context.close()


def test_on_a_phone_the_toolbar_keeps_to_three_rows(live_server, team, page, screenshot):
    workspace, project, _, _ = team
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/w/{workspace.slug}/p/{project.slug}/files/")
    log_in(page, "olive@example.com")
    item(page, "notes.txt").locator(".fb-col-size").click()  # selects the row
    toolbar = page.locator(".fb-toolbar")
    # Rename, Move to… and Share… show as icons, under the same names.
    for name in ("Rename", "Move to…", "Share…"):
        button = toolbar.get_by_role("button", name=name, exact=True)
        expect(button).to_be_enabled()
        assert button.bounding_box()["width"] < 40, name
    tops = {round(box["y"]) for box in (control.bounding_box() for control in toolbar.locator(
        ":scope > .button, :scope > details, :scope > .fb-file-actions, :scope > .fb-views").all()) if box}
    assert len(tops) <= 3, sorted(tops)
    screenshot("toolbar-narrow")
    assert page.js_errors == []
