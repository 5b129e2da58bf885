"""Every read that depends on who asks. Access is checked here, once: an
outsider gets Http404 (existence is not revealed), a member whose role is
too low gets PermissionDenied."""

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from omx.ids import as_uuid
from omx.pagination import TOTAL, PageRows
from omx.sqlcache import CompiledQuery
from workspaces.models import ActivityEvent, Invitation, Membership, Role, Workspace, role_at_least


def count_subquery(queryset, *, field: str = "workspace", outer: str = "pk"):
    """COUNT(*) of `queryset` rows whose `field` points at the outer row, as an
    annotation: no join fan-out and no query per row."""
    counted = (
        queryset.filter(**{field: OuterRef(outer)}).order_by().values(field).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def pending_invitations(*, now=None):
    """`now` is a parameter for queries compiled once and run later (omx.sqlcache)."""
    return Invitation.objects.filter(status=Invitation.Status.PENDING, expires_at__gt=now or timezone.now())


def _with_counts(queryset, *, outer: str = "pk", invitations: bool = True):
    from projects.models import Project

    counts = {
        "member_count": count_subquery(Membership.objects.all(), outer=outer),
        "project_count": count_subquery(Project.objects.all(), outer=outer),
    }
    if invitations:
        counts["invitation_count"] = count_subquery(pending_invitations(), outer=outer)
    return queryset.annotate(**counts)


def workspace_owner_count(*, workspace) -> int:
    return Membership.objects.filter(workspace=workspace, role=Role.OWNER).count()


def _check_role(role, need) -> None:
    if not role_at_least(role, need):
        raise PermissionDenied(f"This needs the {need} role or higher in the workspace.")


def _get(user, need, counts=True, **lookup) -> Workspace:
    if user is None or not user.is_authenticated:
        raise Http404("No such workspace.")
    memberships = Membership.objects.select_related("workspace")
    if counts:
        memberships = _with_counts(memberships, outer="workspace_id")
    membership = memberships.filter(user=user, **lookup).first()
    if membership is None:
        raise Http404("No such workspace.")
    _check_role(membership.role, need)
    workspace = membership.workspace
    workspace.membership, workspace.role = membership, membership.role
    if not counts:
        return workspace
    workspace.member_count = membership.member_count
    workspace.project_count = membership.project_count
    workspace.invitation_count = membership.invitation_count
    return workspace


def workspace_get_for_user(*, user, workspace_id, need=Role.VIEWER, counts: bool = True) -> Workspace:
    """The workspace, with the caller's `.membership` and `.role` and the
    `member_count` / `project_count` / `invitation_count` annotations, in one query.
    `counts=False` leaves the counts out, for callers that only need access
    checked (three subqueries are most of this query's cost)."""
    workspace_id = as_uuid(workspace_id)
    if workspace_id is None:
        raise Http404("No such workspace.")
    return _get(user, need, counts, workspace_id=workspace_id)


_role_sql = CompiledQuery(
    lambda user_id, workspace_id: Membership.objects.filter(user_id=user_id, workspace_id=workspace_id).values("role"),
    user_id=Membership._meta.get_field("user").target_field,
    workspace_id=Membership._meta.get_field("workspace").target_field,
)


def workspace_role_check(*, user, workspace_id, need=Role.VIEWER):
    """Access to the workspace only (no row loaded): its id, for reads scoped
    to it. The same 404 and 403 as workspace_get_for_user."""
    workspace_id = as_uuid(workspace_id)
    if workspace_id is None or user is None or not user.is_authenticated:
        raise Http404("No such workspace.")
    rows = _role_sql.rows(user_id=user.pk, workspace_id=workspace_id)
    if not rows:
        raise Http404("No such workspace.")
    _check_role(rows[0]["role"], need)
    return workspace_id


def workspace_get_by_ref_for_user(*, user, ref, need=Role.VIEWER) -> Workspace:
    """For page URLs, which carry the slug (or the id)."""
    workspace_id = as_uuid(ref)
    if workspace_id is not None:
        return _get(user, need, workspace_id=workspace_id)
    return _get(user, need, workspace__slug=str(ref))


def workspace_list_for_user(*, user):
    """The caller's workspaces with `role`, `member_count` and `project_count`,
    in one query; `role` comes from the membership row the filter joins."""
    return (_with_counts(Workspace.objects.filter(memberships__user=user), invitations=False)
            .annotate(role=F("memberships__role")).order_by("name", "id"))


# What a Workspace object of the API shows, as plain rows for its list.
WORKSPACE_FIELDS = ("id", "name", "slug", "description", "role", "member_count", "project_count", "created_at",
                    "join_code")


def _workspace_rows(user_id):
    return (workspace_list_for_user(user=user_id).values(*WORKSPACE_FIELDS)
            .annotate(**{TOTAL: Window(Count("*"))}))


_workspace_rows_sql = CompiledQuery(_workspace_rows, user_id=Membership._meta.get_field("user").target_field)


def workspace_rows_for_user(*, user) -> PageRows:
    """workspace_list_for_user as rows of WORKSPACE_FIELDS, a page at a time,
    its SQL compiled once per connection (it is the same for every caller)."""
    return PageRows(page=lambda offset, limit: _workspace_rows_sql.rows(user_id=user.pk, offset=offset, limit=limit),
                    count=lambda: workspace_list_for_user(user=user).count())


def workspace_get_by_join_code(*, code) -> Workspace:
    code = (code or "").strip()
    workspace = Workspace.objects.filter(join_code=code).first() if code else None
    if workspace is None:
        raise Http404("Unknown join code.")
    return workspace


def member_list(*, workspace):
    """Owners first, then by role, then by join date."""
    rank = Case(*[When(role=r, then=Value(Role.rank(r))) for r in Role], default=Value(0))
    return (
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by(-rank, "joined_at", "id")
    )


def member_get(*, workspace, user_id) -> Membership:
    user_id = as_uuid(user_id)
    membership = (
        Membership.objects.select_related("user").filter(workspace=workspace, user_id=user_id).first()
        if user_id else None
    )
    if membership is None:
        raise Http404("No such member.")
    return membership


def invitation_list(*, workspace):
    """Pending, unexpired invitations, newest first."""
    return pending_invitations().filter(workspace=workspace).select_related("invited_by").order_by("-created_at", "id")


def invitation_get_by_token(*, token) -> Invitation:
    """Any invitation with this token (callers check `is_usable`); unknown: 404."""
    from workspaces.services import invitation_token_hash

    invitation = (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(token_hash=invitation_token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise Http404("Unknown invitation.")
    return invitation


def invitation_pending_exists_for_email(*, email: str) -> bool:
    """Whether some workspace awaits this address (sign-up by invitation)."""
    from django.db.models.functions import Lower

    # Lower(email), like the table's index, so the lookup stays an index scan.
    pending = pending_invitations().alias(email_lower=Lower("email"))
    return pending.filter(email_lower=email.strip().lower()).exists()


def is_member(*, user, workspace) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, workspace=workspace).exists()


def activity_list(*, workspace, project=None, limit: int = 20):
    """Newest first. For a project: its own events and the workspace's team
    events (joins, roles, invitations), not other projects' events."""
    events = ActivityEvent.objects.filter(workspace=workspace)
    if project is not None:
        events = events.filter(Q(project=project) | Q(project__isnull=True))
    return events.select_related("actor").order_by("-created_at", "-id")[:limit]

