"""Writes of the storage app, and the signed URLs it hands out.

Containment and input rules are checked (storage.selectors) before any
network call; activity events are written with the change they record.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.models import Project
from projects.services import project_upload_recorded
from storage import selectors
from storage.access_log import Action, Via, access_record
from storage.backends import SignedURL, StorageError, bucket_name_validate, get_backend
from storage.deadline import map_within_deadline
from storage.models import BucketGrant, StorageConnection
from storage.validation import prefix_normalize
from workspaces.models import ActivityEvent
from workspaces.services import activity_record

logger = logging.getLogger("omx.storage")

MAX_DELETE = 1000
_PAYLOAD_NAMES = 100  # names kept in an activity event's payload


def connection_create(
    *, user, project: Project, bucket_name: str, prefix: str = "", gcp_project_id: str | None = None
) -> StorageConnection:
    bucket_name_validate(bucket_name, field="bucket_name")
    prefix = prefix_normalize(prefix, strict=False)
    if not selectors.grant_covers(workspace_id=project.workspace_id, bucket=bucket_name, prefix=prefix):
        raise selectors.BucketNotGranted()  # before Google is asked anything
    if StorageConnection.objects.filter(project=project, bucket_name=bucket_name, prefix=prefix).exists():
        raise ValidationError({"bucket_name": ["This bucket and prefix are already linked to the project."]})
    try:
        get_backend().check_bucket(bucket=bucket_name, prefix=prefix)
    except StorageError as exc:
        raise ValidationError({"bucket_name": [f"The bucket cannot be reached: {exc.detail}"]}) from None
    try:
        with transaction.atomic():
            connection = StorageConnection.objects.create(
                project=project, bucket_name=bucket_name, prefix=prefix,
                gcp_project_id=gcp_project_id or None, created_by=user,
                last_checked_at=timezone.now(), last_error=None,
            )
            activity_record(
                workspace=project.workspace, project=project, actor=user,
                verb=ActivityEvent.Verb.STORAGE_LINKED,
                summary=f"{user.display_name} linked {connection.uri}",
                payload={"bucket": bucket_name, "prefix": prefix},
            )
    except IntegrityError:
        raise ValidationError({"bucket_name": ["This bucket and prefix are already linked to the project."]}) from None
    connection.granted = True
    return connection


@transaction.atomic
def connection_delete(*, user, connection: StorageConnection) -> None:
    project = connection.project
    activity_record(
        workspace=project.workspace, project=project, actor=user,
        verb=ActivityEvent.Verb.STORAGE_UNLINKED,
        summary=f"{user.display_name} unlinked {connection.uri}",
        payload={"bucket": connection.bucket_name, "prefix": connection.prefix},
    )
    connection.delete()


def connection_check(*, connection: StorageConnection) -> StorageConnection:
    """Check reachability again and remember the outcome."""
    try:
        get_backend().check_bucket(bucket=connection.bucket_name, prefix=connection.prefix)
        error = None
    except StorageError as exc:
        error = exc.detail
    connection.last_error, connection.last_checked_at = error, timezone.now()
    StorageConnection.objects.filter(pk=connection.pk).update(
        last_error=error, last_checked_at=connection.last_checked_at)
    return connection


def folder_create(*, user, project: Project, bucket: str, prefix: str) -> str:
    prefix = selectors.prefix_resolve(project=project, bucket=bucket, prefix=prefix)
    if not prefix:
        raise ValidationError({"prefix": ["Name the folder to create."]})
    if any(prefix == c for c in StorageConnection.objects.filter(
            project=project, bucket_name=bucket).values_list("prefix", flat=True)):
        raise ValidationError({"prefix": ["This folder is the linked prefix itself."]})
    get_backend().create_folder(bucket=bucket, prefix=prefix)
    activity_record(
        workspace=project.workspace, project=project, actor=user,
        verb=ActivityEvent.Verb.STORAGE_FOLDER_CREATED,
        summary=f"{user.display_name} created the folder {prefix} in {bucket}",
        payload={"bucket": bucket, "prefix": prefix},
    )
    return prefix


def objects_delete(
    *, user, project: Project, bucket: str, names: list[str], via: str = Via.API, client_ip: str | None = None,
) -> tuple[list[str], list[str]]:
    if not names:
        raise ValidationError({"object_names": ["Name at least one object."]})
    if len(names) > MAX_DELETE:
        raise ValidationError({"object_names": [f"At most {MAX_DELETE} objects at a time."]})
    names = list(dict.fromkeys(names))  # each once, order kept
    selectors.names_check(project=project, bucket=bucket, names=names, field="object_names")
    deleted, not_found = get_backend().delete_objects(bucket=bucket, names=names)
    access_record(project=project, action=Action.DELETE, bucket=bucket, names=deleted, via=via, actor=user,
                  client_ip=client_ip)
    if deleted:
        shown = ", ".join(deleted[:3]) + (f" and {len(deleted) - 3} more" if len(deleted) > 3 else "")
        activity_record(
            workspace=project.workspace, project=project, actor=user,
            verb=ActivityEvent.Verb.STORAGE_OBJECTS_DELETED,
            summary=f"{user.display_name} deleted {len(deleted)} object{'s' if len(deleted) != 1 else ''} from {bucket}: {shown}"[:300],
            payload={"bucket": bucket, "count": len(deleted), "names": deleted[:_PAYLOAD_NAMES]},
        )
    return deleted, not_found


def upload_url_issue(
    *, user, project: Project, bucket: str, object_name: str, content_type: str | None = None,
    via: str = Via.API, client_ip: str | None = None,
) -> SignedURL:
    selectors.names_check(project=project, bucket=bucket, names=[object_name])
    content_type = content_type or "application/octet-stream"
    signed = get_backend().sign_upload(bucket=bucket, name=object_name, content_type=content_type)
    project_upload_recorded(project=project)
    access_record(project=project, action=Action.UPLOAD_URL, bucket=bucket, names=[object_name], via=via,
                  actor=user, client_ip=client_ip)
    logger.info("upload URL issued", extra={"user_id": str(user.pk), "project_id": str(project.pk),
                                            "bucket": bucket, "object_name": object_name})
    return signed


def download_url_issue(
    *, user, project: Project, bucket: str, object_name: str, disposition: str | None = None,
    via: str = Via.API, client_ip: str | None = None,
) -> SignedURL:
    selectors.object_get(project=project, bucket=bucket, name=object_name)  # 404 if missing
    signed = get_backend().sign_download(bucket=bucket, name=object_name, disposition=disposition)
    access_record(project=project, action=Action.DOWNLOAD_URL, bucket=bucket, names=[object_name], via=via,
                  actor=user, client_ip=client_ip)
    logger.info("download URL issued", extra={"user_id": str(user.pk), "project_id": str(project.pk),
                                              "bucket": bucket, "object_name": object_name})
    return signed


def inline_urls_issue(
    *, user, project: Project, bucket: str, names: list[str], via: str = Via.PAGE, client_ip: str | None = None,
) -> dict[str, SignedURL]:
    """Inline signed URLs for objects the caller has just listed or looked up
    (grid thumbnails, previews): no existence check per name, and with a key
    file no network call at all (signing is local crypto). Without a key, GCS
    signs through IAM, one call per name: callers keep `names` short."""
    if not names:
        return {}
    selectors.names_check(project=project, bucket=bucket, names=names)
    backend = get_backend()

    def sign(name: str) -> SignedURL:
        return backend.sign_download(bucket=bucket, name=name, disposition="inline")

    if backend.signs_locally:
        signed = {name: sign(name) for name in names}
    else:
        # One IAM call per name: a few at a time, within one deadline for the request.
        signed = dict(zip(names, map_within_deadline(sign, names), strict=True))
    # A thumbnail's or preview's URL hands out the object's bytes as surely as a
    # download link (it can be copied and opened elsewhere until it expires), so
    # it is logged as a download URL: one bulk INSERT per page of thumbnails.
    access_record(project=project, action=Action.DOWNLOAD_URL, bucket=bucket, names=list(signed), via=via,
                  actor=user, client_ip=client_ip)
    return signed


# --- Bucket grants (staff: admin and `manage.py grants`) -------------------------------


def grant_add(*, workspace, bucket_name: str, prefix: str = "", granted_by=None) -> tuple[BucketGrant, bool]:
    """Grant `bucket_name` (at `prefix` and below) to the workspace; granting
    again changes nothing. Google is not asked: linking checks the bucket."""
    bucket_name_validate(bucket_name, field="bucket_name")
    prefix = prefix_normalize(prefix, strict=False)
    try:
        with transaction.atomic():
            return BucketGrant.objects.get_or_create(
                workspace=workspace, bucket_name=bucket_name, prefix=prefix, defaults={"granted_by": granted_by})
    except IntegrityError:  # granted concurrently
        return BucketGrant.objects.get(workspace=workspace, bucket_name=bucket_name, prefix=prefix), False


def grant_remove(*, workspace, bucket_name: str, prefix: str = "") -> bool:
    """Remove one grant. Links inside it stay, listed `granted: false`, and
    every storage call through them is refused until it is back."""
    bucket_name_validate(bucket_name, field="bucket_name")
    prefix = prefix_normalize(prefix, strict=False)
    deleted, _ = BucketGrant.objects.filter(workspace=workspace, bucket_name=bucket_name, prefix=prefix).delete()
    return bool(deleted)
