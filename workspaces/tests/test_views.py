import re
from datetime import timedelta

import pytest
from django.utils import timezone

from workspaces.models import Invitation, Membership, Role, Workspace
from workspaces.tests.factories import make_user, make_workspace

pytestmark = pytest.mark.django_db

MEMBER_ROLES = ["viewer", "member", "admin", "owner"]


def html(response):
    return response.content.decode()


def detail_url(world):
    return f"/w/{world.workspace.slug}/"


# --- Workspace list ----------------------------------------------------------------------


def test_list_needs_login(client):
    response = client.get("/w/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/w/")


def test_list_shows_own_workspaces_and_the_create_form(role_world, page_client_as):
    client = page_client_as(role_world, "viewer")
    page = html(client.get("/w/"))
    assert "Acme Research" in page and "Other Lab" not in page
    assert f'href="/w/{role_world.workspace.slug}/"' in page
    assert 'id="create-form"' in page and "<html" in page


def test_list_empty_state(client):
    client.force_login(make_user())
    assert "No workspaces yet" in html(client.get("/w/"))


def test_create_from_the_list_page(client):
    user = make_user()
    client.force_login(user)
    response = client.post("/w/", {"name": "My Lab", "description": ""})
    assert response.status_code == 302 and response["Location"] == "/w/my-lab/"
    assert Membership.objects.get(user=user).role == Role.OWNER
    htmx = client.post("/w/", {"name": "My Lab"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and htmx["HX-Redirect"] == "/w/my-lab-2/"


def test_create_errors_come_back_as_the_form_fragment(client):
    client.force_login(make_user())
    response = client.post("/w/", {"name": "x" * 101}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="create-form")
    page = html(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<form id="create-form"') and "<html" not in page
    assert "at most 100 characters" in page
    assert 'id="messages"' in page and 'hx-swap-oob="true"' in page
    assert not Workspace.objects.exists()


def test_list_pagination_fragment(client):
    user = make_user()
    for n in range(30):
        make_workspace(user, name=f"Workspace {n:02d}")
    client.force_login(user)
    page = html(client.get("/w/"))
    assert "Page 1 of 2" in page and 'href="?page=2"' in page
    fragment = html(client.get("/w/?page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="workspaces"))
    assert fragment.lstrip().startswith('<div id="workspaces">') and "<html" not in fragment
    assert "Workspace 29" in fragment and "Workspace 00" not in fragment


# --- Workspace page: access and controls by role --------------------------------------------


def test_outsiders_and_unknown_workspaces_get_404(role_world, page_client_as):
    client = page_client_as(role_world, "outsider")
    assert client.get(detail_url(role_world)).status_code == 404
    assert client.get(f"/w/{role_world.workspace.pk}/").status_code == 404
    assert client.get("/w/no-such-workspace/").status_code == 404
    assert client.post(f"/w/{role_world.workspace.slug}/leave").status_code == 404


def test_anonymous_is_sent_to_log_in(role_world, client):
    response = client.get(detail_url(role_world))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_id_redirects_to_the_slug(role_world, page_client_as):
    response = page_client_as(role_world, "viewer").get(f"/w/{role_world.workspace.pk}/")
    assert response.status_code == 302 and response["Location"] == detail_url(role_world)


def controls(world):
    """Marker in the page → the lowest role that sees it (None: nobody, here)."""
    s = world.workspace.slug
    target = world.target.pk
    return {
        f'action="/w/{s}/projects/new"': "member",
        f'action="/w/{s}/settings"': None,  # only in edit mode
        'href="?edit=1"': "admin",
        f'action="/w/{s}/members/{target}/role"': "admin",
        f'action="/w/{s}/members/{target}/remove"': "admin",
        'id="invitations"': "admin",
        f'action="/w/{s}/invitations/"': "admin",
        f'action="/w/{s}/invitations/{world.invitation.pk}/revoke"': "admin",
        'id="join-link"': "admin",
        world.workspace.join_code: "admin",
        f'action="/w/{s}/join-link/rotate"': "admin",
        f'action="/w/{s}/delete"': "owner",
    }


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_workspace_page_shows_each_role_only_its_controls(role, role_world, page_client_as):
    response = page_client_as(role_world, role).get(detail_url(role_world))
    assert response.status_code == 200
    page = html(response)
    assert "Genomes" in page and "Tess Target" in page and "<html" in page
    for marker, lowest in controls(role_world).items():
        visible = lowest is not None and MEMBER_ROLES.index(role) >= MEMBER_ROLES.index(lowest)
        assert (marker in page) == visible, (role, marker)
    # nobody gets a role select for their own row
    me = role_world.users[role].pk
    assert f"/members/{me}/role" not in page
    # everyone may leave, except the world's only owner, who is told why not
    leave = f'action="/w/{role_world.workspace.slug}/leave"'
    assert (leave in page) == (role != "owner")
    assert ('id="leave-why"' in page) == (role == "owner")


def test_admins_get_no_controls_on_owner_rows(role_world, page_client_as):
    page = html(page_client_as(role_world, "admin").get(detail_url(role_world)))
    owner = role_world.users["owner"].pk
    assert f"/members/{owner}/role" not in page and f"/members/{owner}/remove" not in page
    assert '<option value="owner"' not in page
    owner_page = html(page_client_as(role_world, "owner").get(detail_url(role_world)))
    assert '<option value="owner"' in owner_page


def test_destructive_actions_ask_first(role_world, page_client_as):
    page = html(page_client_as(role_world, "owner").get(detail_url(role_world)))
    for form in re.findall(r"<form[^>]*>", page):
        if re.search(r"/(remove|revoke|delete|leave|rotate|disable)\"", form):
            assert "data-confirm=" in form, form


@pytest.mark.parametrize("target", ["projects", "members", "invitations", "join-link", "header"])
def test_htmx_requests_get_only_the_fragment(target, role_world, page_client_as):
    response = page_client_as(role_world, "owner").get(
        detail_url(role_world), HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target
    )
    page = html(response)
    assert response.status_code == 200
    assert page.lstrip().startswith(f'<section id="{target}"'), page[:200]
    assert "<html" not in page and "<nav" not in page.split("pagination")[0]


def test_edit_mode_fragment(role_world, page_client_as):
    client = page_client_as(role_world, "admin")
    page = html(client.get(detail_url(role_world) + "?edit=1", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="header"))
    assert f'action="/w/{role_world.workspace.slug}/settings"' in page and 'name="name"' in page
    viewer_page = html(page_client_as(role_world, "viewer").get(detail_url(role_world) + "?edit=1"))
    assert "/settings" not in viewer_page


# --- Workspace page actions ---------------------------------------------------------------------


def post(client, url, data=None, target=None):
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target} if target else {}
    return client.post(url, data or {}, **headers)


def test_update_via_htmx(role_world, page_client_as):
    client = page_client_as(role_world, "admin")
    url = f"/w/{role_world.workspace.slug}/settings"
    response = post(client, url, {"name": "Acme Labs", "description": "Shared"}, target="header")
    page = html(response)
    assert page.lstrip().startswith('<section id="header"') and "Acme Labs" in page
    assert "Workspace saved." in page  # the out-of-band messages
    bad = html(post(client, url, {"name": ""}, target="header"))
    assert "This field is required." in bad and 'name="name"' in bad
    assert post(page_client_as(role_world, "member"), url, {"name": "Nope"}).status_code == 403


def test_member_role_and_remove_via_htmx(role_world, page_client_as):
    client = page_client_as(role_world, "admin")
    s, target = role_world.workspace.slug, role_world.target
    page = html(post(client, f"/w/{s}/members/{target.pk}/role", {"role": "viewer"}, target="members"))
    assert page.lstrip().startswith('<section id="members"') and "is now viewer" in page
    assert Membership.objects.get(user=target).role == Role.VIEWER
    owner = role_world.users["owner"]
    assert post(client, f"/w/{s}/members/{owner.pk}/role", {"role": "viewer"}).status_code == 403
    page = html(post(client, f"/w/{s}/members/{target.pk}/remove", target="members"))
    assert "Tess Target was removed" in page
    assert not Membership.objects.filter(user=target).exists()


def test_last_owner_errors_are_messages(role_world, page_client_as):
    client = page_client_as(role_world, "owner")
    s, owner = role_world.workspace.slug, role_world.users["owner"]
    response = client.post(f"/w/{s}/leave", follow=True)
    assert "must keep at least one owner" in html(response)
    page = html(post(client, f"/w/{s}/members/{owner.pk}/role", {"role": "admin"}, target="members"))
    assert "must keep at least one owner" in page
    assert Membership.objects.get(user=owner).role == Role.OWNER


def test_leave_and_delete(role_world, page_client_as):
    s = role_world.workspace.slug
    response = page_client_as(role_world, "member").post(f"/w/{s}/leave")
    assert response.status_code == 302 and response["Location"] == "/w/"
    client = page_client_as(role_world, "owner")
    response = client.post(f"/w/{s}/delete", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == "/w/"
    assert not Workspace.objects.filter(pk=role_world.workspace.pk).exists()


def test_invite_shows_the_link_once_and_revoke(role_world, page_client_as):
    client = page_client_as(role_world, "admin")
    s = role_world.workspace.slug
    page = html(post(client, f"/w/{s}/invitations/", {"email": "zed@example.com", "role": "viewer"},
                     target="invitations"))
    assert page.lstrip().startswith('<section id="invitations"')
    link = re.search(r'value="(http://testserver/invitations/[^"]+)"', page).group(1)
    assert 'data-copy-from="#new-invitation-link"' in page
    token = link.rsplit("/", 1)[1]
    assert client.get(f"/invitations/{token}").status_code == 200
    again = html(client.get(detail_url(role_world)))
    assert token not in again  # shown once only
    bad = html(post(client, f"/w/{s}/invitations/", {"email": "nope", "role": "viewer"}, target="invitations"))
    assert "valid email" in bad
    invitation = Invitation.objects.get(email="zed@example.com")
    page = html(post(client, f"/w/{s}/invitations/{invitation.pk}/revoke", target="invitations"))
    assert "Invitation revoked" in page and "zed@example.com" not in page
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED


def test_join_link_rotate_and_disable(role_world, page_client_as):
    client = page_client_as(role_world, "admin")
    s, old = role_world.workspace.slug, role_world.workspace.join_code
    page = html(post(client, f"/w/{s}/join-link/rotate", target="join-link"))
    role_world.workspace.refresh_from_db()
    new = role_world.workspace.join_code
    assert new != old and f"/join/{new}" in page and page.lstrip().startswith('<section id="join-link"')
    page = html(post(client, f"/w/{s}/join-link/disable", target="join-link"))
    assert "switched off" in page
    role_world.workspace.refresh_from_db()
    assert role_world.workspace.join_code is None
    assert client.get(f"/join/{new}").status_code == 404
    assert post(page_client_as(role_world, "member"), f"/w/{s}/join-link/rotate").status_code == 403


# --- Join page ------------------------------------------------------------------------------------


def test_join_page_anonymous_goes_through_login_and_back(role_world, client):
    url = f"/join/{role_world.workspace.join_code}"
    page = html(client.get(url))
    assert "Acme Research" in page
    assert f'href="/accounts/login/?next={url.replace("/", "%2F")}"' in page
    assert f'href="/accounts/signup/?next={url.replace("/", "%2F")}"' in page
    assert client.post(url)["Location"].startswith("/accounts/login/?next=")


def test_join_page_confirm(role_world, page_client_as):
    client = page_client_as(role_world, "outsider")
    url = f"/join/{role_world.workspace.join_code}"
    page = html(client.get(url))
    assert "You will join" in page and 'method="post"' in page
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == detail_url(role_world)
    assert Membership.objects.get(user=role_world.users["outsider"], workspace=role_world.workspace).role == "member"
    assert "already a member" in html(client.get(url))
    assert client.get("/join/wrong-code").status_code == 404


# --- Invitation page ------------------------------------------------------------------------------


def test_invitation_page_states(role_world, client):
    url = f"/invitations/{role_world.token}"
    page = html(client.get(url))
    assert "invitee@example.com" in page and "Log in" in page and "next=" in page
    client.force_login(role_world.users["member"])
    page = html(client.get(url))
    assert "but you are logged in as" in page and "Accept invitation" not in page
    assert client.post(url).status_code == 403
    client.force_login(make_user("Invitee@Example.com"))
    page = html(client.get(url))
    assert "You will join" in page and "Accept invitation" in page
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == detail_url(role_world)
    gone = client.get(url)
    assert gone.status_code == 410 and "can no longer be used" in html(gone)
    assert client.get("/invitations/unknown-token").status_code == 404


def test_invitation_page_for_an_existing_member_mentions_the_higher_role(role_world, client):
    Invitation.objects.filter(pk=role_world.invitation.pk).update(email="admin@example.com")
    client.force_login(role_world.users["admin"])
    assert "keeps the higher of the two roles" in html(client.get(f"/invitations/{role_world.token}"))


def test_expired_invitation_page(role_world, client):
    Invitation.objects.filter(pk=role_world.invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert client.get(f"/invitations/{role_world.token}").status_code == 410


def test_signup_from_an_invitation_comes_back(role_world, client):
    url = f"/invitations/{role_world.token}"
    response = client.post(f"/accounts/signup/?next={url}", {
        "email": "invitee@example.com", "password": "a long enough passphrase 42", "full_name": "Ivy",
        "next": url,
    })
    assert response.status_code == 302 and response["Location"] == url
    assert client.post(url)["Location"] == detail_url(role_world)


def test_section_changes_tell_the_header_to_refresh(role_world, page_client_as):
    client = page_client_as(role_world, "admin")
    response = post(client, f"/w/{role_world.workspace.slug}/members/{role_world.target.pk}/remove", target="members")
    assert response["HX-Trigger"] == '{"workspace-changed": {}}'
    page = html(client.get(detail_url(role_world)))
    assert 'hx-trigger="workspace-changed from:body"' in page
    header = html(client.get(detail_url(role_world), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="header"))
    assert "4 members" in header


def test_history_restore_gets_the_whole_page(role_world, page_client_as):
    response = page_client_as(role_world, "viewer").get(
        detail_url(role_world) + "?members_page=1", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="members",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in html(response)
