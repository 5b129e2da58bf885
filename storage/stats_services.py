"""Folder details: how many objects a folder holds and how many bytes, counted
by a worker when someone asks (a request never walks a folder), kept in a
`FolderStats` row any app server can read.

The count walks the folder level by level with the backend's listing
(`list_level`, up to 1000 entries a call): it carries each object's size,
which the jobs' flat name iterator does not. It stops, and says "at least",
after `STORAGE_FOLDER_STATS_LIMIT` objects or `COUNT_SECONDS`.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from storage import selectors
from storage.backends import StorageError, get_backend
from storage.models import FolderStats
from storage.problems import error_message

COUNT_SECONDS = 300
PAGE_SIZE = 1000
# A count whose worker has written nothing for this long has stopped (the
# worker died): asking again starts a new one.
STALE_AFTER = timedelta(minutes=5)


def folder_stats_get(*, project, bucket: str, prefix: str) -> FolderStats | None:
    """The folder's last count (or the one running), after the same
    containment and grant checks as a listing of it."""
    prefix = selectors.prefix_resolve(project=project, bucket=bucket, prefix=prefix)
    return FolderStats.objects.filter(project=project, bucket=bucket, prefix=prefix).first()


def folder_stats_request(*, user, project, bucket: str, prefix: str) -> FolderStats:
    """Start counting the folder (or join the count already running)."""
    from storage.tasks import folder_stats_run

    prefix = selectors.prefix_resolve(project=project, bucket=bucket, prefix=prefix)
    now = timezone.now()
    with transaction.atomic():
        stats, created = FolderStats.objects.select_for_update().get_or_create(
            project=project, bucket=bucket, prefix=prefix,
            defaults={"requested_by": user, "requested_at": now, "updated_at": now},
        )
        if not created and stats.state == FolderStats.State.COUNTING and now - stats.updated_at < STALE_AFTER:
            return stats
        if not created:
            stats.state, stats.object_count, stats.total_bytes = FolderStats.State.COUNTING, 0, 0
            stats.complete, stats.error, stats.finished_at = False, "", None
            stats.requested_by, stats.requested_at, stats.updated_at = user, now, now
            stats.save()
        stats_id = str(stats.pk)
        transaction.on_commit(lambda: folder_stats_run.enqueue(stats_id))
    return stats


def folder_stats_count(*, stats: FolderStats) -> None:
    """The worker's part: count, writing progress after each page. A newer
    request for the same folder (`requested_at` moved on) ends this one."""
    mine = FolderStats.objects.filter(pk=stats.pk, requested_at=stats.requested_at)

    def write(**fields) -> bool:
        return bool(mine.update(updated_at=timezone.now(), **fields))

    try:
        # The link or its grant may have gone since the request.
        selectors.prefix_resolve(project=stats.project, bucket=stats.bucket, prefix=stats.prefix)
    except (PermissionDenied, ValidationError) as exc:
        write(state=FolderStats.State.FAILED, error=error_message(exc), finished_at=timezone.now())
        return
    backend = get_backend()
    limit = int(settings.STORAGE_FOLDER_STATS_LIMIT)
    deadline = time.monotonic() + COUNT_SECONDS
    objects = total = 0
    folders = [stats.prefix]
    try:
        while folders:
            folder, token = folders.pop(), None
            while True:
                listing = backend.list_level(bucket=stats.bucket, prefix=folder, page_token=token,
                                             page_size=PAGE_SIZE)
                objects += len(listing.objects)
                total += sum(o.size for o in listing.objects)
                folders.extend(f.prefix for f in listing.folders)
                token = listing.next_page_token
                more = bool(token or folders)
                if more and (objects >= limit or time.monotonic() > deadline):
                    write(state=FolderStats.State.DONE, object_count=objects, total_bytes=total, complete=False,
                          finished_at=timezone.now())
                    return
                if not write(object_count=objects, total_bytes=total):
                    return  # asked again meanwhile: the newer count carries on
                if not token:
                    break
    except StorageError as exc:
        write(state=FolderStats.State.FAILED, error=exc.detail, finished_at=timezone.now())
        return
    write(state=FolderStats.State.DONE, object_count=objects, total_bytes=total, complete=True,
          finished_at=timezone.now())
