import logging
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger("omx.storage")


STATUS_CACHE_KEY = "omx:healthz:storage"
STATUS_CACHE_SECONDS = 30


def storage_status() -> str:
    """`ok`, `unconfigured` or `error`, from a real but cheap call to storage
    (the backend's `probe`), remembered for half a minute in the shared cache
    so that frequent health checks do not each reach Google."""
    if settings.STORAGE_BACKEND == "gcs" and not (
        settings.GCS_CREDENTIALS_PATH or settings.STORAGE_EMULATOR_HOST or settings.GCS_PROJECT_ID
    ):
        return "unconfigured"
    try:
        status = cache.get(STATUS_CACHE_KEY)
    except Exception:  # the cache down must not take the health check with it
        status = None
    if status is None:
        status = _probe()
        try:
            cache.set(STATUS_CACHE_KEY, status, STATUS_CACHE_SECONDS)
        except Exception:
            logger.warning("could not cache the storage status")
    return status


def _probe() -> str:
    from storage.backends import StorageError, get_backend

    try:
        get_backend().probe()
    except StorageError as exc:
        logger.warning("storage health probe failed: %s", exc.detail)
        return "unconfigured" if exc.code == "storage_unconfigured" else "error"
    except Exception:
        logger.exception("storage health probe failed")
        return "error"
    return "ok"


# A link's health is rewritten at most this often while it stays the same, so
# a busy listing does not write a row on every page.
HEALTH_QUIET = timedelta(minutes=1)


@contextmanager
def health_recorded(links):
    """Around a storage call through `links` (selectors.Link rows, read with
    the request's containment query): remember in `last_checked_at` /
    `last_error` whether it worked. No query while nothing changed."""
    from storage.backends import StorageError
    from storage.models import StorageConnection

    try:
        yield
    except StorageError as exc:
        _record(StorageConnection, links, exc.detail)
        raise
    _record(StorageConnection, links, None)


def _record(model, links, error: str | None) -> None:
    now = timezone.now()
    stale = [link.id for link in links if link.last_error != error or link.last_checked_at is None
             or now - link.last_checked_at >= HEALTH_QUIET]
    if stale:
        model.objects.filter(pk__in=stale).update(last_checked_at=now, last_error=error)
