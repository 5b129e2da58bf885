"""What the local backend's modules share: its on-disk layout, its errors,
name checks, page tokens, and reading one directory level as object names."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from storage.backends.base import StorageBadRequest, StorageError

META_DIR = ".omx-meta"
TMP_DIR = ".omx-tmp"
_META_SUFFIX = ".json"
_FOLDER_CONTENT_TYPE = "application/x-directory"
_EMPTY_MD5 = base64.b64encode(hashlib.md5(b"").digest()).decode()
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,220}[a-z0-9]$")
_MAX_NAME_BYTES = 1024
CHUNK_SIZE = 1024 * 1024


class ObjectTooLarge(StorageBadRequest):
    status_code = 413
    default_detail = "The upload is larger than this server accepts."
    default_code = "too_large"


class ObjectExists(StorageError):
    """An upload that may only create an object found one there (GCS answers 412)."""

    status_code = 412
    default_detail = "An object of this name exists already."
    default_code = "exists"


class SignedURLRefused(StorageError):
    """A local signed URL that is tampered with, expired or used the wrong way."""

    status_code = 403
    default_detail = "This link is not valid."
    default_code = "invalid_signature"


def validate_bucket_name(bucket: str) -> None:
    if not _BUCKET_RE.fullmatch(bucket or "") or ".." in bucket:
        raise StorageBadRequest(f"{bucket!r} is not a valid bucket name.")


def validate_object_name(name: str) -> list[str]:
    """The path segments of a safe object name; a trailing "/" (placeholder) is allowed."""
    if not name or len(name.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES:
        raise StorageBadRequest("An object name is 1 to 1024 bytes long.")
    if any(ch in name for ch in "\x00\\\r\n"):
        raise StorageBadRequest("An object name cannot hold NUL, backslash or line breaks.")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise StorageBadRequest("An object name must be valid UTF-8.") from None
    if name.startswith("/"):
        raise StorageBadRequest("An object name cannot start with '/'.")
    segments = name[:-1].split("/") if name.endswith("/") else name.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise StorageBadRequest("An object name cannot hold empty, '.' or '..' segments.")
    return segments


def _encode_page_token(after: str) -> str:
    raw = json.dumps({"after": after}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_page_token(token: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        after = json.loads(raw)["after"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise StorageBadRequest("The page token is not valid.") from exc
    if not isinstance(after, str):
        raise StorageBadRequest("The page token is not valid.")
    return after


def _mtime(stat: os.stat_result) -> datetime:
    return datetime.fromtimestamp(stat.st_mtime, UTC)




def directory_entries(directory: Path, base: str) -> list[tuple[str, Path, bool]]:
    """(object name, path, is folder) of each entry of `directory` that can be
    an object or a folder: no symlinks, UTF-8 names only; a folder's name ends
    with "/". Unsorted; nothing for a directory that is not there. Other OS
    errors are the caller's to translate."""
    try:
        scanned = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return []
    entries = []
    for entry in scanned:
        if entry.is_symlink():
            continue
        try:
            entry.name.encode("utf-8")
        except UnicodeEncodeError:
            continue  # not a name an object could have
        if entry.is_dir(follow_symlinks=False):
            entries.append((base + entry.name + "/", Path(entry.path), True))
        elif entry.is_file(follow_symlinks=False):
            entries.append((base + entry.name, Path(entry.path), False))
    return entries
