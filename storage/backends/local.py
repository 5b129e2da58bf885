"""A storage backend on the local disk, for development and demos without Google.

Layout under `STORAGE_LOCAL_ROOT`:

    <bucket>/<object name>             the bytes; "x/" placeholders are directories
    .omx-meta/<bucket>/<hash of name>  content type and MD5 of each object
    .omx-tmp/                          uploads in progress (renamed into place)

Bucket names cannot start with "." (GCS rules), so the two hidden directories
never collide with a bucket, and object names never reach them.

Object names map to paths only through `_object_path`, which refuses anything
that could leave the bucket directory ("..", absolute names, NUL, backslashes,
empty segments, symlinks). Signed URLs point at the app's own endpoints
(`storage/local_views.py`) and carry a `django.core.signing` token binding
bucket, object, method, content type or disposition, and expiry.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import json
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from storage.backends.base import (
    BucketInfo,
    FolderInfo,
    Listing,
    ObjectInfo,
    StorageBadRequest,
    StorageError,
    StorageNotFound,
    folder_name,
    validate_page_size,
)
from storage.backends.local_bulk import LocalBulkOps
from storage.backends.local_fs import (
    _BUCKET_RE,
    _EMPTY_MD5,
    _FOLDER_CONTENT_TYPE,
    _META_SUFFIX,
    META_DIR,
    TMP_DIR,
    ObjectExists,
    ObjectTooLarge,
    _decode_page_token,
    _encode_page_token,
    _mtime,
    directory_entries,
    validate_bucket_name,
    validate_object_name,
)
from storage.backends.local_search import LocalSearchOps
from storage.backends.local_signing import LocalSigningOps
from storage.validation import bucket_name_validate

class LocalBackend(LocalBulkOps, LocalSearchOps, LocalSigningOps):
    """Buckets as directories under STORAGE_LOCAL_ROOT: one node only. Operations
    on many objects (listing a tree, copies) come from LocalBulkOps, name
    search from LocalSearchOps."""

    name = "local"
    scheme = "local"
    # Bucket names follow GCS's rules, so a bucket can move between backends.
    bucket_name_validate = staticmethod(bucket_name_validate)

    @staticmethod
    def settings_key(settings) -> tuple:
        return (str(Path(settings.STORAGE_LOCAL_ROOT)),)

    @classmethod
    def from_settings(cls, settings) -> LocalBackend:
        return cls(root=Path(settings.STORAGE_LOCAL_ROOT))

    def __init__(self, *, root: Path):
        self.root = Path(root)
        self._resolved_root: Path | None = None

    # --- paths --------------------------------------------------------------

    def _root(self) -> Path:
        if self._resolved_root is None or not self._resolved_root.is_dir():
            self.root.mkdir(parents=True, exist_ok=True)
            self._resolved_root = self.root.resolve()
        return self._resolved_root

    def _bucket_dir(self, bucket: str) -> Path:
        validate_bucket_name(bucket)
        path = (self._root() / bucket).resolve()
        if not path.is_dir():
            raise StorageNotFound(f"The bucket {bucket} does not exist.")
        return path

    def _object_path(self, bucket: str, name: str) -> Path:
        """The path of an object (a placeholder "x/" maps to the directory x)."""
        segments = validate_object_name(name)
        bucket_dir = self._bucket_dir(bucket)
        lexical = bucket_dir.joinpath(*segments)
        resolved = lexical.resolve()
        # Equal to the lexical path: no symlink anywhere on the way, so the
        # object cannot live (or be written) outside the bucket directory.
        if resolved != lexical or not resolved.is_relative_to(bucket_dir):
            raise StorageBadRequest("The object name leads outside the bucket.")
        return lexical

    def _meta_path(self, bucket: str, name: str) -> Path:
        # Keyed by a hash of the name, not a mirror of the path: a mirrored tree
        # could need one entry as both file and directory ("a" and "a.json/b").
        digest = hashlib.sha256(name.encode()).hexdigest()
        return self._root().joinpath(META_DIR, bucket, digest[:2], digest + _META_SUFFIX)

    @contextmanager
    def _os_errors(self, name: str):
        try:
            yield
        except StorageError:
            raise
        except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
            raise StorageBadRequest(
                f"{name} clashes with an existing object or folder of the same name.",
                code="conflict",
            ) from exc
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                raise StorageBadRequest("A segment of the object name is too long.") from exc
            raise StorageError(f"Local storage failed: {exc.strerror or exc}.") from exc

    # --- metadata -----------------------------------------------------------

    def _info(self, bucket: str, name: str, path: Path) -> ObjectInfo:
        stat = path.stat()
        meta = {}
        try:
            meta = json.loads(self._meta_path(bucket, name).read_text())
        except (OSError, ValueError):
            pass
        # Metadata describes the bytes it was written with; a file changed by
        # hand keeps its guessed content type but loses its hash.
        fresh = meta.get("size") == stat.st_size and meta.get("mtime_ns") == stat.st_mtime_ns
        content_type = (
            meta.get("content_type")
            or mimetypes.guess_type(name)[0]
            or "application/octet-stream"
        )
        return ObjectInfo(
            name=name,
            size=stat.st_size,
            content_type=content_type,
            updated=_mtime(stat),
            md5_hash=meta.get("md5_hash") if fresh else None,
        )

    def _write_meta(self, bucket: str, name: str, path: Path, content_type: str, md5: str) -> None:
        stat = path.stat()
        meta_path = self._meta_path(bucket, name)
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "content_type": content_type,
            "md5_hash": md5,
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
        }
        fd, tmp = tempfile.mkstemp(dir=meta_path.parent, prefix=".tmp-", suffix=_META_SUFFIX)
        with os.fdopen(fd, "w") as fh:
            json.dump(payload, fh)
        os.replace(tmp, meta_path)

    # --- the interface ------------------------------------------------------

    def list_buckets(self, *, gcp_project_id: str | None) -> list[BucketInfo]:
        buckets = []
        with self._os_errors("The storage root"):
            for entry in sorted(os.scandir(self._root()), key=lambda e: e.name):
                if _BUCKET_RE.fullmatch(entry.name) and entry.is_dir():
                    buckets.append(
                        BucketInfo(
                            name=entry.name,
                            location="local",
                            storage_class="STANDARD",
                            created=_mtime(entry.stat()),
                        )
                    )
        return buckets

    signs_locally = True

    def probe(self) -> None:
        with self._os_errors("The storage root"):
            if not os.access(self._root(), os.R_OK | os.W_OK | os.X_OK):
                raise StorageError("The storage root is not readable and writable.")

    def get_bucket(self, *, name: str) -> BucketInfo:
        path = self._bucket_dir(name)
        with self._os_errors("The bucket"):
            return BucketInfo(name=name, location="local", storage_class="STANDARD", created=_mtime(path.stat()))

    def check_bucket(self, *, bucket: str, prefix: str) -> None:
        self._bucket_dir(bucket)
        if prefix:
            self._object_path(bucket, prefix if prefix.endswith("/") else prefix + "/")

    def list_level(
        self,
        *,
        bucket: str,
        prefix: str,
        page_token: str | None = None,
        page_size: int = 100,
        starts_with: str = "",
    ) -> Listing:
        validate_page_size(page_size)
        after = _decode_page_token(page_token) if page_token else ""
        full = prefix + starts_with
        parent, slash, partial = full.rpartition("/")
        base = parent + slash  # the object-name prefix of every entry in the directory
        directory = self._object_path(bucket, base) if base else self._bucket_dir(bucket)

        with self._os_errors(prefix or bucket):
            entries = [(name, is_folder) for name, _, is_folder in directory_entries(directory, base)
                       if name.startswith(full)]
        # GCS order: lexicographic on the UTF-8 bytes, which code point order matches.
        entries.sort()
        remaining = [e for e in entries if e[0] > after]
        page, more = remaining[:page_size], len(remaining) > page_size

        folders, objects = [], []
        with self._os_errors(prefix or bucket):
            for key, is_folder in page:
                if is_folder:
                    folders.append(FolderInfo(name=folder_name(key), prefix=key))
                else:
                    try:
                        objects.append(self._info(bucket, key, directory / key[len(base) :]))
                    except FileNotFoundError:
                        continue  # deleted while listing
        return Listing(
            folders=folders,
            objects=objects,
            next_page_token=_encode_page_token(page[-1][0]) if more else None,
        )

    def get_object(self, *, bucket: str, name: str) -> ObjectInfo:
        path = self._object_path(bucket, name)
        with self._os_errors(name):
            if name.endswith("/") and path.is_dir():
                return ObjectInfo(
                    name=name,
                    size=0,
                    content_type=_FOLDER_CONTENT_TYPE,
                    updated=_mtime(path.stat()),
                    md5_hash=_EMPTY_MD5,
                )
            if not name.endswith("/") and path.is_file():
                return self._info(bucket, name, path)
        raise StorageNotFound(f"The object {name} does not exist in bucket {bucket}.")

    def open_object(self, *, bucket: str, name: str) -> tuple[ObjectInfo, BinaryIO]:
        """The object's metadata and an open binary file (for the download view)."""
        info = self.get_object(bucket=bucket, name=name)
        path = self._object_path(bucket, name)
        if name.endswith("/"):
            return info, io.BytesIO(b"")
        with self._os_errors(name):
            try:
                return info, path.open("rb")
            except FileNotFoundError:
                raise StorageNotFound(
                    f"The object {name} does not exist in bucket {bucket}."
                ) from None

    def read_head(self, *, bucket: str, name: str, max_bytes: int) -> bytes:
        info, fh = self.open_object(bucket=bucket, name=name)
        with fh:
            return fh.read(max(0, max_bytes))

    def delete_objects(self, *, bucket: str, names: list[str]) -> tuple[list[str], list[str]]:
        deleted, not_found = [], []
        paths = [(name, self._object_path(bucket, name)) for name in names]  # all valid, or none go
        for name, path in paths:
            with self._os_errors(name):
                if name.endswith("/"):
                    # The placeholder goes; a folder that still holds objects
                    # stays listed because of them, as in GCS.
                    if not path.is_dir():
                        not_found.append(name)
                        continue
                    try:
                        path.rmdir()
                    except OSError as exc:
                        if exc.errno != errno.ENOTEMPTY:
                            raise
                    deleted.append(name)
                    continue
                if not path.is_file():
                    not_found.append(name)
                    continue
                path.unlink(missing_ok=True)
                self._meta_path(bucket, name).unlink(missing_ok=True)
                deleted.append(name)
        return deleted, not_found

    def create_folder(self, *, bucket: str, prefix: str) -> None:
        if not prefix.endswith("/"):
            raise StorageBadRequest("A folder prefix ends with '/'.")
        path = self._object_path(bucket, prefix)
        with self._os_errors(prefix):
            path.mkdir(parents=True, exist_ok=True)

    def create_bucket(self, *, name: str) -> None:
        validate_bucket_name(name)
        with self._os_errors(f"The bucket {name}"):
            (self._root() / name).mkdir()

    def upload_bytes(self, *, bucket: str, name: str, data: bytes, content_type: str) -> None:
        self.write_stream(bucket=bucket, name=name, chunks=[data], content_type=content_type)

    def write_stream(
        self,
        *,
        bucket: str,
        name: str,
        chunks: Iterable[bytes],
        content_type: str,
        max_bytes: int | None = None,
        if_absent: bool = False,
    ) -> None:
        """Store an object from chunks, never holding it whole in memory.

        The bytes go to a temporary file first and are renamed into place, so a
        reader never sees half an object and a refused upload leaves nothing.
        """
        path = self._object_path(bucket, name)
        if name.endswith("/"):
            if any(chunks):
                raise StorageBadRequest("A folder placeholder must be empty.")
            self.create_folder(bucket=bucket, prefix=name)
            return
        with self._os_errors(name):
            if path.is_dir():
                raise StorageBadRequest(
                    f"{name} is a folder; an object cannot replace it.", code="conflict"
                )
            tmp_dir = self._root() / TMP_DIR
            tmp_dir.mkdir(exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
            tmp = Path(tmp_name)
            try:
                md5, size = hashlib.md5(), 0
                with os.fdopen(fd, "wb") as fh:
                    for chunk in chunks:
                        size += len(chunk)
                        if max_bytes is not None and size > max_bytes:
                            raise ObjectTooLarge(
                                f"The upload is larger than {max_bytes} bytes, "
                                "the most this server accepts."
                            )
                        md5.update(chunk)
                        fh.write(chunk)
                path.parent.mkdir(parents=True, exist_ok=True)
                self._object_path(bucket, name)  # no symlink appeared meanwhile
                if if_absent:
                    # A hard link fails if the name exists: check and write are one step.
                    try:
                        os.link(tmp, path)
                    except FileExistsError:
                        raise ObjectExists(f"{name} exists already.") from None
                    return self._write_meta(
                        bucket, name, path, content_type, base64.b64encode(md5.digest()).decode())
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    if exc.errno != errno.EXDEV:  # bucket symlinked to another disk
                        raise
                    shutil.move(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
            self._write_meta(
                bucket, name, path, content_type, base64.b64encode(md5.digest()).decode()
            )
