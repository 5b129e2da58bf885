"""Every read of projects that depends on who asks. Access is checked here,
once, through the caller's membership in the project's workspace."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, OuterRef, Window
from django.http import Http404
from django.utils import timezone

from accounts.authentication import pending_user
from omx.ids import as_uuid
from omx.pagination import TOTAL, PageRows
from omx.sqlcache import CompiledQuery, columns, model_from_row
from projects.models import Project
from storage.selectors import (  # the one way up: see ARCHITECTURE.md
    connection_count_subquery,
    connection_from_row,
    connection_list,
    connection_rows,
    granted_expression,
    grants_required,
)
from workspaces.models import Membership, Role, role_at_least
from workspaces.selectors import activity_list, count_subquery, pending_invitations, workspace_role_check


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


# What a Project object of the API shows, as plain rows for its list.
PROJECT_FIELDS = ("id", "workspace_id", "name", "slug", "description", "created_at", "updated_at",
                  "connection_count", "created_by_id", "created_by__email", "created_by__full_name",
                  "created_by__date_joined")

# The caller's membership is a condition of the page's own query: rows come
# back only for a member, and only an empty page needs the separate check.
_project_rows_sql = CompiledQuery(
    lambda workspace_id, user_id: project_list(workspace=workspace_id).filter(
        Exists(Membership.objects.filter(workspace=OuterRef("workspace_id"), user=user_id))
    ).values(*PROJECT_FIELDS).annotate(**{TOTAL: Window(Count("*"))}),
    workspace_id=Project._meta.get_field("workspace").target_field,
    user_id=Membership._meta.get_field("user").target_field,
)


def project_rows_for_user(*, user, workspace_id) -> PageRows:
    """The workspace's projects as rows of PROJECT_FIELDS, a page at a time,
    for a member of the workspace (an outsider's request is a 404, like
    workspace_role_check's). A page with rows proves the membership in the
    same query; an empty one checks it apart."""
    workspace_id = as_uuid(workspace_id)
    if workspace_id is None or user is None or not user.is_authenticated:
        raise Http404("No such workspace.")

    def page(offset, limit):
        rows = _project_rows_sql.rows(workspace_id=workspace_id, user_id=user.pk, offset=offset, limit=limit)
        if not rows:
            workspace_role_check(user=user, workspace_id=workspace_id)
        return rows

    # PageRows' count runs only after a page came back empty, which checked.
    return PageRows(page=page, count=lambda: project_list(workspace=workspace_id).count())


def _lookup(counts: tuple[str, ...], keys: tuple[str, str], links: bool, reads_user: bool):
    """_get's queryset for one shape of lookup (`keys`: the workspace's and the
    project's lookup, by id or by slug), as rows: the project's and its
    workspace's (and, with any `counts`, its creator's) columns side by side,
    and the `counts` named (of COUNTS); with `links`, one row
    per storage connection of the project (a LEFT JOIN: one row with empty
    connection columns when it has none), each with its `link_granted`; with
    `reads_user`, the member's own columns too, found only while the member
    is active and at the token version given."""
    from accounts.models import User
    from storage.models import StorageConnection
    from workspaces.models import Invitation, Workspace

    related = {"workspace": Workspace, **({"created_by": User} if counts else {})}
    names = [*columns(Project), *(f"{name}__{column}" for name, model in related.items() for column in columns(model))]
    if links:
        names += [f"{CONNECTIONS}{column}" for column in columns(StorageConnection)]
    if reads_user:
        names += [f"{MEMBER}{column}" for column in columns(User)]
    extra = ["role", *counts, *(["link_granted"] if links else [])]
    workspace_key, project_key = keys

    def build(user_id, workspace, project, now=None, token_version=None):
        # One filter() call: the membership and its user are one join, not two.
        member = {f"{MEMBER}is_active": True, f"{MEMBER}token_version": token_version} if reads_user else {}
        projects = Project.objects.filter(workspace__memberships__user=user_id, **member).annotate(
            role=F("workspace__memberships__role"))
        annotations = {
            "connection_count": connection_count_subquery,
            "member_count": lambda: count_subquery(Membership.objects.all(), outer="workspace_id"),
            "has_invitations": lambda: Exists(pending_invitations(now=now).filter(workspace=OuterRef("workspace_id"))),
        }
        projects = projects.annotate(**{name: annotations[name]() for name in counts})
        if links:
            projects = projects.annotate(
                link_granted=granted_expression(OuterRef("workspace_id"), path=CONNECTIONS)
            ).order_by(f"{CONNECTIONS}bucket_name", f"{CONNECTIONS}prefix", f"{CONNECTIONS}id")
        return projects.filter(**{project_key: project, workspace_key: workspace}).values(*names, *extra)

    # With the counts, "now" (invitations still pending) is a parameter like the ids.
    clock = {"now": Invitation._meta.get_field("expires_at")} if "has_invitations" in counts else {}
    version = {"token_version": User._meta.get_field("token_version")} if reads_user else {}
    fields = {"workspace_id": Project._meta.pk, "workspace__slug": Workspace._meta.get_field("slug"),
              "pk": Project._meta.pk, "slug": Project._meta.get_field("slug")}
    return CompiledQuery(build, user_id=Membership._meta.get_field("user").target_field,
                         workspace=fields[workspace_key], project=fields[project_key], **clock, **version), related


_LOOKUPS = {}
BY_IDS = ("workspace_id", "pk")
CONNECTIONS = "connections__"
MEMBER = "workspace__memberships__user__"
COUNTS = ("connection_count", "member_count", "has_invitations")


def _get_compiled(user, need, counts, keys, workspace, project, links=False) -> Project:
    """_get for a lookup by id or slug, its SQL compiled once per connection.
    A bearer token's user not read yet (accounts.authentication.PendingUser)
    is read in the same query, and resolved with what it found."""
    pending = pending_user(user)
    if pending is None and (user is None or not user.is_authenticated):
        raise Http404("No such project.")
    counts = COUNTS if counts is True else tuple(counts or ())
    # The grant mode changes the SQL of `link_granted`: one compiled form per mode.
    shape = (counts, keys, links, links and grants_required(), pending is not None)
    if shape not in _LOOKUPS:
        _LOOKUPS[shape] = _lookup(*shape[:3], reads_user=pending is not None)
    compiled, related = _LOOKUPS[shape]
    clock = {"now": timezone.now()} if "has_invitations" in counts else {}
    if pending is None:
        rows = compiled.rows(user_id=user.pk, workspace=workspace, project=project, **clock)
    else:
        rows = _rows_checking_user(compiled, pending, workspace=workspace, project=project, **clock)
    if not rows or rows[0]["role"] is None:
        raise Http404("No such project.")
    row = rows[0]
    if not role_at_least(row["role"], need):
        raise PermissionDenied(f"This needs the {need} role or higher in the workspace.")
    project = model_from_row(Project, row)
    project.role = row["role"]
    for name, model in related.items():
        if row[f"{name}__id"] is not None:
            setattr(project, name, model_from_row(model, row, f"{name}__"))
        elif name == "created_by":
            project.created_by = None
    for name in counts:
        setattr(project, name, row[name])
    if links:
        project.connections_read = [connection_from_row(r, CONNECTIONS, granted="link_granted")
                                    for r in rows if r[f"{CONNECTIONS}id"] is not None]
    project.workspace.role = project.role
    return project


def _rows_checking_user(compiled, pending, **values) -> list[dict]:
    """The lookup's rows for a pending bearer user, which resolves with the
    row found (or, with none, reads itself: a 401 if the token's user is
    gone, inactive or revoked, else on to the 404)."""
    from accounts.models import User

    try:
        rows = compiled.rows(user_id=pending.user_id, token_version=pending.token_version, **values)
    except (ValidationError, ValueError, TypeError):  # claims that are no id or version: the full checks say
        rows = []
    pending.resolve(model_from_row(User, rows[0], MEMBER) if rows else None)
    return rows


def project_get_for_user(*, user, workspace_id, project_id, need=Role.VIEWER, counts: bool | tuple = True,
                         connections: bool = False) -> Project:
    """The project with `.workspace`, the caller's `.role`, `connection_count`
    and `member_count`, in one query. A project under another workspace's id,
    like an outsider's request, is a 404. `counts` may name only some of
    COUNTS (what the caller shows); `counts=False` leaves out the counts and
    `created_by` (storage calls need the access check and the workspace
    only). `connections=True` reads the project's storage connections in the
    same query, as `.connections_read` (what storage.selectors.connection_objects
    gives, with `granted`), which the storage selectors then use instead of
    a query of their own: for requests that read links and change none."""
    workspace_id, project_id = as_uuid(workspace_id), as_uuid(project_id)
    if workspace_id is None or project_id is None:
        raise Http404("No such project.")
    return _get_compiled(user, need, counts, BY_IDS, workspace_id, project_id, connections)


def project_get_by_slugs_for_user(*, user, workspace_ref, project_slug, need=Role.VIEWER,
                                  counts: bool | tuple = True, connections: bool = False) -> Project:
    """For page URLs: the workspace's slug (or id) and the project's slug (or
    id). `counts` and `connections` as for project_get_for_user."""
    workspace_id, project_id = as_uuid(workspace_ref), as_uuid(project_slug)
    keys = ("workspace_id" if workspace_id else "workspace__slug", "pk" if project_id else "slug")
    return _get_compiled(user, need, counts, keys, workspace_id or str(workspace_ref),
                         project_id or str(project_slug), connections)


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


# What an ActivityEvent of the API shows, as plain rows.
ACTIVITY_FIELDS = ("verb", "summary", "created_at", "actor_id", "actor__email", "actor__full_name",
                   "actor__date_joined")

_activity_rows = CompiledQuery(
    lambda workspace_id, project_id: activity_list(workspace=workspace_id, project=project_id, limit=20).values(
        *ACTIVITY_FIELDS),
    workspace_id=Project._meta.get_field("workspace").target_field, project_id=Project._meta.pk,
)


def project_dashboard_rows_for_user(*, user, workspace_id, project_id) -> dict:
    """The API dashboard: the project (access checked, with the one count its
    answer shows besides the connections it lists, which are their own
    count), and its lists as plain rows (connections: rows of
    storage.selectors.CONNECTION_FIELDS; activity: rows of ACTIVITY_FIELDS),
    each query compiled once per connection."""
    project = project_get_for_user(user=user, workspace_id=workspace_id, project_id=project_id,
                                   counts=("member_count",))
    connections = connection_rows(project=project)
    project.connection_count = len(connections)
    return {
        "project": project,
        "member_count": project.member_count,
        "connections": connections,
        "recent_activity": _activity_rows.rows(workspace_id=project.workspace_id, project_id=project.pk),
    }


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
