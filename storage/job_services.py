"""Writes of storage jobs: starting one, cancelling one, and recording how it
ended. The work itself is `storage.job_runner.job_work`, run by a worker.

Every rule is checked before anything is queued: input first (400), then
containment of the sources and the destination (403).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from omx.exceptions import Conflict
from storage import selectors
from storage.models import StorageJob
from storage.validation import bucket_name_validate, object_name_validate, prefix_normalize
from workspaces.models import ActivityEvent, Role, role_at_least
from workspaces.services import activity_record

MAX_SOURCES = 1000
_VERBS = {
    StorageJob.Kind.DELETE: (ActivityEvent.Verb.STORAGE_OBJECTS_DELETED, "deleted"),
    StorageJob.Kind.COPY: (ActivityEvent.Verb.STORAGE_OBJECTS_COPIED, "copied"),
    StorageJob.Kind.MOVE: (ActivityEvent.Verb.STORAGE_OBJECTS_MOVED, "moved"),
}


def _last_segment(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1]


def destination_name(*, destination: dict, source: str, name: str) -> str:
    """Where `name`, found under the source `source`, lands: into a folder
    (`a/b/x.txt` -> `dest/x.txt`, folder `a/b/` -> `dest/b/...`) or renamed."""
    if "name" in destination:
        return destination["name"] + name[len(source):]
    base = _last_segment(source) + ("/" if source.endswith("/") else "")
    return destination["prefix"] + base + name[len(source):]


def _sources_clean(sources: list[str]) -> list[str]:
    if not sources or len(sources) > MAX_SOURCES:
        raise ValidationError({"sources": [f"Name 1 to {MAX_SOURCES} objects or folders."]})
    sources = list(dict.fromkeys(sources))
    for name in sources:
        object_name_validate(name, field="sources")
    folders = [s for s in sources if s.endswith("/")]
    # A name inside a folder that is itself a source would be handled twice.
    return [s for s in sources if not any(s != f and s.startswith(f) for f in folders)]


def _destination_clean(*, kind: str, bucket: str, sources: list[str], destination) -> dict | None:
    if kind == StorageJob.Kind.DELETE:
        if destination:
            raise ValidationError({"destination": ["A delete has no destination."]})
        return None
    if not isinstance(destination, dict) or ("prefix" in destination) == ("name" in destination):
        raise ValidationError({"destination": ['Give {"prefix": "dest/"} or, to rename, {"name": "new name"}.']})
    dest_bucket = destination.get("bucket") or bucket
    bucket_name_validate(dest_bucket, field="destination")
    if "name" in destination:
        name = destination["name"]
        if kind != StorageJob.Kind.MOVE or len(sources) != 1:
            raise ValidationError({"destination": ["A rename is a move of exactly one source."]})
        if not isinstance(name, str):
            raise ValidationError({"destination": ["The new name must be a string."]})
        object_name_validate(name, field="destination")
        if name.endswith("/") != sources[0].endswith("/"):
            raise ValidationError({"destination": ["A folder renames to a folder (ending in '/'), an object to an object."]})
        clean = {"bucket": dest_bucket, "name": name}
    else:
        if not isinstance(destination["prefix"], str):
            raise ValidationError({"destination": ["The prefix must be a string."]})
        try:
            clean = {"bucket": dest_bucket, "prefix": prefix_normalize(destination["prefix"])}
        except ValidationError as exc:
            raise ValidationError({"destination": exc.messages}) from None
    for source in sources:
        target = destination_name(destination=clean, source=source, name=source)
        if dest_bucket == bucket and target == source:
            raise ValidationError({"destination": [f"{source} is already there."]})
        if dest_bucket == bucket and source.endswith("/") and target.startswith(source):
            raise ValidationError({"destination": [f"The folder {source} cannot go into itself or below itself."]})
    return clean


def job_create(
    *, user, project, kind: str, bucket: str, sources: list[str], destination=None,
    on_conflict: str = StorageJob.OnConflict.SKIP, via: str = "api", client_ip: str | None = None,
) -> StorageJob:
    from storage.tasks import storage_job_run

    if kind not in StorageJob.Kind.values:
        raise ValidationError({"kind": ["Use delete, copy or move."]})
    if on_conflict not in StorageJob.OnConflict.values:
        raise ValidationError({"on_conflict": ["Use skip or overwrite."]})
    bucket_name_validate(bucket)
    sources = _sources_clean(sources)
    destination = _destination_clean(kind=kind, bucket=bucket, sources=sources, destination=destination)
    # Containment (and the workspace's grants) last: 403 only for valid input.
    selectors.names_check(project=project, bucket=bucket, names=sources, field="sources")
    if destination and "name" in destination:
        selectors.names_check(project=project, bucket=destination["bucket"], names=[destination["name"]],
                              field="destination")
    elif destination:
        destination["prefix"] = selectors.prefix_resolve(
            project=project, bucket=destination["bucket"], prefix=destination["prefix"])
    with transaction.atomic():
        job = StorageJob.objects.create(
            project=project, kind=kind, bucket=bucket, sources=sources, destination=destination,
            on_conflict=on_conflict, created_by=user, created_via=via, client_ip=client_ip,
        )
        transaction.on_commit(lambda: storage_job_run.enqueue(str(job.pk)))
    return job


def job_cancel(*, user, project, job: StorageJob) -> StorageJob:
    """Queued: cancelled at once. Running: its worker stops after the object in hand."""
    if job.created_by_id != user.pk and not role_at_least(project.workspace.role, Role.ADMIN):
        raise PermissionDenied("Only an admin may cancel someone else's job.")
    with transaction.atomic():
        job = StorageJob.objects.select_for_update().get(pk=job.pk)
        if job.is_finished:
            raise Conflict(f"This job has already {job.state}.", code="job_finished")
        if job.state == StorageJob.State.QUEUED:
            job_finish(job=job, state=StorageJob.State.CANCELLED)
        else:
            job.cancel_requested = True
            job.save(update_fields=["cancel_requested"])
    job.refresh_from_db()
    return job


def job_finish(*, job: StorageJob, state: str, **fields) -> bool:
    """Mark the job finished (if its row is still as `job` believes: same lease,
    not finished) and record its activity event in the same transaction."""
    now = timezone.now()
    with transaction.atomic():
        rows = StorageJob.objects.filter(pk=job.pk, lease_token=job.lease_token).exclude(
            state__in=StorageJob.FINISHED).update(state=state, finished_at=now, pending=[], **fields)
        if not rows:
            return False
        job.refresh_from_db()
        verb, past = _VERBS[job.kind]
        who = job.created_by.display_name if job.created_by else "Someone"
        where = job.bucket
        if job.destination:
            where += f" to {job.destination['bucket']}/{job.destination.get('prefix', job.destination.get('name'))}"
        ending = "" if state == StorageJob.State.SUCCEEDED else f" ({state})"
        activity_record(
            workspace=job.project.workspace, project=job.project, actor=job.created_by, verb=verb,
            summary=f"{who} {past} {job.done} object{'s' if job.done != 1 else ''} from {where}{ending}",
            payload={"job": str(job.pk), "bucket": job.bucket, "sources": job.sources[:100],
                     "destination": job.destination, "state": state, "done": job.done,
                     "skipped": job.skipped, "failed": job.failed, "total": job.total},
        )
    return True
