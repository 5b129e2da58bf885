"""What the Files page shows: the page context, the listing's rows, file
kinds (for icons and previews) and a file's details with its preview."""

import codecs
import mimetypes
from datetime import UTC, timedelta
from functools import cache, lru_cache
from urllib.parse import urlencode

from django.utils import timezone, translation
from django.utils.dates import MONTHS_3
from django.utils.functional import SimpleLazyObject
from django.utils.timesince import timesince

from omx.net import client_ip
from omx.routing import reverse
from storage import selectors, services
from storage.backends.base import basename, folder_name
from storage.browse import Browse, crumbs, project_kwargs, quote_value
from storage.forms import FolderForm, LinkBucketForm
from storage.models import FolderStats
from storage.problems import page_problem
from storage.rules import FIRST_DIR, PAGE_SIZE, SORTS, VIEWS
from storage.search import objects_search
from storage.stats_services import folder_stats_get
from workspaces.models import Role, role_at_least

TEXT_PREVIEW_BYTES = 64 * 1024  # plain text: read by the server, shown as it is
# Tables and JSON: the browser reads this much of the object itself (a Range
# request on a fresh signed URL) and lays it out; at most this many rows and
# columns of a table are shown.
TABLE_PREVIEW_BYTES = 256 * 1024
TABLE_PREVIEW_ROWS = 200
TABLE_PREVIEW_COLUMNS = 30
TABLE_TYPES = {"text/csv": "csv", "application/csv": "csv", "text/tab-separated-values": "tsv"}
TABLE_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv"}
THUMBNAIL_MAX_BYTES = 20 * 1024 * 1024  # bigger images show an icon: GCS makes no thumbnails
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


# --- The page ------------------------------------------------------------------


def page_context(request, project, state: Browse, **extra) -> dict:
    kwargs = project_kwargs(project)
    context = {
        "project": project, "workspace": project.workspace, "role": project.role,
        "can_write": role_at_least(project.role, Role.MEMBER),
        "is_admin": role_at_least(project.role, Role.ADMIN),
        "state": state, "connection": state.connection, "connections": state.connections,
        "bucket": state.bucket, "prefix": state.prefix, "q": state.q, "search": state.search, "view": state.view,
        "selected_name": request.GET.get("object", ""),
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
    context["page_title"] = f"Files · {project.name}"
    if state.connection:
        context["crumbs"] = crumbs(state)
        here = context["here_label"] = context["crumbs"][-1]["label"]
        context["page_title"] = (f"Search “{state.search}” in {here} · " if state.search else f"{here} · ") + \
            context["page_title"]
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
    if context["is_admin"]:
        required = context["grants_required"] = selectors.grants_required()
        # Called by the template only where it says so (the sidebar, the empty state): not for a listing.
        # A granted link answers it without a query.
        context["has_grants"] = cache(lambda: required and (
            any(c.granted for c in state.connections)
            or selectors.grant_list(workspace=project.workspace).exists()))
    context["link_form"] = SimpleLazyObject(LinkBucketForm)  # the sidebar's: a listing never shows it
    context["folder_form"] = FolderForm()
    context.update(extra)
    return context


def listing_load(request, project, state: Browse, page_token: str | None, context: dict) -> None:
    """Fill `context` with one page of the listing, or of the search below the
    prefix (one storage call either way), or the problem."""
    if state.connection is None or state.problem:
        return
    with page_problem(context, "problem", title="Outside the linked folders", status=403,
                      invalid=("Cannot search for that", 400)) as caught:
        if state.search:
            _, found, next_token = objects_search(project=project, bucket=state.bucket, prefix=state.prefix,
                                                  q=state.search, page_token=page_token, page_size=PAGE_SIZE)
            rows = _found_rows(project, state, found.objects)
        else:
            _, listing = selectors.objects_list(project=project, bucket=state.bucket, prefix=state.prefix,
                                                page_token=page_token, page_size=PAGE_SIZE, links=state.links)
            rows, next_token = _rows(request, project, state, listing), listing.next_page_token
    if caught.problem:
        return
    # The quick filter hides what it does not match (it filters what is
    # loaded, like the page's script does as one types), so clearing it
    # needs no new request.
    needle = state.q.lower()
    for row in rows:
        row["hidden"] = bool(needle) and needle not in row["label"].lower()
    context["rows"] = rows
    context["matches"] = sum(not row["hidden"] for row in rows)
    context["next_page_token"] = next_token
    if next_token:
        context["more_url"] = state.url(page_token=next_token)
    context["page_start"] = bool(page_token)


# --- Kinds of file -----------------------------------------------------------------


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


def file_kind(content_type: str, name: str) -> str:
    kind = _kind_of_type(content_type or "")
    if kind:
        return kind
    kind = _kind_of_essence(_essence(content_type, name))
    return "text" if kind == "file" and _extension(name) in TEXT_EXTENSIONS else kind


@lru_cache(maxsize=512)
def _kind_of_type(content_type: str) -> str | None:
    """The kind a content type decides alone, or None where the name has a
    say (a generic type, or one a text extension may still make text): a
    page of rows mostly repeats a few types."""
    essence = content_type.split(";", 1)[0].strip().lower()
    if essence in GENERIC_TYPES:
        return None
    kind = _kind_of_essence(essence)
    return None if kind == "file" else kind


def _kind_of_essence(essence: str) -> str:
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
    if essence.startswith("text/") or essence in TEXT_TYPES or essence.endswith(("+json", "+xml")):
        return "text"
    return "file"


# --- Rows, previews ---------------------------------------------------------


class RowText:
    """A row's size and time as the page shows them: what Django's
    `filesizeformat` and `date:"j M Y, H:i"` filters write, with the time zone
    and month names looked up once per page rather than three times per row
    (they were a sixth of a page of 100 rows; bench/README.md)."""

    UNITS = ((1 << 50, "PB"), (1 << 40, "TB"), (1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB"))

    def __init__(self):
        self.zone = timezone.get_current_timezone()
        self.months = _month_abbreviations(translation.get_language())
        # Storage dates arrive in UTC: shown in UTC, they need no conversion.
        self.in_utc = getattr(self.zone, "key", None) == "UTC" or self.zone is UTC

    def size(self, size: int) -> str:
        if 0 <= size < 1024:  # most objects of many buckets
            return f"{size}\xa0byte{'' if size == 1 else 's'}"
        sign = "-" if size < 0 else ""
        size = abs(size)
        for unit, label in self.UNITS:
            if size >= unit:
                return f"{sign}{round(size / unit, 1):.1f}\xa0{label}"
        return f"{sign}{size}\xa0byte{'' if size == 1 else 's'}"

    def fill(self, row: dict) -> dict:
        size, updated = row["size"], row["updated"]
        row["size_attr"] = "" if size is None else size
        row["size_label"] = "" if size is None else self.size(size)
        if updated is None:
            row["updated_iso"] = row["updated_label"] = ""
        else:
            as_is = (updated.tzinfo is UTC and self.in_utc) or updated.utcoffset() is None
            local = updated if as_is else updated.astimezone(self.zone)
            row["updated_iso"] = local.isoformat()
            row["updated_label"] = (f"{local.day} {self.months[local.month - 1]} {local.year}, "
                                    f"{local.hour:02d}:{local.minute:02d}")
        return row


@cache
def _month_abbreviations(language: str | None) -> list[str]:
    return [str(MONTHS_3[month]).title() for month in range(1, 13)]


def _download_url(project, state: Browse):
    """`name -> the page's download URL for it`, the fixed part built once."""
    head = f"{reverse('storage:download', kwargs=project_kwargs(project))}?{urlencode({'c': state.connection.pk})}"
    return lambda name: f"{head}&name={quote_value(name)}"


def _rows(request, project, state: Browse, listing) -> list[dict]:
    prefix = state.prefix
    text = RowText()
    folder_url, object_url = state.url_each("prefix", q=""), state.url_each("object")
    rows = [
        text.fill({"kind": "folder", "icon": "folder", "name": f.prefix, "label": f.name, "size": None,
                   "type": "Folder", "updated": None, "url": folder_url(f.prefix),
                   "details_url": object_url(f.prefix), "thumb": None})
        for f in listing.folders
    ]
    files = []
    download = _download_url(project, state)
    for obj in listing.objects:
        url = object_url(obj.name)
        files.append(text.fill({
            "kind": "file", "icon": file_kind(obj.content_type, obj.name), "name": obj.name,
            "label": obj.name[len(prefix):] if obj.name.startswith(prefix) else obj.name,
            "size": obj.size, "type": obj.content_type, "updated": obj.updated,
            "url": url, "details_url": url, "download": download(obj.name), "thumb": None,
        }))
    if state.view == "grid":
        wanted = [f["name"] for f in files if f["icon"] == "image" and f["size"] <= THUMBNAIL_MAX_BYTES]
        signed = services.inline_urls_issue(user=request.user, project=project, bucket=state.bucket, names=wanted,
                                            via="page", client_ip=client_ip(request))
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


def _found_rows(project, state: Browse, objects) -> list[dict]:
    """Search results: files at any depth below the prefix, each with the
    folder it is in; opening one opens that folder with it selected."""
    text = RowText()
    download = _download_url(project, state)
    details_url = state.url_each("object")
    rows = []
    for obj in objects:
        folder = obj.name[:obj.name.rfind("/") + 1]
        rows.append(text.fill({
            "kind": "file", "icon": file_kind(obj.content_type, obj.name), "name": obj.name,
            "label": basename(obj.name), "folder": folder[len(state.prefix):] if folder.startswith(state.prefix)
            else folder, "size": obj.size, "type": obj.content_type, "updated": obj.updated,
            "url": state.url(prefix=folder, object=obj.name, search="", q=""),
            "details_url": details_url(obj.name), "download": download(obj.name), "thumb": None,
        }))
    return rows


def _decode_text(data: bytes, complete: bool) -> str | None:
    if b"\x00" in data:
        return None  # binary: no text preview
    # A character cut by the 64 KiB limit is left out, not shown as garbage.
    return codecs.getincrementaldecoder("utf-8")(errors="replace").decode(data, final=complete)


def structured_kind(content_type: str, name: str) -> str | None:
    """"csv", "tsv" or "json" for files the browser lays out itself, else None."""
    essence = _essence(content_type, name)
    extension = _extension(name)
    if extension in TABLE_EXTENSIONS:
        return TABLE_EXTENSIONS[extension]
    if essence in TABLE_TYPES:
        return TABLE_TYPES[essence]
    if extension == ".json" or essence == "application/json" or essence.endswith("+json"):
        return "json"
    return None


WORKER_WAIT = timedelta(seconds=10)  # a count nobody has started by then is waiting for a worker


def folder_stats_context(project, state, prefix: str, stats: FolderStats | None) -> dict:
    """What the details panel's `folder_stats` partial needs."""
    counting = stats is not None and stats.state == FolderStats.State.COUNTING
    return {
        "stats": stats, "stats_prefix": prefix, "stats_connection": state.connection,
        "stats_url": reverse("storage:folder-stats", kwargs=project_kwargs(project)),
        "counting": counting,
        "waiting": counting and stats.updated_at == stats.requested_at
                   and timezone.now() - stats.requested_at > WORKER_WAIT,
        "counted_ago": (None if stats is None or stats.finished_at is None
                        else "just now" if timezone.now() - stats.finished_at < timedelta(minutes=1)
                        else f"{timesince(stats.finished_at)} ago"),
    }


def object_details(request, project, state: Browse, name: str) -> dict:
    bucket = state.bucket
    if name.endswith("/"):
        prefix = selectors.prefix_resolve(project=project, bucket=bucket, prefix=name)
        stats = folder_stats_get(project=project, bucket=bucket, prefix=prefix)
        return {"kind": "folder", "name": prefix, "label": folder_name(prefix) if prefix else bucket,
                "url": state.url(prefix=prefix, q=""), "stats": folder_stats_context(project, state, prefix, stats)}
    info = selectors.object_get(project=project, bucket=bucket, name=name)
    kind = file_kind(info.content_type, info.name)
    essence = _essence(info.content_type, info.name)
    detail = {
        "kind": "file", "icon": kind, "name": info.name, "label": basename(info.name), "info": info,
        "preview": None,
        "download": _download_url(project, state)(info.name),
    }
    structured = structured_kind(info.content_type, info.name) if kind == "text" else None
    if kind in ("image", "pdf", "audio", "video") or structured:
        url = services.inline_urls_issue(user=request.user, project=project, bucket=bucket, names=[name],
                                         via="page", client_ip=client_ip(request))[name].url
        detail["preview"] = structured or kind
        detail["preview_url"] = url
        if structured:
            detail["structured"] = {"kind": structured, "bytes": TABLE_PREVIEW_BYTES, "rows": TABLE_PREVIEW_ROWS,
                                    "columns": TABLE_PREVIEW_COLUMNS}
    elif kind == "text":
        head = selectors.object_read_head(project=project, bucket=bucket, name=name, max_bytes=TEXT_PREVIEW_BYTES)
        complete = len(head) >= info.size
        text = _decode_text(head, complete)
        if text is not None:
            detail["preview"] = "text"
            detail["text"] = text
            detail["truncated"] = not complete
            detail["text_limit_label"] = f"{TEXT_PREVIEW_BYTES // 1024} KiB"
            detail["markup"] = essence in ("text/html", "application/xhtml+xml") or essence.endswith("+xml")
    return detail
