"""HTML pages for workspaces, joining and invitations, on the same services
and selectors as the API. One template per page; htmx requests get the
named partial (`page.html#name`) instead of the whole page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from omx.exceptions import ApplicationError
from omx.forms import add_service_errors
from omx.htmx import paginate, redirect_htmx, render_page
from projects.forms import ProjectForm
from projects.selectors import project_list
from workspaces import selectors, services
from workspaces.forms import InvitationForm, MemberRoleForm, WorkspaceForm
from workspaces.models import Role, role_at_least

DETAIL = "workspaces/detail.html"


# --- Helpers ------------------------------------------------------------------------


def login_urls(request) -> dict:
    """Log in / sign up links that come back to this page afterwards."""
    query = urlencode({"next": request.get_full_path()})
    return {"login_url": f"{reverse('accounts:login')}?{query}",
            "signup_url": f"{reverse('accounts:signup')}?{query}"}


def service_error_message(request, exc) -> None:
    if isinstance(exc, ApplicationError):
        messages.error(request, exc.detail)
    else:
        messages.error(request, " ".join(exc.messages))


# --- Workspaces list and create --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def workspace_list(request):
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Workspace {workspace.name} created.")
            return redirect_htmx(request, "workspaces:detail", workspace.slug)
    workspaces = selectors.workspace_list_for_user(user=request.user)
    context = {"form": form, "workspaces": paginate(request, workspaces)}
    return render_page(request, "workspaces/list.html", context, partials=("workspaces", "create-form"),
                       partial="create-form" if request.method == "POST" else None)


# --- Workspace page ------------------------------------------------------------------


def _detail_context(request, workspace, **extra) -> dict:
    is_admin = role_at_least(workspace.role, Role.ADMIN)
    is_owner = workspace.role == Role.OWNER
    context = {
        "workspace": workspace,
        "role": workspace.role,
        "can_edit": role_at_least(workspace.role, Role.MEMBER),
        "is_admin": is_admin,
        "is_owner": is_owner,
        # The last owner cannot leave: the page says so instead of offering it.
        "sole_owner": is_owner and selectors.workspace_owner_count(workspace=workspace) == 1,
        "projects": paginate(request, project_list(workspace=workspace), param="projects_page",
                             total=workspace.project_count),
        "members": paginate(request, selectors.member_list(workspace=workspace), param="members_page",
                            total=workspace.member_count),
        "assignable_roles": list(Role) if is_owner else Role.below(Role.OWNER),
        "project_form": ProjectForm(),
        "settings_form": WorkspaceForm(initial={"name": workspace.name, "description": workspace.description}),
        "invite_form": InvitationForm(),
    }
    if is_admin:
        context["invitations"] = paginate(
            request, selectors.invitation_list(workspace=workspace), param="invitations_page",
            total=workspace.invitation_count,
        )
        if workspace.join_code:
            context["join_url"] = request.build_absolute_uri(
                reverse("workspaces:join", kwargs={"code": workspace.join_code})
            )
    context.update(extra)
    return context


def render_workspace_detail(request, workspace, partial=None, status=200, **extra):
    """The workspace page or one of its sections; the projects pages answer
    with it too (a project created from it)."""
    return render_page(
        request, DETAIL, _detail_context(request, workspace, **extra),
        partials=("projects", "members", "invitations", "join-link", "header"), partial=partial, status=status,
    )


def _workspace(request, ref, need=Role.VIEWER):
    return selectors.workspace_get_by_ref_for_user(user=request.user, ref=ref, need=need)


def _after_action(request, workspace, partial, **extra):
    """htmx: the changed section, freshly read, and an event that lets the
    page header refresh its counts; otherwise back to the page."""
    if request.htmx:
        workspace = selectors.workspace_get_for_user(user=request.user, workspace_id=workspace.pk)
        response = render_workspace_detail(request, workspace, partial=partial, **extra)
        return response if partial == "header" else trigger_client_event(response, "workspace-changed")
    return redirect("workspaces:detail", workspace.slug)


@login_required
def workspace_detail(request, ref):
    workspace = _workspace(request, ref)
    if ref != workspace.slug:
        return redirect("workspaces:detail", workspace.slug)
    return render_workspace_detail(request, workspace, editing=request.GET.get("edit") == "1" and
                          role_at_least(workspace.role, Role.ADMIN))


@login_required
@require_POST
def workspace_update(request, ref):
    workspace = _workspace(request, ref, need=Role.ADMIN)
    form = WorkspaceForm(request.POST)
    if form.is_valid():
        try:
            services.workspace_update(workspace=workspace, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Workspace saved.")
            return _after_action(request, workspace, "header")
    return render_workspace_detail(request, workspace, partial="header", editing=True, settings_form=form)


@login_required
@require_POST
def workspace_delete(request, ref):
    workspace = _workspace(request, ref, need=Role.OWNER)
    services.workspace_delete(workspace=workspace, actor=request.user)
    messages.success(request, f"Workspace {workspace.name} deleted. Objects in its buckets were not touched.")
    return redirect_htmx(request, "workspaces:list")


@login_required
@require_POST
def workspace_leave(request, ref):
    workspace = _workspace(request, ref)
    try:
        services.workspace_leave(workspace=workspace, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
        return redirect_htmx(request, "workspaces:detail", workspace.slug)
    messages.success(request, f"You left {workspace.name}.")
    return redirect_htmx(request, "workspaces:list")


@login_required
@require_POST
def join_code_rotate(request, ref):
    workspace = _workspace(request, ref, need=Role.ADMIN)
    services.workspace_join_code_rotate(workspace=workspace, actor=request.user)
    messages.success(request, "New join link created; the old one no longer works.")
    return _after_action(request, workspace, "join-link")


@login_required
@require_POST
def join_code_disable(request, ref):
    workspace = _workspace(request, ref, need=Role.ADMIN)
    services.workspace_join_code_disable(workspace=workspace, actor=request.user)
    messages.success(request, "Join link switched off.")
    return _after_action(request, workspace, "join-link")


# --- Members ---------------------------------------------------------------------------


@login_required
@require_POST
def member_role(request, ref, user_id):
    workspace = _workspace(request, ref, need=Role.ADMIN)
    form = MemberRoleForm(request.POST)
    if form.is_valid():
        try:
            member = services.member_role_change(
                workspace=workspace, actor=request.user, user_id=user_id, role=form.cleaned_data["role"]
            )
        except (ApplicationError, ValidationError) as exc:
            service_error_message(request, exc)
        else:
            messages.success(request, f"{member.user.display_name} is now {member.get_role_display().lower()}.")
    else:
        messages.error(request, "Choose a valid role.")
    return _after_action(request, workspace, "members")


@login_required
@require_POST
def member_remove(request, ref, user_id):
    workspace = _workspace(request, ref, need=Role.ADMIN)
    member = selectors.member_get(workspace=workspace, user_id=user_id)
    # The service makes removing oneself a leave; this only words the answer.
    left = member.user_id == request.user.pk
    try:
        services.member_remove(workspace=workspace, actor=request.user, user_id=user_id)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
        if left:
            return redirect_htmx(request, "workspaces:detail", workspace.slug)
    else:
        if left:
            messages.success(request, f"You left {workspace.name}.")
            return redirect_htmx(request, "workspaces:list")
        messages.success(request, f"{member.user.display_name} was removed from the workspace.")
    return _after_action(request, workspace, "members")


# --- Invitations -----------------------------------------------------------------------


@login_required
@require_POST
def invitation_create(request, ref):
    workspace = _workspace(request, ref, need=Role.ADMIN)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, _, accept_url = services.invitation_create(
                workspace=workspace, actor=request.user, base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            if not request.htmx:
                messages.info(request, f"Invitation link (shown once): {accept_url}")
            return _after_action(request, workspace, "invitations", new_invitation=invitation,
                                 new_invitation_url=accept_url)
    if not request.htmx:
        for error in [e for errors in form.errors.values() for e in errors]:
            messages.error(request, error)
        return redirect("workspaces:detail", workspace.slug)
    return render_workspace_detail(request, workspace, partial="invitations", invite_form=form)


@login_required
@require_POST
def invitation_revoke(request, ref, invitation_id):
    workspace = _workspace(request, ref, need=Role.ADMIN)
    services.invitation_revoke(workspace=workspace, actor=request.user, invitation_id=invitation_id)
    messages.success(request, "Invitation revoked; its link no longer works.")
    return _after_action(request, workspace, "invitations")


# --- Joining by link, accepting an invitation ------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request, code):
    workspace = selectors.workspace_get_by_join_code(code=code)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_htmx(request, login_urls(request)["login_url"])
        workspace, joined = services.workspace_join(user=request.user, code=code)
        if joined:
            messages.success(request, f"Welcome to {workspace.name}!")
        else:
            messages.info(request, f"You are already a member of {workspace.name}.")
        return redirect_htmx(request, "workspaces:detail", workspace.slug)
    context = {
        "workspace": workspace,
        "already_member": selectors.is_member(user=request.user, workspace=workspace),
        **login_urls(request),
    }
    return render(request, "workspaces/join.html", context)


@require_http_methods(["GET", "POST"])
def invitation(request, token):
    invitation = selectors.invitation_get_by_token(token=token)
    context = {"invitation": invitation, "workspace": invitation.workspace, **login_urls(request)}
    if not invitation.is_usable:
        return render(request, "workspaces/invitation.html", {**context, "gone": True}, status=410)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_htmx(request, login_urls(request)["login_url"])
        try:
            workspace = services.invitation_accept(user=request.user, token=token)
        except PermissionDenied as exc:
            return render(request, "workspaces/invitation.html", {**context, "error": str(exc)}, status=403)
        except ApplicationError as exc:
            return render(request, "workspaces/invitation.html",
                          {**context, "gone": True, "error": exc.detail}, status=exc.status_code)
        messages.success(request, f"Welcome to {workspace.name}!")
        return redirect_htmx(request, "workspaces:detail", workspace.slug)
    user = request.user
    if user.is_authenticated:
        context["email_matches"] = user.email.lower() == invitation.email.lower()
        context["membership"] = invitation.workspace.memberships.filter(user=user).first()
    return render(request, "workspaces/invitation.html", context)
