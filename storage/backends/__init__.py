"""The storage backend for this process: `get_backend()`.

One instance per process, built on first use and reused (the GCS backend holds
one HTTP client and its connection pool). The cache is keyed on the settings
the backend is built from, so a test that switches settings (pytest-django's
`settings` fixture) gets a fresh backend without any signal plumbing.
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

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
    "get_backend",
    "reset_backend",
]

_lock = threading.Lock()
_cached: tuple[tuple, StorageBackend] | None = None


def _settings_key() -> tuple:
    return (
        settings.STORAGE_BACKEND,
        settings.GCS_PROJECT_ID,
        settings.GCS_CREDENTIALS_PATH,
        settings.STORAGE_EMULATOR_HOST,
        float(settings.GCS_TIMEOUT_SECONDS),
        str(Path(settings.STORAGE_LOCAL_ROOT)),
    )


def _build(key: tuple) -> StorageBackend:
    backend, project_id, credentials_path, emulator_host, timeout, local_root = key
    if backend == "gcs":
        # Imported here so a process on the local backend never loads google.cloud.
        from storage.backends.gcs import GcsBackend

        return GcsBackend(
            project_id=project_id,
            credentials_path=credentials_path,
            emulator_host=emulator_host,
            timeout=timeout,
        )
    if backend == "local":
        from storage.backends.local import LocalBackend

        return LocalBackend(root=Path(local_root))
    raise StorageError(f"Unknown STORAGE_BACKEND {backend!r}: use 'gcs' or 'local'.")


def get_backend() -> StorageBackend:
    global _cached
    key = _settings_key()
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        if _cached is None or _cached[0] != key:
            _cached = (key, _build(key))
        return _cached[1]


def reset_backend() -> None:
    global _cached
    with _lock:
        _cached = None
