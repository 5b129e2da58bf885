"""Folder details on the Files page: the count of a folder's objects and
bytes (storage.stats_services), asked for with the details panel's button and
followed there while a worker counts. Viewers may ask: a count reveals no
more than browsing the folder does."""

from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect

from omx.htmx import render_page
from projects.selectors import project_get_by_slugs_for_user
from storage.browse import browse
from storage.presenters import folder_stats_context as stats_context
from storage.problems import page_problem
from storage.stats_services import folder_stats_get, folder_stats_request
from storage.views import PAGE, page_login_required


@page_login_required
def folder_stats(request, workspace, project):
    """GET: the folder's last count (polled while it runs). POST: count it again."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    project = project_get_by_slugs_for_user(user=request.user, workspace_ref=workspace, project_slug=project,
                                           counts=False)
    params = request.POST if request.method == "POST" else request.GET
    state = browse(project, params)
    context = stats_context(project, state, state.prefix, None)
    with page_problem(context, "stats_problem", title="Cannot count this folder", status=403,
                      invalid=("Cannot count this folder", 400)) as caught:
        if state.problem or not state.connection:
            context["stats_problem"] = state.problem or {"title": "Cannot count this folder",
                                                         "detail": "Link a bucket first.", "status": 400}
        elif request.method == "POST":
            context.update(stats_context(project, state, state.prefix, folder_stats_request(
                user=request.user, project=project, bucket=state.bucket, prefix=state.prefix)))
        else:
            context.update(stats_context(project, state, state.prefix, folder_stats_get(
                project=project, bucket=state.bucket, prefix=state.prefix)))
    problem = context.get("stats_problem")
    status = problem["status"] if problem else (202 if request.method == "POST" else 200)
    if request.method == "POST" and not request.htmx and not problem:
        return redirect(state.url(object=state.prefix))
    return render_page(request, PAGE, context, partial="folder_stats", status=status, fragment=True, volatile=True)
