"""Reads of the storage app. Callers have already resolved the project
through `projects.selectors.project_get_for_user` (which checks the role);
everything here is scoped to that project, and checks containment: the bucket
must be linked to the project, every name must lie inside a linked prefix, and
that link must lie inside one of the workspace's bucket grants. This is the
one place those rules are checked, so every door (API, pages, jobs, share
links) obeys them.
"""

from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Exists, F, OuterRef, Value
from django.db.models.lookups import StartsWith
from django.http import Http404

from omx.exceptions import Forbidden
from omx.sqlcache import CompiledQuery, columns, model_from_row
from storage.backends import BucketInfo, Listing, ObjectInfo, bucket_name_validate, get_backend
from storage.deadline import map_within_deadline
from storage.health import health_recorded
from storage.models import BucketGrant, StorageConnection
from storage.validation import is_within, object_name_validate, prefix_normalize
from workspaces.selectors import count_subquery

NOT_LINKED = "This bucket is not linked to the project."
OUTSIDE = "This path lies outside the bucket's linked prefixes."


class BucketNotGranted(Forbidden):
    default_code = "bucket_not_granted"
    default_detail = ("This bucket (or folder) is not granted to the workspace. "
                      "The omX operator grants buckets to workspaces: ask them.")


# --- Grants -------------------------------------------------------------------


def grants_required() -> bool:
    return settings.STORAGE_GRANTS == "required"


def grant_list(*, workspace=None):
    grants = BucketGrant.objects.select_related("workspace").order_by("workspace__slug", "bucket_name", "prefix")
    return grants.filter(workspace=workspace) if workspace is not None else grants


def grant_covers(*, workspace_id, bucket: str, prefix: str) -> bool:
    """Whether the workspace may link `bucket` at `prefix` (a grant of that
    prefix or of one above it)."""
    if not grants_required():
        return True
    granted = BucketGrant.objects.filter(workspace_id=workspace_id, bucket_name=bucket).values_list("prefix", flat=True)
    return any(is_within(prefix, root) for root in granted)


def granted_expression(workspace_id, *, path: str = ""):
    """`granted` for a queryset that reaches StorageConnection at `path`
    (empty for StorageConnection's own, "connections__" from Project), inside
    the same query: a grant of the link's bucket at the link's prefix or above it."""
    if not grants_required():
        return Value(True, output_field=BooleanField())
    return Exists(
        BucketGrant.objects.filter(workspace_id=workspace_id, bucket_name=OuterRef(f"{path}bucket_name"))
        .filter(StartsWith(OuterRef(f"{path}prefix"), F("prefix")))
    )


def _compiled_links(fields: tuple, *, by_bucket: bool) -> dict[bool, CompiledQuery]:
    """connection_list as rows of `fields` (of one bucket when `by_bucket`),
    compiled once per database connection: one query per grant mode, since
    the mode changes the SQL."""
    def compiled(required: bool) -> CompiledQuery:
        def build(project_id, workspace_id=None, bucket=None):
            links = StorageConnection.objects.filter(project=project_id)
            if by_bucket:
                links = links.filter(bucket_name=bucket)
            return links.annotate(granted=granted_expression(workspace_id)).values(*fields)

        params = {"project_id": StorageConnection._meta.get_field("project").target_field}
        if required:
            params["workspace_id"] = BucketGrant._meta.get_field("workspace").target_field
        if by_bucket:
            params["bucket"] = StorageConnection._meta.get_field("bucket_name")
        return CompiledQuery(build, **params)

    return {True: compiled(True), False: compiled(False)}


def connection_count_subquery():
    """Each project's number of connections, for annotating a Project queryset."""
    return count_subquery(StorageConnection.objects.all(), field="project")


def connection_list(*, project):
    """The project's links, each with `granted` (still inside a grant)."""
    return (StorageConnection.objects.filter(project=project).select_related("created_by")
            .annotate(granted=granted_expression(project.workspace_id)))


# What a StorageConnection object of the API shows, as plain rows.
CONNECTION_FIELDS = ("id", "bucket_name", "gcp_project_id", "prefix", "created_at", "last_checked_at",
                     "last_error", "granted", "created_by_id", "created_by__email", "created_by__full_name",
                     "created_by__date_joined")
_connection_rows = _compiled_links(CONNECTION_FIELDS, by_bucket=False)


def connection_rows(*, project) -> list[dict]:
    """connection_list as rows of CONNECTION_FIELDS."""
    return _connection_rows[grants_required()].rows(project_id=project.pk, workspace_id=project.workspace_id)


_connection_objects = _compiled_links((*columns(StorageConnection), "granted"), by_bucket=False)


def connection_from_row(row: dict, prefix: str = "", *, granted: str = "granted") -> StorageConnection:
    """A StorageConnection with `.granted` from a `.values()` row holding its
    columns under `prefix`."""
    connection = model_from_row(StorageConnection, row, prefix)
    connection.granted = row[granted]
    return connection


def connection_objects(*, project) -> list[StorageConnection]:
    """connection_list as a list, read with SQL compiled once per database
    connection (the Files page reads it on every request); `created_by` is
    not loaded. A project looked up with its connections
    (`project_get_for_user(connections=True)`) already holds them."""
    read = getattr(project, "connections_read", None)
    if read is not None:
        return read
    return [connection_from_row(row) for row in _connection_objects[grants_required()].rows(
        project_id=project.pk, workspace_id=project.workspace_id)]


def connection_get(*, project, connection_id) -> StorageConnection:
    try:
        return connection_list(project=project).get(pk=connection_id)
    except (StorageConnection.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such connection.") from None


class Link(NamedTuple):
    prefix: str
    granted: bool
    id: object
    last_checked_at: datetime | None
    last_error: str | None


_link_rows = _compiled_links(Link._fields, by_bucket=True)


def _links(*, project, bucket: str) -> list[Link]:
    """Each link of `bucket` to the project, with its grant and health: one
    query, or none when the project was looked up with its connections."""
    bucket_name_validate(bucket)
    read = getattr(project, "connections_read", None)
    if read is not None:
        return bucket_links(connections=read, bucket=bucket)
    links = [Link(**row) for row in _link_rows[grants_required()].rows(
        project_id=project.pk, workspace_id=project.workspace_id, bucket=bucket)]
    if not links:
        raise PermissionDenied(NOT_LINKED)
    return links


def bucket_links(*, connections: list[StorageConnection], bucket: str) -> list[Link]:
    """_links from the project's connections already read in this request
    (connection_objects), instead of a query of its own."""
    links = [Link(c.prefix, c.granted, c.pk, c.last_checked_at, c.last_error)
             for c in connections if c.bucket_name == bucket]
    if not links:
        raise PermissionDenied(NOT_LINKED)
    return links


def _contain(name: str, links: list[Link]) -> None:
    """403 unless `name` lies inside a link, and that link inside a grant."""
    inside = [link.granted for link in links if is_within(name, link.prefix)]
    if not inside:
        raise PermissionDenied(OUTSIDE)
    if not any(inside):
        raise BucketNotGranted()


def prefix_resolve(*, project, bucket: str, prefix: str | None, links: list[Link] | None = None) -> str:
    """The prefix to list: validated, normalised and inside a linked prefix.

    Omitted, it is the linked prefix when the bucket has exactly one
    connection; `""` means the bucket root. `links`: bucket_links of this
    request, when the caller has them.
    """
    return _resolve(links if links is not None else _links(project=project, bucket=bucket), prefix)


def _resolve(links: list[Link], prefix: str | None) -> str:
    if prefix is None:
        if len(links) != 1:
            raise ValidationError({"prefix": ["This bucket has several linked prefixes: name one."]})
        normalized = links[0].prefix
    else:
        normalized = prefix_normalize(prefix)
    _contain(normalized, links)
    return normalized


def names_check(*, project, bucket: str, names: list[str], field: str = "object_name") -> None:
    links = _links(project=project, bucket=bucket)
    for name in names:
        object_name_validate(name, field=field)
    for name in names:
        _contain(name, links)


def objects_list(
    *, project, bucket: str, prefix: str | None, page_token: str | None = None,
    page_size: int = 100, starts_with: str = "", links: list[Link] | None = None,
) -> tuple[str, Listing]:
    if links is None:
        links = _links(project=project, bucket=bucket)
    prefix = _resolve(links, prefix)
    if starts_with:
        object_name_validate(prefix + starts_with, field="starts_with")
        if "/" in starts_with:
            raise ValidationError({"starts_with": ["The filter matches names within one folder: no '/'."]})
    with health_recorded([link for link in links if is_within(prefix, link.prefix)]):
        listing = get_backend().list_level(
            bucket=bucket, prefix=prefix, page_token=page_token or None,
            page_size=page_size, starts_with=starts_with,
        )
    return prefix, listing


def object_get(*, project, bucket: str, name: str) -> ObjectInfo:
    names_check(project=project, bucket=bucket, names=[name])
    return get_backend().get_object(bucket=bucket, name=name)


def object_read_head(*, project, bucket: str, name: str, max_bytes: int = 64 * 1024) -> bytes:
    names_check(project=project, bucket=bucket, names=[name])
    return get_backend().read_head(bucket=bucket, name=name, max_bytes=max_bytes)


def buckets_list(*, workspace, gcp_project_id: str | None) -> tuple[str | None, list[dict]]:
    """The buckets the workspace may link, each `{"name", "location",
    "storage_class", "created", "granted_prefixes"}`. With grants required,
    exactly its grants (metadata None where the bucket cannot be read);
    with STORAGE_GRANTS=open, every bucket the service account lists."""
    if grants_required():
        prefixes: dict[str, list[str]] = {}
        for grant in grant_list(workspace=workspace):
            prefixes.setdefault(grant.bucket_name, []).append(grant.prefix)
        infos = map_within_deadline(_bucket_info_or_none, list(prefixes)) if prefixes else []
        return settings.GCS_PROJECT_ID, [
            _bucket_row(name, info, granted) for (name, granted), info in zip(prefixes.items(), infos, strict=True)
        ]
    gcp_project_id = gcp_project_id or settings.GCS_PROJECT_ID
    if not gcp_project_id and settings.STORAGE_BACKEND == "gcs":
        raise ValidationError({"gcp_project_id": ["Name a GCP project: no GCS_PROJECT_ID is configured."]})
    gcp_project_id = gcp_project_id or "local"
    buckets = get_backend().list_buckets(gcp_project_id=gcp_project_id)
    return gcp_project_id, [_bucket_row(b.name, b, [""]) for b in buckets]


def _bucket_info_or_none(name: str) -> BucketInfo | None:
    from storage.backends import StorageError

    try:
        return get_backend().get_bucket(name=name)
    except StorageError:
        return None  # granted, but not readable now: listed without metadata


def _bucket_row(name: str, info: BucketInfo | None, granted_prefixes: list[str]) -> dict:
    return {"name": name, "location": info.location if info else None,
            "storage_class": info.storage_class if info else None, "created": info.created if info else None,
            "granted_prefixes": granted_prefixes}


def objects_existing(*, project, bucket: str, names: list[str]) -> tuple[list[str], dict[str, str]]:
    """The upload pre-flight: which of `names` exist already, and which may not
    be written at all (name -> why). Refused names cost no network call; each
    acceptable one costs one metadata lookup, a few at a time, all within one
    deadline for the request."""
    from storage.backends import StorageNotFound

    links = _links(project=project, bucket=bucket)
    refused, allowed = {}, []
    for name in dict.fromkeys(names):
        try:
            object_name_validate(name)
            if name.endswith("/"):
                raise ValidationError("A file name cannot end with '/'.")
            _contain(name, links)
        except (ValidationError, PermissionDenied) as exc:
            refused[name] = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            continue
        allowed.append(name)
    if not allowed:
        return [], refused
    backend = get_backend()

    def exists(name: str) -> bool:
        try:
            backend.get_object(bucket=bucket, name=name)
        except StorageNotFound:
            return False
        return True

    found = map_within_deadline(exists, allowed)
    return [name for name, hit in zip(allowed, found, strict=True) if hit], refused
