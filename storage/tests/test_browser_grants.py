"""A stranger signs up, creates a workspace and a project, and tries to link
a bucket that the operator granted to another workspace: it is not offered,
and a hand-made request is refused with 403 bucket_not_granted. Once the
operator grants them a bucket of their own, the dialog offers exactly that."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from storage.backends import get_backend
from storage.models import BucketGrant, StorageConnection
from storage.services import connection_create
from storage.tests.fixtures import configure_local
from workspaces.models import Workspace
from workspaces.tests.factories import make_project, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a stranger's passphrase 7"


@pytest.fixture
def demo(settings, tmp_path, make_user):
    """The demo workspace, granted and linked to its bucket."""
    configure_local(settings, tmp_path / "local-storage")
    backend = get_backend()
    for bucket in ("omx-demo-team", "omx-stranger-own"):
        backend.create_bucket(name=bucket)
    backend.upload_bytes(bucket="omx-demo-team", name="secret.txt", data=b"team only", content_type="text/plain")
    owner = make_user(email="demo-owner@example.com")
    workspace = make_workspace(owner, name="Demo Team")
    project = make_project(workspace, owner, name="Demo Project")
    BucketGrant.objects.create(workspace=workspace, bucket_name="omx-demo-team")
    connection_create(user=owner, project=project, bucket_name="omx-demo-team", prefix="")
    return workspace


def test_a_stranger_is_not_offered_another_workspace_bucket(live_server, demo, page, screenshot):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Full name").fill("Sam Stranger")
    page.get_by_label("Email").fill("sam@elsewhere.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{live_server.url}/w/")

    page.locator("#create-form").get_by_label("Name").fill("Sam's Lab")
    page.get_by_role("button", name="Create workspace").click()
    page.wait_for_url(re.compile(r"/w/sams-lab/$"))
    page.locator("form.create-project").get_by_label("Name").fill("Probe")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r"/w/sams-lab/p/probe/$"))
    page.get_by_role("link", name="Files", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/files/$"))

    # No grant: the sidebar says whom to ask, and offers no text box that can only fail.
    expect(page.locator(".fb-no-grants")).to_contain_text("No bucket is granted to this workspace yet.")
    expect(page.locator("#fb-link-bucket_name")).to_have_count(0)
    assert "omx-demo-team" not in page.content()
    screenshot("no-grants")

    # A hand-made request with the page's own session and CSRF token.
    ours = Workspace.objects.get(slug="sams-lab")
    project = ours.projects.get()
    answer = page.evaluate("""async (url) => {
        const token = document.querySelector("[name=csrfmiddlewaretoken]").value;
        const response = await fetch(url, {method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRFToken": token},
            body: JSON.stringify({bucket_name: "omx-demo-team", prefix: ""})});
        return {status: response.status, body: await response.json()};
    }""", f"/api/workspaces/{ours.pk}/projects/{project.pk}/storage/connections")
    assert answer["status"] == 403 and answer["body"]["code"] == "bucket_not_granted", answer
    assert not StorageConnection.objects.filter(project=project).exists()

    # The operator grants Sam's workspace a bucket of its own: the dialog offers exactly that.
    call_command("grants", "add", "sams-lab", "omx-stranger-own", stdout=io.StringIO())
    page.reload()
    page.locator(".fb-linker summary").click()
    chips = page.locator(".fb-bucket-list [data-fill-bucket]")
    expect(chips).to_have_count(1)
    expect(chips).to_have_text("omx-stranger-own")
    chips.click()
    expect(page.locator("#fb-link-bucket_name")).to_have_value("omx-stranger-own")
    page.get_by_role("button", name="Check and link").click()
    expect(page.locator(".fb-conn")).to_have_count(1)
    expect(page.locator(".fb-conn")).to_contain_text("omx-stranger-own")
    screenshot("granted-and-linked")
    assert page.js_errors == []
