"""Searching names on the local backend: the tree walked in GCS's name order
(byte order of the UTF-8 names; folders, being placeholders "x/", come just
before their contents), at most `scan_limit` names per page. The cursor is
the last name read.

Mixed into `LocalBackend`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from storage.backends.base import StorageBadRequest, validate_page_size
from storage.backends.local_fs import directory_entries
from storage.backends.search import SearchPage, fold, name_matches


class LocalSearchOps:
    def search(
        self, *, bucket: str, prefix: str, q: str, cursor: str | None = None,
        page_size: int = 100, scan_limit: int = 5000,
    ) -> SearchPage:
        validate_page_size(page_size)
        if cursor is not None and not isinstance(cursor, str):
            raise StorageBadRequest("The page token is not valid.")
        top = self._object_path(bucket, prefix) if prefix else self._bucket_dir(bucket)
        folded, found, scanned, last = fold(q), [], 0, cursor
        with self._os_errors(prefix or bucket):
            if not top.is_dir():
                return SearchPage([], None)
            for name, path in self._walk_sorted(top, prefix, cursor):
                if scanned == scan_limit or len(found) == page_size:
                    return SearchPage(found, last)
                scanned += 1
                last = name
                if name.endswith("/") or not name_matches(name[len(prefix):], folded):
                    continue
                try:
                    found.append(self._info(bucket, name, path))
                except FileNotFoundError:
                    continue  # deleted while searching
        return SearchPage(found, None)

    def _walk_sorted(self, directory: Path, base: str, after: str | None) -> Iterator[tuple[str, Path]]:
        """(name, path) of everything below `directory` in name order, after `after`."""
        entries = directory_entries(directory, base)
        # Code point order is UTF-8 byte order; a folder's names all start with
        # its "x/", so sorting each level gives the order of the whole tree.
        entries.sort(key=lambda e: e[0])
        for name, path, is_dir in entries:
            if after is None or name > after:
                yield name, path
                if is_dir:
                    yield from self._walk_sorted(path, name, None)
            elif is_dir and after.startswith(name):
                yield from self._walk_sorted(path, name, after)
