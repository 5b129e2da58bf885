from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from workspaces.models import ActivityEvent, Invitation, Membership, Workspace
from workspaces.tests.factories import make_user, make_workspace

pytestmark = pytest.mark.django_db

WORKSPACE_KEYS = {"id", "name", "slug", "description", "role", "member_count", "project_count", "created_at"}


@pytest.fixture
def alice_client(alice, token_client):
    return token_client(alice)


# --- Workspaces ----------------------------------------------------------------------


def test_create_returns_the_workspace_object(alice_client, alice):
    response = alice_client.post("/api/workspaces", {"name": "Acme Research", "description": "Data"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == WORKSPACE_KEYS | {"join_code"}
    assert body["name"] == "Acme Research" and body["slug"] == "acme-research"
    assert (body["role"], body["member_count"], body["project_count"]) == ("owner", 1, 0)
    assert body["join_code"] == Workspace.objects.get(pk=body["id"]).join_code
    assert body["created_at"].endswith(("Z", "+00:00"))


def test_create_works_with_a_trailing_slash(alice_client):
    assert alice_client.post("/api/workspaces/", {"name": "Slash"}, format="json").status_code == 201


@pytest.mark.parametrize(
    "body, field",
    [({}, "name"), ({"name": ""}, "name"), ({"name": "x" * 101}, "name"),
     ({"name": "ok", "description": "d" * 2001}, "description"), ({"name": None}, "name")],
)
def test_create_validation_is_a_field_map(alice_client, body, field):
    response = alice_client.post("/api/workspaces", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_join_code_only_for_admins_and_owners(role_world, client_as):
    url = f"/api/workspaces/{role_world.workspace.pk}"
    for role in ("viewer", "member"):
        body = client_as(role_world, role).get(url).json()
        assert set(body) == WORKSPACE_KEYS and body["role"] == role
    for role in ("admin", "owner"):
        body = client_as(role_world, role).get(url).json()
        assert body["join_code"] == role_world.workspace.join_code


def test_list_is_paginated_and_counts(role_world, client_as):
    client = client_as(role_world, "member")
    body = client.get("/api/workspaces").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    (workspace,) = body["results"]
    assert (workspace["member_count"], workspace["project_count"], workspace["role"]) == (5, 1, "member")
    assert "join_code" not in workspace


def test_list_page_size(alice, alice_client):
    for n in range(3):
        make_workspace(alice, name=f"W{n}")
    body = alice_client.get("/api/workspaces?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert alice_client.get("/api/workspaces?page=2&page_size=2").json()["previous"] is not None
    assert alice_client.get("/api/workspaces?page=9").status_code == 404
    # a page number no database OFFSET can hold is just a page past the end
    huge = alice_client.get(f"/api/workspaces?page={10**35}&page_size=-5")
    assert huge.status_code == 404 and huge.json()["code"] == "not_found"


def test_patch_and_delete(role_world, client_as):
    url = f"/api/workspaces/{role_world.workspace.pk}"
    admin = client_as(role_world, "admin")
    response = admin.patch(url, {"description": "New text"}, format="json")
    assert response.status_code == 200 and response.json()["description"] == "New text"
    assert admin.patch(url, {"name": "n" * 101}, format="json").json().keys() == {"name"}
    assert admin.patch(url + "/", {"name": "Renamed"}, format="json").json()["name"] == "Renamed"
    assert client_as(role_world, "owner").delete(url).status_code == 204
    assert not Workspace.objects.filter(pk=role_world.workspace.pk).exists()


# --- Join code --------------------------------------------------------------------------


def test_join_rotate_and_unknown_codes(role_world, client_as):
    newcomer = client_as(role_world, "outsider")
    code = role_world.workspace.join_code
    response = newcomer.post("/api/workspaces/join", {"code": code}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "member"
    assert response.json()["member_count"] == 6
    again = newcomer.post("/api/workspaces/join/", {"code": code}, format="json")
    assert again.status_code == 200 and again.json()["role"] == "member"
    admin_join = client_as(role_world, "admin").post("/api/workspaces/join", {"code": code}, format="json")
    assert admin_join.json()["role"] == "admin"

    rotated = client_as(role_world, "admin").post(f"/api/workspaces/{role_world.workspace.pk}/join-code/rotate")
    assert rotated.status_code == 200 and set(rotated.json()) == {"join_code"}
    assert rotated.json()["join_code"] != code
    late = client_as(role_world, "outsider")
    Membership.objects.filter(user=role_world.users["outsider"], workspace=role_world.workspace).delete()
    response = late.post("/api/workspaces/join", {"code": code}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert late.post("/api/workspaces/join", {"code": rotated.json()["join_code"]}, format="json").status_code == 200
    assert late.post("/api/workspaces/join", {}, format="json").status_code == 400


# --- Leave and members ------------------------------------------------------------------------


def test_last_owner_leave_is_409(role_world, client_as):
    response = client_as(role_world, "owner").post(f"/api/workspaces/{role_world.workspace.pk}/leave")
    assert response.status_code == 409
    assert response.json()["code"] == "last_owner"


def test_members_list_shape(role_world, client_as):
    body = client_as(role_world, "viewer").get(f"/api/workspaces/{role_world.workspace.pk}/members").json()
    assert body["count"] == 5
    first = body["results"][0]
    assert set(first) == {"user", "role", "joined_at"}
    assert set(first["user"]) == {"id", "email", "full_name", "date_joined"}
    assert [m["role"] for m in body["results"]][:4] == ["owner", "admin", "member", "member"]


def test_member_patch_and_delete(role_world, client_as):
    base = f"/api/workspaces/{role_world.workspace.pk}/members"
    admin, owner = client_as(role_world, "admin"), client_as(role_world, "owner")
    target = role_world.target
    response = admin.patch(f"{base}/{target.pk}", {"role": "admin"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "admin" and response.json()["user"]["id"] == str(target.pk)
    assert admin.patch(f"{base}/{target.pk}", {"role": "owner"}, format="json").status_code == 403
    assert admin.patch(f"{base}/{target.pk}", {"role": "king"}, format="json").json().keys() == {"role"}
    owner_id = role_world.users["owner"].pk
    assert admin.patch(f"{base}/{owner_id}", {"role": "viewer"}, format="json").status_code == 403
    assert admin.delete(f"{base}/{owner_id}").status_code == 403
    assert owner.patch(f"{base}/{owner_id}", {"role": "admin"}, format="json").status_code == 409
    assert owner.delete(f"{base}/{owner_id}").status_code == 409
    assert owner.patch(f"{base}/{target.pk}", {"role": "owner"}, format="json").status_code == 200
    assert owner.delete(f"{base}/{target.pk}/").status_code == 204
    assert owner.delete(f"{base}/{target.pk}").status_code == 404


def test_admin_removing_themselves_leaves(role_world, client_as):
    admin = role_world.users["admin"]
    response = client_as(role_world, "admin").delete(f"/api/workspaces/{role_world.workspace.pk}/members/{admin.pk}")
    assert response.status_code == 204
    assert ActivityEvent.objects.filter(workspace=role_world.workspace).first().verb == "member.left"


# --- Invitations -------------------------------------------------------------------------------


def test_invitation_create_list_and_revoke(role_world, client_as, settings, background):
    settings.SITE_URL = ""
    admin = client_as(role_world, "admin")
    base = f"/api/workspaces/{role_world.workspace.pk}/invitations"
    mail.outbox.clear()
    with background():
        response = admin.post(base, {"email": "new.person@example.com", "role": "viewer"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "role", "token", "accept_url", "expires_at", "invited_by"}
    assert body["accept_url"] == f"http://testserver/invitations/{body['token']}"
    assert body["invited_by"]["email"] == "admin@example.com"
    assert body["accept_url"] in mail.outbox[0].body

    listed = admin.get(base).json()
    assert listed["count"] == 2  # and the world's own invitation
    assert set(listed["results"][0]) == {"id", "email", "role", "expires_at", "invited_by"}
    assert listed["results"][0]["email"] == "new.person@example.com"

    assert admin.post(base, {"email": "x@example.com", "role": "owner"}, format="json").json().keys() == {"role"}
    assert admin.post(base, {"email": "not-an-email", "role": "member"}, format="json").json().keys() == {"email"}
    assert admin.post(base, {"email": "member@example.com", "role": "member"}, format="json").json().keys() == {"email"}

    assert admin.delete(f"{base}/{body['id']}").status_code == 204
    assert admin.delete(f"{base}/{body['id']}").status_code == 404
    assert admin.get(f"/api/invitations/{body['token']}").status_code == 410
    assert admin.get(base).json()["count"] == 1


def test_invitation_lookup_and_accept(role_world, client_as, token_client, api_client):
    token = role_world.token
    preview = api_client.get(f"/api/invitations/{token}")
    assert preview.status_code == 200
    assert preview.json() == {
        "workspace": {"id": str(role_world.workspace.pk), "name": "Acme Research"},
        "email": "invitee@example.com", "role": "member",
        "expires_at": preview.json()["expires_at"],
    }
    assert api_client.post(f"/api/invitations/{token}/accept").status_code == 401
    wrong = client_as(role_world, "outsider").post(f"/api/invitations/{token}/accept")
    assert wrong.status_code == 403 and wrong.json()["code"] == "permission_denied"

    invitee = token_client(make_user("INVITEE@example.com"))
    response = invitee.post(f"/api/invitations/{token}/accept/")
    assert response.status_code == 200
    assert set(response.json()) == WORKSPACE_KEYS and response.json()["role"] == "member"
    again = invitee.post(f"/api/invitations/{token}/accept")
    assert again.status_code == 410 and again.json()["code"] == "invitation_gone"
    assert api_client.get(f"/api/invitations/{token}").status_code == 410
    assert api_client.get("/api/invitations/unknown").status_code == 404
    assert invitee.post("/api/invitations/unknown/accept").status_code == 404


def test_expired_invitation_is_410(role_world, token_client):
    Invitation.objects.filter(pk=role_world.invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    invitee = token_client(make_user("invitee@example.com"))
    response = invitee.post(f"/api/invitations/{role_world.token}/accept")
    assert response.status_code == 410 and response.json()["code"] == "invitation_expired"
    assert invitee.get(f"/api/invitations/{role_world.token}").status_code == 410
    listed = token_client(role_world.users["owner"]).get(f"/api/workspaces/{role_world.workspace.pk}/invitations")
    assert listed.json()["count"] == 0


# --- Activity ------------------------------------------------------------------------------


def test_every_change_is_recorded_with_the_contract_verbs(alice, alice_client, token_client):
    wid = alice_client.post("/api/workspaces", {"name": "Log"}, format="json").json()["id"]
    alice_client.patch(f"/api/workspaces/{wid}", {"name": "Log 2"}, format="json")
    bob = make_user("bob@example.com")
    code = Workspace.objects.get(pk=wid).join_code
    token_client(bob).post("/api/workspaces/join", {"code": code}, format="json")
    alice_client.patch(f"/api/workspaces/{wid}/members/{bob.pk}", {"role": "viewer"}, format="json")
    alice_client.delete(f"/api/workspaces/{wid}/members/{bob.pk}")
    invited = alice_client.post(f"/api/workspaces/{wid}/invitations", {"email": bob.email, "role": "member"},
                                format="json").json()
    token_client(bob).post(f"/api/invitations/{invited['token']}/accept")
    token_client(bob).post(f"/api/workspaces/{wid}/leave")
    revoked = alice_client.post(f"/api/workspaces/{wid}/invitations", {"email": "c@example.com", "role": "admin"},
                                format="json").json()
    alice_client.delete(f"/api/workspaces/{wid}/invitations/{revoked['id']}")
    pid = alice_client.post(f"/api/workspaces/{wid}/projects", {"name": "P"}, format="json").json()["id"]
    alice_client.patch(f"/api/workspaces/{wid}/projects/{pid}", {"name": "Q"}, format="json")
    alice_client.delete(f"/api/workspaces/{wid}/projects/{pid}")
    events = list(ActivityEvent.objects.filter(workspace_id=wid).order_by("id"))
    assert [e.verb for e in events] == [
        "workspace.created", "workspace.updated", "member.joined", "member.role_changed", "member.removed",
        "invitation.sent", "member.joined", "invitation.accepted", "member.left", "invitation.sent",
        "invitation.revoked", "project.created", "project.updated", "project.deleted",
    ]
    assert all(e.summary for e in events)
    assert {e.actor for e in events} == {alice, bob}
