"""One page of a GCS listing, fetched with urllib3 and read with orjson.

google-cloud-storage lists through requests, its page iterator and the
standard json module: for a page of 100 objects that is about 0.5 ms of
Python around the call (bench/README.md), on every listing the API and the
Files page make. This sends the GET the library sends (the URL its own
connection builds, its headers, its credentials, refreshed by google-auth's
urllib3 transport), under the backend's retry policy and deadline, and raises
what the library raises for an HTTP error (google.api_core exceptions by
status), so `GcsBackend._translate` reads both alike.

Where the library's transport does something this one does not (an HTTP proxy
from the environment, a client certificate), `ListingHttp.usable` says no and
the backend lists through the library.
"""

from __future__ import annotations

import os
import urllib.request
from urllib.parse import urlsplit

import certifi
import orjson
import urllib3
from google.api_core import exceptions as api_exceptions
from google.auth.transport.urllib3 import AuthorizedHttp

POOL_SIZE = 16  # connections kept per host: gunicorn threads and job workers list at once
# What a listing reads of each object (gcs_items.object_info_from_item): a partial response.
LISTING_FIELDS = "items(name,size,contentType,updated,md5Hash),prefixes,nextPageToken"


class ListingHttp:
    """GET a listing page as the storage client would, returning its JSON."""

    def __init__(self, client):
        self._connection = connection = client._connection
        self._http = AuthorizedHttp(client._credentials, http=urllib3.PoolManager(
            maxsize=POOL_SIZE, ca_certs=os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            or certifi.where()))
        # The headers JSONConnection._make_request sends (AuthorizedHttp adds
        # the token to a copy of them on each request).
        self.headers = {**connection.extra_headers, "Accept-Encoding": "gzip",
                        "X-Goog-API-Client": connection.user_agent, "User-Agent": connection.user_agent}

    @staticmethod
    def usable(client) -> bool:
        """False where requests would add what urllib3 here does not: a proxy
        named by the environment, or mutual TLS."""
        if getattr(client._http, "is_mtls", False):
            return False
        parts = urlsplit(client._connection.API_BASE_URL)
        return not (urllib.request.getproxies().get(parts.scheme) and not urllib.request.proxy_bypass(parts.hostname))

    def url(self, *, bucket: str, params: dict) -> str:
        return self._connection.build_api_url(path=f"/b/{bucket}/o", query_params=params)

    def get(self, url: str, *, timeout: float) -> dict:
        response = self._http.urlopen("GET", url, headers=self.headers, timeout=timeout, retries=False)
        if not 200 <= response.status < 300:
            raise api_exceptions.from_http_status(response.status, _error_message(response.data))
        return orjson.loads(response.data) if response.data else {}


class GcsListingOps:
    """GcsBackend's listing pages: through ListingHttp where it is usable,
    else through google-cloud-storage's list_blobs."""

    @property
    def listing_http(self) -> ListingHttp | None:
        """The lean transport for listing pages (ListingHttp), or None where
        only the library's own transport will do."""
        if self._listing_http is None:
            client = self.client
            with self._lock:
                if self._listing_http is None:
                    self._listing_http = ListingHttp(client) if ListingHttp.usable(client) else False
        return self._listing_http or None

    def _list_page(self, *, bucket: str, prefix: str, page_token: str | None, page_size: int):
        """One page: its objects' JSON resources (a Blob built for each, and
        its dates parsed, cost more than the HTTP call), prefixes, next token.
        Only the fields a listing shows are asked for: a full resource is
        about 800 bytes an object, these are about 150."""
        http = self.listing_http
        if http is None:
            return self._list_page_via_library(bucket=bucket, prefix=prefix, page_token=page_token,
                                               page_size=page_size)
        # The query list_blobs sends for these arguments.
        params = {"projection": "noAcl", "delimiter": "/", "maxResults": page_size, "fields": LISTING_FIELDS}
        if prefix:
            params["prefix"] = prefix
        if page_token:
            params["pageToken"] = page_token
        url = http.url(bucket=bucket, params=params)
        page = self.retry(http.get)(url, timeout=self.timeout)
        return list(page.get("items", ())), list(page.get("prefixes", ())), page.get("nextPageToken")

    def _list_page_via_library(self, *, bucket: str, prefix: str, page_token: str | None, page_size: int):
        iterator = self.client.list_blobs(
            self.client.bucket(bucket),
            prefix=prefix or None,
            delimiter="/",
            page_size=page_size,
            page_token=page_token or None,
            fields=LISTING_FIELDS,
            **self._call_kwargs(),
        )
        page = next(iterator.pages, None)
        if page is None:
            return [], [], None
        return list(page.raw_page.get("items", ())), list(page.prefixes), iterator.next_page_token


def _error_message(body: bytes) -> str:
    try:
        return str(orjson.loads(body)["error"]["message"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return body[:200].decode("utf-8", "replace")
