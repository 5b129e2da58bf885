"""The work of a storage job, run by a `db_worker` through `storage.tasks`.

Crash safety. django-tasks-db leaves the task of a killed worker RUNNING
forever, so the job row carries its own lease: the worker that claims a job
(a conditional UPDATE, so two workers never hold it at once) renews
`heartbeat_at` with every progress write, at least every 50 objects or every
second. Each run of the task first queues the next run, deferred by one
lease (`STORAGE_JOB_LEASE_SECONDS`); that run finds the job finished (and
stops), still beating (and queues the next check), or abandoned, and then
claims it and carries on from the row: the listing resumes after `cursor`,
and the names in `pending` (read but not yet counted) are done again, each
step being safe to repeat. Every object is counted once.

Copies run THREADS at a time within a batch; a move deletes the batch's
copied sources in one batch request afterwards, and the access log gets one
INSERT per batch.
"""

import logging
import time
import uuid
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from storage.access_log import Action, access_record
from storage.backends import StorageError, StorageNotFound, StorageUnavailable, get_backend
from storage.job_services import destination_name, job_finish
from storage.models import StorageJob

logger = logging.getLogger("omx.storage")

CHECKPOINT_OBJECTS = 50
CHECKPOINT_SECONDS = 1.0
# Names read from the listing at once (one request on GCS, whose pages hold
# 1000), then handled CHECKPOINT_OBJECTS at a time.
LIST_NAMES = 500
# Copies of one batch run this many at a time. Only storage calls run in the
# threads: the row, the counts and the access log stay with the worker's own
# thread (and its one database connection), so accounting is as before.
THREADS = 8
SAME_BYTES_MAX = 8 * 1024 * 1024


class LeaseLost(Exception):
    """Another worker has taken the job over: stop without touching it."""


def _lease() -> timedelta:
    return timedelta(seconds=float(settings.STORAGE_JOB_LEASE_SECONDS))


def job_claim(*, job: StorageJob) -> bool:
    now = timezone.now()
    token = uuid.uuid4().hex
    rows = StorageJob.objects.filter(pk=job.pk).filter(
        Q(state=StorageJob.State.QUEUED)
        | Q(state=StorageJob.State.RUNNING, heartbeat_at__lt=now - _lease())
    ).update(state=StorageJob.State.RUNNING, lease_token=token, heartbeat_at=now,
             started_at=Coalesce(F("started_at"), now))
    if rows:
        job.refresh_from_db()
    return bool(rows)


def _schedule_check(job: StorageJob) -> None:
    from storage.tasks import storage_job_run

    run = storage_job_run
    if not run.get_backend().supports_defer:  # an immediate backend: nobody to watch
        return
    run = run.using(run_after=timezone.now() + _lease())
    transaction.on_commit(lambda: run.enqueue(str(job.pk)))


def job_work(*, job: StorageJob) -> None:
    """Claim the job (or leave it to the worker holding it) and run it."""
    if job.is_finished:
        return
    _schedule_check(job)
    if not job_claim(job=job):
        return
    try:
        _Run(job).run()
    except LeaseLost:
        return
    except Exception:
        # A fault that would recur on every takeover: end the job, then let the
        # task framework record the error.
        logger.exception("storage job %s stopped on an unexpected error", job.pk)
        try:
            job_finish(job=job, state=StorageJob.State.FAILED, errors=[
                *job.errors[:StorageJob.MAX_ERRORS - 1],
                {"name": "", "detail": "The job stopped on an unexpected error."}])
        except Exception:  # noqa: BLE001 - the database may be what failed; the lease then expires
            logger.exception("storage job %s could not be marked failed", job.pk)
        raise


class _Run:
    def __init__(self, job: StorageJob):
        self.job = job
        self.backend = get_backend()
        self.redo = set(job.pending)  # names a stopped worker may have handled already
        self.since_write, self.written_at = 0, time.monotonic()
        self.fresh: dict[str, bool] = {}  # folder source -> its destination was empty when this run reached it

    # --- the row --------------------------------------------------------

    def _write(self, **extra) -> None:
        job = self.job
        rows = StorageJob.objects.filter(
            pk=job.pk, lease_token=job.lease_token, state=StorageJob.State.RUNNING,
        ).update(done=job.done, skipped=job.skipped, failed=job.failed, total=job.total,
                 errors=job.errors, cursor=job.cursor, pending=job.pending,
                 heartbeat_at=timezone.now(), **extra)
        if not rows:
            raise LeaseLost()
        self.since_write, self.written_at = 0, time.monotonic()

    def keepalive(self) -> None:
        if self.since_write >= CHECKPOINT_OBJECTS or time.monotonic() - self.written_at >= CHECKPOINT_SECONDS:
            self._write()

    def cancelled(self) -> bool:
        return StorageJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists()

    def count(self, name: str, outcome: str, detail: str = "") -> None:
        job = self.job
        setattr(job, outcome, getattr(job, outcome) + 1)
        if detail and len(job.errors) < StorageJob.MAX_ERRORS:
            job.errors.append({"name": name, "detail": detail})
        job.pending.remove(name)
        self.since_write += 1
        self.keepalive()

    # --- the job --------------------------------------------------------

    def names(self, source: str, after: str | None):
        if source.endswith("/"):
            yield from self.backend.iter_names(bucket=self.job.bucket, prefix=source, after=after)
        elif after is None:
            yield source

    def run(self) -> None:
        job = self.job
        try:
            if job.total is None:
                total = 0
                for source in job.sources:
                    for _ in self.names(source, None):
                        total += 1
                        if time.monotonic() - self.written_at >= CHECKPOINT_SECONDS:
                            self._write()  # counting a large tree takes a while: keep the lease
                job.total = total
                self._write()
            if self.work():
                return
        except StorageUnavailable as exc:
            self.finish(StorageJob.State.FAILED, detail=str(exc.detail))
            return
        except StorageError as exc:  # the listing itself failed (bucket gone, permission)
            self.finish(StorageJob.State.FAILED, detail=str(exc.detail))
            return
        if job.total != job.done + job.skipped + job.failed:
            job.total = job.done + job.skipped + job.failed  # the tree changed while the job ran
        self.finish(StorageJob.State.SUCCEEDED)

    def work(self) -> bool:
        """Handle the pending names, then the rest; True when cancelled."""
        job = self.job
        with ThreadPoolExecutor(THREADS, thread_name_prefix=f"job-{job.pk}") as self.pool:
            if job.pending and self.handle(list(job.pending)):
                return True
            while job.cursor.get("source", 0) < len(job.sources):
                index = job.cursor.get("source", 0)
                names = list(islice(self.names(job.sources[index], job.cursor.get("after")), LIST_NAMES))
                if not names:
                    job.cursor = {"source": index + 1}
                    self._write()
                    continue
                for start in range(0, len(names), CHECKPOINT_OBJECTS):
                    batch = names[start:start + CHECKPOINT_OBJECTS]
                    job.pending = list(batch)
                    job.cursor = {"source": index, "after": batch[-1]}
                    self._write()  # written before the work: a successor redoes these
                    if self.handle(batch):
                        return True
        return False

    def finish(self, state: str, detail: str = "") -> None:
        job = self.job
        if detail and len(job.errors) < StorageJob.MAX_ERRORS:
            job.errors.append({"name": "", "detail": detail})
        job_finish(job=job, state=state, done=job.done, skipped=job.skipped, failed=job.failed,
                   total=job.total, errors=job.errors, cursor=job.cursor)

    def handle(self, batch: list[str]) -> bool:
        """Handle names; True when the job was cancelled meanwhile."""
        if self.cancelled():
            self.finish(StorageJob.State.CANCELLED)
            return True
        if self.job.kind == StorageJob.Kind.DELETE:
            self.delete(batch)
            return False
        current = self.job.sources[self.job.cursor.get("source", 0)] if self.job.cursor else None
        sources = [self._source_of(name, current) for name in batch]
        # Folder placeholders are copied here, after the objects: on disk a
        # folder's copy and the copies of what it holds would race to create
        # the same directory.
        futures = {name: self.pool.submit(self.copy, source, name, self._fresh(source))
                   for source, name in zip(sources, batch, strict=True) if not name.endswith("/")}
        cancelled = self._wait(list(futures.values()))
        outcomes = []
        for source, name in zip(sources, batch, strict=True):
            if name.endswith("/"):
                outcomes.append(None if cancelled else self.copy(source, name, self._fresh(source)))
            else:
                outcomes.append(None if futures[name].cancelled() else futures[name].result())
        self.settle(batch, outcomes)
        if cancelled:
            self.finish(StorageJob.State.CANCELLED)
        return cancelled

    def _wait(self, futures) -> bool:
        """Wait for a batch's copies, keeping the lease; on a cancel request the
        copies not yet started are dropped (True). A storage fault in any copy
        stops the batch and is raised."""
        while True:
            done, running = wait(futures, timeout=CHECKPOINT_SECONDS, return_when=FIRST_EXCEPTION)
            failed = next((f.exception() for f in done if f.exception()), None)
            if failed is not None:
                for f in futures:
                    f.cancel()
                wait(futures)
                raise failed
            if not running:
                return False
            self._write()  # a long batch: keep the lease, and look for a cancel request
            if self.cancelled():
                for f in futures:
                    f.cancel()
                wait(futures)
                return True

    def _fresh(self, source: str) -> bool:
        """Whether the destination of the folder `source` held nothing when
        this run reached it: its copies then need no look for an object
        already there (each lands on a name of its own). Real GCS still gets
        the generation precondition; an emulator ignores it, so there a
        concurrent writer into the same new folder may be overwritten."""
        job = self.job
        if not source.endswith("/") or job.on_conflict != StorageJob.OnConflict.SKIP:
            return False
        if source not in self.fresh:
            folder = destination_name(destination=job.destination, source=source, name=source)
            names = self.backend.iter_names(bucket=job.destination["bucket"], prefix=folder)
            self.fresh[source] = next(iter(names), None) is None
        return self.fresh[source]

    def _source_of(self, name: str, current: str | None) -> str:
        if current is not None and (name == current or (current.endswith("/") and name.startswith(current))):
            return current
        # A pending name from before a takeover: find the source it came from.
        return next(s for s in self.job.sources if name == s or (s.endswith("/") and name.startswith(s)))

    def delete(self, batch: list[str]) -> None:
        try:
            deleted, not_found = self.backend.delete_objects(bucket=self.job.bucket, names=batch)
        except StorageUnavailable:
            raise
        except StorageError as exc:
            for name in batch:
                self.count(name, "failed", str(exc.detail))
            return
        self.log_deleted(deleted)
        for name in deleted:
            self.count(name, "done")
        for name in not_found:
            # Gone already: by this job before a takeover, or by someone else.
            self.count(name, "done" if name in self.redo else "skipped",
                       "" if name in self.redo else "It no longer existed.")

    def copy(self, source: str, name: str, absent: bool) -> tuple[str, str]:
        """Copy (and for a move, delete) one object, in a pool thread: storage
        calls only. Answers the outcome (deleted, done, skipped or failed) and
        a detail."""
        job, backend = self.job, self.backend
        dest_bucket = job.destination["bucket"]
        target = destination_name(destination=job.destination, source=source, name=name)
        overwrite = job.on_conflict == StorageJob.OnConflict.OVERWRITE and not name.endswith("/")
        try:
            copied = backend.copy_object(bucket=job.bucket, name=name, dest_bucket=dest_bucket,
                                         dest_name=target, overwrite=overwrite, absent=absent)
        except StorageNotFound:
            if name in self.redo and job.kind == StorageJob.Kind.MOVE and self._exists(dest_bucket, target):
                return "done", ""  # moved before a takeover
            return "failed", "It no longer exists."
        except StorageUnavailable:
            raise
        except StorageError as exc:
            return "failed", str(exc.detail)
        # A folder placeholder holds no data: one already at the destination
        # merges with it. Under `skip`, an object redone after a takeover
        # whose copy is already there was copied by this job.
        merged = name.endswith("/") or (name in self.redo and self._same(name, dest_bucket, target))
        if not copied and not merged:
            return "skipped", ""
        if job.kind != StorageJob.Kind.MOVE:
            return "done", ""
        if name.endswith("/"):
            return "copied", ""  # deleted once the objects in it are (see settle)
        # Deleted here, one by one, rather than in a batch after the copies:
        # each thread goes on to its next copy without waiting for the others.
        try:
            deleted, _ = backend.delete_objects(bucket=job.bucket, names=[name])
        except StorageUnavailable:
            raise
        except StorageError as exc:
            return "failed", f"Copied, but the source could not be deleted: {exc.detail}"
        return ("deleted" if deleted else "done"), ""

    def settle(self, batch: list[str], outcomes: list[tuple[str, str] | None]) -> None:
        """Count a batch's outcomes, with one access-log INSERT for its deletes.
        A moved folder placeholder goes last: the tree order puts a folder
        after what it holds, which the threads have deleted by now (on disk
        a folder with something in it cannot go)."""
        folders = [name for name, outcome in zip(batch, outcomes, strict=True) if outcome == ("copied", "")]
        problem = ""
        try:
            gone = set(self.backend.delete_objects(bucket=self.job.bucket, names=folders)[0]) if folders else set()
        except StorageUnavailable:
            raise
        except StorageError as exc:
            gone, problem = set(), f"Copied, but the source could not be deleted: {exc.detail}"
        self.log_deleted([name for name, outcome in zip(batch, outcomes, strict=True)
                          if outcome and (outcome[0] == "deleted" or name in gone)])
        for name, outcome in zip(batch, outcomes, strict=True):
            if outcome is None:  # not started: the job was cancelled
                continue
            state, detail = outcome
            if state == "copied":
                state, detail = ("failed", problem) if problem else ("done", "")
            self.count(name, "done" if state == "deleted" else state, detail)

    def log_deleted(self, names: list[str]) -> None:
        # Logged as coming from the request that started the job.
        access_record(project_id=self.job.project_id, action=Action.DELETE, bucket=self.job.bucket, names=names,
                      via=self.job.created_via, actor_id=self.job.created_by_id, client_ip=self.job.client_ip)

    def _exists(self, bucket: str, name: str) -> bool:
        try:
            self.backend.get_object(bucket=bucket, name=name)
        except StorageNotFound:
            return False
        return True

    def _same(self, name: str, dest_bucket: str, target: str) -> bool:
        try:
            a = self.backend.get_object(bucket=self.job.bucket, name=name)
            b = self.backend.get_object(bucket=dest_bucket, name=target)
        except StorageNotFound:
            return False
        if a.size != b.size:
            return False
        if a.md5_hash is not None and b.md5_hash is not None:
            return a.md5_hash == b.md5_hash
        # A copy cut short by a crash may lack its hash (on disk the metadata
        # is written after the file): small objects are compared byte for byte.
        if a.size > SAME_BYTES_MAX:
            return False
        read = self.backend.read_head
        return read(bucket=self.job.bucket, name=name, max_bytes=a.size) == read(
            bucket=dest_bucket, name=target, max_bytes=b.size)
