"""Searching a linked bucket by name: every object below a prefix, at any
depth, whose name after the prefix contains a text, case-insensitively.

A page reads a bounded number of names (STORAGE_SEARCH_SCAN_LIMIT) so that
no request runs long on a bucket of millions; it may hold fewer objects than
asked, with a page token to go on. The token is signed and bound to the
bucket, prefix and text it was issued for: the backend's cursor in it is
never taken from a client unchecked.
"""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError

from storage.backends import get_backend
from storage.backends.search import SearchPage
from storage.selectors import prefix_resolve

_TOKEN_SALT = "omx.storage.search"
MAX_QUERY = 200


def _token_dump(*, bucket: str, prefix: str, q: str, cursor: str) -> str:
    return signing.dumps({"b": bucket, "p": prefix, "q": q, "c": cursor}, salt=_TOKEN_SALT, compress=True)


def _token_load(token: str, *, bucket: str, prefix: str, q: str) -> str:
    invalid = ValidationError({"page_token": ["This page token is not valid for this search."]})
    try:
        data = signing.loads(token, salt=_TOKEN_SALT)
    except signing.BadSignature:
        raise invalid from None
    if not isinstance(data, dict) or (data.get("b"), data.get("p"), data.get("q")) != (bucket, prefix, q):
        raise invalid
    if not isinstance(data.get("c"), str):
        raise invalid
    return data["c"]


def objects_search(
    *, project, bucket: str, prefix: str | None, q: str, page_token: str | None = None,
    page_size: int = 100, scan_limit: int | None = None,
) -> tuple[str, SearchPage, str | None]:
    """(the prefix searched, the page, the next page token or None)."""
    if not 1 <= len(q) <= MAX_QUERY:
        raise ValidationError({"q": [f"Search for 1 to {MAX_QUERY} characters."]})
    prefix = prefix_resolve(project=project, bucket=bucket, prefix=prefix)
    cursor = _token_load(page_token, bucket=bucket, prefix=prefix, q=q) if page_token else None
    page = get_backend().search(
        bucket=bucket, prefix=prefix, q=q, cursor=cursor, page_size=page_size,
        scan_limit=scan_limit or settings.STORAGE_SEARCH_SCAN_LIMIT,
    )
    next_token = (
        _token_dump(bucket=bucket, prefix=prefix, q=q, cursor=page.cursor) if page.cursor is not None else None
    )
    return prefix, page, next_token
