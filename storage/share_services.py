"""Share links: creating and revoking them (members of the project), and
everything a holder of the link does with it (no account).

A link's token is shown once; only its hash is stored. Every use checks the
link's state, then the link's containment and grant through
`storage.selectors` (an unlinked connection or a removed grant ends it),
then hands out a fresh signed URL living `SHARE_URL_TTL_SECONDS` (at most 5
minutes) and logs it. What a holder sees never names the bucket or anything
above the shared item: storage errors reach them as generic sentences.
"""

import re
import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from omx.exceptions import Conflict, Forbidden, Gone
from omx.throttle import failure_record, failures_check
from storage import selectors
from storage.access_log import Action, Via, access_record
from storage.backends import SignedURL, StorageError, StorageNotFound, get_backend
from storage.backends.base import basename, folder_name
from storage.models import Share
from storage.rules import CONTENT_TYPE
from storage.validation import object_name_validate
from workspaces.models import ActivityEvent, Role, role_at_least
from workspaces.services import activity_record, invitation_token_hash

MAX_USES = 100_000
PAGE_SIZE = 100


class ShareGone(Gone):
    default_detail = "This link has expired or was revoked."
    default_code = "share_gone"


class SharePassword(Forbidden):
    default_detail = "This link needs its password."
    default_code = "share_password"


class ShareForbidden(Forbidden):
    default_detail = "This path lies outside the shared folder."
    default_code = "permission_denied"


def share_token_hash(token: str) -> str:
    return invitation_token_hash(token)  # one rule for every token kept only as a hash


# --- Members: create and revoke ----------------------------------------------


def share_create(
    *, user, project, bucket: str, object_name: str | None = None, prefix: str | None = None,
    mode: str = Share.Mode.DOWNLOAD, expires_in_days: int = 7, password: str = "", max_uses: int | None = None,
) -> tuple[Share, str]:
    """The new share and its token (to build the link once)."""
    if (object_name is None) == (prefix is None):
        raise ValidationError({"non_field_errors": ["Name exactly one of object_name and prefix."]})
    if mode == Share.Mode.UPLOAD and prefix is None:
        raise ValidationError({"prefix": ["A drop folder shares a folder: name a prefix."]})
    if not 1 <= expires_in_days <= settings.SHARE_MAX_DAYS:
        raise ValidationError({"expires_in_days": [f"Between 1 and {settings.SHARE_MAX_DAYS} days."]})
    if max_uses is not None and not 1 <= max_uses <= MAX_USES:
        raise ValidationError({"max_uses": [f"Between 1 and {MAX_USES}."]})
    if object_name is not None:
        if object_name.endswith("/"):
            raise ValidationError({"object_name": ["Share a folder with prefix."]})
        selectors.object_get(project=project, bucket=bucket, name=object_name)  # containment, then 404
    else:
        prefix = selectors.prefix_resolve(project=project, bucket=bucket, prefix=prefix)
        if not prefix:
            raise ValidationError({"prefix": ["Share a folder, not the bucket's root."]})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        share = Share.objects.create(
            project=project, bucket=bucket, object_name=object_name, prefix=prefix, mode=mode,
            token_hash=share_token_hash(token), password_hash=make_password(password) if password else "",
            expires_at=timezone.now() + timedelta(days=expires_in_days), max_uses=max_uses, created_by=user,
        )
        what = object_name if object_name is not None else prefix
        activity_record(
            workspace=project.workspace, project=project, actor=user, verb=ActivityEvent.Verb.SHARE_CREATED,
            summary=f"{user.display_name} shared {what} in {bucket}"
                    f"{' as a drop folder' if mode == Share.Mode.UPLOAD else ''}"[:300],
            payload={"share_id": str(share.pk), "bucket": bucket, "object_name": object_name, "prefix": prefix,
                     "mode": mode},
        )
    return share, token


def share_list(*, project):
    return Share.objects.filter(project=project).select_related("created_by").order_by("-created_at", "-id")


def share_get(*, project, share_id) -> Share:
    try:
        return share_list(project=project).get(pk=share_id)
    except (Share.DoesNotExist, ValidationError, ValueError):
        raise Http404("No such share link.") from None


@transaction.atomic
def share_revoke(*, user, role, share: Share) -> Share:
    """Members revoke their own links, admins any; revoking twice changes nothing."""
    if share.created_by_id != user.pk and not role_at_least(role, Role.ADMIN):
        raise PermissionDenied("Only its creator or an admin may revoke this link.")
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        Share.objects.filter(pk=share.pk).update(revoked_at=share.revoked_at)
        project = share.project
        activity_record(
            workspace=project.workspace, project=project, actor=user, verb=ActivityEvent.Verb.SHARE_REVOKED,
            summary=f"{user.display_name} revoked the link to {share.object_name or share.prefix}"[:300],
            payload={"share_id": str(share.pk), "bucket": share.bucket},
        )
    return share


# --- Holders of the link ------------------------------------------------------


def share_open(*, token: str) -> Share:
    """The live share behind `token`: 404 unknown, 410 ended (state, link or grant)."""
    share = (Share.objects.select_related("project__workspace")
             .filter(token_hash=share_token_hash(token or "")).first())
    if share is None:
        raise Http404("No such link.")
    if share.state != Share.State.ACTIVE:
        raise ShareGone()
    try:  # still inside a link of the project and a grant of the workspace
        if share.object_name is not None:
            selectors.names_check(project=share.project, bucket=share.bucket, names=[share.object_name])
        else:
            selectors.prefix_resolve(project=share.project, bucket=share.bucket, prefix=share.prefix)
    except (PermissionDenied, ValidationError):
        raise ShareGone() from None
    return share


def _throttle_key(share: Share, ip: str | None) -> str:
    return f"share-pw:{share.pk}:{ip or '-'}"


def share_unlock(*, share: Share, password: str | None, ip: str | None) -> None:
    """Nothing for a link without a password; else 403 without the right one,
    and 429 once SHARE_PASSWORD_FAILURES wrong ones came from this address
    within the window (the right one included, until the window has passed)."""
    if not share.has_password:
        return
    key, window = _throttle_key(share, ip), settings.SHARE_PASSWORD_WINDOW_SECONDS
    failures_check([(key, settings.SHARE_PASSWORD_FAILURES)], window=window, what="Too many wrong passwords.")
    if not password:
        raise SharePassword()
    if check_password(password, share.password_hash):
        return
    failure_record([key], window=window)
    raise SharePassword("That password is not right.")


@contextmanager
def _scrubbed():
    """Storage errors as holders see them: what went wrong, never where."""
    try:
        yield
    except StorageNotFound:
        raise StorageNotFound("This file does not exist (any more).") from None
    except StorageError as exc:
        raise type(exc)(type(exc).default_detail, exc.code) from None
    except (ValidationError, PermissionDenied):
        raise ShareForbidden() from None


def _inside(share: Share, path: str, *, folder: bool) -> str:
    """The full name of `path` (relative to the shared folder), or 403."""
    if path and (path.startswith("/") or path.endswith("/") != folder):
        raise ShareForbidden()
    full = share.prefix + path
    try:
        object_name_validate(full, field="path")
    except ValidationError:
        raise ShareForbidden() from None
    return full


def share_info(share: Share) -> dict:
    """`{"kind", "name", "size", "content_type", "expires_at"}` for pages and the info endpoint."""
    info = {"kind": share.kind, "size": None, "content_type": None, "expires_at": share.expires_at}
    if share.object_name is not None:
        info["name"] = basename(share.object_name)
        with _scrubbed():
            obj = selectors.object_get(project=share.project, bucket=share.bucket, name=share.object_name)
        info["size"], info["content_type"] = obj.size, obj.content_type
    else:
        info["name"] = folder_name(share.prefix)
    return info


def share_objects(*, share: Share, path: str = "", page_token: str | None = None) -> dict:
    """One level of a shared folder, every name relative to it."""
    if share.kind != "folder":
        raise ShareForbidden("This link does not list a folder.")
    full = _inside(share, path, folder=True)
    with _scrubbed():
        _, listing = selectors.objects_list(project=share.project, bucket=share.bucket, prefix=full,
                                            page_token=page_token, page_size=PAGE_SIZE)
    cut = len(share.prefix)
    return {
        "path": path,
        "folders": [{"name": f.name, "path": f.prefix[cut:]} for f in listing.folders],
        "objects": [{"name": basename(o.name), "path": o.name[cut:], "size": o.size,
                     "content_type": o.content_type, "updated": o.updated} for o in listing.objects],
        "next_page_token": listing.next_page_token,
    }


def _use(share: Share, *, action: str, name: str, client_ip: str | None) -> None:
    """Count one use, unless the link ended meanwhile, and log it."""
    with transaction.atomic():
        used = Share.objects.filter(pk=share.pk, revoked_at__isnull=True, expires_at__gt=timezone.now()).filter(
            Q(max_uses__isnull=True) | Q(use_count__lt=F("max_uses"))).update(use_count=F("use_count") + 1)
        if not used:
            raise ShareGone()
        access_record(project_id=share.project_id, action=action, bucket=share.bucket, names=[name],
                      via=Via.SHARE, share=share, client_ip=client_ip)


def share_download(*, share: Share, path: str = "", client_ip: str | None = None,
                   disposition: str = "attachment") -> SignedURL:
    """A fresh signed download URL for the shared object, or a file of the shared folder."""
    if share.mode != Share.Mode.DOWNLOAD:
        raise ShareForbidden("A drop folder takes files; it gives none.")
    name = share.object_name if share.object_name is not None else _inside(share, path, folder=False)
    with _scrubbed():
        selectors.object_get(project=share.project, bucket=share.bucket, name=name)  # 404 if missing
        signed = get_backend().sign_download(bucket=share.bucket, name=name, disposition=disposition,
                                             ttl=settings.SHARE_URL_TTL_SECONDS)
    _use(share, action=Action.SHARE_DOWNLOAD, name=name, client_ip=client_ip)
    return signed


def share_preview(*, share: Share, client_ip: str | None = None) -> SignedURL | None:
    """An inline URL for an object share's page to show an image. It hands out
    the bytes, so it is logged like a download; a link with a use limit shows
    no preview, so that only its downloads spend (and reveal) it."""
    if share.object_name is None or share.max_uses is not None:
        return None
    with _scrubbed():
        signed = get_backend().sign_download(bucket=share.bucket, name=share.object_name, disposition="inline",
                                             ttl=settings.SHARE_URL_TTL_SECONDS)
    access_record(project_id=share.project_id, action=Action.SHARE_DOWNLOAD, bucket=share.bucket,
                  names=[share.object_name], via=Via.SHARE, share=share, client_ip=client_ip)
    return signed


def drop_name_clean(name: str) -> str:
    """A file name a drop folder accepts: one segment, no control characters."""
    cleaned = "".join("_" if ch in "/\\" or ord(ch) < 0x20 or ord(ch) == 0x7F else ch for ch in name).strip()
    if cleaned in ("", ".", ".."):
        raise ValidationError({"name": ["Name the file."]})
    if len(cleaned.encode()) > 255:
        raise ValidationError({"name": ["At most 255 bytes."]})
    return cleaned


def share_upload(*, share: Share, name: str, content_type: str | None = None,
                 client_ip: str | None = None) -> SignedURL:
    """A signed URL that can only create `name` in the drop folder (never
    overwrite), at most SHARE_MAX_UPLOAD_BYTES."""
    if share.mode != Share.Mode.UPLOAD:
        raise ShareForbidden("This link is not a drop folder.")
    full = share.prefix + drop_name_clean(name)
    if content_type and not re.fullmatch(CONTENT_TYPE, content_type):
        raise ValidationError({"content_type": ["Not a valid media type."]})
    with _scrubbed():
        selectors.names_check(project=share.project, bucket=share.bucket, names=[full])
        try:
            get_backend().get_object(bucket=share.bucket, name=full)
        except StorageNotFound:
            pass
        else:
            raise Conflict("A file of this name is there already: rename yours.", code="exists")
        signed = get_backend().sign_upload(
            bucket=share.bucket, name=full, content_type=content_type or "application/octet-stream",
            ttl=settings.SHARE_URL_TTL_SECONDS, if_absent=True, max_bytes=settings.SHARE_MAX_UPLOAD_BYTES)
    _use(share, action=Action.SHARE_UPLOAD, name=full, client_ip=client_ip)
    return signed
