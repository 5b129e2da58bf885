"""Leaving and deleting a workspace ask in the app's own dialog, where the
focus starts on Cancel; the only owner is told up front that they cannot
leave, instead of being asked first and refused after."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from workspaces.models import Membership, Role, Workspace
from workspaces.tests.factories import add_member, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/w/")


def test_leave_and_delete_ask_in_the_app_dialog(live_server, page, make_user, screenshot):
    owner, member = make_user(email="olive@example.com"), make_user(email="max@example.com")
    workspace = make_workspace(owner, name="Field Lab")
    add_member(workspace, member, Role.MEMBER)
    native = []
    page.on("dialog", lambda dialog: (native.append(dialog.message), dialog.dismiss()))
    base, url = live_server.url, f"{live_server.url}/w/{workspace.slug}/"

    # The only owner: Leave is disabled, and the page says why.
    log_in(page, base, owner.email)
    page.goto(url)
    leave = page.locator("#membership").get_by_role("button", name="Leave workspace")
    expect(leave).to_be_disabled()
    expect(page.locator("#leave-why")).to_contain_text("only owner")
    screenshot("sole-owner")

    # Delete asks; Enter right away cancels (the focus is on Cancel).
    page.get_by_role("button", name="Delete workspace").click()
    dialog = page.locator("dialog.app-confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("This cannot be undone.")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    screenshot("delete-dialog")
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    assert Workspace.objects.filter(pk=workspace.pk).exists()
    page.get_by_role("button", name="Delete workspace").click()
    page.keyboard.press("Escape")
    expect(page.locator("dialog.app-confirm")).to_have_count(0)
    assert Workspace.objects.filter(pk=workspace.pk).exists()

    # A member leaves: Cancel first, then for real.
    page.get_by_role("button", name="Log out").first.click()
    log_in(page, base, member.email)
    page.goto(url)
    page.locator("#membership").get_by_role("button", name="Leave workspace").click()
    page.locator("dialog.app-confirm").get_by_role("button", name="Cancel").click()
    assert Membership.objects.filter(workspace=workspace, user=member).exists()
    page.locator("#membership").get_by_role("button", name="Leave workspace").click()
    page.locator("dialog.app-confirm").get_by_role("button", name="Leave").click()
    page.wait_for_url(f"{base}/w/")
    expect(page.locator("body")).to_contain_text("You left Field Lab.")
    assert not Membership.objects.filter(workspace=workspace, user=member).exists()

    # The owner deletes it for real.
    page.get_by_role("button", name="Log out").first.click()
    log_in(page, base, owner.email)
    page.goto(url)
    page.get_by_role("button", name="Delete workspace").click()
    page.locator("dialog.app-confirm").get_by_role("button", name="Delete workspace").click()
    page.wait_for_url(re.compile(r"/w/$"))
    assert not Workspace.objects.filter(pk=workspace.pk).exists()
    assert native == []  # no browser-native confirm anywhere
    assert page.js_errors == []
