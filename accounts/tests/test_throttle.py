"""Failed-login throttling as API.md fixes it: within the window, 10 failures
for one email from one client address, 100 for one email from all addresses,
50 from one address; once a limit is reached every attempt it covers is a 429
(the right password included) until the window has passed; a completed
password reset clears the email's counters."""

import re
import time

import pytest
from django.core import mail

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a whole new sentence 42"


def login(client, email, password=PASSWORD, ip="198.51.100.1", **extra):
    return client.post(
        "/api/auth/login", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip, **extra
    )


def fail(client, email, times, ip="198.51.100.1", **extra):
    for _ in range(times):
        assert login(client, email, "wrong", ip=ip, **extra).status_code == 401


def assert_throttled(response):
    assert response.status_code == 429, response.content
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 15 * 60


def test_the_defaults_are_the_contract(settings):
    assert settings.LOGIN_FAILURE_WINDOW_SECONDS == 15 * 60
    assert settings.LOGIN_FAILURES_PER_EMAIL_AND_IP == 10
    assert settings.LOGIN_FAILURES_PER_EMAIL == 100
    assert settings.LOGIN_FAILURES_PER_IP == 50


def test_ten_failures_for_one_email_from_one_address(api_client, alice, bob):
    fail(api_client, "alice@example.com", 10)
    assert_throttled(login(api_client, "ALICE@example.com"))  # the right password too
    # The owner, elsewhere, still gets in: one address cannot lock an account.
    assert login(api_client, "alice@example.com", ip="192.0.2.50").status_code == 200
    # Another account from the same address is not covered by this limit.
    assert login(api_client, "bob@example.com").status_code == 200


def test_nine_failures_do_not_throttle(api_client, alice):
    fail(api_client, "alice@example.com", 9)
    assert login(api_client, "alice@example.com").status_code == 200


def test_a_hundred_failures_for_one_email_from_all_addresses(api_client, alice):
    for n in range(100):
        assert login(api_client, "alice@example.com", "wrong", ip=f"10.0.{n // 9}.{n % 9 + 1}").status_code == 401
    assert_throttled(login(api_client, "alice@example.com", ip="192.0.2.99"))


def test_fifty_failures_from_one_address(api_client, alice):
    for n in range(50):
        assert login(api_client, f"guess{n}@example.com", "wrong", ip="203.0.113.7").status_code == 401
    assert_throttled(login(api_client, "alice@example.com", ip="203.0.113.7"))
    assert login(api_client, "alice@example.com", ip="203.0.113.8").status_code == 200


def test_the_window_passes(api_client, alice, settings):
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 1
    fail(api_client, "alice@example.com", 10)
    response = login(api_client, "alice@example.com")
    assert response.status_code == 429 and response["Retry-After"] == "1"
    time.sleep(1.2)
    assert login(api_client, "alice@example.com").status_code == 200


def test_successful_logins_do_not_count(api_client, alice):
    for _ in range(12):
        assert login(api_client, "alice@example.com").status_code == 200


def reset_link(client, email, background):
    mail.outbox.clear()
    with background():
        client.post("/api/auth/password-reset", {"email": email}, format="json")
    return re.search(r"/accounts/reset/([^/]+)/([^/]+)/", mail.outbox[-1].body)


def test_a_completed_password_reset_clears_the_emails_counters(api_client, alice, settings, background):
    settings.LOGIN_FAILURES_PER_EMAIL = 12
    fail(api_client, "alice@example.com", 10, ip="198.51.100.1")
    fail(api_client, "alice@example.com", 2, ip="198.51.100.2")
    assert_throttled(login(api_client, "alice@example.com", ip="198.51.100.3"))
    link = reset_link(api_client, "alice@example.com", background)
    response = api_client.post("/api/auth/password-reset/confirm",
                               {"uid": link[1], "token": link[2], "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 204
    # Both the all-addresses counter and the per-address one are gone.
    assert login(api_client, "alice@example.com", NEW_PASSWORD, ip="198.51.100.1").status_code == 200
    assert login(api_client, "alice@example.com", NEW_PASSWORD, ip="198.51.100.3").status_code == 200


def test_a_started_reset_clears_nothing(api_client, alice, background):
    fail(api_client, "alice@example.com", 10)
    reset_link(api_client, "alice@example.com", background)
    assert_throttled(login(api_client, "alice@example.com"))


def test_a_password_reset_on_the_page_clears_them_too(client, api_client, alice, background):
    fail(api_client, "alice@example.com", 10, ip="127.0.0.1")
    link = reset_link(api_client, "alice@example.com", background)
    form = client.get(link[0], follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    response = client.post("/accounts/login/", {"email": "alice@example.com", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_the_login_page_and_the_api_count_together(client, api_client, alice):
    fail(api_client, "alice@example.com", 5, ip="127.0.0.1")
    for _ in range(5):
        client.post("/accounts/login/", {"email": "alice@example.com", "password": "wrong"})
    response = client.post("/accounts/login/", {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


# --- The client address ------------------------------------------------------


def test_a_forwarded_header_is_ignored_without_use_x_forwarded_for(api_client, alice):
    for n in range(10):
        assert login(api_client, "alice@example.com", "wrong", HTTP_X_FORWARDED_FOR=f"10.1.1.{n}").status_code == 401
    assert_throttled(login(api_client, "alice@example.com", HTTP_X_FORWARDED_FOR="10.9.9.9"))


def test_a_spoofed_leftmost_entry_does_not_escape_the_throttle(api_client, alice, settings):
    settings.USE_X_FORWARDED_FOR = True
    # The proxy (REMOTE_ADDR 10.0.0.2) appended the real client, 203.0.113.9;
    # the client made up everything to its left, a new value every time.
    for n in range(10):
        forwarded = f"192.0.2.{n}, 203.0.113.9"
        response = login(api_client, "alice@example.com", "wrong", ip="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
        assert response.status_code == 401
    assert_throttled(login(api_client, "alice@example.com", ip="10.0.0.2",
                           HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.9"))
    # Another client behind the same proxy is someone else.
    assert login(api_client, "alice@example.com", ip="10.0.0.2",
                 HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.77").status_code == 200
