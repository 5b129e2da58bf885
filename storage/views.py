"""The bucket browser: one page (templates/storage/browser.html) whose partials
htmx swaps in place — the listing when navigating, the results when filtering,
rows for the next page, the details panel, the connections sidebar — and the
small actions around it. Everything goes through the storage selectors and
services the JSON API uses; uploads go from the browser straight to signed
URLs issued by that API.
"""

import codecs
import json
import mimetypes
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from accounts.forms import add_service_errors
from projects.selectors import project_get_by_slugs_for_user
from storage import selectors, services
from storage.backends import StorageError, StorageNotFound
from storage.backends.base import basename, folder_name
from storage.forms import FolderForm, LinkBucketForm
from storage.validation import is_within
from workspaces.models import Role, role_at_least

PAGE = "storage/browser.html"
PAGE_SIZE = 100
TEXT_PREVIEW_BYTES = 64 * 1024
THUMBNAIL_MAX_BYTES = 20 * 1024 * 1024  # bigger images show an icon: GCS makes no thumbnails
MAX_NAMES = 1000
CHANGED = "storage-changed"  # the client event that makes the listing reload itself
VIEWS = ("list", "grid")
SORTS = {"name": "name", "size": "size", "modified": "last modified"}
FIRST_DIR = {"name": "asc", "size": "desc", "modified": "desc"}  # a column's first click: A→Z, biggest, newest
TEXT_TYPES = {
    "application/json", "application/x-ndjson", "application/ld+json", "application/xml", "application/javascript",
    "application/x-javascript", "application/ecmascript", "application/x-yaml", "application/yaml",
    "application/toml", "application/csv", "application/sql", "application/x-sh", "application/x-python",
    "application/x-sql", "application/geo+json",
}
TEXT_EXTENSIONS = {
    ".txt", ".md", ".markdown", ".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".log", ".yaml", ".yml", ".toml",
    ".ini", ".cfg", ".conf", ".xml", ".py", ".js", ".ts", ".sh", ".sql", ".r", ".rst", ".tex", ".html", ".css",
    ".fasta", ".fa", ".fastq", ".vcf", ".bed", ".gff", ".gtf", ".sam",
}
ARCHIVE_TYPES = {"application/zip", "application/gzip", "application/x-gzip", "application/x-tar",
                 "application/x-7z-compressed", "application/x-bzip2", "application/x-xz", "application/zstd"}
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}


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


def _project(request, workspace, project, need=Role.VIEWER):
    return project_get_by_slugs_for_user(
        user=request.user, workspace_ref=workspace, project_slug=project, need=need
    )


# --- Where the browser is ----------------------------------------------------


@dataclass
class Browse:
    """The state a browser URL carries: which connection, which prefix, and how
    the listing is filtered, viewed and sorted."""

    base: str
    connections: list
    connection: object = None
    prefix: str = ""
    q: str = ""
    view: str = "list"
    sort: str = "name"
    dir: str = "asc"
    problem: dict | None = None

    @property
    def bucket(self) -> str:
        return self.connection.bucket_name if self.connection else ""

    @property
    def root(self) -> str:
        return self.connection.prefix if self.connection else ""

    def params(self, **changes) -> dict:
        values = {
            "c": str(self.connection.pk) if self.connection else None,
            "prefix": self.prefix if self.connection and self.prefix != self.root else None,
            "q": self.q, "view": self.view if self.view != "list" else None,
            "sort": self.sort if self.sort != "name" else None, "dir": self.dir if self.dir != "asc" else None,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}

    def url(self, **changes) -> str:
        params = self.params(**changes)
        if "prefix" in changes and changes["prefix"] == self.root:
            params.pop("prefix", None)
        query = urlencode(params, safe="/")
        return f"{self.base}?{query}" if query else self.base


def _problem(title: str, detail: str, status: int, retry: bool = False) -> dict:
    return {"title": title, "detail": detail, "status": status, "retry": retry}


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "That is not allowed."


def _storage_problem(exc: StorageError) -> dict:
    if isinstance(exc, StorageNotFound):
        return _problem("Not found", exc.detail, 404)
    if exc.status_code == 503:
        return _problem("Cloud Storage is unreachable", exc.detail, 503, retry=True)
    if exc.status_code == 400:
        return _problem("Cloud Storage refused the request", exc.detail, 400)
    return _problem("Cloud Storage answered with an error", exc.detail, 502, retry=True)


def _browse(request, project, params) -> Browse:
    base = reverse("storage:browser", kwargs={"workspace": project.workspace.slug, "project": project.slug})
    connections = list(selectors.connection_list(project=project))
    state = Browse(
        base=base, connections=connections,
        q=params.get("q", "")[:1024],
        view=params.get("view") if params.get("view") in VIEWS else "list",
        sort=params.get("sort") if params.get("sort") in SORTS else "name",
        dir="desc" if params.get("dir") == "desc" else "asc",
    )
    prefix, bucket, cid = params.get("prefix"), params.get("bucket"), params.get("c")
    try:
        if cid:
            connection = selectors.connection_get(project=project, connection_id=cid)
        elif bucket:
            candidates = [c for c in connections if c.bucket_name == bucket]
            if not candidates:
                raise PermissionDenied(selectors.NOT_LINKED)
            inside = [c for c in candidates if prefix is None or is_within(prefix, c.prefix)]
            connection = max(inside or candidates, key=lambda c: len(c.prefix))
        else:
            connection = connections[0] if connections else None
        if connection is None:
            return state
        state.connection = connection
        state.prefix = connection.prefix
        resolved = selectors.prefix_resolve(
            project=project, bucket=connection.bucket_name, prefix=connection.prefix if prefix is None else prefix
        )
        if not is_within(resolved, connection.prefix):
            # Inside another link of the same bucket: show it under that one.
            state.connection = max(
                (c for c in connections if c.bucket_name == connection.bucket_name and is_within(resolved, c.prefix)),
                key=lambda c: len(c.prefix),
            )
        state.prefix = resolved
    except Http404:
        state.problem = _problem("No such bucket link", "This bucket is not (or no longer) linked to the project.", 404)
    except PermissionDenied as exc:
        state.problem = _problem("Outside the linked folders", _message(exc), 403)
    except ValidationError as exc:
        state.problem = _problem("Not a valid path", _message(exc), 400)
    return state


def _crumbs(state: Browse) -> list[dict]:
    root = state.connection.prefix
    crumbs = [{"label": state.connection.root_label, "url": state.url(prefix=root, q="")}]
    walked = root
    for segment in state.prefix[len(root):].rstrip("/").split("/") if state.prefix != root else []:
        walked += segment + "/"
        crumbs.append({"label": segment, "url": state.url(prefix=walked, q="")})
    return crumbs


# --- Rows, previews ---------------------------------------------------------


def _essence(content_type: str, name: str) -> str:
    essence = (content_type or "").split(";", 1)[0].strip().lower()
    if essence in GENERIC_TYPES:
        guessed = mimetypes.guess_type(name)[0]
        if guessed:
            return guessed
    return essence


def _extension(name: str) -> str:
    base = basename(name).lower()
    return base[base.rfind("."):] if "." in base else ""


def _kind(content_type: str, name: str) -> str:
    essence = _essence(content_type, name)
    if essence.startswith("image/"):
        return "image"
    if essence == "application/pdf":
        return "pdf"
    if essence.startswith("audio/"):
        return "audio"
    if essence.startswith("video/"):
        return "video"
    if essence in ARCHIVE_TYPES:
        return "archive"
    if (essence.startswith("text/") or essence in TEXT_TYPES or essence.endswith(("+json", "+xml"))
            or _extension(name) in TEXT_EXTENSIONS):
        return "text"
    return "file"


def _rows(request, project, state: Browse, listing) -> list[dict]:
    prefix = state.prefix
    rows = [
        {"kind": "folder", "icon": "folder", "name": f.prefix, "label": f.name, "size": None,
         "type": "Folder", "updated": None, "url": state.url(prefix=f.prefix, q=""),
         "details_url": state.url(object=f.prefix)}
        for f in listing.folders
    ]
    files = []
    download_base = reverse("storage:download", kwargs=_kwargs(project))  # once, not per row
    for obj in listing.objects:
        url = state.url(object=obj.name)
        files.append({
            "kind": "file", "icon": _kind(obj.content_type, obj.name), "name": obj.name,
            "label": obj.name[len(prefix):] if obj.name.startswith(prefix) else obj.name,
            "size": obj.size, "type": obj.content_type, "updated": obj.updated,
            "url": url, "details_url": url,
            "download": f"{download_base}?{urlencode({'c': state.connection.pk, 'name': obj.name})}",
            "thumb": None,
        })
    if state.view == "grid":
        wanted = [f["name"] for f in files if f["icon"] == "image" and f["size"] <= THUMBNAIL_MAX_BYTES]
        signed = services.inline_urls_issue(user=request.user, project=project, bucket=state.bucket, names=wanted)
        for f in files:
            if f["name"] in signed:
                f["thumb"] = signed[f["name"]].url
    reverse_order = state.dir == "desc"
    if state.sort == "size":
        files.sort(key=lambda f: (f["size"], f["label"]), reverse=reverse_order)
    elif state.sort == "modified":
        files.sort(key=lambda f: (f["updated"].timestamp() if f["updated"] else 0, f["label"]), reverse=reverse_order)
    elif reverse_order:
        files.reverse()
    if reverse_order and state.sort == "name":
        rows.reverse()
    return rows + files


def _decode_text(data: bytes, complete: bool) -> str | None:
    if b"\x00" in data:
        return None  # binary: no text preview
    # A character cut by the 64 KiB limit is left out, not shown as garbage.
    return codecs.getincrementaldecoder("utf-8")(errors="replace").decode(data, final=complete)


def _object_details(request, project, state: Browse, name: str) -> dict:
    bucket = state.bucket
    if name.endswith("/"):
        prefix = selectors.prefix_resolve(project=project, bucket=bucket, prefix=name)
        return {"kind": "folder", "name": prefix, "label": folder_name(prefix) if prefix else bucket,
                "url": state.url(prefix=prefix, q="")}
    info = selectors.object_get(project=project, bucket=bucket, name=name)
    kind = _kind(info.content_type, info.name)
    essence = _essence(info.content_type, info.name)
    detail = {
        "kind": "file", "icon": kind, "name": info.name, "label": basename(info.name), "info": info,
        "preview": None,
        "download": f"{reverse('storage:download', kwargs=_kwargs(project))}?"
                    f"{urlencode({'c': state.connection.pk, 'name': info.name})}",
    }
    if kind in ("image", "pdf", "audio", "video"):
        url = services.inline_urls_issue(user=request.user, project=project, bucket=bucket, names=[name])[name].url
        detail["preview"] = kind
        detail["preview_url"] = url
        # Our own origin (local backend): no frame, a new tab instead.
        detail["same_origin"] = url.startswith("/")
    elif kind == "text":
        head = selectors.object_read_head(project=project, bucket=bucket, name=name, max_bytes=TEXT_PREVIEW_BYTES)
        complete = len(head) >= info.size
        text = _decode_text(head, complete)
        if text is not None and complete and (essence.endswith("json") or _extension(name) == ".json"):
            try:
                text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
            except ValueError:
                pass
        if text is not None:
            detail["preview"] = "text"
            detail["text"] = text
            detail["truncated"] = not complete
            detail["markup"] = essence in ("text/html", "application/xhtml+xml") or essence.endswith("+xml")
    return detail


def _kwargs(project) -> dict:
    return {"workspace": project.workspace.slug, "project": project.slug}


# --- Rendering ----------------------------------------------------------------


def _context(request, project, state: Browse, **extra) -> dict:
    kwargs = _kwargs(project)
    context = {
        "project": project, "workspace": project.workspace, "role": project.role,
        "can_write": role_at_least(project.role, Role.MEMBER),
        "is_admin": role_at_least(project.role, Role.ADMIN),
        "state": state, "connection": state.connection, "connections": state.connections,
        "bucket": state.bucket, "prefix": state.prefix, "q": state.q, "view": state.view,
        "sort": state.sort, "dir": state.dir, "sort_label": SORTS[state.sort],
        "problem": state.problem,
        "here_url": state.url(),
        "upload_api": reverse("api:storage-upload-url", args=[project.workspace.pk, project.pk]),
        "check_url": reverse("storage:upload-check", kwargs=kwargs),
        "delete_url": reverse("storage:delete", kwargs=kwargs),
        "folder_url": reverse("storage:folder-create", kwargs=kwargs),
        "link_url": reverse("storage:link", kwargs=kwargs),
        "connect_url": reverse("storage:connection-create", kwargs=kwargs),
        "buckets_url": reverse("storage:buckets", kwargs=kwargs),
        "project_url": reverse("projects:detail", kwargs={"ref": project.workspace.slug, "slug": project.slug}),
    }
    if state.connection:
        context["crumbs"] = _crumbs(state)
        context["view_urls"] = {v: state.url(view=v) for v in VIEWS}
        context["sort_urls"] = {
            key: state.url(sort=key, dir=({"asc": "desc", "desc": "asc"}[state.dir] if state.sort == key
                                          else FIRST_DIR[key]))
            for key in SORTS
        }
    context["connection_rows"] = [
        {"connection": c, "url": f"{state.base}?{urlencode({'c': c.pk})}",
         "active": state.connection is not None and c.pk == state.connection.pk,
         "unlink_url": reverse("storage:connection-delete", kwargs={**kwargs, "connection_id": c.pk})}
        for c in state.connections
    ]
    context["link_form"] = LinkBucketForm()
    context["folder_form"] = FolderForm()
    context.update(extra)
    return context


def _load_listing(request, project, state: Browse, page_token: str | None, context: dict) -> None:
    """Fill `context` with one page of the listing (one storage call) or the problem."""
    if state.connection is None or state.problem:
        return
    try:
        prefix, listing = selectors.objects_list(
            project=project, bucket=state.bucket, prefix=state.prefix, page_token=page_token,
            page_size=PAGE_SIZE, starts_with=state.q,
        )
        rows = _rows(request, project, state, listing)
    except StorageError as exc:
        context["problem"] = _storage_problem(exc)
        return
    except ValidationError as exc:
        context["problem"] = _problem("Cannot filter by that", _message(exc), 400)
        return
    except PermissionDenied as exc:
        context["problem"] = _problem("Outside the linked folders", _message(exc), 403)
        return
    context["rows"] = rows
    context["next_page_token"] = listing.next_page_token
    if listing.next_page_token:
        context["more_url"] = state.url(page_token=listing.next_page_token)
    context["page_start"] = bool(page_token)


def _respond(request, template, context, status=200, *, fragment=False) -> HttpResponse:
    if fragment:
        html = render_to_string(template, context, request)
        if request.method == "POST":
            html += render_to_string("workspaces/messages_oob.html", {}, request)
        response = HttpResponse(html, status=status)
        # browser.js swaps these even when the status is an error: the
        # message is the content.
        response["X-Omx-Fragment"] = "1"
    else:
        response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    add_never_cache_headers(response)  # signed URLs inside: never from a cache
    return response


def _htmx_target(request) -> str | None:
    if not request.htmx or request.htmx.history_restore_request:
        return None
    return request.htmx.target


def _render_page(request, project, state: Browse, *, status=None, **extra) -> HttpResponse:
    context = _context(request, project, state, **extra)
    _load_listing(request, project, state, request.GET.get("page_token") or None, context)
    name = request.GET.get("object")
    if name and state.connection and not state.problem and "detail" not in context:
        _fill_details(request, project, state, name, context)
    problem = context.get("problem")
    return _respond(request, PAGE, context, status or (problem["status"] if problem else 200))


def _fill_details(request, project, state, name, context) -> int:
    try:
        context["detail"] = _object_details(request, project, state, name)
    except StorageNotFound:
        context["detail_problem"] = _problem("Gone", "This file no longer exists. It may have been deleted.", 404)
    except StorageError as exc:
        context["detail_problem"] = _storage_problem(exc)
    except (PermissionDenied, ValidationError) as exc:
        context["detail_problem"] = _problem("Not available", _message(exc), 403)
    return context["detail_problem"]["status"] if "detail_problem" in context else 200


# --- The page ------------------------------------------------------------------


@page_login_required
@require_GET
def browser(request, workspace, project):
    slugs = (workspace, project)
    project = _project(request, workspace, project)
    if slugs != (project.workspace.slug, project.slug) and not request.htmx:
        url = reverse("storage:browser", kwargs=_kwargs(project))
        return redirect(f"{url}?{request.GET.urlencode(safe='/')}" if request.GET else url)
    state = _browse(request, project, request.GET)
    target = _htmx_target(request)
    if target == "fb-details":
        context = _context(request, project, state)
        name = request.GET.get("object", "")
        status = 200
        if state.problem:
            context["detail_problem"], status = state.problem, state.problem["status"]
        elif name:
            status = _fill_details(request, project, state, name, context)
            if context.get("detail_problem", {}).get("retry"):
                context["detail_problem"]["retry_url"] = request.get_full_path()
        return _respond(request, f"{PAGE}#details", context, status, fragment=True)
    if target == "fb-connections":
        return _respond(request, f"{PAGE}#connections", _context(request, project, state), fragment=True)
    partial = {"fb-more": "rows", "fb-results": "results", "fb-listing": "listing"}.get(target)
    if partial is None:
        return _render_page(request, project, state)
    context = _context(request, project, state)
    _load_listing(request, project, state, request.GET.get("page_token") or None, context)
    problem = context.get("problem")
    status = problem["status"] if problem else 200
    if partial == "rows" and problem:
        partial = "more_error"
    context["fragment_title"] = partial == "listing"
    return _respond(request, f"{PAGE}#{partial}", context, status, fragment=True)


@page_login_required
@require_GET
def object_download(request, workspace, project):
    """A plain link per file (works without JavaScript): issue a signed
    download URL and go there."""
    project = _project(request, workspace, project)
    state = _browse(request, project, request.GET)
    name = request.GET.get("name", "")
    if state.problem or not state.connection or not name:
        return _render_page(request, project, state, status=(state.problem or {}).get("status", 400))
    try:
        signed = services.download_url_issue(
            user=request.user, project=project, bucket=state.bucket, object_name=name, disposition="attachment"
        )
    except StorageNotFound:
        return _render_page(request, project, state, status=404, detail_problem=_problem(
            "Gone", "This file no longer exists. It may have been deleted.", 404))
    except StorageError as exc:
        problem = _storage_problem(exc)
        return _render_page(request, project, state, status=problem["status"], detail_problem=problem)
    except (PermissionDenied, ValidationError) as exc:
        return _render_page(request, project, state, status=403,
                            detail_problem=_problem("Not available", _message(exc), 403))
    response = redirect(request.build_absolute_uri(signed.url) if signed.url.startswith("/") else signed.url)
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


@page_login_required
@require_POST
def object_link(request, workspace, project):
    """"Copy link": a signed URL with its expiry."""
    project = _project(request, workspace, project)
    state = _browse(request, project, request.POST)
    name = request.POST.get("name", "")
    context = _context(request, project, state)
    status = 200
    try:
        if state.problem or not name:
            raise ValidationError(state.problem["detail"] if state.problem else "Name a file.")
        signed = services.download_url_issue(user=request.user, project=project, bucket=state.bucket,
                                             object_name=name)
        url = request.build_absolute_uri(signed.url) if signed.url.startswith("/") else signed.url
        context["link"] = {"url": url, "expires_at": signed.expires_at}
    except StorageError as exc:
        context["link_problem"] = _storage_problem(exc)
    except (PermissionDenied, ValidationError) as exc:
        context["link_problem"] = _problem("Not available", _message(exc), 403)
    if "link_problem" in context:
        status = context["link_problem"]["status"]
    if request.htmx:
        return _respond(request, f"{PAGE}#link", context, status, fragment=True)
    _fill_details(request, project, state, name, context)
    _load_listing(request, project, state, None, context)
    return _respond(request, PAGE, context, status)


# --- Writes -----------------------------------------------------------------------


def _back(state: Browse):
    return redirect(state.url())


@page_login_required
@require_POST
def folder_create(request, workspace, project):
    project = _project(request, workspace, project, need=Role.MEMBER)
    state = _browse(request, project, request.POST)
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
            form.add_error("name", _message(exc))
        except StorageError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, f"Folder {folder_name(created)} created.")
            if not request.htmx:
                return _back(state)
            response = _respond(request, f"{PAGE}#newfolder", _context(request, project, state), fragment=True)
            trigger_client_event(response, CHANGED, {"created": created})
            return response
    if request.htmx:
        return _respond(request, f"{PAGE}#newfolder", _context(request, project, state, folder_form=form),
                        400, fragment=True)
    return _render_page(request, project, state, status=400, folder_form=form)


@page_login_required
@require_POST
def objects_delete(request, workspace, project):
    """First POST: the confirmation, listing what will go. With confirm=1:
    delete, then the result (deleted / not found)."""
    project = _project(request, workspace, project, need=Role.MEMBER)
    state = _browse(request, project, request.POST)
    names = list(dict.fromkeys(n for n in request.POST.getlist("name") if n))
    context = {"delete_names": names}
    status = 200
    try:
        if state.problem:
            raise ValidationError(state.problem["detail"])
        if not names:
            raise ValidationError("Select the files or folders to delete first.")
        if len(names) > MAX_NAMES:
            raise ValidationError(f"At most {MAX_NAMES} items at a time.")
        selectors.names_check(project=project, bucket=state.bucket, names=names, field="name")
        if request.POST.get("confirm") == "1":
            deleted, not_found = services.objects_delete(user=request.user, project=project,
                                                         bucket=state.bucket, names=names)
            context.update(delete_result=True, deleted=deleted, not_found=not_found)
    except StorageError as exc:
        context["dialog_problem"] = _storage_problem(exc)
    except (PermissionDenied, ValidationError) as exc:
        context["dialog_problem"] = _problem("Cannot delete", _message(exc), 400)
    if "dialog_problem" in context:
        status = context["dialog_problem"]["status"]
    context["delete_items"] = [{"name": n, "folder": n.endswith("/")} for n in names]
    context["has_folders"] = any(n.endswith("/") for n in names)
    if not request.htmx:
        if context.get("delete_result"):
            _delete_messages(request, context["deleted"], context["not_found"])
            return _back(state)
        return _render_page(request, project, state, status=status, dialog_inline=True, **context)
    response = _respond(request, f"{PAGE}#dialog", _context(request, project, state, **context), status,
                        fragment=True)
    if context.get("delete_result"):
        trigger_client_event(response, CHANGED, {"deleted": len(context["deleted"])})
    return response


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
    project = _project(request, workspace, project, need=Role.MEMBER)
    state = _browse(request, project, request.POST)
    names = request.POST.getlist("name")[:MAX_NAMES]
    if state.problem or not state.connection:
        problem = state.problem or _problem("No bucket", "Link a bucket first.", 400)
        return JsonResponse({"detail": problem["detail"], "code": "invalid"}, status=problem["status"])
    try:
        existing, refused = selectors.objects_existing(project=project, bucket=state.bucket, names=names)
    except StorageError as exc:
        return JsonResponse({"detail": exc.detail, "code": exc.code}, status=exc.status_code)
    except (PermissionDenied, ValidationError) as exc:
        return JsonResponse({"detail": _message(exc), "code": "invalid"}, status=400)
    return JsonResponse({"existing": existing, "refused": refused})


# --- Bucket links (admins) -----------------------------------------------------------


@page_login_required
@require_GET
def bucket_choices(request, workspace, project):
    """The service account's buckets, to pick one when linking."""
    project = _project(request, workspace, project, need=Role.ADMIN)
    context = {"buckets": [], "buckets_problem": None}
    try:
        context["gcp_project_id"], context["buckets"] = selectors.buckets_list(gcp_project_id=None)
    except StorageError as exc:
        context["buckets_problem"] = exc.detail
    except ValidationError as exc:
        context["buckets_problem"] = _message(exc)
    linked = {c.bucket_name for c in selectors.connection_list(project=project)}
    context["buckets"] = [{"bucket": b, "linked": b.name in linked} for b in context["buckets"]]
    return _respond(request, f"{PAGE}#buckets", context, fragment=True)


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
        else:
            messages.success(request, f"Linked gs://{connection.root_label}.")
            url = f"{reverse('storage:browser', kwargs=_kwargs(project))}?{urlencode({'c': connection.pk})}"
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    state = _browse(request, project, request.GET)
    if request.htmx:
        return _respond(request, f"{PAGE}#connections", _context(request, project, state, link_form=form),
                        400, fragment=True)
    return _render_page(request, project, state, status=400, link_form=form)


@page_login_required
@require_POST
def connection_delete(request, workspace, project, connection_id):
    project = _project(request, workspace, project, need=Role.ADMIN)
    connection = selectors.connection_get(project=project, connection_id=connection_id)
    label = connection.root_label
    services.connection_delete(user=request.user, connection=connection)
    messages.success(request, f"Unlinked gs://{label}. No object was deleted.")
    url = reverse("storage:browser", kwargs=_kwargs(project))
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
