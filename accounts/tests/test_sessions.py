"""Session logins read their session and user with compiled SQL
(accounts.sessions, accounts.backends): they must keep every rule of
Django's database sessions and ModelBackend."""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/accounts/profile/"


def _log_in(client, user):
    response = client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(PAGE).status_code == 200
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def _edit(session, **changes):
    data = session.get_decoded()
    data.update(changes)
    Session.objects.filter(pk=session.pk).update(session_data=Session.objects.encode(data))


def test_a_login_records_the_compiled_backend_and_reads_the_user(client, alice):
    session = _log_in(client, alice)
    assert session.get_decoded()[BACKEND_SESSION_KEY] == "accounts.backends.SessionUserBackend"
    assert alice.full_name in client.get(PAGE).content.decode()


def test_an_expired_session_is_logged_out(client, alice):
    session = _log_in(client, alice)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_unknown_session_key_is_logged_out(client, alice):
    session = _log_in(client, alice)
    Session.objects.filter(pk=session.pk).delete()
    assert client.get(PAGE).status_code == 302


def test_a_deactivated_user_is_logged_out(client, alice):
    _log_in(client, alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert client.get(PAGE).status_code == 302


def test_a_session_of_django_s_own_backend_still_works(client, alice):
    """Sessions that logged in before the compiled backend existed name Django's."""
    session = _log_in(client, alice)
    _edit(session, **{BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"})
    assert client.get(PAGE).status_code == 200


def test_a_session_naming_no_user_is_logged_out(client, alice):
    session = _log_in(client, alice)
    _edit(session, **{SESSION_KEY: "00000000-0000-0000-0000-000000000000"})
    assert client.get(PAGE).status_code == 302


def test_a_password_change_elsewhere_ends_the_session(client, alice):
    _log_in(client, alice)
    alice.set_password(PASSWORD + "-new")
    alice.save(update_fields=["password"])
    assert client.get(PAGE).status_code == 302
