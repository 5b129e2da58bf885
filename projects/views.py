"""The project page (its dashboard) and the project actions, on the same
services and selectors as the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from omx.forms import add_service_errors
from omx.htmx import redirect_htmx, render_page
from projects import selectors, services
from projects.forms import ProjectForm
from workspaces.models import Role, role_at_least
from workspaces.selectors import workspace_get_by_ref_for_user
from workspaces.views import render_workspace_detail

DETAIL = "projects/detail.html"


def _project(request, ref, slug, need=Role.VIEWER):
    return selectors.project_get_by_slugs_for_user(
        user=request.user, workspace_ref=ref, project_slug=slug, need=need
    )


def _render(request, project, *, partial=None, **extra):
    context = {
        **selectors.project_dashboard(project=project),
        "workspace": project.workspace,
        "role": project.role,
        "can_edit": role_at_least(project.role, Role.MEMBER),
        "is_admin": role_at_least(project.role, Role.ADMIN),
        "form": ProjectForm(initial={"name": project.name, "description": project.description}),
        **extra,
    }
    return render_page(request, DETAIL, context, partials=("header", "activity", "connections", "checklist"),
                       partial=partial)


@login_required
def project_detail(request, ref, slug):
    project = _project(request, ref, slug)
    if ref != project.workspace.slug or slug != project.slug:
        return redirect("projects:detail", project.workspace.slug, project.slug)
    editing = request.GET.get("edit") == "1" and role_at_least(project.role, Role.MEMBER)
    return _render(request, project, editing=editing)


@login_required
@require_POST
def project_create(request, ref):
    workspace = workspace_get_by_ref_for_user(user=request.user, ref=ref, need=Role.MEMBER)
    form = ProjectForm(request.POST)
    if form.is_valid():
        try:
            project = services.project_create(workspace=workspace, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Project {project.name} created.")
            return redirect_htmx(request, "projects:detail", workspace.slug, project.slug)
    if not request.htmx:
        for error in [e for errors in form.errors.values() for e in errors]:
            messages.error(request, error)
        return redirect("workspaces:detail", workspace.slug)
    return render_workspace_detail(request, workspace, partial="projects", project_form=form)


@login_required
@require_POST
def project_update(request, ref, slug):
    project = _project(request, ref, slug, need=Role.MEMBER)
    form = ProjectForm(request.POST)
    if form.is_valid():
        try:
            services.project_update(project=project, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Project saved.")
            if not request.htmx:
                return redirect("projects:detail", project.workspace.slug, project.slug)
            project = selectors.project_get_for_user(
                user=request.user, workspace_id=project.workspace_id, project_id=project.pk
            )
            return _render(request, project, partial="header")
    return _render(request, project, partial="header", editing=True, form=form)


@login_required
@require_POST
def project_delete(request, ref, slug):
    project = _project(request, ref, slug, need=Role.ADMIN)
    services.project_delete(project=project, actor=request.user)
    messages.success(request, f"Project {project.name} deleted. Objects in its buckets were not touched.")
    return redirect_htmx(request, "workspaces:detail", project.workspace.slug)
