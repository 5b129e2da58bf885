"""The GCS backend's operations on many objects: a tree listed page by page,
server-side copies (the rewrite API, followed across rewrite tokens, so no
object bytes pass through omX) and deletes in batch requests of up to 100.

Mixed into `GcsBackend`; kept apart so each module stays one subject.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import requests
from google.api_core import exceptions as api_exceptions

from storage.backends.base import StorageError, StoragePermissionDenied, StorageUnavailable

BATCH_SIZE = 100  # GCS accepts up to 100 calls in one batch request
LIST_PAGE_SIZE = 1000
_RETRYABLE = {408, 429, 500, 502, 503, 504}
_TRANSIENT = (
    api_exceptions.TooManyRequests,
    api_exceptions.InternalServerError,
    api_exceptions.BadGateway,
    api_exceptions.ServiceUnavailable,
    api_exceptions.GatewayTimeout,
    requests.ConnectionError,
    requests.Timeout,
    ConnectionError,
    TimeoutError,
)


def _status(exc: BaseException) -> int:
    if isinstance(exc, api_exceptions.GoogleAPICallError) and exc.code:
        return int(exc.code)
    return 503  # a transport failure: worth another attempt


class GcsBulkOps:
    def iter_names(self, *, bucket: str, prefix: str, after: str | None = None) -> Iterator[str]:
        """Every object name under `prefix` greater than `after`, in name order,
        one page (up to 1000 names) in memory at a time."""
        token = None
        while True:
            with self._translate(
                permission="storage.objects.list",
                resource=f"bucket {bucket}",
                missing=f"The bucket {bucket} does not exist.",
            ):
                iterator = self.client.list_blobs(
                    self.client.bucket(bucket), prefix=prefix or None, start_offset=after or None,
                    page_size=LIST_PAGE_SIZE, page_token=token, fields="items(name),nextPageToken",
                    **self._call_kwargs(),
                )
                page = next(iterator.pages, None)
                names = [blob.name for blob in page] if page is not None else []
                token = iterator.next_page_token
            for name in names:
                if after is None or name > after:
                    yield name
            if not token:
                return

    def copy_object(
        self, *, bucket: str, name: str, dest_bucket: str, dest_name: str, overwrite: bool,
        keepalive: Callable[[], None] | None = None, absent: bool = False,
    ) -> bool:
        """Copy server-side; False (nothing written) when the destination exists
        and `overwrite` is off. `absent`: the caller knows the destination name
        is free (one listing for many copies), so no look first."""
        with self._translate(
            permission="storage.objects.get and storage.objects.create",
            resource=f"buckets {bucket} and {dest_bucket}",
            missing=f"The object {name} does not exist in bucket {bucket}.",
        ):
            source = self.client.bucket(bucket).blob(name)
            target = self.client.bucket(dest_bucket).blob(dest_name)
            # Emulators ignore generation preconditions: look first, and keep
            # the precondition for real GCS, where it closes the race.
            if not overwrite and not absent and target.exists(**self._call_kwargs()):
                return False
            precondition = {} if overwrite else {"if_generation_match": 0}
            token = None
            try:
                while True:
                    token, _, _ = target.rewrite(source, token=token, **precondition, **self._call_kwargs())
                    if token is None:
                        return True
                    if keepalive is not None:
                        keepalive()  # a large object takes several rewrite calls
            except api_exceptions.PreconditionFailed:
                return False

    def delete_objects(self, *, bucket: str, names: list[str]) -> tuple[list[str], list[str]]:
        """(deleted, not found), in batch requests of up to 100; answers within
        one deadline (twice GCS_TIMEOUT_SECONDS) for the whole call: a request
        only starts in the first GCS_TIMEOUT_SECONDS and lasts at most as long."""
        deadline = time.monotonic() + self.timeout
        outcome: dict[str, bool] = {}
        for start in range(0, len(names), BATCH_SIZE):
            outcome.update(self._delete_chunk(bucket, names[start:start + BATCH_SIZE], deadline))
        deleted = [name for name in names if outcome.get(name)]
        return deleted, [name for name in names if not outcome.get(name)]

    def _delete_chunk(self, bucket: str, names: list[str], deadline: float) -> dict[str, bool]:
        outcome, remaining, delay = {}, list(dict.fromkeys(names)), 0.1
        while remaining:
            if time.monotonic() >= deadline:
                raise StorageUnavailable()
            statuses = self._delete_statuses(bucket, remaining, timeout=self.timeout)
            retry = []
            for name, status in zip(remaining, statuses, strict=True):
                if 200 <= status < 300 or status == 404:
                    outcome[name] = status != 404
                elif status in _RETRYABLE:
                    retry.append(name)
                elif status in (401, 403):
                    raise StoragePermissionDenied(
                        f"The service account lacks storage.objects.delete on bucket {bucket}.")
                else:
                    raise StorageError(f"Cloud Storage answered {status} when deleting {name}.")
            remaining = retry
            if remaining:
                if time.monotonic() + delay >= deadline:
                    raise StorageUnavailable()
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
        return outcome

    def _delete_statuses(self, bucket: str, names: list[str], *, timeout: float) -> list[int]:
        """One HTTP status per name, from one batch request."""
        bucket_ref = self.client.bucket(bucket)
        if len(names) == 1:  # a batch of one is a plain DELETE with extra wrapping
            return self._delete_each(bucket_ref, names, timeout=timeout)
        batch = self.client.batch(raise_exception=False)
        try:
            with batch:
                for name in names:
                    bucket_ref.blob(name).delete(timeout=timeout, retry=None)
        except _TRANSIENT as exc:
            return [_status(exc)] * len(names)
        except api_exceptions.GoogleAPICallError as exc:  # the batch request itself was refused
            return [_status(exc)] * len(names)
        except ValueError:
            # An answer without one part per call: fake-gcs-server answers batch
            # requests with an empty multipart body. Send the calls one by one.
            return self._delete_each(bucket_ref, names, timeout=timeout)
        return [response.status_code for response in batch._responses]

    def _delete_each(self, bucket_ref, names: list[str], *, timeout: float) -> list[int]:
        def delete(name: str) -> int:
            try:
                bucket_ref.blob(name).delete(timeout=timeout, retry=None)
            except (api_exceptions.GoogleAPICallError, *_TRANSIENT) as exc:
                return _status(exc)
            return 204

        if len(names) == 1:
            return [delete(names[0])]
        with ThreadPoolExecutor(max_workers=min(8, len(names))) as pool:
            return list(pool.map(delete, names))
