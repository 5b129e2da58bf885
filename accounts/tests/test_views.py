import re

import pytest
from django.core import mail

from accounts.models import User
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_signup_page_creates_account_and_logs_in(client):
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    assert b'name="email"' in page.content
    response = client.post(
        "/accounts/signup/",
        {"full_name": "Dana", "email": "dana@example.com", "password": PASSWORD, "next": "/accounts/profile/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert User.objects.filter(email="dana@example.com").exists()
    assert client.get("/accounts/profile/").status_code == 200


def test_signup_shows_field_errors_inline(client, alice):
    response = client.post("/accounts/signup/", {"email": "ALICE@example.com", "password": "123"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "An account with this email already exists." in html
    assert 'class="field-error"' in html


def test_signup_via_htmx_returns_only_the_form(client):
    response = client.post("/accounts/signup/", {"email": "bad"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith("<form")
    assert "<html" not in html


def test_login_and_logout(client, alice):
    response = client.post("/accounts/login/", {"email": "Alice@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/auth/me").status_code == 200
    assert client.get("/accounts/logout/").status_code == 405  # logging out is a POST
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/api/auth/me").status_code in (401, 403)


def test_login_htmx_success_redirects_the_whole_page(client, alice):
    response = client.post(
        "/accounts/login/", {"email": "alice@example.com", "password": PASSWORD, "next": "/accounts/profile/"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/profile/"


def test_login_error_is_generic(client, alice):
    wrong = client.post("/accounts/login/", {"email": "alice@example.com", "password": "x"}).content.decode()
    unknown = client.post("/accounts/login/", {"email": "zed@example.com", "password": "x"}).content.decode()
    assert "Incorrect email or password." in wrong
    assert "Incorrect email or password." in unknown


def test_login_page_refuses_offsite_next(client, alice):
    response = client.post(
        "/accounts/login/", {"email": "alice@example.com", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_login_page_is_throttled_too(client, alice, settings):
    settings.LOGIN_FAILURES_PER_EMAIL = 2
    for _ in range(2):
        client.post("/accounts/login/", {"email": "alice@example.com", "password": "x"})
    response = client.post("/accounts/login/", {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_change_password_page(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "fresh words here 77", "new_password2": "fresh words here 77"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("fresh words here 77")
    assert alice.token_version == 1
    assert client.get("/accounts/profile/").status_code == 200  # this session survives


def test_change_password_page_errors(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/password/", {"old_password": "wrong", "new_password1": "a", "new_password2": "b"}
    )
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()


def test_profile_page_updates_name(client, alice):
    client.force_login(alice)
    response = client.post("/accounts/profile/", {"full_name": "Alice Cooper"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.full_name == "Alice Cooper"


def test_pages_need_login(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_forgot_password_pages(client, alice, background):
    with background():
        response = client.post("/accounts/password-reset/", {"email": "alice@example.com"})
    assert "Check your email" in response.content.decode()
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)[1]
    page = client.get(link, follow=True)
    assert "Set a new password" in page.content.decode()
    set_url = page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "brand new words 5", "new_password2": "brand new words 5"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("brand new words 5")
    # used once
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_home_sends_logged_in_users_to_their_workspaces(client, alice):
    assert "Create an account" in client.get("/").content.decode()
    client.force_login(alice)
    assert client.get("/")["Location"] == "/w/"
