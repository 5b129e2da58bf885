"""Every write to workspaces, memberships, invitations and the activity log.

Callers resolve the workspace through `workspaces.selectors` first (that is
where access is checked); the services below enforce the business rules that
depend on the current state (last owner, who may grant what), under a row lock
on the workspace where two requests could race.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import display_name
from omx.exceptions import Conflict, Gone
from omx.ids import as_uuid
from omx.naming import clean_name_and_description, create_with_unique_slug
from omx.mail import mail_later
from workspaces.models import (
    ActivityEvent, Invitation, Membership, Role, Workspace, can_manage_member, role_at_least, role_max,
)

logger = logging.getLogger("omx.workspaces")

Verb = ActivityEvent.Verb


# --- Activity ----------------------------------------------------------------


def activity_record(*, workspace, actor, verb, summary, project=None, payload=None) -> ActivityEvent:
    """Append an event to the workspace's log. Call it inside the transaction
    of the change it records, so the two commit (or roll back) together."""
    if verb not in Verb.values:
        raise ValueError(f"Unknown activity verb {verb!r}")
    return ActivityEvent.objects.create(
        workspace=workspace,
        project=project,
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        summary=summary[:300],
        payload=payload or {},
    )


# --- Workspaces --------------------------------------------------------------


def _new_join_code() -> str:
    return secrets.token_urlsafe(18)


def _lock(workspace) -> Workspace:
    """Take the workspace's row lock: every change to its memberships queues
    behind it, so owner counts read after this are current."""
    return Workspace.objects.select_for_update().get(pk=workspace.pk)


@transaction.atomic
def workspace_create(*, user, name: str, description: str = "") -> Workspace:
    data = clean_name_and_description(name=name, description=description)

    def create(slug):
        return Workspace.objects.create(
            name=data["name"], description=data["description"], slug=slug,
            created_by=user, join_code=_new_join_code(),
        )

    workspace = create_with_unique_slug(
        queryset=Workspace.objects.all(), name=data["name"], fallback="workspace", create=create
    )
    membership = Membership.objects.create(user=user, workspace=workspace, role=Role.OWNER)
    activity_record(
        workspace=workspace, actor=user, verb=Verb.WORKSPACE_CREATED,
        summary=f"{display_name(user)} created the workspace {workspace.name}",
        payload={"name": workspace.name},
    )
    workspace.membership, workspace.role = membership, membership.role
    workspace.member_count, workspace.project_count = 1, 0
    return workspace


@transaction.atomic
def workspace_update(*, workspace, actor, name=None, description=None) -> Workspace:
    data = clean_name_and_description(name=name, description=description)
    changes = {f: v for f, v in data.items() if getattr(workspace, f) != v}
    if not changes:
        return workspace
    payload = {"fields": sorted(changes)}
    if "name" in changes:
        payload.update({"old_name": workspace.name, "name": changes["name"]})
        summary = f"{display_name(actor)} renamed the workspace {workspace.name} to {changes['name']}"
    else:
        summary = f"{display_name(actor)} updated the workspace description"
    Workspace.objects.filter(pk=workspace.pk).update(**changes)
    for field, value in changes.items():
        setattr(workspace, field, value)
    activity_record(workspace=workspace, actor=actor, verb=Verb.WORKSPACE_UPDATED, summary=summary, payload=payload)
    return workspace


@transaction.atomic
def workspace_delete(*, workspace, actor) -> None:
    """Delete the workspace with its projects, storage connections, invitations,
    memberships and activity (database CASCADE). Objects in linked buckets are
    never touched: a connection is only a pointer."""
    workspace = _lock(workspace)
    logger.info("workspace deleted", extra={"workspace_id": str(workspace.pk), "user_id": str(actor.pk)})
    workspace.delete()


@transaction.atomic
def workspace_join_code_rotate(*, workspace, actor) -> str:
    code = _new_join_code()
    Workspace.objects.filter(pk=workspace.pk).update(join_code=code)
    workspace.join_code = code
    activity_record(
        workspace=workspace, actor=actor, verb=Verb.WORKSPACE_UPDATED,
        summary=f"{display_name(actor)} created a new join link",
        payload={"fields": ["join_code"], "join_code": "rotated"},
    )
    return code


@transaction.atomic
def workspace_join_code_disable(*, workspace, actor) -> None:
    if workspace.join_code is None:
        return
    Workspace.objects.filter(pk=workspace.pk).update(join_code=None)
    workspace.join_code = None
    activity_record(
        workspace=workspace, actor=actor, verb=Verb.WORKSPACE_UPDATED,
        summary=f"{display_name(actor)} switched the join link off",
        payload={"fields": ["join_code"], "join_code": "disabled"},
    )


def workspace_join(*, user, code: str) -> tuple[Workspace, bool]:
    """Join with a code as `member`. Idempotent: an existing member keeps their
    role. Returns (workspace, joined). An unknown, rotated or disabled code is a 404."""
    code = (code or "").strip()
    if not code:
        raise Http404("Unknown join code.")
    with transaction.atomic():
        workspace = Workspace.objects.select_for_update().filter(join_code=code).first()
        if workspace is None:
            raise Http404("Unknown join code.")
        membership, created = Membership.objects.get_or_create(
            user=user, workspace=workspace, defaults={"role": Role.MEMBER}
        )
        if created:
            activity_record(
                workspace=workspace, actor=user, verb=Verb.MEMBER_JOINED,
                summary=f"{display_name(user)} joined with the join link",
                payload={"user_id": str(user.pk), "via": "code", "role": membership.role},
            )
    return workspace, created


# --- Members -----------------------------------------------------------------


def _owner_count(workspace) -> int:
    return Membership.objects.filter(workspace=workspace, role=Role.OWNER).count()


def _memberships(workspace, *user_ids) -> dict:
    rows = Membership.objects.select_related("user").filter(workspace=workspace, user_id__in=user_ids)
    return {m.user_id: m for m in rows}


def _parse_user_id(user_id):
    if (parsed := as_uuid(user_id)) is None:
        raise Http404("No such member.")
    return parsed


def _check_manage(actor_role, target_role, new_role=None) -> None:
    """Admins manage members below owner; only owners grant or remove owner."""
    if not role_at_least(actor_role, Role.ADMIN):
        raise PermissionDenied("Only admins and owners manage members.")
    if not can_manage_member(actor_role, target_role) or not can_manage_member(actor_role, new_role):
        raise PermissionDenied("Only an owner can grant or remove the owner role.")


def _check_keeps_an_owner(workspace, leaving_role) -> None:
    if leaving_role == Role.OWNER and _owner_count(workspace) <= 1:
        raise Conflict(
            "A workspace must keep at least one owner: make someone else an owner first.", "last_owner"
        )


@transaction.atomic
def member_role_change(*, workspace, actor, user_id, role) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": [f'"{role}" is not a valid choice.']})
    user_id = _parse_user_id(user_id)
    workspace = _lock(workspace)
    rows = _memberships(workspace, actor.pk, user_id)
    target, mine = rows.get(user_id), rows.get(actor.pk)
    if target is None or mine is None:  # the actor may have been removed meanwhile
        raise Http404("No such member.")
    _check_manage(mine.role, target.role, role)
    if target.role == role:
        return target
    if user_id == actor.pk and Role.rank(role) > Role.rank(target.role):
        raise PermissionDenied("Nobody can raise their own role.")
    if target.role == Role.OWNER:
        _check_keeps_an_owner(workspace, target.role)
    old = target.role
    target.role = role
    target.save(update_fields=["role"])
    activity_record(
        workspace=workspace, actor=actor, verb=Verb.MEMBER_ROLE_CHANGED,
        summary=f"{display_name(actor)} changed {display_name(target.user)}'s role from {old} to {role}",
        payload={"user_id": str(user_id), "old_role": old, "role": role},
    )
    return target


@transaction.atomic
def member_remove(*, workspace, actor, user_id) -> None:
    user_id = _parse_user_id(user_id)
    if user_id == actor.pk:
        return workspace_leave(workspace=workspace, user=actor)
    workspace = _lock(workspace)
    rows = _memberships(workspace, actor.pk, user_id)
    target, mine = rows.get(user_id), rows.get(actor.pk)
    if target is None or mine is None:
        raise Http404("No such member.")
    _check_manage(mine.role, target.role)
    _check_keeps_an_owner(workspace, target.role)
    target.delete()
    activity_record(
        workspace=workspace, actor=actor, verb=Verb.MEMBER_REMOVED,
        summary=f"{display_name(actor)} removed {display_name(target.user)}",
        payload={"user_id": str(user_id), "role": target.role},
    )


@transaction.atomic
def workspace_leave(*, workspace, user) -> None:
    workspace = _lock(workspace)
    membership = Membership.objects.filter(workspace=workspace, user=user).first()
    if membership is None:
        raise Http404("You are not a member of this workspace.")
    _check_keeps_an_owner(workspace, membership.role)
    membership.delete()
    activity_record(
        workspace=workspace, actor=user, verb=Verb.MEMBER_LEFT,
        summary=f"{display_name(user)} left the workspace",
        payload={"user_id": str(user.pk), "role": membership.role},
    )


# --- Invitations -------------------------------------------------------------


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_accept_url(*, token: str, base_url: str = "") -> str:
    path = reverse("workspaces:invitation", kwargs={"token": token})
    return f"{(settings.SITE_URL or base_url).rstrip('/')}{path}"


def _invitation_email_send(*, invitation, accept_url: str) -> None:
    """Queued for after the commit. If it cannot be sent the invitation
    stands: the inviter also gets the link to pass on."""
    context = {"invitation": invitation, "workspace": invitation.workspace,
               "inviter": invitation.invited_by, "accept_url": accept_url}
    mail_later(subject=f"You are invited to {invitation.workspace.name} on omX",
               body=render_to_string("workspaces/email/invitation.txt", context), to=[invitation.email])


def invitation_create(*, workspace, actor, email: str, role: str, base_url: str = "") -> tuple[Invitation, str, str]:
    """Invite `email` with `role` (below owner). Returns (invitation, token,
    accept_url); the token exists only in this answer and the email."""
    email = (email or "").strip()
    errors = {}
    if role not in [r.value for r in Role.invitable()]:
        errors["role"] = ["An invitation can carry the role admin, member or viewer."]
    if not email:
        errors["email"] = ["This field may not be blank."]
    elif Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        errors["email"] = ["This person is already a member of the workspace."]
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        # A new invitation to the same address replaces the pending one.
        Invitation.objects.filter(
            workspace=workspace, email__iexact=email, status=Invitation.Status.PENDING
        ).update(status=Invitation.Status.REVOKED)
        invitation = Invitation.objects.create(
            workspace=workspace, email=email, role=role, token_hash=invitation_token_hash(token),
            invited_by=actor, created_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        activity_record(
            workspace=workspace, actor=actor, verb=Verb.INVITATION_SENT,
            summary=f"{display_name(actor)} invited {email} as {role}",
            payload={"invitation_id": str(invitation.pk), "email": email, "role": role},
        )
    accept_url = invitation_accept_url(token=token, base_url=base_url)
    _invitation_email_send(invitation=invitation, accept_url=accept_url)
    return invitation, token, accept_url


@transaction.atomic
def invitation_revoke(*, workspace, actor, invitation_id) -> None:
    try:
        invitation = Invitation.objects.select_for_update().get(
            pk=invitation_id, workspace=workspace, status=Invitation.Status.PENDING
        )
    except (Invitation.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such pending invitation.") from None
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    activity_record(
        workspace=workspace, actor=actor, verb=Verb.INVITATION_REVOKED,
        summary=f"{display_name(actor)} revoked the invitation for {invitation.email}",
        payload={"invitation_id": str(invitation.pk), "email": invitation.email},
    )


def invitation_accept(*, user, token: str) -> Workspace:
    """Accept as `user`, whose email must be the invited one. An expired,
    revoked or used invitation is Gone; a member keeps the higher role."""
    expired = False
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("workspace")
            .filter(token_hash=invitation_token_hash(token or ""))
            .first()
        )
        if invitation is None:
            raise Http404("Unknown invitation.")
        if invitation.status == Invitation.Status.PENDING and invitation.is_expired:
            invitation.status = Invitation.Status.EXPIRED
            invitation.save(update_fields=["status"])
            expired = True
        elif invitation.status != Invitation.Status.PENDING:
            raise Gone("This invitation has already been used or revoked.", "invitation_gone")
        elif user.email.lower() != invitation.email.lower():
            raise PermissionDenied(
                "This invitation was sent to another email address. Log in with that address to accept it."
            )
        else:
            workspace = invitation.workspace
            membership, created = Membership.objects.get_or_create(
                user=user, workspace=workspace, defaults={"role": invitation.role}
            )
            old_role = None if created else membership.role
            if not created and role_max(membership.role, invitation.role) != membership.role:
                membership.role = invitation.role
                membership.save(update_fields=["role"])
            invitation.status = Invitation.Status.ACCEPTED
            invitation.accepted_by, invitation.accepted_at = user, timezone.now()
            invitation.save(update_fields=["status", "accepted_by", "accepted_at"])
            if created:
                activity_record(
                    workspace=workspace, actor=user, verb=Verb.MEMBER_JOINED,
                    summary=f"{display_name(user)} joined by invitation",
                    payload={"user_id": str(user.pk), "via": "invitation", "role": membership.role},
                )
            activity_record(
                workspace=workspace, actor=user, verb=Verb.INVITATION_ACCEPTED,
                summary=f"{display_name(user)} accepted the invitation as {membership.role}",
                payload={"invitation_id": str(invitation.pk), "role": membership.role, "old_role": old_role},
            )
    if expired:  # raised after the commit, so the status change sticks
        raise Gone("This invitation has expired. Ask for a new one.", "invitation_expired")
    return workspace


def invitations_expire(*, now=None) -> int:
    """Mark pending invitations past their expiry as expired (housekeeping for cron)."""
    now = now or timezone.now()
    return Invitation.objects.filter(status=Invitation.Status.PENDING, expires_at__lte=now).update(
        status=Invitation.Status.EXPIRED
    )
