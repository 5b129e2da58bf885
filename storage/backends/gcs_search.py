"""Searching names on GCS: a flat listing narrowed server-side by `matchGlob`
and filtered exactly here (emulators ignore `matchGlob`).

A search page reads at most `scan_limit` names and answers within the
request deadline (twice GCS_TIMEOUT_SECONDS). Its cursor says where the scan
stopped: the `startOffset` and GCS page token of the listing it was in (real
GCS can answer a glob listing with an empty page and a token, which no name
could resume), and the last name handled, so a name is never returned twice.

Mixed into `GcsBackend`.
"""

from __future__ import annotations

import json
import time

from storage.backends.base import StorageBadRequest, StorageUnavailable, validate_page_size
from storage.backends.search import SearchPage, fold, match_glob, name_matches

LIST_PAGE_SIZE = 1000
_FIELDS = "items(name,size,contentType,updated,md5Hash),nextPageToken"


def _cursor_load(cursor: str | None) -> tuple[str | None, str | None, str | None]:
    if cursor is None:
        return None, None, None
    try:
        data = json.loads(cursor)
        start, token, after = data["s"], data["t"], data["a"]
    except (ValueError, KeyError, TypeError) as exc:
        raise StorageBadRequest("The page token is not valid.") from exc
    if not all(value is None or isinstance(value, str) for value in (start, token, after)):
        raise StorageBadRequest("The page token is not valid.")
    return start, token, after


def _cursor_dump(start: str | None, token: str | None, after: str | None) -> str:
    return json.dumps({"s": start, "t": token, "a": after})


class GcsSearchOps:
    def search(
        self, *, bucket: str, prefix: str, q: str, cursor: str | None = None,
        page_size: int = 100, scan_limit: int = 5000,
    ) -> SearchPage:
        from storage.backends.gcs import _object_info

        validate_page_size(page_size)
        start, token, after = _cursor_load(cursor)
        folded, glob = fold(q), match_glob(prefix, q)
        deadline = time.monotonic() + 2 * self.timeout
        found, scanned, first = [], 0, True
        # Real GCS filters by glob server-side and may answer pages with few
        # or no names: the number of calls is bounded too.
        calls_left = -(-scan_limit // LIST_PAGE_SIZE)
        while scanned < scan_limit and calls_left > 0:
            calls_left -= 1
            left = deadline - time.monotonic()
            if not first and left < 0.5:
                break  # the rest is the next page's
            items, next_token = self._search_page(
                bucket=bucket, prefix=prefix, glob=glob, start=start, token=token,
                size=min(LIST_PAGE_SIZE, scan_limit - scanned), first=first, left=left,
            )
            if items is None:
                break  # a later call failed: what was found so far is a page
            first = False
            for index, blob in enumerate(items):
                if after is not None and blob.name <= after:
                    continue  # startOffset is inclusive
                scanned += 1
                after = blob.name
                if not blob.name.endswith("/") and name_matches(blob.name[len(prefix):], folded):
                    found.append(_object_info(blob))
                    if len(found) == page_size and (index + 1 < len(items) or next_token):
                        # Stopped inside GCS's page: a new listing resumes after this name.
                        return SearchPage(found, _cursor_dump(blob.name, None, blob.name))
            if not next_token:
                return SearchPage(found, None)
            token = next_token
        return SearchPage(found, _cursor_dump(start, token, after))

    def _search_page(self, *, bucket, prefix, glob, start, token, size, first, left):
        """(blobs, next page token) of one listing call; (None, None) when a
        call after the first fails, so the page ends with what it has."""
        kwargs = self._call_kwargs() if first else {"timeout": min(self.timeout, left), "retry": None}
        try:
            with self._translate(permission="storage.objects.list", resource=f"bucket {bucket}",
                                 missing=f"The bucket {bucket} does not exist."):
                iterator = self.client.list_blobs(
                    self.client.bucket(bucket), prefix=prefix or None, start_offset=start or None,
                    match_glob=glob, page_size=size, page_token=token or None, fields=_FIELDS, **kwargs,
                )
                page = next(iterator.pages, None)
                return (list(page) if page is not None else []), iterator.next_page_token
        except StorageUnavailable:
            if first:
                raise
            return None, None
