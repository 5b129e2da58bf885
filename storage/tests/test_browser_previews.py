"""The Files page's details panel and uploads in Chromium, once per backend:
CSV and JSON previews laid out by the page from a Range request (a hostile
cell stays text), a PDF in a frame on the local backend, a folder's count of
objects and bytes run by a worker, and 150 files uploaded at once: rows
appear while they land, the tray folds to one line, and the listing's
download links stay clickable."""

import re

import pytest
from playwright.sync_api import expect

from storage.backends import get_backend, reset_backend
from storage.models import BucketGrant
from storage.services import connection_create
from storage.tests.fixtures import configure_gcs, configure_local, unique_bucket_name
from storage.tests.test_browser_jobs import InProcessWorker
from workspaces.tests.factories import make_project, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "previews in the browser 42"
HOSTILE = "<img src=x onerror=window.__pwned=1>"
CSV = ("name,amount,note\nalpha,1,\"quoted, with a comma\"\nbeta,2," + HOSTILE + "\n").encode()
JSON = b'{"a":1,"b":[1,2],"c":{"d":"x"}}'


def pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


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
    put(bucket=bucket, name="table.csv", data=CSV, content_type="text/csv")
    put(bucket=bucket, name="data.json", data=JSON, content_type="application/json")
    put(bucket=bucket, name="paper.pdf", data=pdf(), content_type="application/pdf")
    put(bucket=bucket, name="folder/b.txt", data=b"12345", content_type="text/plain")
    put(bucket=bucket, name="folder/sub/a.txt", data=b"abc", content_type="text/plain")
    backend.create_folder(bucket=bucket, prefix="incoming/")
    yield request.param, backend, bucket
    reset_backend()


@pytest.fixture
def team(make_user, storage):
    kind, backend, bucket = storage
    owner = make_user(email="olive@example.com", full_name="Olive Owner", password=PASSWORD)
    workspace = make_workspace(owner, name="Lab")
    project = make_project(workspace, owner, name="Survey")
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    connection_create(user=owner, project=project, bucket_name=bucket, prefix="")
    return kind, workspace, project, backend, bucket


@pytest.fixture
def worker():
    running = InProcessWorker()
    yield running
    running.stop()


def log_in(page, url):
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email").fill("olive@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda u: "/accounts/login" not in u)


def item(page, name):
    return page.locator("#fb-rows .fb-item").filter(has=page.locator(f'input.fb-pick[value="{name}"]'))


def choose(page, name):
    item(page, name).locator(".fb-col-type").click()


def test_previews_and_folder_details(live_server, team, worker, page, browser, screenshot):
    kind, workspace, project, backend, bucket = team
    worker.start()
    ranges = []
    page.on("request", lambda r: ranges.append(r.headers.get("range")) if "table.csv" in r.url
            or "table.csv" in (r.headers.get("referer") or "") else None)
    log_in(page, f"{live_server.url}/w/{workspace.slug}/p/{project.slug}/files/")

    # A CSV as a table: the header, the quoted comma kept in its cell, the hostile cell as text.
    choose(page, "table.csv")
    sheet = page.locator(".fb-structured table.fb-sheet")
    expect(sheet).to_be_visible()
    expect(sheet.locator("thead th")).to_have_text(["name", "amount", "note"])
    expect(sheet.locator("tbody tr")).to_have_count(2)
    expect(sheet.locator("tbody tr").nth(0).locator("td")).to_have_text(["alpha", "1", "quoted, with a comma"])
    expect(sheet.locator("tbody tr").nth(1).locator("td").nth(2)).to_have_text(HOSTILE)
    assert sheet.locator("img").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    screenshot("csv")

    # JSON, indented.
    choose(page, "data.json")
    shown = page.locator(".fb-structured pre.fb-json")
    expect(shown).to_be_visible()
    assert shown.text_content() == '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ],\n  "c": {\n    "d": "x"\n  }\n}'

    # A PDF in a frame of the page (the local backend's own URLs included).
    choose(page, "paper.pdf")
    frame = page.locator("iframe.fb-preview-pdf")
    expect(frame).to_be_visible()
    src = frame.get_attribute("src")
    page.wait_for_function("src => [...document.querySelectorAll('iframe')].some(f => f.src.includes(src))",
                           arg=src.split("?")[0][-40:])
    pdf_frame = next(f for f in page.frames if f.parent_frame is not None)
    pdf_frame.wait_for_load_state()
    assert not pdf_frame.url.startswith("chrome-error:"), pdf_frame.url  # not refused by a header
    screenshot("pdf")

    # A folder with a subfolder: counted by a worker, on request.
    choose(page, "folder/")
    button = page.get_by_role("button", name="Count objects and size")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator(".fb-stats-objects")).to_have_text("2", timeout=20_000)
    expect(page.locator(".fb-stats-bytes")).to_have_text("8\xa0bytes")
    expect(page.get_by_role("button", name="Count again")).to_be_visible()
    screenshot("folder")
    assert not page.js_errors, page.js_errors


def test_150_uploads_land_in_the_listing_and_the_tray_folds(live_server, team, page, browser, screenshot, tmp_path):
    kind, workspace, project, backend, bucket = team
    log_in(page, f"{live_server.url}/w/{workspace.slug}/p/{project.slug}/files/?prefix=incoming/")
    expect(page.get_by_text("This folder is empty.")).to_be_visible()
    files = []
    for n in range(150):
        path = tmp_path / f"file-{n:03}.txt"
        path.write_bytes(b"x" * (n + 1))
        files.append(str(path))
    # Slower round trips, so there is a "while" to look at.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions",
             {"offline": False, "latency": 40, "downloadThroughput": -1, "uploadThroughput": -1})
    # Every change to the page is sampled: how many rows are listed, and whether uploads still run.
    page.evaluate("""() => {
        window.__samples = [];
        new MutationObserver(() => {
            const title = document.querySelector('#fb-tray-title');
            window.__samples.push({rows: document.querySelectorAll('#fb-rows .fb-item').length,
                                   running: !!title && title.textContent.startsWith('Uploading')});
        }).observe(document.body, {subtree: true, childList: true, characterData: true});
    }""")
    page.locator("#fb-upload-files").set_input_files(files)
    tray = page.locator("#fb-tray")
    expect(tray.locator("#fb-tray-title")).to_have_text("150 uploaded", timeout=90_000)
    samples = page.evaluate("() => window.__samples")
    during = [s["rows"] for s in samples if s["running"] and s["rows"]]
    assert during and min(during) < 100, "no row appeared while the uploads ran"
    expect(tray).to_have_class(re.compile(r"\bis-collapsed\b"))
    assert tray.locator(".fb-tray-list").is_hidden()
    box = tray.bounding_box()
    assert box["height"] < 60, box  # one line

    # The listing holds the first page of them (and the page is not told it is empty).
    # (On GCS the folder's own placeholder object takes one of the page's 100 places.)
    expect(page.locator("#fb-rows .fb-item")).to_have_count(100 if kind == "local" else 99)
    expect(page.get_by_text("This folder is empty.")).to_have_count(0)
    screenshot("uploaded")

    # Every download link in view is clickable where it is drawn: nothing covers it.
    def uncovered(locator):
        return page.evaluate("""link => {
            const r = link.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return !!hit && link.contains(hit);
        }""", locator.element_handle())

    # The listing's last refresh (at most one a second while uploads ran) may
    # still replace the rows: let it land before pointing at them.
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1200)
    page.wait_for_load_state("networkidle")
    for n in (0, 12, 98):
        row = item(page, f"incoming/file-{n:03}.txt")
        row.scroll_into_view_if_needed()
        row.hover()
        assert uncovered(row.locator(".fb-col-actions a")), n
    choose(page, "incoming/file-098.txt")
    details_download = page.locator("#fb-details").get_by_role("link", name=re.compile("^Download"))
    expect(details_download).to_be_visible()
    assert uncovered(details_download)
    assert uncovered(page.locator("#fb-details").get_by_role("button", name=re.compile("Copy a signed link")))

    # On a phone the tray stays off the last rows: the page scrolls them clear of it.
    page.set_viewport_size({"width": 390, "height": 800})
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    last = item(page, "incoming/file-098.txt")
    link = last.locator(".fb-col-name a")
    link.scroll_into_view_if_needed()
    assert uncovered(link)
    screenshot("uploaded-narrow")
    assert not page.js_errors, page.js_errors
