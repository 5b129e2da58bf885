import pytest

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_log_out_and_log_in_in_a_browser(page, live_server, screenshot):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Full name").fill("Erin Example")
    page.get_by_label("Email").fill("erin@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_selector(".field-error")
    screenshot("signup-error")
    page.get_by_label("Password").fill("a sturdy passphrase 9")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{live_server.url}/w/")
    assert User.objects.filter(email="erin@example.com").exists()
    screenshot("signed-up")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("ERIN@example.com")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("text=Incorrect email or password.")
    page.get_by_label("Password").fill("a sturdy passphrase 9")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/w/")
    assert page.js_errors == []
