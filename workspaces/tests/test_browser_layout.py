"""The page frame measured in a browser: flash messages share the content's
column, and the Files page's left edge lines up with the header's."""

import re

import pytest

from conftest import PASSWORD
from projects.models import Project
from workspaces.models import Membership, Role, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/w/")


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_messages_line_up_with_the_content_and_the_header(page, live_server, make_user, screenshot):
    user = make_user(email="olive@example.com", full_name="Olive Owner")
    log_in(page, live_server.url, user.email)
    page.locator("#create-form").get_by_label("Name").fill("Field Lab")
    page.get_by_role("button", name="Create workspace").click()
    page.wait_for_url(re.compile(r"/w/field-lab/$"))
    message, card, brand = box(page, ".message"), box(page, "#main > .card"), box(page, ".topbar .brand")
    screenshot("message")
    # the message spans the content's column exactly, whose edge is the header's
    assert abs(message["x"] - card["x"]) < 1 and abs(message["width"] - card["width"]) < 1
    assert abs(message["x"] - brand["x"]) < 1
    # above the content, it adds no more room than its own height
    page.reload()
    assert page.locator(".message").count() == 0
    assert card["y"] - box(page, "#main > .card")["y"] <= message["height"] + 1


def test_the_files_page_lines_up_with_the_header(page, live_server, make_user, screenshot):
    user = make_user(email="olive@example.com", full_name="Olive Owner")
    workspace = Workspace.objects.create(name="Field Lab", slug="field-lab")
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    Project.objects.create(workspace=workspace, name="Survey", slug="survey", created_by=user)
    page.set_viewport_size({"width": 1600, "height": 900})
    log_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/w/field-lab/p/survey/files/")
    first = box(page, "#main a")  # the breadcrumb, the page's left edge
    brand = box(page, ".topbar .brand")
    screenshot("files")
    assert abs(first["x"] - brand["x"]) < 1, (first, brand)
