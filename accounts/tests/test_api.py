import re
from datetime import timedelta

import pytest
from django.core import mail
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a whole new sentence 42"


def login(client, email, password=PASSWORD, **extra):
    return client.post("/api/auth/login", {"email": email, "password": password}, format="json", **extra)


def bearer(client, access):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


# --- register ---------------------------------------------------------------


def test_register_returns_the_user_object(api_client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    response = api_client.post(
        "/api/auth/register",
        {"email": "New.Person@Example.com", "password": PASSWORD, "full_name": "New Person"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "full_name", "date_joined"}
    assert body["email"] == "New.Person@example.com"  # stored as given (domain normalised)
    assert body["full_name"] == "New Person"
    assert User.objects.get(pk=body["id"]).password.startswith("argon2")


def test_register_refuses_a_case_insensitive_duplicate(api_client, alice):
    response = api_client.post(
        "/api/auth/register", {"email": "ALICE@example.COM", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "x@example.com", "password": "123"}, "password"),
        ({"email": "x@example.com", "password": "password"}, "password"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "x" * 250 + "@example.com", "password": PASSWORD}, "email"),
        ({"email": "x@example.com", "password": PASSWORD, "full_name": "n" * 151}, "full_name"),
        ({"password": PASSWORD}, "email"),
    ],
)
def test_register_validation_errors_are_field_maps(api_client, body, field):
    response = api_client.post("/api/auth/register", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.exists()


# --- login, refresh ---------------------------------------------------------


def test_login_returns_rfc6749_token_object_and_is_case_insensitive(api_client, alice, settings):
    response = login(api_client, "ALICE@EXAMPLE.COM")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60
    me = bearer(api_client, body["access_token"]).get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.com"


def test_wrong_password_and_unknown_email_look_the_same(api_client, alice):
    wrong = login(api_client, "alice@example.com", "nope")
    unknown = login(api_client, "nobody@example.com", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"


def test_inactive_user_cannot_log_in(api_client, make_user):
    make_user(email="gone@example.com", is_active=False)
    assert login(api_client, "gone@example.com").status_code == 401


def test_refresh_rotates_and_a_reused_token_is_refused(api_client, alice):
    tokens = login(api_client, "alice@example.com").json()
    first = api_client.post("/api/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json")
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    reused = api_client.post("/api/auth/refresh/", {"refresh_token": tokens["refresh_token"]}, format="json")
    assert reused.status_code == 401
    again = api_client.post("/api/auth/refresh", {"refresh_token": rotated["refresh_token"]}, format="json")
    assert again.status_code == 200


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_refresh_with_a_bad_token(api_client, token):
    response = api_client.post("/api/auth/refresh", {"refresh_token": token}, format="json")
    assert response.status_code in (400, 401)
    if token:
        assert response.status_code == 401


def test_an_access_token_is_not_a_refresh_token(api_client, alice):
    tokens = login(api_client, "alice@example.com").json()
    response = api_client.post("/api/auth/refresh", {"refresh_token": tokens["access_token"]}, format="json")
    assert response.status_code == 401


# --- revocation -------------------------------------------------------------


def test_logout_revokes_that_refresh_token_only(api_client, alice):
    one = login(api_client, "alice@example.com").json()
    two = login(api_client, "alice@example.com").json()
    bearer(api_client, one["access_token"])
    response = api_client.post("/api/auth/logout", {"refresh_token": one["refresh_token"]}, format="json")
    assert response.status_code == 204
    assert api_client.post("/api/auth/refresh", {"refresh_token": one["refresh_token"]}, format="json").status_code == 401
    assert api_client.post("/api/auth/refresh", {"refresh_token": two["refresh_token"]}, format="json").status_code == 200


def test_logout_requires_bearer_and_own_token(api_client, alice, bob):
    mine = login(api_client, "alice@example.com").json()
    theirs = login(api_client, "bob@example.com").json()
    assert api_client.post("/api/auth/logout", {"refresh_token": mine["refresh_token"]}, format="json").status_code == 401
    bearer(api_client, mine["access_token"])
    response = api_client.post("/api/auth/logout", {"refresh_token": theirs["refresh_token"]}, format="json")
    assert response.status_code == 400
    assert api_client.post("/api/auth/refresh", {"refresh_token": theirs["refresh_token"]}, format="json").status_code == 200


def test_logout_all_revokes_every_token_at_once_and_a_new_login_works_at_once(api_client, alice):
    sessions = [login(api_client, "alice@example.com").json() for _ in range(3)]
    bearer(api_client, sessions[0]["access_token"])
    assert api_client.post("/api/auth/logout-all").status_code == 204
    for s in sessions:
        assert bearer(api_client, s["access_token"]).get("/api/auth/me").status_code == 401
        assert api_client.post("/api/auth/refresh", {"refresh_token": s["refresh_token"]}, format="json").status_code == 401
    # Same second: the new tokens carry the new version.
    fresh = login(api_client, "alice@example.com").json()
    assert bearer(api_client, fresh["access_token"]).get("/api/auth/me").status_code == 200
    assert api_client.post("/api/auth/refresh", {"refresh_token": fresh["refresh_token"]}, format="json").status_code == 200


def test_unauthenticated_answers_401_with_bearer_challenge(api_client):
    response = api_client.get("/api/auth/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


def test_expired_access_token_answers_401(api_client, alice):
    token = AccessToken.for_user(alice)
    token["ver"] = alice.token_version
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = bearer(api_client, str(token)).get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_tampered_access_token_answers_401(api_client, alice):
    access = login(api_client, "alice@example.com").json()["access_token"]
    header, payload, signature = access.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert bearer(api_client, tampered).get("/api/auth/me").status_code == 401
    other_key = AccessToken.for_user(alice)
    forged = other_key.token_backend.__class__("HS256", "another-signing-key").encode(other_key.payload)
    assert bearer(api_client, forged).get("/api/auth/me").status_code == 401


def test_token_without_version_claim_is_refused(api_client, alice):
    token = AccessToken.for_user(alice)  # no "ver" claim
    assert bearer(api_client, str(token)).get("/api/auth/me").status_code == 401


# --- me -----------------------------------------------------------------------


def test_me_patch_updates_full_name(token_client, alice):
    client = token_client(alice)
    response = client.patch("/api/auth/me/", {"full_name": "Alice A."}, format="json")
    assert response.status_code == 200
    assert response.json()["full_name"] == "Alice A."
    assert client.patch("/api/auth/me", {"full_name": "x" * 151}, format="json").status_code == 400


def test_session_auth_works_for_the_api_with_csrf(client, alice):
    client.force_login(alice)
    assert client.get("/api/auth/me").json()["email"] == "alice@example.com"
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    response = strict.patch("/api/auth/me", {"full_name": "X"}, content_type="application/json")
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.full_name == "Alice Owner"


# --- password change --------------------------------------------------------


def test_password_change_revokes_earlier_tokens(api_client, alice):
    tokens = login(api_client, "alice@example.com").json()
    bearer(api_client, tokens["access_token"])
    response = api_client.post(
        "/api/auth/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 204
    assert api_client.get("/api/auth/me").status_code == 401
    assert api_client.post("/api/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json").status_code == 401
    api_client.credentials()
    assert login(api_client, "alice@example.com").status_code == 401
    fresh = login(api_client, "alice@example.com", NEW_PASSWORD).json()
    assert bearer(api_client, fresh["access_token"]).get("/api/auth/me").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"current_password": "wrong", "new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "short"}, "new_password"),
        ({"current_password": PASSWORD}, "new_password"),
    ],
)
def test_password_change_errors(token_client, alice, body, field):
    response = token_client(alice).post("/api/auth/password", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


# --- password reset -----------------------------------------------------------


def _reset_link():
    assert len(mail.outbox) == 1
    match = re.search(r"/accounts/reset/(?P<uid>[^/]+)/(?P<token>[^/]+)/", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match["uid"], match["token"]


def test_password_reset_flow(api_client, alice, background):
    tokens = login(api_client, "alice@example.com").json()
    with background():
        response = api_client.post("/api/auth/password-reset", {"email": "Alice@Example.com"}, format="json")
        assert response.status_code == 204
        assert mail.outbox == []  # sent by a worker, after the answer
    assert mail.outbox[0].to == ["alice@example.com"]
    uid, token = _reset_link()
    confirm = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    assert api_client.post("/api/auth/password-reset/confirm", confirm, format="json").status_code == 204
    # the link stops working and earlier tokens too
    assert api_client.post("/api/auth/password-reset/confirm", confirm, format="json").status_code == 400
    assert bearer(api_client, tokens["access_token"]).get("/api/auth/me").status_code == 401
    api_client.credentials()
    assert login(api_client, "alice@example.com", NEW_PASSWORD).status_code == 200


def test_password_reset_does_not_reveal_unknown_emails(api_client, alice, background):
    """Known or not, the request does the same: it queues one task, and the
    worker finds out whether the address has an account."""
    from django_tasks_db.models import DBTaskResult

    for email in ("nobody@example.com", "alice@example.com"):
        with background():
            response = api_client.post("/api/auth/password-reset", {"email": email}, format="json")
            assert response.status_code == 204
    tasks = DBTaskResult.objects.filter(task_path="accounts.tasks.password_reset_email_send")
    assert tasks.count() == 2
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


@pytest.mark.parametrize(
    "change", [{"token": "bad-token"}, {"uid": "bm90LWEtdXVpZA"}, {"new_password": "123"}]
)
def test_password_reset_confirm_errors(api_client, alice, change, background):
    with background():
        api_client.post("/api/auth/password-reset", {"email": "alice@example.com"}, format="json")
    uid, token = _reset_link()
    body = {"uid": uid, "token": token, "new_password": NEW_PASSWORD, **change}
    response = api_client.post("/api/auth/password-reset/confirm", body, format="json")
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


# --- throttling ---------------------------------------------------------------


def test_failed_logins_are_throttled_per_email(api_client, alice, settings):
    settings.LOGIN_FAILURES_PER_EMAIL = 3
    for _ in range(3):
        assert login(api_client, "alice@example.com", "wrong").status_code == 401
    response = login(api_client, "ALICE@example.com", PASSWORD)  # even the right password now
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"
    # another account from another address is unaffected
    assert login(api_client, "bob@example.com", "x", REMOTE_ADDR="10.9.9.9").status_code == 401


def test_failed_logins_are_throttled_per_client_address(api_client, make_user, settings):
    settings.LOGIN_FAILURES_PER_IP = 4
    for n in range(4):
        login(api_client, f"someone{n}@example.com", "wrong", REMOTE_ADDR="203.0.113.7")
    assert login(api_client, "fresh@example.com", "wrong", REMOTE_ADDR="203.0.113.7").status_code == 429
    make_user(email="fresh@example.com")
    assert login(api_client, "fresh@example.com", PASSWORD, REMOTE_ADDR="203.0.113.8").status_code == 200


def test_trailing_slash_variants_accept_post_bodies(api_client, alice):
    assert api_client.post("/api/auth/login/", {"email": "alice@example.com", "password": PASSWORD}, format="json").status_code == 200


def test_password_reset_answers_204_even_when_mail_cannot_be_sent(api_client, alice, settings, background):
    from django_tasks_db.models import DBTaskResult

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2}}}
    with background():
        response = api_client.post("/api/auth/password-reset", {"email": "alice@example.com"}, format="json")
    assert response.status_code == 204  # the same answer as for an unknown email
    failed = DBTaskResult.objects.get(task_path="accounts.tasks.password_reset_email_send")
    assert failed.status == "FAILED"  # recorded for the operator, with its traceback


def test_throttling_state_is_shared_through_redis(alice, settings):
    """Two app servers with CACHE_URL=redis://… count failures together: here
    two clients stand for them, sharing nothing but the Redis cache."""
    import socket

    from django.core.cache import caches
    from rest_framework.test import APIClient

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        from conftest import missing_service

        missing_service("Redis on 127.0.0.1:6379")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/15", "KEY_PREFIX": f"omx-test-{id(alice)}"}}
    settings.LOGIN_FAILURES_PER_EMAIL = 4
    caches["default"].clear()
    try:
        first, second = APIClient(), APIClient()
        for client in (first, second, first, second):
            assert login(client, "alice@example.com", "wrong").status_code == 401
        assert login(first, "alice@example.com").status_code == 429
        assert login(second, "alice@example.com").status_code == 429
    finally:
        caches["default"].clear()
