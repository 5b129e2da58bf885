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


class ListingHttp:
    """GET a listing page as the storage client would, returning its JSON."""

    def __init__(self, client):
        self._connection = client._connection
        self._http = AuthorizedHttp(client._credentials, http=urllib3.PoolManager(
            maxsize=POOL_SIZE, ca_certs=os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            or certifi.where()))

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
        # The headers JSONConnection._make_request sends.
        headers = {**self._connection.extra_headers, "Accept-Encoding": "gzip",
                   "X-Goog-API-Client": self._connection.user_agent, "User-Agent": self._connection.user_agent}
        response = self._http.urlopen("GET", url, headers=headers, timeout=timeout, retries=False)
        if not 200 <= response.status < 300:
            raise api_exceptions.from_http_status(response.status, _error_message(response.data))
        return orjson.loads(response.data) if response.data else {}


def _error_message(body: bytes) -> str:
    try:
        return str(orjson.loads(body)["error"]["message"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return body[:200].decode("utf-8", "replace")
