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


def test_swagger_ui_authorize_with_a_bearer_token(page, live_server, make_user, screenshot):
    from accounts.tokens import token_pair_for_user

    user = make_user(email="docs@example.com")
    token = token_pair_for_user(user)["access_token"]
    page.goto(f"{live_server.url}/docs")
    for route in ["register", "login", "refresh", "logout", "logout-all", "me", "password", "password-reset"]:
        page.wait_for_selector(f'span[data-path="/api/auth/{route}"]')
    page.click("button.authorize")
    box = page.locator(".auth-container", has_text="jwtAuth")
    box.locator("input").fill(token)
    box.locator("button.modal-btn.auth.authorize").click()
    page.click("button.btn-done")
    page.click("#operations-auth-auth_me .opblock-summary")
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table tbody .response-col_status")
    status.wait_for()
    screenshot("swagger-authorized")
    assert status.inner_text().strip() == "200"
    assert "docs@example.com" in page.locator(".live-responses-table tbody").inner_text()
    assert page.js_errors == []
