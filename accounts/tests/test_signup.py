"""The sign-up policy (SIGNUP, SIGNUP_EMAIL_DOMAINS), through the API and the pages alike."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from conftest import PASSWORD
from workspaces.models import Invitation
from workspaces.services import invitation_create, invitation_revoke, workspace_create

pytestmark = pytest.mark.django_db


def register(client, email, password=PASSWORD, **extra):
    return client.post("/api/auth/register", {"email": email, "password": password, **extra}, format="json")


@pytest.fixture
def invitation(alice):
    """A pending invitation for invitee@example.com; returns (invitation, token)."""
    workspace = workspace_create(user=alice, name="Acme")
    invitation, token, _ = invitation_create(
        workspace=workspace, actor=alice, email="Invitee@Example.com", role="member"
    )
    return invitation, token


def email_input(page: str) -> str:
    return re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)


# --- API ---------------------------------------------------------------------


def test_open_is_the_default(api_client, settings):
    assert settings.SIGNUP == "open" and settings.SIGNUP_EMAIL_DOMAINS == []
    assert register(api_client, "anyone@anywhere.test").status_code == 201


@pytest.mark.parametrize("body", [
    {"email": "new@example.com", "password": PASSWORD},
    {"email": "not-an-email", "password": "x"},  # closed comes before any input check
    {},
])
def test_closed_refuses_everyone(api_client, settings, invitation, body):
    settings.SIGNUP = "closed"
    response = api_client.post("/api/auth/register", body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "signup_closed"
    assert response.json()["detail"]
    # An invitation does not open a closed server either.
    assert register(api_client, "invitee@example.com").status_code == 403
    assert User.objects.count() == 1  # alice only


def test_invitation_lets_only_invited_addresses_register(api_client, settings, invitation):
    settings.SIGNUP = "invitation"
    response = register(api_client, "stranger@example.com")
    assert response.status_code == 403
    assert response.json()["code"] == "signup_closed"
    assert not User.objects.filter(email="stranger@example.com").exists()
    # The invited address, in any case.
    assert register(api_client, "INVITEE@example.com").status_code == 201


@pytest.mark.parametrize("spoil", ["expired", "revoked", "accepted"])
def test_invitation_needs_a_pending_unexpired_invitation(api_client, settings, invitation, alice, spoil):
    settings.SIGNUP = "invitation"
    row, _ = invitation
    if spoil == "expired":
        Invitation.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    elif spoil == "revoked":
        invitation_revoke(workspace=row.workspace, actor=alice, invitation_id=row.pk)
    else:
        Invitation.objects.filter(pk=row.pk).update(status=Invitation.Status.ACCEPTED)
    response = register(api_client, "invitee@example.com")
    assert response.status_code == 403
    assert response.json()["code"] == "signup_closed"


def test_invitation_policy_still_validates_the_rest(api_client, settings, invitation):
    settings.SIGNUP = "invitation"
    response = register(api_client, "invitee@example.com", password="123")
    assert response.status_code == 400 and "password" in response.json()


@pytest.mark.parametrize("email, allowed", [
    ("someone@example.com", True),
    ("someone@EXAMPLE.com", True),
    ("someone@corp.example.org", True),
    ("someone@sub.example.com", False),  # the whole domain must match, not a suffix
    ("someone@example.com.evil.test", False),
    ("someone@notexample.com", False),
    ("someone@example.org", False),
])
def test_email_domains(api_client, settings, email, allowed):
    settings.SIGNUP_EMAIL_DOMAINS = ["example.com", "corp.example.org"]
    response = register(api_client, email)
    if allowed:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 400
        assert "email" in response.json()
        assert not User.objects.filter(email__iexact=email).exists()


def test_email_domains_apply_to_invited_addresses_too(api_client, settings, invitation):
    settings.SIGNUP = "invitation"
    settings.SIGNUP_EMAIL_DOMAINS = ["corp.example.org"]
    response = register(api_client, "invitee@example.com")
    assert response.status_code == 400 and "email" in response.json()


# --- Pages -------------------------------------------------------------------


def test_closed_sign_up_page_says_so_and_login_offers_none(client, settings):
    assert 'href="/accounts/signup/' in client.get("/accounts/login/").content.decode()
    settings.SIGNUP = "closed"
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sign-up is closed" in html
    assert 'name="password"' not in html
    response = client.post("/accounts/signup/", {"email": "new@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert not User.objects.filter(email="new@example.com").exists()
    for url in ("/accounts/login/", "/"):
        assert "/accounts/signup/" not in client.get(url).content.decode(), url


def test_sign_up_from_an_invitation_prefills_and_locks_the_email(client, invitation):
    _, token = invitation
    invitation_page = client.get(f"/invitations/{token}").content.decode()
    signup_url = re.search(r'href="(/accounts/signup/\?next=[^"]*)"', invitation_page).group(1)
    field = email_input(client.get(signup_url).content.decode())
    assert 'value="Invitee@Example.com"' in field
    assert "readonly" in field


def test_a_locked_email_is_enforced_on_the_server(client, invitation):
    _, token = invitation
    url = f"/invitations/{token}"
    response = client.post(f"/accounts/signup/?next={url}", {
        "email": "someone.else@example.com", "password": PASSWORD, "next": url,
    })
    assert response.status_code == 200
    assert "the address the invitation was sent to" in response.content.decode()
    assert not User.objects.filter(email="someone.else@example.com").exists()

    response = client.post(f"/accounts/signup/?next={url}", {
        "email": "invitee@example.com", "password": PASSWORD, "next": url,
    })
    assert response.status_code == 302 and response["Location"] == url
    assert User.objects.filter(email__iexact="invitee@example.com").exists()


def test_an_unusable_invitation_locks_nothing(client, invitation):
    row, token = invitation
    Invitation.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    field = email_input(client.get(f"/accounts/signup/?next=/invitations/{token}").content.decode())
    assert "readonly" not in field


def test_invitation_policy_on_the_sign_up_page(client, settings, invitation):
    settings.SIGNUP = "invitation"
    page = client.get("/accounts/signup/").content.decode()
    assert "Sign-up is by invitation" in page
    response = client.post("/accounts/signup/", {"email": "stranger@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert "Sign-up is by invitation only" in response.content.decode()
    assert not User.objects.filter(email="stranger@example.com").exists()
    _, token = invitation
    url = f"/invitations/{token}"
    response = client.post(f"/accounts/signup/?next={url}", {
        "email": "invitee@example.com", "password": PASSWORD, "next": url,
    })
    assert response.status_code == 302


def test_email_domains_on_the_sign_up_page(client, settings):
    settings.SIGNUP_EMAIL_DOMAINS = ["example.com"]
    response = client.post("/accounts/signup/", {"email": "x@elsewhere.test", "password": PASSWORD})
    assert response.status_code == 200
    assert "addresses at example.com only" in response.content.decode()
    assert not User.objects.filter(email="x@elsewhere.test").exists()
