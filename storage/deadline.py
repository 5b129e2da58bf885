"""One deadline per request for storage fan-out (many small calls at once):
API.md promises a 503 within twice GCS_TIMEOUT_SECONDS for the request as a
whole, not for each call."""

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings

from storage.backends import StorageUnavailable

MAX_WORKERS = 8


def request_deadline_seconds() -> float:
    return 2 * float(settings.GCS_TIMEOUT_SECONDS)


def map_within_deadline(fn: Callable, items: Iterable, *, seconds: float | None = None) -> list:
    """`[fn(item) for item in items]`, a few at a time, or StorageUnavailable
    once the deadline passes. Calls still running then finish on their own
    timeouts; nobody waits for them."""
    items = list(items)
    if not items:
        return []
    pool = ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(items)), thread_name_prefix="omx-fanout")
    try:
        futures = [pool.submit(fn, item) for item in items]
        _, pending = wait(futures, timeout=request_deadline_seconds() if seconds is None else seconds)
        if pending:
            raise StorageUnavailable("Cloud Storage did not answer in time. Try again in a moment.")
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
