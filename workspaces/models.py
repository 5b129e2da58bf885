import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    """A member's role, highest first. Compare with `Role.rank` / `role_at_least`,
    never with string order."""

    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"

    @classmethod
    def rank(cls, role) -> int:
        """Higher is more powerful; 0 for no role (an outsider)."""
        return _RANKS.get(role, 0)

    @classmethod
    def below(cls, role) -> list["Role"]:
        """Roles strictly lower than `role`, highest first."""
        return [r for r in cls if _RANKS[r] < cls.rank(role)]

    @classmethod
    def invitable(cls) -> list["Role"]:
        """Roles an invitation may carry: anything below owner."""
        return cls.below(cls.OWNER)


_RANKS = {Role.OWNER: 4, Role.ADMIN: 3, Role.MEMBER: 2, Role.VIEWER: 1}


def role_at_least(role, need) -> bool:
    return Role.rank(role) >= Role.rank(need) > 0


def can_manage_member(actor_role, target_role) -> bool:
    """Admins manage members below owner; owners manage everyone."""
    if not role_at_least(actor_role, Role.ADMIN):
        return False
    return actor_role == Role.OWNER or target_role != Role.OWNER


def role_max(a, b):
    return a if Role.rank(a) >= Role.rank(b) else b


class Workspace(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Anyone holding the code may join as a member. NULL switches joining off;
    # rotating replaces it, so old links stop working.
    join_code = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def join_enabled(self) -> bool:
        return bool(self.join_code)


class Membership(models.Model):
    Role = Role

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="workspaces_membership_user_workspace_unique"),
        ]
        indexes = [models.Index(fields=["workspace", "role"], name="ws_membership_role_idx")]

    def __str__(self):
        return f"{self.user} in {self.workspace} ({self.role})"


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=[(r.value, r.label) for r in Role.invitable()])
    # SHA-256 of the token. The token itself (256 random bits) goes out once,
    # in the email and the API answer; a database reader cannot use the hash.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["workspace", "status"], name="ws_invitation_pending_idx"),
            models.Index(Lower("email"), name="ws_invitation_email_idx"),
        ]

    def __str__(self):
        return f"{self.email} → {self.workspace} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.PENDING and not self.is_expired


class ActivityEvent(models.Model):
    class Verb(models.TextChoices):
        WORKSPACE_CREATED = "workspace.created"
        WORKSPACE_UPDATED = "workspace.updated"
        MEMBER_JOINED = "member.joined"
        MEMBER_ROLE_CHANGED = "member.role_changed"
        MEMBER_REMOVED = "member.removed"
        MEMBER_LEFT = "member.left"
        INVITATION_SENT = "invitation.sent"
        INVITATION_REVOKED = "invitation.revoked"
        INVITATION_ACCEPTED = "invitation.accepted"
        PROJECT_CREATED = "project.created"
        PROJECT_UPDATED = "project.updated"
        PROJECT_DELETED = "project.deleted"
        STORAGE_LINKED = "storage.linked"
        STORAGE_UNLINKED = "storage.unlinked"
        STORAGE_FOLDER_CREATED = "storage.folder_created"
        STORAGE_OBJECTS_DELETED = "storage.objects_deleted"
        STORAGE_OBJECTS_COPIED = "storage.objects_copied"
        STORAGE_OBJECTS_MOVED = "storage.objects_moved"
        SHARE_CREATED = "share.created"
        SHARE_REVOKED = "share.revoked"

    # Sequential id: events are never exposed by id, and it breaks ties
    # between events written in the same instant.
    id = models.BigAutoField(primary_key=True)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="activity")
    # A deleted project's history stays in the workspace's activity.
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="activity"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=64, choices=Verb.choices)
    summary = models.CharField(max_length=300)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="ws_activity_workspace_idx"),
            models.Index(fields=["project", "-created_at"], name="ws_activity_project_idx"),
        ]

    def __str__(self):
        return f"{self.verb}: {self.summary}"
