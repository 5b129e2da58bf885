"""Counting failures (wrong passwords) in the shared cache, so that every app
server sees the same counts: once a counter reaches its limit, every attempt
it covers is refused until its window, which starts at its first failure,
has passed."""

import time

from django.core.cache import cache

from omx.exceptions import ApplicationError


class Throttled(ApplicationError):
    status_code = 429
    default_code = "throttled"

    def __init__(self, what: str, retry_after: float):
        self.retry_after = max(1, int(retry_after))
        super().__init__(f"{what} Try again in {self.retry_after} seconds.")
        self.headers = {"Retry-After": str(self.retry_after)}


def failures_check(counters: list[tuple[str, int]], *, window: int, what: str) -> None:
    """Throttled if any (cache key, limit) counter has reached its limit."""
    values = cache.get_many([k for k, _ in counters] + [f"{k}:start" for k, _ in counters])
    waits = [
        values.get(f"{key}:start", time.time()) + window - time.time()
        for key, limit in counters
        if values.get(key, 0) >= limit
    ]
    if waits:
        raise Throttled(what, retry_after=max(waits))


def failure_record(keys: list[str], *, window: int) -> None:
    """Count one failure in each counter."""
    for key in keys:
        if cache.add(key, 0, timeout=window):
            cache.set(f"{key}:start", time.time(), timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            cache.set(f"{key}:start", time.time(), timeout=window)
