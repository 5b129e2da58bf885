import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone

from omx.exceptions import Conflict, Gone
from projects.models import Project
from workspaces import selectors, services
from workspaces.models import ActivityEvent, Invitation, Membership, Role, Workspace, role_at_least
from workspaces.tests.factories import add_member, make_project, make_user, make_workspace

pytestmark = pytest.mark.django_db


def verbs(workspace):
    return list(ActivityEvent.objects.filter(workspace=workspace).order_by("id").values_list("verb", flat=True))


# --- Roles ---------------------------------------------------------------------------


def test_role_ordering_helpers():
    assert [Role.rank(r) for r in Role] == [4, 3, 2, 1]
    assert Role.rank("nobody") == 0 and Role.rank(None) == 0
    assert role_at_least("owner", Role.ADMIN) and role_at_least(Role.ADMIN, "admin")
    assert not role_at_least("member", Role.ADMIN) and not role_at_least(None, Role.VIEWER)
    assert Role.below(Role.OWNER) == [Role.ADMIN, Role.MEMBER, Role.VIEWER]
    assert Role.invitable() == Role.below(Role.OWNER)
    assert Membership.Role is Role


# --- Creating and slugs ------------------------------------------------------------


def test_create_makes_the_creator_owner_and_records_it():
    alice = make_user()
    workspace = services.workspace_create(user=alice, name="  Acme Research  ", description="Lab data")
    assert workspace.name == "Acme Research" and workspace.slug == "acme-research"
    assert Membership.objects.get(workspace=workspace, user=alice).role == Role.OWNER
    assert len(workspace.join_code) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", workspace.join_code)
    event = ActivityEvent.objects.get(workspace=workspace)
    assert (event.verb, event.actor, event.project) == ("workspace.created", alice, None)
    assert "Acme Research" in event.summary


def test_slugs_are_numbered_on_collision():
    alice = make_user()
    slugs = [services.workspace_create(user=alice, name=name).slug
             for name in ["Acme", "acme", "ACME!", "Acme-2", "Acme"]]
    assert slugs == ["acme", "acme-2", "acme-3", "acme-2-2", "acme-4"]


def test_slug_falls_back_for_names_without_letters_and_never_looks_like_an_id():
    alice = make_user()
    assert services.workspace_create(user=alice, name="研究所").slug == "workspace"
    looks_like_id = "123e4567-e89b-42d3-a456-426614174000"
    workspace = services.workspace_create(user=alice, name=looks_like_id)
    assert workspace.slug == f"w-{looks_like_id}"
    assert selectors.workspace_get_by_ref_for_user(user=alice, ref=workspace.slug) == workspace


def test_slug_allocation_retries_when_a_concurrent_creation_took_the_slug(monkeypatch):
    """Simulates the race: the free-slug lookup answers before the other
    transaction's row is visible, so the insert hits the unique constraint."""
    alice = make_user()
    services.workspace_create(user=alice, name="Acme")
    real_filter = Workspace.objects.filter
    stale = {"calls": 0}

    class StaleManager:
        def filter(self, *args, **kwargs):
            if "slug__startswith" in kwargs and stale["calls"] == 0:
                stale["calls"] += 1
                return Workspace.objects.none()
            return real_filter(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(Workspace.objects, name)

    original = services.create_with_unique_slug

    def patched(*, queryset, **kwargs):
        if queryset.model is Workspace:
            queryset = StaleManager()
        return original(queryset=queryset, **kwargs)

    monkeypatch.setattr(services, "create_with_unique_slug", patched)
    workspace = services.workspace_create(user=alice, name="Acme")
    assert workspace.slug == "acme-2"
    assert stale["calls"] == 1


def test_slug_allocation_does_not_swallow_other_integrity_errors():
    def create(slug):
        raise IntegrityError("something else")

    with pytest.raises(IntegrityError):
        services.create_with_unique_slug(queryset=Workspace.objects.all(), name="x", fallback="w", create=create)


@pytest.mark.parametrize(
    "kwargs, field",
    [({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "n" * 101}, "name"),
     ({"name": "ok", "description": "d" * 2001}, "description")],
)
def test_lengths_are_checked_on_the_field(kwargs, field):
    with pytest.raises(ValidationError) as info:
        services.workspace_create(user=make_user(), **kwargs)
    assert field in info.value.message_dict
    assert not Workspace.objects.exists()


def test_lengths_at_the_limits_are_fine():
    workspace = services.workspace_create(user=make_user(), name="n" * 100, description="d" * 2000)
    assert len(workspace.slug) <= 120


# --- Updating ---------------------------------------------------------------------------


def test_update_records_a_rename_and_skips_no_op_changes():
    workspace = make_workspace(name="Acme")
    owner = workspace.created_by
    services.workspace_update(workspace=workspace, actor=owner, name="Acme")
    assert verbs(workspace) == ["workspace.created"]
    services.workspace_update(workspace=workspace, actor=owner, name="Acme Labs", description="New")
    workspace.refresh_from_db()
    assert (workspace.name, workspace.description, workspace.slug) == ("Acme Labs", "New", "acme")
    event = ActivityEvent.objects.filter(workspace=workspace).first()
    assert event.verb == "workspace.updated"
    assert event.payload["old_name"] == "Acme" and event.payload["name"] == "Acme Labs"


def test_activity_record_refuses_unknown_verbs():
    workspace = make_workspace()
    with pytest.raises(ValueError):
        services.activity_record(workspace=workspace, actor=None, verb="workspace.exploded", summary="x")


# --- Join codes -----------------------------------------------------------------------------


def test_join_is_idempotent_and_records_once():
    workspace = make_workspace()
    bob = make_user()
    joined_workspace, joined = services.workspace_join(user=bob, code=workspace.join_code)
    assert joined and joined_workspace == workspace
    _, joined_again = services.workspace_join(user=bob, code=workspace.join_code)
    assert not joined_again
    assert Membership.objects.get(workspace=workspace, user=bob).role == Role.MEMBER
    assert verbs(workspace).count("member.joined") == 1
    event = ActivityEvent.objects.get(workspace=workspace, verb="member.joined")
    assert event.payload["via"] == "code"


def test_join_keeps_a_higher_role():
    workspace = make_workspace()
    admin = make_user()
    add_member(workspace, admin, Role.ADMIN)
    services.workspace_join(user=admin, code=workspace.join_code)
    assert Membership.objects.get(workspace=workspace, user=admin).role == Role.ADMIN


def test_rotated_and_disabled_codes_stop_working():
    workspace = make_workspace()
    owner, old = workspace.created_by, workspace.join_code
    new = services.workspace_join_code_rotate(workspace=workspace, actor=owner)
    assert new != old
    with pytest.raises(Http404):
        services.workspace_join(user=make_user(), code=old)
    services.workspace_join(user=make_user(), code=new)
    services.workspace_join_code_disable(workspace=workspace, actor=owner)
    workspace.refresh_from_db()
    assert workspace.join_code is None
    with pytest.raises(Http404):
        services.workspace_join(user=make_user(), code=new)
    for empty in ("", "   ", None):
        with pytest.raises(Http404):
            services.workspace_join(user=make_user(), code=empty)
    assert "join_code" in ActivityEvent.objects.filter(workspace=workspace, verb="workspace.updated").first().payload


# --- Members and the last owner ----------------------------------------------------------


@pytest.fixture
def team():
    owner, admin, member, viewer = (make_user() for _ in range(4))
    workspace = make_workspace(owner, admin=admin, member=member, viewer=viewer)
    return workspace, owner, admin, member, viewer


def role_of(workspace, user):
    return Membership.objects.get(workspace=workspace, user=user).role


def test_admin_manages_members_below_owner(team):
    workspace, owner, admin, member, viewer = team
    services.member_role_change(workspace=workspace, actor=admin, user_id=member.pk, role=Role.ADMIN)
    assert role_of(workspace, member) == Role.ADMIN
    services.member_role_change(workspace=workspace, actor=admin, user_id=member.pk, role=Role.VIEWER)
    assert role_of(workspace, member) == Role.VIEWER
    event = ActivityEvent.objects.filter(workspace=workspace).first()
    assert event.verb == "member.role_changed"
    assert (event.payload["old_role"], event.payload["role"]) == ("admin", "viewer")
    services.member_remove(workspace=workspace, actor=admin, user_id=viewer.pk)
    assert not Membership.objects.filter(workspace=workspace, user=viewer).exists()
    assert ActivityEvent.objects.filter(workspace=workspace).first().verb == "member.removed"


def test_only_owners_grant_or_remove_owner(team):
    workspace, owner, admin, member, _ = team
    with pytest.raises(PermissionDenied):
        services.member_role_change(workspace=workspace, actor=admin, user_id=member.pk, role=Role.OWNER)
    with pytest.raises(PermissionDenied):
        services.member_role_change(workspace=workspace, actor=admin, user_id=owner.pk, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.member_remove(workspace=workspace, actor=admin, user_id=owner.pk)
    services.member_role_change(workspace=workspace, actor=owner, user_id=member.pk, role=Role.OWNER)
    assert role_of(workspace, member) == Role.OWNER
    services.member_remove(workspace=workspace, actor=owner, user_id=member.pk)
    assert role_of(workspace, owner) == Role.OWNER


def test_members_and_viewers_manage_nobody(team):
    workspace, owner, admin, member, viewer = team
    for actor in (member, viewer):
        with pytest.raises(PermissionDenied):
            services.member_role_change(workspace=workspace, actor=actor, user_id=viewer.pk, role=Role.MEMBER)
        with pytest.raises(PermissionDenied):
            services.member_remove(workspace=workspace, actor=actor, user_id=owner.pk)


def test_nobody_raises_their_own_role(team):
    workspace, owner, admin, *_ = team
    with pytest.raises(PermissionDenied):
        services.member_role_change(workspace=workspace, actor=admin, user_id=admin.pk, role=Role.OWNER)
    services.member_role_change(workspace=workspace, actor=admin, user_id=admin.pk, role=Role.MEMBER)
    assert role_of(workspace, admin) == Role.MEMBER


def test_unknown_member_and_invalid_role(team):
    workspace, owner, *_ = team
    with pytest.raises(Http404):
        services.member_role_change(workspace=workspace, actor=owner, user_id=make_user().pk, role=Role.VIEWER)
    with pytest.raises(Http404):
        services.member_remove(workspace=workspace, actor=owner, user_id="not-a-uuid")
    with pytest.raises(ValidationError):
        services.member_role_change(workspace=workspace, actor=owner, user_id=owner.pk, role="emperor")


def test_the_last_owner_cannot_leave_be_demoted_or_removed(team):
    workspace, owner, admin, *_ = team
    with pytest.raises(Conflict):
        services.workspace_leave(workspace=workspace, user=owner)
    with pytest.raises(Conflict):
        services.member_role_change(workspace=workspace, actor=owner, user_id=owner.pk, role=Role.ADMIN)
    with pytest.raises(Conflict):
        services.member_remove(workspace=workspace, actor=owner, user_id=owner.pk)
    assert role_of(workspace, owner) == Role.OWNER
    # with a second owner, the first may go
    services.member_role_change(workspace=workspace, actor=owner, user_id=admin.pk, role=Role.OWNER)
    services.member_role_change(workspace=workspace, actor=owner, user_id=owner.pk, role=Role.ADMIN)
    services.workspace_leave(workspace=workspace, user=owner)
    assert list(Membership.objects.filter(workspace=workspace, role=Role.OWNER).values_list("user", flat=True)) == [admin.pk]
    with pytest.raises(Conflict):
        services.workspace_leave(workspace=workspace, user=admin)


def test_leave_records_member_left(team):
    workspace, _, _, member, _ = team
    services.workspace_leave(workspace=workspace, user=member)
    event = ActivityEvent.objects.filter(workspace=workspace).first()
    assert (event.verb, event.actor) == ("member.left", member)
    with pytest.raises(Http404):
        services.workspace_leave(workspace=workspace, user=member)


# --- Invitations -------------------------------------------------------------------------------


def invite(workspace, email="new.person@example.com", role=Role.MEMBER, actor=None):
    return services.invitation_create(
        workspace=workspace, actor=actor or workspace.created_by, email=email, role=role,
        base_url="http://testserver/",
    )


def test_invitation_stores_only_a_hash_and_mails_the_link(settings, background):
    from django_tasks_db.models import DBTaskResult

    settings.SITE_URL = ""
    workspace = make_workspace(name="Acme")
    with background():
        invitation, token, accept_url = invite(workspace)
    # the queued mail waited sealed: the token is nowhere in the task's row
    queued = DBTaskResult.objects.get(task_path="omx.mail.mail_send")
    assert token not in str(queued.args_kwargs)
    assert accept_url == f"http://testserver/invitations/{token}"
    assert len(token) >= 40
    invitation.refresh_from_db()
    stored = {f.name: str(getattr(invitation, f.attname)) for f in Invitation._meta.concrete_fields}
    assert not any(token in value for value in stored.values())
    assert invitation.token_hash == services.invitation_token_hash(token)
    assert invitation.expires_at - invitation.created_at == timedelta(days=settings.INVITATION_TTL_DAYS)
    assert invitation.status == Invitation.Status.PENDING
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"] and "Acme" in message.subject
    assert accept_url in message.body
    assert verbs(workspace)[-1] == "invitation.sent"


def test_invitation_link_uses_site_url_when_set(settings):
    settings.SITE_URL = "https://omx.example.org"
    _, token, accept_url = invite(make_workspace())
    assert accept_url == f"https://omx.example.org/invitations/{token}"


def test_invitation_ttl_comes_from_settings(settings):
    settings.INVITATION_TTL_DAYS = 3
    invitation, _, _ = invite(make_workspace())
    assert invitation.expires_at - invitation.created_at == timedelta(days=3)


def test_invitation_validation():
    workspace = make_workspace()
    with pytest.raises(ValidationError) as info:
        invite(workspace, role=Role.OWNER)
    assert "role" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        invite(workspace, email=workspace.created_by.email.upper())
    assert "email" in info.value.message_dict


def test_a_new_invitation_replaces_the_pending_one():
    workspace = make_workspace()
    first, first_token, _ = invite(workspace, email="x@example.com")
    second, _, _ = invite(workspace, email="X@example.com", role=Role.ADMIN)
    first.refresh_from_db()
    assert first.status == Invitation.Status.REVOKED
    assert list(selectors.invitation_list(workspace=workspace)) == [second]
    with pytest.raises(Gone):
        services.invitation_accept(user=make_user("x@example.com"), token=first_token)


def test_accept_needs_the_invited_email_case_insensitively():
    workspace = make_workspace()
    invitation, token, _ = invite(workspace, email="Bob.Smith@Example.com", role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.invitation_accept(user=make_user("someone.else@example.com"), token=token)
    bob = make_user("bob.smith@example.com")
    assert services.invitation_accept(user=bob, token=token) == workspace
    assert role_of(workspace, bob) == Role.ADMIN
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == (Invitation.Status.ACCEPTED, bob)
    assert verbs(workspace)[-2:] == ["member.joined", "invitation.accepted"]
    assert ActivityEvent.objects.get(workspace=workspace, verb="member.joined").payload["via"] == "invitation"


def test_used_revoked_expired_and_unknown_invitations():
    workspace = make_workspace()
    bob = make_user("bob@example.com")
    _, used, _ = invite(workspace, email=bob.email)
    services.invitation_accept(user=bob, token=used)
    with pytest.raises(Gone):
        services.invitation_accept(user=bob, token=used)

    revoked_invitation, revoked, _ = invite(workspace, email="carol@example.com")
    services.invitation_revoke(workspace=workspace, actor=workspace.created_by, invitation_id=revoked_invitation.pk)
    assert verbs(workspace)[-1] == "invitation.revoked"
    with pytest.raises(Gone):
        services.invitation_accept(user=make_user("carol@example.com"), token=revoked)
    with pytest.raises(Http404):  # revoking twice
        services.invitation_revoke(workspace=workspace, actor=workspace.created_by,
                                   invitation_id=revoked_invitation.pk)

    expired_invitation, expired, _ = invite(workspace, email="dan@example.com")
    Invitation.objects.filter(pk=expired_invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    dan = make_user("dan@example.com")
    with pytest.raises(Gone):
        services.invitation_accept(user=dan, token=expired)
    expired_invitation.refresh_from_db()
    assert expired_invitation.status == Invitation.Status.EXPIRED
    assert not Membership.objects.filter(workspace=workspace, user=dan).exists()

    with pytest.raises(Http404):
        services.invitation_accept(user=dan, token="no-such-token")


def test_revoke_only_within_its_own_workspace():
    workspace, other = make_workspace(), make_workspace(name="Other")
    invitation, _, _ = invite(workspace)
    with pytest.raises(Http404):
        services.invitation_revoke(workspace=other, actor=other.created_by, invitation_id=invitation.pk)


@pytest.mark.parametrize(
    "current, invited, result",
    [(Role.ADMIN, Role.VIEWER, Role.ADMIN), (Role.VIEWER, Role.ADMIN, Role.ADMIN),
     (Role.MEMBER, Role.MEMBER, Role.MEMBER), (Role.OWNER, Role.VIEWER, Role.OWNER)],
)
def test_accepting_as_a_member_keeps_the_higher_role(current, invited, result):
    workspace = make_workspace()
    bob = make_user("bob@example.com")
    invitation, token, _ = invite(workspace, email="pending@example.com", role=invited)
    Invitation.objects.filter(pk=invitation.pk).update(email=bob.email)  # invited before joining
    add_member(workspace, bob, current)
    services.invitation_accept(user=bob, token=token)
    assert role_of(workspace, bob) == result
    assert verbs(workspace)[-1] == "invitation.accepted"
    assert "member.joined" not in verbs(workspace)


# --- Deleting ----------------------------------------------------------------------------------


def test_delete_cascades_to_projects_invitations_memberships_and_activity():
    workspace = make_workspace()
    make_project(workspace)
    invite(workspace)
    other = make_workspace(name="Other")
    services.workspace_delete(workspace=workspace, actor=workspace.created_by)
    assert not Workspace.objects.filter(pk=workspace.pk).exists()
    for model in (Project, Invitation, Membership, ActivityEvent):
        assert not model.objects.filter(workspace_id=workspace.pk).exists()
    assert Workspace.objects.filter(pk=other.pk).exists()


# --- Selectors ----------------------------------------------------------------------------------


def test_workspace_get_for_user_hides_and_refuses():
    workspace = make_workspace()
    viewer, outsider = make_user(), make_user()
    add_member(workspace, viewer, Role.VIEWER)
    found = selectors.workspace_get_for_user(user=viewer, workspace_id=str(workspace.pk))
    assert found == workspace and found.role == Role.VIEWER and found.membership.user == viewer
    assert (found.member_count, found.project_count) == (2, 0)
    with pytest.raises(PermissionDenied):
        selectors.workspace_get_for_user(user=viewer, workspace_id=workspace.pk, need=Role.MEMBER)
    for user, wid in [(outsider, workspace.pk), (viewer, "nope"), (viewer, None),
                      (viewer, "00000000-0000-4000-8000-000000000000")]:
        with pytest.raises(Http404):
            selectors.workspace_get_for_user(user=user, workspace_id=wid)


def test_workspace_by_ref_accepts_slug_or_id_with_the_same_rules():
    workspace = make_workspace(name="Acme")
    owner, outsider = workspace.created_by, make_user()
    assert selectors.workspace_get_by_ref_for_user(user=owner, ref="acme") == workspace
    assert selectors.workspace_get_by_ref_for_user(user=owner, ref=str(workspace.pk)) == workspace
    with pytest.raises(Http404):
        selectors.workspace_get_by_ref_for_user(user=outsider, ref="acme")


def test_delete_removes_connections_but_never_touches_bucket_contents(settings):
    """Deleting cascades to the storage links (rows) only: everything stored
    under the storage root is still there afterwards."""
    from django.apps import apps

    StorageConnection = apps.get_model("storage", "StorageConnection")
    root = settings.STORAGE_LOCAL_ROOT
    (root / "lab-bucket" / "raw").mkdir(parents=True)
    (root / "lab-bucket" / "raw" / "reads.fastq").write_text("ACGT")
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    workspace = make_workspace()
    project = make_project(workspace)
    StorageConnection.objects.create(project=project, bucket_name="lab-bucket", prefix="raw/")
    services.workspace_delete(workspace=workspace, actor=workspace.created_by)
    assert not StorageConnection.objects.filter(bucket_name="lab-bucket").exists()
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == before
