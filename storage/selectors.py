"""Reads of the storage app. Callers have already resolved the project
through `projects.selectors.project_get_for_user` (which checks the role);
everything here is scoped to that project, and checks containment: the bucket
must be linked to the project and every name must lie inside a linked prefix.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from storage.backends import BucketInfo, Listing, ObjectInfo, get_backend
from storage.models import StorageConnection
from storage.validation import bucket_name_validate, is_within, object_name_validate, prefix_normalize
from workspaces.selectors import count_subquery

NOT_LINKED = "This bucket is not linked to the project."
OUTSIDE = "This path lies outside the bucket's linked prefixes."


def connection_count_subquery():
    """Each project's number of connections, for annotating a Project queryset."""
    return count_subquery(StorageConnection.objects.all(), field="project")


def connection_list(*, project):
    return StorageConnection.objects.filter(project=project).select_related("created_by")


def connection_get(*, project, connection_id) -> StorageConnection:
    try:
        return connection_list(project=project).get(pk=connection_id)
    except (StorageConnection.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such connection.") from None


def _linked_prefixes(*, project, bucket: str) -> list[str]:
    bucket_name_validate(bucket)
    prefixes = list(
        StorageConnection.objects.filter(project=project, bucket_name=bucket).values_list("prefix", flat=True)
    )
    if not prefixes:
        raise PermissionDenied(NOT_LINKED)
    return prefixes


def prefix_resolve(*, project, bucket: str, prefix: str | None) -> str:
    """The prefix to list: validated, normalised and inside a linked prefix.

    Omitted, it is the linked prefix when the bucket has exactly one
    connection; `""` means the bucket root.
    """
    linked = _linked_prefixes(project=project, bucket=bucket)
    if prefix is None:
        if len(linked) != 1:
            raise ValidationError({"prefix": ["This bucket has several linked prefixes: name one."]})
        return linked[0]
    normalized = prefix_normalize(prefix)
    if not any(is_within(normalized, root) for root in linked):
        raise PermissionDenied(OUTSIDE)
    return normalized


def names_check(*, project, bucket: str, names: list[str], field: str = "object_name") -> None:
    linked = _linked_prefixes(project=project, bucket=bucket)
    for name in names:
        object_name_validate(name, field=field)
    for name in names:
        if not any(is_within(name, root) for root in linked):
            raise PermissionDenied(OUTSIDE)


def objects_list(
    *, project, bucket: str, prefix: str | None, page_token: str | None = None,
    page_size: int = 100, starts_with: str = "",
) -> tuple[str, Listing]:
    prefix = prefix_resolve(project=project, bucket=bucket, prefix=prefix)
    if starts_with:
        object_name_validate(prefix + starts_with, field="starts_with")
        if "/" in starts_with:
            raise ValidationError({"starts_with": ["The filter matches names within one folder: no '/'."]})
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


def buckets_list(*, gcp_project_id: str | None) -> tuple[str, list[BucketInfo]]:
    gcp_project_id = gcp_project_id or settings.GCS_PROJECT_ID
    if not gcp_project_id and settings.STORAGE_BACKEND == "gcs":
        raise ValidationError({"gcp_project_id": ["Name a GCP project: no GCS_PROJECT_ID is configured."]})
    gcp_project_id = gcp_project_id or "local"
    return gcp_project_id, get_backend().list_buckets(gcp_project_id=gcp_project_id)


def objects_existing(*, project, bucket: str, names: list[str]) -> tuple[list[str], dict[str, str]]:
    """The upload pre-flight: which of `names` exist already, and which may not
    be written at all (name -> why). Refused names cost no network call; each
    acceptable one costs one metadata lookup, a few at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from storage.backends import StorageNotFound

    linked = _linked_prefixes(project=project, bucket=bucket)
    refused, allowed = {}, []
    for name in dict.fromkeys(names):
        try:
            object_name_validate(name)
        except ValidationError as exc:
            refused[name] = " ".join(exc.messages)
            continue
        if name.endswith("/"):
            refused[name] = "A file name cannot end with '/'."
        elif not any(is_within(name, root) for root in linked):
            refused[name] = OUTSIDE
        else:
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

    with ThreadPoolExecutor(max_workers=min(8, len(allowed))) as pool:
        found = list(pool.map(exists, allowed))
    return [name for name, hit in zip(allowed, found, strict=True) if hit], refused
