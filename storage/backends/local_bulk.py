"""The local backend's operations on many objects: a tree listed in a stable
order, and copies inside STORAGE_LOCAL_ROOT (through a temporary file renamed
into place, as uploads are).

On disk a folder is a directory, so a folder's "placeholder" can only go once
the folder is empty: `iter_names` yields each folder after everything in it.
Names are ordered by `tree_key` (a folder sorts after its contents), which
keeps the order a resumable cursor: everything up to a name, in that order,
comes before it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from storage.backends.base import StorageNotFound
from storage.backends.local_fs import directory_entries

_CHUNK = 4 * 1024 * 1024
_LAST = "\U0010ffff"  # above any character a name holds


def tree_key(name: str) -> str:
    return name + _LAST if name.endswith("/") else name


class LocalBulkOps:
    def iter_names(self, *, bucket: str, prefix: str, after: str | None = None) -> Iterator[str]:
        """Every object name under `prefix` (the folder `prefix` itself last)
        whose `tree_key` is greater than `after`'s."""
        top = self._object_path(bucket, prefix) if prefix else self._bucket_dir(bucket)
        floor = tree_key(after) if after is not None else None
        with self._os_errors(prefix or bucket):
            if not top.is_dir():
                return
        yield from self._walk(top, prefix, floor)
        if prefix and (floor is None or tree_key(prefix) > floor):
            yield prefix

    def _walk(self, directory: Path, base: str, floor: str | None) -> Iterator[str]:
        with self._os_errors(base or "the bucket"):
            entries = directory_entries(directory, base)
        entries.sort(key=lambda e: tree_key(e[0]))
        for name, path, is_folder in entries:
            if floor is not None and tree_key(name) <= floor:
                continue  # a folder's key is its subtree's last: all of it is done
            if is_folder:
                yield from self._walk(path, name, floor)
            yield name

    def copy_object(
        self, *, bucket: str, name: str, dest_bucket: str, dest_name: str, overwrite: bool,
        keepalive: Callable[[], None] | None = None, absent: bool = False,
    ) -> bool:
        """Copy within the root; False (nothing written) when the destination
        exists and `overwrite` is off (`absent` changes nothing: looking on
        disk is cheap, and the final link is atomic anyway)."""
        source = self._object_path(bucket, name)
        target = self._object_path(dest_bucket, dest_name)
        missing = f"The object {name} does not exist in bucket {bucket}."
        with self._os_errors(dest_name):
            if name.endswith("/"):
                if not source.is_dir():
                    raise StorageNotFound(missing)
                if target.is_dir():
                    return False
                target.mkdir(parents=True)
                return True
            if not source.is_file():
                raise StorageNotFound(missing)
            if not overwrite and (target.exists() or target.is_symlink()):
                return False
            info = self._info(bucket, name, source)
            tmp_dir = self._root() / ".omx-tmp"
            tmp_dir.mkdir(exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="copy-")
            tmp = Path(tmp_name)
            try:
                md5 = hashlib.md5()
                with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        md5.update(chunk)
                        out.write(chunk)
                        if keepalive is not None:
                            keepalive()
                target.parent.mkdir(parents=True, exist_ok=True)
                self._object_path(dest_bucket, dest_name)  # no symlink appeared meanwhile
                if overwrite:
                    os.replace(tmp, target)
                else:
                    try:
                        os.link(tmp, target)  # fails if the name was taken meanwhile
                    except FileExistsError:
                        return False
            finally:
                tmp.unlink(missing_ok=True)
            self._write_meta(dest_bucket, dest_name, target, info.content_type,
                             base64.b64encode(md5.digest()).decode())
            return True
