"""The storage backend for this process: `get_backend()`.

One instance per process, built on first use and reused (the GCS backend holds
one HTTP client and its connection pool). The cache is keyed on the settings
the backend is built from, so a test that switches settings (pytest-django's
`settings` fixture) gets a fresh backend without any signal plumbing.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from storage.backends.base import (
    BucketInfo,
    FolderInfo,
    Listing,
    ObjectInfo,
    SignedURL,
    StorageBackend,
    StorageBadRequest,
    StorageError,
    StorageNotFound,
    StoragePermissionDenied,
    StorageUnavailable,
)

__all__ = [
    "BucketInfo",
    "FolderInfo",
    "Listing",
    "ObjectInfo",
    "SignedURL",
    "StorageBackend",
    "StorageBadRequest",
    "StorageError",
    "StorageNotFound",
    "StoragePermissionDenied",
    "StorageUnavailable",
    "backend_class",
    "bucket_name_validate",
    "get_backend",
    "reset_backend",
    "uri",
]

# STORAGE_BACKEND -> the class that implements it. A new backend is one module
# under storage/backends/ plus its line here; modules load on first use, so a
# process on the local backend never imports google.cloud.
REGISTRY = {
    "gcs": "storage.backends.gcs.GcsBackend",
    "local": "storage.backends.local.LocalBackend",
}

_lock = threading.Lock()
_cached: tuple[tuple, StorageBackend] | None = None


def backend_class(name: str | None = None) -> type:
    name = settings.STORAGE_BACKEND if name is None else name
    try:
        return import_string(REGISTRY[name])
    except KeyError:
        raise StorageError(
            f"Unknown STORAGE_BACKEND {name!r}: use one of {', '.join(sorted(REGISTRY))}.",
            code="storage_unconfigured",
        ) from None


def _settings_key() -> tuple:
    cls = backend_class()
    return (cls, cls.settings_key(settings))


def get_backend() -> StorageBackend:
    global _cached
    key = _settings_key()
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        if _cached is None or _cached[0] != key:
            _cached = (key, key[0].from_settings(settings))
        return _cached[1]


def reset_backend() -> None:
    global _cached
    with _lock:
        _cached = None


def uri(bucket: str, path: str = "") -> str:
    """How the configured backend writes a location: `gs://bucket/path`."""
    return f"{backend_class().scheme}://{bucket}/{path}" if path else f"{backend_class().scheme}://{bucket}"


def bucket_name_validate(name: str, field: str = "bucket") -> str:
    """The configured backend's bucket naming rules (ValidationError on `field`)."""
    return backend_class().bucket_name_validate(name, field=field)
