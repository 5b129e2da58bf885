"""The small interface every storage backend offers, and the errors it raises.

Backends speak in plain dataclasses so that nothing above `storage/backends/`
ever touches a Google type (or imports `google.cloud`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable
from urllib.parse import quote

from omx.exceptions import ApplicationError

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class BucketInfo:
    name: str
    location: str
    storage_class: str
    created: datetime | None


@dataclass(frozen=True)
class ObjectInfo:
    name: str
    size: int
    content_type: str
    updated: datetime | None
    md5_hash: str | None


@dataclass(frozen=True)
class FolderInfo:
    name: str  # last segment, without the trailing "/"
    prefix: str  # the full prefix, ending with "/"


@dataclass(frozen=True)
class Listing:
    folders: list[FolderInfo]
    objects: list[ObjectInfo]
    next_page_token: str | None


@dataclass(frozen=True)
class SignedURL:
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


class StorageError(ApplicationError):
    """Storage answered with something the caller cannot fix (HTTP 502 by default)."""

    status_code = 502
    default_detail = "Cloud Storage returned an error."
    default_code = "storage_error"


class StorageNotFound(StorageError):
    status_code = 404
    default_detail = "The bucket or object does not exist."
    default_code = "not_found"


class StoragePermissionDenied(StorageError):
    status_code = 502
    default_detail = "The service account lacks a permission on this bucket."
    default_code = "storage_forbidden"


class StorageUnavailable(StorageError):
    status_code = 503
    default_detail = "Cloud Storage is unreachable or timed out. Try again in a moment."
    default_code = "storage_unavailable"


class StorageBadRequest(StorageError):
    status_code = 400
    default_detail = "The storage request is not valid."
    default_code = "invalid"


@runtime_checkable
class StorageBackend(Protocol):
    name: str  # "gcs" | "local"
    signs_locally: bool  # False when each signature is a network call

    def list_buckets(self, *, gcp_project_id: str | None) -> list[BucketInfo]: ...

    def probe(self) -> None: ...  # one cheap real call; raises StorageError when storage does not answer

    def get_bucket(self, *, name: str) -> BucketInfo: ...

    def check_bucket(self, *, bucket: str, prefix: str) -> None: ...

    def list_level(
        self,
        *,
        bucket: str,
        prefix: str,
        page_token: str | None = None,
        page_size: int = 100,
        starts_with: str = "",
    ) -> Listing: ...

    def get_object(self, *, bucket: str, name: str) -> ObjectInfo: ...

    def read_head(self, *, bucket: str, name: str, max_bytes: int) -> bytes: ...

    # `ttl` overrides the settings' lifetime (share links use a few minutes).
    # `if_absent` makes the URL unable to overwrite an existing object, and
    # `max_bytes` caps what it accepts (drop folders).
    def sign_upload(
        self, *, bucket: str, name: str, content_type: str, ttl: int | None = None,
        if_absent: bool = False, max_bytes: int | None = None,
    ) -> SignedURL: ...

    def sign_download(
        self, *, bucket: str, name: str, disposition: str | None = None, ttl: int | None = None
    ) -> SignedURL: ...

    def delete_objects(self, *, bucket: str, names: list[str]) -> tuple[list[str], list[str]]: ...

    # Operations on many objects, for background jobs. `iter_names` yields a
    # tree in the backend's own stable order, so that `after` (the last name
    # handled) resumes it; `copy_object` answers False when it wrote nothing
    # because the destination exists and `overwrite` is off (`absent`: the
    # caller has seen the destination free and the backend need not look).
    def iter_names(self, *, bucket: str, prefix: str, after: str | None = None) -> Iterator[str]: ...

    def copy_object(
        self, *, bucket: str, name: str, dest_bucket: str, dest_name: str, overwrite: bool,
        keepalive: Callable[[], None] | None = None, absent: bool = False,
    ) -> bool: ...

    def create_folder(self, *, bucket: str, prefix: str) -> None: ...

    def create_bucket(self, *, name: str) -> None: ...

    def upload_bytes(self, *, bucket: str, name: str, data: bytes, content_type: str) -> None: ...


def validate_page_size(page_size: int) -> None:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not (
        1 <= page_size <= MAX_PAGE_SIZE
    ):
        raise StorageBadRequest(f"page_size must be between 1 and {MAX_PAGE_SIZE}.")


def validate_disposition(disposition: str | None) -> None:
    if disposition not in (None, "attachment", "inline"):
        raise StorageBadRequest('disposition must be "attachment", "inline" or omitted.')


def basename(name: str) -> str:
    """The file name a browser should save an object as ("a/b/c.txt" -> "c.txt")."""
    return name.rstrip("/").rsplit("/", 1)[-1] or "download"


def folder_name(prefix: str) -> str:
    """Last segment of a folder prefix ("a/b/" -> "b")."""
    return prefix[:-1].rsplit("/", 1)[-1]


def content_disposition(disposition: str, name: str) -> str:
    """RFC 6266 header value naming the object's basename, safe for any object name.

    The quoted `filename` is an ASCII fallback for old clients; `filename*`
    carries the exact UTF-8 name.
    """
    filename = basename(name)
    fallback = "".join(
        ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\' else "_" for ch in filename
    )
    encoded = quote(filename, safe="")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
