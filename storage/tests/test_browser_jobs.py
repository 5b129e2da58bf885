"""The Files page's storage jobs in Chromium, once per backend: rename (F2
and the toolbar, inline), Move to… and Copy to… through the folder picker
driven by the keyboard, dragging a row onto a folder, deleting a folder with
everything inside it (the confirmation says so and starts on Cancel), and the
jobs panel (progress, surviving a reload). Jobs run in a db_worker loop
started in this process: the same claim-and-run code as `manage.py
db_worker`, and the same task."""

import re
import threading

import pytest
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from playwright.sync_api import expect

from storage.backends import get_backend, reset_backend
from storage.models import BucketGrant, StorageJob
from storage.services import connection_create
from storage.tests.fixtures import configure_gcs, configure_local, unique_bucket_name
from workspaces.models import Role
from workspaces.tests.factories import add_member, make_project, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "jobs in the browser 42"
FILES = {
    "notes.txt": b"notes", "draft.txt": b"draft", "docs/readme.md": b"# Docs", "archive/keep.txt": b"keep",
    "raw/a.txt": b"a", "raw/sub/b.txt": b"b", "raw/sub/deep/c.txt": b"c",
}


@pytest.fixture(params=["gcs", "local"])
def storage(request, settings, tmp_path):
    if request.param == "gcs":
        configure_gcs(settings, request.getfixturevalue("fake_gcs"), request.getfixturevalue("gcs_key"))
    else:
        configure_local(settings, tmp_path / "local-storage")
    backend = get_backend()
    bucket = unique_bucket_name()
    backend.create_bucket(name=bucket)
    for name, data in FILES.items():
        backend.upload_bytes(bucket=bucket, name=name, data=data, content_type="text/plain")
    backend.create_folder(bucket=bucket, prefix="archive/")
    backend.create_folder(bucket=bucket, prefix="raw/sub/")
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


class InProcessWorker:
    """django-tasks-db's worker loop on a thread (its command would install
    signal handlers, which only the main thread may)."""

    def __init__(self):
        self.worker, self.thread = None, None

    def start(self):
        self.worker = Worker(queue_names=["*"], interval=0.2, batch=False, backend_name="default",
                             startup_delay=False, max_tasks=None, worker_id="browser-test", excluded_queue_names=[])
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.worker.run()
        finally:
            connection.close()

    def stop(self):
        if self.thread:
            self.worker.running = False
            self.thread.join(10)
            self.thread = None


@pytest.fixture
def worker():
    running = InProcessWorker()
    yield running
    running.stop()


def log_in(page, url, email="olive@example.com"):
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda u: "/accounts/login" not in u)


def item(page, name):
    return page.locator(f'#fb-rows .fb-item[data-name="{name}"]')


def names(backend, bucket):
    return set(backend.iter_names(bucket=bucket, prefix=""))


def wait_for_jobs(count):
    """Every job the page started has finished, successfully."""
    for _ in range(300):
        jobs = list(StorageJob.objects.all())
        if len(jobs) >= count and all(j.is_finished for j in jobs):
            assert all(j.state == "succeeded" for j in jobs), [(j.kind, j.state, j.errors) for j in jobs]
            return jobs
        threading.Event().wait(0.1)
    raise AssertionError(f"{count} jobs did not finish: {list(StorageJob.objects.values('kind', 'state'))}")


def test_rename_move_copy_and_drag(live_server, team, worker, page, browser, screenshot):
    workspace, project, backend, bucket = team
    files_url = f"{live_server.url}/w/{workspace.slug}/p/{project.slug}/files/"
    worker.start()
    log_in(page, files_url)
    expect(item(page, "notes.txt")).to_be_visible()

    # F2 on the focused row: the name without its extension is selected; Esc cancels, Enter renames.
    item(page, "notes.txt").locator(".fb-col-type").click()
    page.keyboard.press("F2")
    field = page.get_by_label("New name for notes.txt")
    expect(field).to_be_focused()
    assert page.evaluate("() => document.activeElement.value.slice(0, document.activeElement.selectionEnd)") == "notes"
    page.keyboard.press("Escape")
    expect(field).to_have_count(0)
    page.keyboard.press("F2")
    page.keyboard.type("memo")
    screenshot("rename-inline")
    page.keyboard.press("Enter")
    expect(item(page, "memo.txt")).to_be_visible()
    expect(item(page, "notes.txt")).to_have_count(0)
    assert "memo.txt" in names(backend, bucket) and "notes.txt" not in names(backend, bucket)
    expect(page.locator("#fb-jobs")).to_contain_text("Rename notes.txt to memo.txt")

    # A folder, with the toolbar's Rename: everything inside goes along.
    item(page, "docs/").locator(".fb-col-type").click()
    page.get_by_role("button", name="Rename").click()
    page.get_by_label("New name for docs").fill("documents")
    page.keyboard.press("Enter")
    expect(item(page, "documents/")).to_be_visible()
    expect(item(page, "docs/")).to_have_count(0)
    assert "documents/readme.md" in names(backend, bucket) and "docs/readme.md" not in names(backend, bucket)

    # Move to… with the keyboard: the tree opens on the folder shown (where a move cannot go).
    item(page, "memo.txt").locator(".fb-col-type").click()
    page.get_by_role("button", name="Move to…").click()
    dialog = page.locator("#fb-dialog")
    tree = dialog.get_by_role("tree", name="Folders")
    expect(tree.get_by_role("treeitem", name="archive")).to_be_visible()
    expect(dialog.get_by_role("button", name="Move here")).to_be_disabled()
    page.keyboard.press("ArrowDown")  # archive, the first folder
    expect(tree.get_by_role("treeitem", name="archive")).to_be_focused()
    expect(dialog).to_contain_text(f"Move into {backend.scheme}://{bucket}/archive/")
    screenshot("move-dialog")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(item(page, "memo.txt")).to_have_count(0)
    assert "archive/memo.txt" in names(backend, bucket)

    # Copy to…: down into raw/, open it with →, into raw/sub/, Enter.
    item(page, "draft.txt").locator(".fb-col-type").click()
    page.get_by_role("button", name="Copy to…").click()
    expect(tree.get_by_role("treeitem", name="raw")).to_be_visible()
    for key in ("ArrowDown", "ArrowDown", "ArrowDown", "ArrowRight"):
        page.keyboard.press(key)
    expect(tree.get_by_role("treeitem", name="sub")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(tree.get_by_role("treeitem", name="sub")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    wait_for_jobs(4)
    assert backend.read_head(bucket=bucket, name="raw/sub/draft.txt", max_bytes=100) == b"draft"
    expect(item(page, "draft.txt")).to_be_visible()  # a copy leaves the source

    # Drag a file onto a folder row: the hint says what happens, the drop moves it.
    source = item(page, "draft.txt").locator(".fb-col-type")
    target = item(page, "archive/")
    source.hover()
    page.mouse.down()
    box = target.bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + box["height"] / 2, steps=6)
    page.mouse.move(box["x"] + 42, box["y"] + box["height"] / 2)  # a drag reports where it is as the pointer moves
    expect(page.locator(".fb-drag-hint")).to_have_text("Move 1 item to archive/ · hold Alt to copy")
    expect(target).to_have_class(re.compile("is-drop-target"))
    screenshot("drag-hint")
    page.mouse.up()
    expect(item(page, "draft.txt")).to_have_count(0)
    wait_for_jobs(5)
    assert "archive/draft.txt" in names(backend, bucket) and "draft.txt" not in names(backend, bucket)
    expect(page.locator("#fb-jobs")).to_contain_text("Jobs finished")
    assert page.js_errors == []

    # A viewer has no writing actions.
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    try:
        viewer = context.new_page()
        log_in(viewer, files_url, "vic@example.com")
        expect(item(viewer, "raw/")).to_be_visible()
        for action in ("rename", "move-to", "copy-to"):
            expect(viewer.locator(f"[data-action={action}]")).to_have_count(0)
        assert viewer.evaluate("() => document.querySelectorAll('#fb-rows [draggable=true]').length") == 0
    finally:
        context.close()


def test_delete_a_folder_and_the_jobs_panel_survives_a_reload(live_server, team, worker, page, screenshot):
    workspace, project, backend, bucket = team
    files_url = f"{live_server.url}/w/{workspace.slug}/p/{project.slug}/files/"
    log_in(page, files_url)

    # Del then Enter: the confirmation starts on Cancel, so Enter deletes nothing.
    item(page, "raw/").locator(".fb-col-type").click()
    page.keyboard.press("Delete")
    dialog = page.locator("#fb-dialog")
    expect(dialog).to_contain_text("The folder raw/ and everything inside it will be deleted")
    expect(dialog.get_by_role("link", name="Cancel")).to_be_focused()
    screenshot("confirm-folder-delete")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    assert "raw/sub/deep/c.txt" in names(backend, bucket) and not StorageJob.objects.exists()

    # Confirmed: a delete job, queued while no worker runs; the panel shows it, and still does after a reload.
    page.keyboard.press("Delete")
    dialog.get_by_role("button", name="Delete 1 item").click()
    expect(dialog).to_be_hidden()
    jobs = page.locator("#fb-jobs")
    expect(jobs).to_contain_text("Delete raw/")
    expect(jobs).to_contain_text("Waiting for a worker…")
    page.reload()
    expect(jobs).to_contain_text("Waiting for a worker…")
    expect(jobs.get_by_role("button", name="Cancel: Delete raw/")).to_be_visible()
    screenshot("tray-after-reload")

    # Folded to its summary line, and open again.
    jobs.get_by_role("button", name="Collapse background jobs").click()
    expect(page.locator("#fb-jobs-list")).to_be_hidden()
    expect(page.locator("#fb-jobs-summary")).to_contain_text("Delete raw/")
    jobs.get_by_role("button", name="Expand background jobs").click()

    worker.start()
    job = wait_for_jobs(1)[0]
    bar = jobs.locator(".fb-sjob progress")
    expect(jobs.locator(".fb-sjob")).to_have_attribute("data-state", "succeeded")
    expect(jobs).to_contain_text(f"Done: {job.total} deleted")
    assert bar.evaluate("(p) => [p.value, p.max]") == [job.total, job.total]
    assert not [n for n in names(backend, bucket) if n.startswith("raw/")]
    expect(item(page, "raw/")).to_have_count(0)  # the listing reloaded itself
    expect(item(page, "archive/")).to_be_visible()
    screenshot("tray-done")
    assert page.js_errors == []
