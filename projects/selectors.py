"""Every read of projects that depends on who asks. Access is checked here,
once, through the caller's membership in the project's workspace."""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404

from omx.ids import as_uuid
from projects.models import Project
from storage.selectors import connection_count_subquery, connection_list  # the one way up: see ARCHITECTURE.md
from workspaces.models import Membership, Role, role_at_least
from workspaces.selectors import activity_list, count_subquery, pending_invitations


# --- Storage connections ------------------------------------------------------


def _with_connection_count(queryset):
    """Annotate `connection_count` on a Project queryset (one subquery, no join fan-out)."""
    return queryset.annotate(connection_count=connection_count_subquery())


def _dashboard_connections(project) -> list:
    """The project's storage connections for its dashboard, in one query."""
    return list(connection_list(project=project))


# --- Lists and lookups -------------------------------------------------------------


def project_list(*, workspace):
    """The workspace's projects; callers get `workspace` from
    workspace_get_for_user, which checked access."""
    return _with_connection_count(
        Project.objects.filter(workspace=workspace).select_related("created_by")
    ).order_by("name", "id")


def _get(user, need, **lookup) -> Project:
    if user is None or not user.is_authenticated:
        raise Http404("No such project.")
    role = Subquery(
        Membership.objects.filter(workspace=OuterRef("workspace_id"), user=user).values("role")[:1]
    )
    project = (
        _with_connection_count(Project.objects.select_related("workspace", "created_by"))
        .annotate(
            role=role,
            member_count=count_subquery(Membership.objects.all(), outer="workspace_id"),
            has_invitations=Exists(pending_invitations().filter(workspace=OuterRef("workspace_id"))),
        )
        .filter(**lookup)
        .first()
    )
    if project is None or project.role is None:
        raise Http404("No such project.")
    if not role_at_least(project.role, need):
        raise PermissionDenied(f"This needs the {need} role or higher in the workspace.")
    project.workspace.role = project.role
    return project


def project_get_for_user(*, user, workspace_id, project_id, need=Role.VIEWER) -> Project:
    """The project with `.workspace`, the caller's `.role`, `connection_count`
    and `member_count`, in one query. A project under another workspace's id,
    like an outsider's request, is a 404."""
    workspace_id, project_id = as_uuid(workspace_id), as_uuid(project_id)
    if workspace_id is None or project_id is None:
        raise Http404("No such project.")
    return _get(user, need, pk=project_id, workspace_id=workspace_id)


def project_get_by_slugs_for_user(*, user, workspace_ref, project_slug, need=Role.VIEWER) -> Project:
    """For page URLs: the workspace's slug (or id) and the project's slug (or id)."""
    lookup = {}
    workspace_id = as_uuid(workspace_ref)
    lookup.update({"workspace_id": workspace_id} if workspace_id else {"workspace__slug": str(workspace_ref)})
    project_id = as_uuid(project_slug)
    lookup.update({"pk": project_id} if project_id else {"slug": str(project_slug)})
    return _get(user, need, **lookup)


# --- Dashboard -----------------------------------------------------------------


def project_checklist(project, *, connections) -> list[dict]:
    """The setup steps of a new project; empty once all are done."""
    steps = [
        {"key": "bucket", "label": "Link a bucket", "done": bool(connections) or project.connection_count > 0},
        {"key": "invite", "label": "Invite someone",
         "done": project.member_count > 1 or bool(getattr(project, "has_invitations", False))},
        {"key": "upload", "label": "Upload a first file", "done": project.first_upload_at is not None},
    ]
    return [] if all(s["done"] for s in steps) else steps


def project_dashboard(*, project) -> dict:
    """`project` comes from project_get_for_user (with its annotations)."""
    connections = _dashboard_connections(project)
    return {
        "project": project,
        "member_count": project.member_count,
        "connections": connections,
        "recent_activity": list(activity_list(workspace=project.workspace, project=project, limit=20)),
        "checklist": project_checklist(project, connections=connections),
    }
