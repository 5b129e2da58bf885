"""Two people in two browsers: one builds a workspace and a project, invites
the other by email and shares the join link; they join; the owner changes a
role; the project dashboard's activity shows all of it."""

import re

import pytest

from conftest import PASSWORD
from workspaces.models import Membership, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base, email, next_url=None):
    page.goto(f"{base}/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_two_people_share_a_workspace(browser, live_server, make_user, screenshot):
    owner, guest, joiner = (make_user(email=e, full_name=n) for e, n in [
        ("olive@example.com", "Olive Owner"), ("gus@example.com", "Gus Guest"), ("jo@example.com", "Jo Joiner")])
    base = live_server.url
    owner_ctx, guest_ctx = browser.new_context(), browser.new_context()
    alice, bob = owner_ctx.new_page(), guest_ctx.new_page()
    errors = []
    for p in (alice, bob):
        p.set_default_timeout(10_000)
        p.on("pageerror", lambda exc: errors.append(str(exc)))
        p.on("dialog", lambda dialog: dialog.accept())  # confirmations

    # The owner creates a workspace and a project.
    log_in(alice, base, owner.email)
    alice.wait_for_url(f"{base}/w/")
    alice.locator("#create-form").get_by_label("Name").fill("Field Lab")
    alice.get_by_role("button", name="Create workspace").click()
    alice.wait_for_url(re.compile(r"/w/field-lab/$"))
    alice.locator("form.create-project").get_by_label("Name").fill("Survey")
    alice.get_by_role("button", name="Create project").click()
    alice.wait_for_url(re.compile(r"/w/field-lab/p/survey/$"))
    alice.get_by_role("link", name="Field Lab").first.click()
    alice.wait_for_url(re.compile(r"/w/field-lab/$"))

    # ...invites the guest by email, and reads the join link.
    alice.get_by_label("Email").fill("GUS@example.com")
    alice.get_by_role("button", name="Send invitation").click()
    invitation_url = alice.locator("#new-invitation-link").input_value()
    join_url = alice.locator("#join-url").input_value()
    screenshot("invited", target=alice)

    # The guest opens the invitation while logged out, logs in, comes back and accepts.
    bob.goto(invitation_url)
    bob.locator("#main").get_by_role("link", name="Log in").click()
    bob.get_by_label("Email").fill(guest.email)
    bob.get_by_label("Password").fill(PASSWORD)
    bob.get_by_role("button", name="Log in").click()
    bob.get_by_role("button", name="Accept invitation").click()
    bob.wait_for_url(re.compile(r"/w/field-lab/$"))
    assert Membership.objects.get(user=guest).role == Role.MEMBER

    # A third person uses the join link in the guest's browser after the guest logs out.
    bob.get_by_role("button", name="Log out").first.click()
    bob.goto(join_url)
    bob.locator("#main").get_by_role("link", name="Log in").click()
    bob.get_by_label("Email").fill(joiner.email)
    bob.get_by_label("Password").fill(PASSWORD)
    bob.get_by_role("button", name="Log in").click()
    bob.get_by_role("button", name=re.compile("Join Field Lab")).click()
    bob.wait_for_url(re.compile(r"/w/field-lab/$"))
    assert Membership.objects.get(user=joiner).role == Role.MEMBER

    # The owner makes the guest an admin.
    alice.reload()
    alice.get_by_label("Role of Gus Guest").select_option("admin")
    alice.get_by_label("Role of Jo Joiner").wait_for()
    for _ in range(50):
        if Membership.objects.get(user=guest).role == Role.ADMIN:
            break
        alice.wait_for_timeout(100)
    assert Membership.objects.get(user=guest).role == Role.ADMIN

    # The dashboard's activity tells the story, newest first.
    alice.locator("#projects").get_by_role("link", name="Survey").click()
    alice.wait_for_url(re.compile(r"/w/field-lab/p/survey/$"))
    activity = alice.locator("#activity").inner_text()
    screenshot("dashboard", target=alice)
    for text in ["created the project Survey", "Gus Guest", "Jo Joiner", "admin"]:
        assert text in activity, (text, activity)
    assert activity.index("admin") < activity.index("created the project Survey")
    assert errors == []
    owner_ctx.close()
    guest_ctx.close()
