"""Session logins read their session and user with compiled SQL
(accounts.sessions, accounts.backends): they must keep every rule of
Django's database sessions and ModelBackend."""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from accounts.models import Session
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


def _user_reads(captured):
    return [q["sql"] for q in captured if '"accounts_user"' in q["sql"]]


def test_a_page_reads_its_session_and_user_in_one_query(client, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.sessions import session_in_use

    session = _log_in(client, alice)
    assert session.user_id == alice.pk  # the column follows the session's data
    with CaptureQueriesContext(connection) as ctx:
        assert alice.full_name in client.get(PAGE).content.decode()
    reads = _user_reads(ctx.captured_queries)
    assert len(reads) == 1 and '"accounts_session"' in reads[0], reads
    assert session_in_use.get() is None  # handed to the backend for auth.get_user only


def test_a_session_whose_column_names_someone_else_reads_the_user_its_data_names(client, alice, bob):
    """The column is only a shortcut: the data decides, as in Django."""
    session = _log_in(client, alice)
    Session.objects.filter(pk=session.pk).update(user=bob)
    assert alice.full_name in client.get(PAGE).content.decode()


def test_logging_out_and_deleting_the_user_end_their_sessions(client, alice):
    session = _log_in(client, alice)
    client.post("/accounts/logout/")
    assert not Session.objects.filter(pk=session.pk).exists()
    session = _log_in(client, alice)
    alice.delete()
    assert not Session.objects.filter(pk=session.pk).exists()
    assert client.get(PAGE).status_code == 302


def test_a_session_without_a_user_id_names_nobody():
    from accounts.sessions import SessionStore

    for data in ({"seen": True}, {SESSION_KEY: "not-a-user-id"}):
        store = SessionStore()
        store.update(data)
        store.save()
        assert Session.objects.get(session_key=store.session_key).user_id is None


@pytest.mark.django_db(transaction=True)
def test_an_upgrade_keeps_everyone_logged_in(client, alice):
    """Sessions of Django's own table move to accounts_session with their user."""
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("accounts", "0001_initial")], [("accounts", "0002_sessions_naming_their_user")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state([*before, ("sessions", "0001_initial")]).apps.get_model("sessions", "Session")
    now = timezone.now()
    encode = DjangoStore().encode
    rows = {"logged-in-session-000000000000000000000": {
                SESSION_KEY: str(alice.pk), BACKEND_SESSION_KEY: "accounts.backends.SessionUserBackend",
                HASH_SESSION_KEY: alice.get_session_auth_hash()},
            "anonymous-session-000000000000000000000": {"seen": True}}
    for key, data in rows.items():
        old.objects.create(session_key=key, session_data=encode(data), expire_date=now + timedelta(days=1))
    old.objects.create(session_key="expired-session-00000000000000000000000", session_data=encode({}),
                       expire_date=now - timedelta(days=1))
    old.objects.create(session_key="tampered-session-0000000000000000000000", session_data="garbage",
                       expire_date=now + timedelta(days=1))

    MigrationExecutor(connection).migrate(after)
    moved = dict(Session.objects.values_list("session_key", "user_id"))
    assert moved == {"logged-in-session-000000000000000000000": alice.pk,
                     "anonymous-session-000000000000000000000": None,
                     "tampered-session-0000000000000000000000": None}
    client.cookies["sessionid"] = "logged-in-session-000000000000000000000"
    assert alice.full_name in client.get(PAGE).content.decode()
    call_command("migrate", verbosity=0)


def test_clearsessions_removes_only_expired_sessions(client, alice):
    from django.core.management import call_command

    current = _log_in(client, alice)
    Session.objects.create(session_key="expired-session-00000000000000000000000", session_data="",
                           expire_date=timezone.now() - timedelta(seconds=1), user=alice)
    call_command("clearsessions")
    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]
