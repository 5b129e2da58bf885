"""The bucket browser: one page (templates/storage/browser.html) whose partials
htmx swaps in place — the listing when navigating, the results when searching,
rows for the next page, the details panel, the connections sidebar — and the
small actions around it. Everything goes through the storage selectors and
services the JSON API uses; uploads go from the browser straight to signed
URLs issued by that API.

Where the page is lives in `storage.browse`, what it shows in
`storage.presenters`, and how a failure shows in `storage.problems`.
"""

from functools import wraps
from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, replace_url, trigger_client_event

from omx.forms import add_service_errors
from omx.htmx import render_page
from omx.net import client_ip
from omx.routing import reverse
from projects.selectors import project_get_by_slugs_for_user
from storage import job_services, selectors, services
from storage.backends import StorageError
from storage.backends.base import folder_name
from storage.browse import Browse, browse, project_kwargs
from storage.forms import FolderForm, LinkBucketForm
from storage.presenters import listing_load, object_details, page_context
from storage.problems import GONE, error_message, page_problem
from storage.rules import MAX_NAMES
from workspaces.models import Role

PAGE = "storage/browser.html"
CHANGED = "storage-changed"  # the client event that makes the listing reload itself
JOB_STARTED = "storage-job"  # the client event that hands a new storage job to the page's jobs panel


# --- Access ----------------------------------------------------------------


def _login_url(next_url: str) -> str:
    return f"{reverse('accounts:login')}?{urlencode({'next': next_url})}"


def page_login_required(view):
    """Like login_required, but an htmx request from an expired session gets
    HX-Redirect to the log-in page, coming back to the page it was on (not to
    the fragment URL it asked for)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        page = reverse("storage:browser", kwargs={"workspace": kwargs["workspace"], "project": kwargs["project"]})
        if "application/json" in request.headers.get("Accept", "") and not request.htmx:
            # browser.js's fetch calls: it sends the person to log in itself.
            return JsonResponse({"detail": "Log in again: your session has ended.", "code": "not_authenticated",
                                 "login_url": _login_url(page)}, status=401)
        if request.htmx and not request.htmx.history_restore_request:
            return HttpResponseClientRedirect(_login_url(request.htmx.current_url_abs_path or page))
        if request.method != "GET" or view.__name__ != "browser":
            # A POST or fragment URL is no page to come back to: the browser is.
            return redirect_to_login(page)
        return redirect_to_login(request.get_full_path())

    return wrapper


def _project(request, workspace, project, need=Role.VIEWER, *, connections=False):
    """`connections=True` for views that read the links and change none."""
    return project_get_by_slugs_for_user(
        user=request.user, workspace_ref=workspace, project_slug=project, need=need, counts=False,
        connections=connections,
    )


# --- Rendering ----------------------------------------------------------------


def _respond(request, context, status=200, *, partial=None) -> HttpResponse:
    """The page, or the one partial the view chose; signed URLs inside, so
    never from a cache."""
    return render_page(request, PAGE, context, partial=partial, status=status, fragment=partial is not None,
                       volatile=True)


def _htmx_target(request) -> str | None:
    if not request.htmx or request.htmx.history_restore_request:
        return None
    return request.htmx.target


def _render_page(request, project, state: Browse, *, status=None, **extra) -> HttpResponse:
    context = page_context(request, project, state, **extra)
    listing_load(request, project, state, request.GET.get("page_token") or None, context)
    name = request.GET.get("object")
    if name and state.connection and not state.problem and "detail" not in context:
        _fill_details(request, project, state, name, context)
    problem = context.get("problem")
    return _respond(request, context, status or (problem["status"] if problem else 200))


def _fill_details(request, project, state, name, context) -> int:
    with page_problem(context, "detail_problem", title="Not available", gone=GONE) as caught:
        context["detail"] = object_details(request, project, state, name)
    return caught.problem["status"] if caught.problem else 200


# --- The page ------------------------------------------------------------------


@page_login_required
@require_GET
def browser(request, workspace, project):
    slugs = (workspace, project)
    project = _project(request, workspace, project, connections=True)
    if slugs != (project.workspace.slug, project.slug) and not request.htmx:
        url = reverse("storage:browser", kwargs=project_kwargs(project))
        return redirect(f"{url}?{request.GET.urlencode(safe='/')}" if request.GET else url)
    state = browse(project, request.GET)
    target = _htmx_target(request)
    if target == "fb-details":
        context = page_context(request, project, state)
        name = request.GET.get("object", "")
        status = 200
        if state.problem:
            context["detail_problem"], status = state.problem, state.problem["status"]
        elif name:
            status = _fill_details(request, project, state, name, context)
            if context.get("detail_problem", {}).get("retry"):
                context["detail_problem"]["retry_url"] = request.get_full_path()
        return _respond(request, context, status, partial="details")
    if target == "fb-connections":
        return _respond(request, page_context(request, project, state), partial="connections")
    partial = {"fb-more": "rows", "fb-results": "results", "fb-listing": "listing"}.get(target)
    if partial is None:
        return _render_page(request, project, state)
    context = page_context(request, project, state)
    listing_load(request, project, state, request.GET.get("page_token") or None, context)
    problem = context.get("problem")
    status = problem["status"] if problem else 200
    if partial == "rows" and problem:
        partial = "more_error"
    context["fragment_title"] = partial
    response = _respond(request, context, status, partial=partial)
    if partial == "results":
        # The search box: starting or leaving a search is a step Back undoes;
        # refining one only rewrites the address.
        searched = "search" in parse_qs(urlsplit(request.htmx.current_url or "").query)
        (push_url if searched != bool(state.search) else replace_url)(response, state.url())
    return response


@page_login_required
@require_GET
def object_download(request, workspace, project):
    """A plain link per file (works without JavaScript): issue a signed
    download URL and go there."""
    project = _project(request, workspace, project, connections=True)
    state = browse(project, request.GET)
    name = request.GET.get("name", "")
    if state.problem or not state.connection or not name:
        return _render_page(request, project, state, status=(state.problem or {}).get("status", 400))
    with page_problem(title="Not available", gone=GONE) as caught:
        signed = services.download_url_issue(
            user=request.user, project=project, bucket=state.bucket, object_name=name, disposition="attachment",
            via="page", client_ip=client_ip(request),
        )
    if caught.problem:
        return _render_page(request, project, state, status=caught.problem["status"], detail_problem=caught.problem)
    response = redirect(request.build_absolute_uri(signed.url) if signed.url.startswith("/") else signed.url)
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


@page_login_required
@require_POST
def object_link(request, workspace, project):
    """"Copy link": a signed URL with its expiry."""
    project = _project(request, workspace, project, connections=True)
    state = browse(project, request.POST)
    name = request.POST.get("name", "")
    context = page_context(request, project, state)
    with page_problem(context, "link_problem", title="Not available") as caught:
        if state.problem or not name:
            raise ValidationError(state.problem["detail"] if state.problem else "Name a file.")
        signed = services.download_url_issue(user=request.user, project=project, bucket=state.bucket,
                                             object_name=name, via="page", client_ip=client_ip(request))
        url = request.build_absolute_uri(signed.url) if signed.url.startswith("/") else signed.url
        context["link"] = {"url": url, "expires_at": signed.expires_at}
    status = caught.problem["status"] if caught.problem else 200
    if request.htmx:
        return _respond(request, context, status, partial="link")
    _fill_details(request, project, state, name, context)
    listing_load(request, project, state, None, context)
    return _respond(request, context, status)


# --- Writes -----------------------------------------------------------------------


def _back(state: Browse):
    return redirect(state.url())


@page_login_required
@require_POST
def folder_create(request, workspace, project):
    project = _project(request, workspace, project, need=Role.MEMBER, connections=True)
    state = browse(project, request.POST)
    form = FolderForm(request.POST)
    if state.problem:
        form.add_error(None, state.problem["detail"])
    elif form.is_valid():
        try:
            created = services.folder_create(user=request.user, project=project, bucket=state.bucket,
                                             prefix=state.prefix + form.cleaned_data["name"] + "/")
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "prefix" in exc.error_dict:
                exc = ValidationError({"name": exc.error_dict["prefix"]})
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("name", error_message(exc))
        except StorageError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, f"Folder {folder_name(created)} created.")
            if not request.htmx:
                return _back(state)
            response = _respond(request, page_context(request, project, state), partial="newfolder")
            trigger_client_event(response, CHANGED, {"created": created})
            return response
    if request.htmx:
        return _respond(request, page_context(request, project, state, folder_form=form), 400, partial="newfolder")
    return _render_page(request, project, state, status=400, folder_form=form)


@page_login_required
@require_POST
def objects_delete(request, workspace, project):
    """First POST: the confirmation, listing what will go. With confirm=1:
    plain objects are deleted at once (the service checks each name), then
    the result (deleted / not found); a selection with a folder goes to a
    delete job (a folder may hold any number of objects), which the page's
    jobs panel follows."""
    project = _project(request, workspace, project, need=Role.MEMBER, connections=True)
    state = browse(project, request.POST)
    names = list(dict.fromkeys(n for n in request.POST.getlist("name") if n))
    context = {"delete_names": names}
    with page_problem(context, "dialog_problem", title="Cannot delete", status=400) as caught:
        if state.problem:
            raise ValidationError(state.problem["detail"])
        if not names:
            raise ValidationError("Select the files or folders to delete first.")
        if len(names) > MAX_NAMES:
            raise ValidationError(f"At most {MAX_NAMES} items at a time.")
        if request.POST.get("confirm") == "1" and any(n.endswith("/") for n in names):
            context["delete_job"] = job_services.job_create(user=request.user, project=project, kind="delete",
                                                            bucket=state.bucket, sources=names, via="page",
                                                            client_ip=client_ip(request))
        elif request.POST.get("confirm") == "1":
            deleted, not_found = services.objects_delete(user=request.user, project=project,
                                                         bucket=state.bucket, names=names, via="page",
                                                         client_ip=client_ip(request))
            context.update(delete_result=True, deleted=deleted, not_found=not_found)
    status = caught.problem["status"] if caught.problem else 200
    context["delete_items"] = [{"name": n, "folder": n.endswith("/")} for n in names]
    context["delete_summary"] = _delete_summary(names, state.prefix)
    context["has_folders"] = any(n.endswith("/") for n in names)
    job = context.get("delete_job")
    if not request.htmx:
        if context.get("delete_result"):
            _delete_messages(request, context["deleted"], context["not_found"])
            return _back(state)
        if job:
            messages.info(request, f"Deleting {len(names)} item{'s' if len(names) != 1 else ''} in the background: "
                                   "reload the page to see how far it got.")
            return _back(state)
        return _render_page(request, project, state, status=status, dialog_inline=True, **context)
    response = _respond(request, page_context(request, project, state, **context), status, partial="dialog")
    if context.get("delete_result"):
        trigger_client_event(response, CHANGED, {"deleted": len(context["deleted"])})
    if job:
        # After settling: the jobs panel takes over from the dialog.
        trigger_client_event(response, JOB_STARTED, {"id": str(job.pk)}, after="settle")
    return response


def _delete_summary(names: list[str], prefix: str) -> str:
    """What a delete takes, in words: a folder goes with everything inside it."""
    folders = [n for n in names if n.endswith("/")]
    files = len(names) - len(folders)
    if not names:
        return ""
    if len(names) <= 3:
        parts = [f"the {'folder' if n.endswith('/') else 'file'} {n.removeprefix(prefix) or n}"
                 + (" and everything inside it" if n.endswith("/") else "") for n in names]
        text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    else:
        counted = []
        if folders:
            counted.append(f"{len(folders)} folder{'s' if len(folders) != 1 else ''} with everything inside "
                           f"{'them' if len(folders) != 1 else 'it'}")
        if files:
            counted.append(f"{files} file{'s' if files != 1 else ''}")
        text = " and ".join(counted)
    return text[:1].upper() + text[1:]


def _delete_messages(request, deleted, not_found):
    if deleted:
        messages.success(request, f"Deleted {len(deleted)} item{'s' if len(deleted) != 1 else ''}.")
    if not_found:
        messages.warning(request, f"{len(not_found)} item{'s were' if len(not_found) != 1 else ' was'} "
                                  f"already gone: {', '.join(not_found[:5])}" + ("…" if len(not_found) > 5 else ""))


@page_login_required
@require_POST
def upload_check(request, workspace, project):
    """Before an upload: which names exist already (to ask before
    overwriting) and which are refused (outside the linked prefix, invalid)."""
    project = _project(request, workspace, project, need=Role.MEMBER, connections=True)
    state = browse(project, request.POST)
    names = request.POST.getlist("name")[:MAX_NAMES]
    if state.problem or not state.connection:
        detail, status = (state.problem["detail"], state.problem["status"]) if state.problem else (
            "Link a bucket first.", 400)
        return JsonResponse({"detail": detail, "code": "invalid"}, status=status)
    try:
        existing, refused = selectors.objects_existing(project=project, bucket=state.bucket, names=names)
    except StorageError as exc:
        return JsonResponse({"detail": exc.detail, "code": exc.code}, status=exc.status_code)
    except (PermissionDenied, ValidationError) as exc:
        return JsonResponse({"detail": error_message(exc), "code": "invalid"}, status=400)
    return JsonResponse({"existing": existing, "refused": refused})


# --- Bucket links (admins) -----------------------------------------------------------


@page_login_required
@require_GET
def bucket_choices(request, workspace, project):
    """The buckets the workspace may link (its grants), to pick one when linking."""
    project = _project(request, workspace, project, need=Role.ADMIN)
    context = {"buckets": [], "buckets_problem": None, "grants_required": selectors.grants_required()}
    try:
        context["gcp_project_id"], context["buckets"] = selectors.buckets_list(
            workspace=project.workspace, gcp_project_id=None)
    except StorageError as exc:
        context["buckets_problem"] = exc.detail
    except ValidationError as exc:
        context["buckets_problem"] = error_message(exc)
    linked = {c.bucket_name for c in selectors.connection_list(project=project)}
    context["buckets"] = [{"bucket": b, "linked": b["name"] in linked} for b in context["buckets"]]
    return _respond(request, context, partial="buckets")


@page_login_required
@require_POST
def connection_create(request, workspace, project):
    project = _project(request, workspace, project, need=Role.ADMIN)
    form = LinkBucketForm(request.POST)
    if form.is_valid():
        try:
            connection = services.connection_create(user=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except selectors.BucketNotGranted as exc:
            form.add_error("bucket_name", exc.detail)
        else:
            messages.success(request, f"Linked {connection.uri}.")
            url = f"{reverse('storage:browser', kwargs=project_kwargs(project))}?{urlencode({'c': connection.pk})}"
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    state = browse(project, request.GET)
    if request.htmx:
        return _respond(request, page_context(request, project, state, link_form=form), 400, partial="connections")
    return _render_page(request, project, state, status=400, link_form=form)


@page_login_required
@require_POST
def connection_delete(request, workspace, project, connection_id):
    project = _project(request, workspace, project, need=Role.ADMIN)
    connection = selectors.connection_get(project=project, connection_id=connection_id)
    uri = connection.uri
    services.connection_delete(user=request.user, connection=connection)
    messages.success(request, f"Unlinked {uri}. No object was deleted.")
    url = reverse("storage:browser", kwargs=project_kwargs(project))
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
