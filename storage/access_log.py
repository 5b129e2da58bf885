"""The access log: one row for every signed URL handed out and every object
deleted, through any door (the API, the pages, share links, jobs).

Writing stays cheap: one INSERT per request, one bulk INSERT for many names
(a delete of a thousand objects is one statement per batch, not a thousand).
Reading is for admins, through the project resolved with `need=Role.ADMIN`.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from omx.sqlcache import PreparedInsert
from storage.models import AccessLogEntry

Action = AccessLogEntry.Action
Via = AccessLogEntry.Via
BATCH = 500
_insert_one = PreparedInsert(AccessLogEntry)

CSV_FIELDS = ["at", "actor_id", "actor_email", "via", "action", "bucket", "object_name", "share_id", "client_ip"]


def access_record(
    *, project=None, project_id=None, action: str, bucket: str, names: Iterable[str], via: str = Via.API,
    actor=None, actor_id=None, share=None, client_ip: str | None = None,
) -> None:
    """Log `action` on each of `names`, in as few INSERTs as the batch size allows.
    Background work passes `project_id`/`actor_id` (it holds no loaded rows)."""
    if not settings.ACCESS_LOG_ENABLED:
        return
    at = timezone.now()
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_id = actor.pk
    project_id = project.pk if project is not None else project_id
    names = list(names)
    if len(names) == 1:  # every signed URL handed out: the INSERT alone, SQL built once
        _insert_one.insert(project_id=project_id, at=at, actor_id=actor_id, via=via, action=action, bucket=bucket,
                           object_name=names[0][:1024], share=share, client_ip=client_ip or None)
        return
    rows = [
        AccessLogEntry(project_id=project_id, at=at, actor_id=actor_id, via=via, action=action, bucket=bucket,
                       object_name=name[:1024], share=share, client_ip=client_ip or None)
        for name in names
    ]
    if rows:
        AccessLogEntry.objects.bulk_create(rows, batch_size=BATCH)


def access_list(*, project, action: str | None = None, actor_id=None, since: datetime | None = None,
                until: datetime | None = None):
    """The project's log, newest first, optionally filtered."""
    rows = AccessLogEntry.objects.filter(project=project).select_related("actor")
    if action:
        rows = rows.filter(action=action)
    if actor_id:
        rows = rows.filter(actor_id=actor_id)
    if since:
        rows = rows.filter(at__gte=since)
    if until:
        rows = rows.filter(at__lt=until)
    return rows.order_by("-at", "-id")


def share_access_list(*, share):
    """A share's uses, newest first."""
    return AccessLogEntry.objects.filter(
        share=share, action__in=[Action.SHARE_DOWNLOAD, Action.SHARE_UPLOAD]).order_by("-at", "-id")


class _Echo:
    """csv.writer writes into this and gets the line back, to stream it."""

    def write(self, value):
        return value


def csv_lines(rows) -> Iterator[str]:
    """The header row, then one line per row: read in chunks from a server-side
    cursor, so a log of millions streams without being held in memory."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_FIELDS)
    values = rows.values_list("at", "actor_id", "actor__email", "via", "action", "bucket", "object_name",
                              "share_id", "client_ip")
    for at, actor_id, email, via, action, bucket, name, share_id, ip in values.iterator(chunk_size=2000):
        yield writer.writerow([at.isoformat(), actor_id or "", email or "", via, action, bucket, name,
                               share_id or "", ip or ""])


def access_prune(*, older_than_days: int) -> int:
    """Delete rows older than this many days; the number deleted."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = AccessLogEntry.objects.filter(at__lt=cutoff).delete()
    return deleted
