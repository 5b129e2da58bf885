"""The listing's own transport (storage.backends.gcs_listing) against
fake-gcs-server: the same pages google-cloud-storage reads, the same errors,
and the library's transport wherever the environment asks for more than
urllib3 gives here."""

from __future__ import annotations

import pytest

from storage.backends import StorageNotFound, get_backend, reset_backend
from storage.backends.gcs_listing import ListingHttp
from storage.tests.fixtures import listing_requests


def _walk(list_page, bucket, prefix, page_size):
    pages, token = [], None
    while True:
        items, prefixes, token = list_page(bucket=bucket, prefix=prefix, page_token=token, page_size=page_size)
        pages.append(([item["name"] for item in items], items, prefixes))
        if not token:
            return pages


def test_pages_are_the_ones_the_library_reads(gcs_storage):
    backend, bucket = gcs_storage
    names = [f"top/file-{i:02d}.txt" for i in range(7)] + ["top/sub-a/x.txt", "top/sub-b/", "top/sub-b/y.txt",
                                                          "top/ünïcode & space.txt", "root.txt"]
    for name in names:
        backend.upload_bytes(bucket=bucket, name=name, data=name.encode(), content_type="text/plain")
    assert backend.listing_http is not None
    for prefix, page_size in (("top/", 3), ("top/", 100), ("", 2), ("top/sub-b/", 1), ("nothing/", 5)):
        ours = _walk(backend._list_page, bucket, prefix, page_size)
        library = _walk(backend._list_page_via_library, bucket, prefix, page_size)
        assert ours == library, (prefix, page_size)
    found = [name for page in _walk(backend._list_page, bucket, "top/", 3) for name in page[0]]
    assert "top/ünïcode & space.txt" in found


def test_a_missing_bucket_is_not_found(gcs_storage):
    backend, _ = gcs_storage
    with pytest.raises(StorageNotFound):
        backend.list_level(bucket="omx-no-such-bucket-here", prefix="")


def test_the_request_carries_the_librarys_headers(gcs_storage):
    backend, bucket = gcs_storage
    with listing_requests(backend) as sent:
        backend.list_level(bucket=bucket, prefix="")
    connection = backend.client._connection
    headers = sent[0][1]
    assert headers["User-Agent"] == connection.user_agent and "gcloud-python/" in connection.user_agent
    assert headers["X-Goog-API-Client"] == connection.user_agent and headers["Accept-Encoding"] == "gzip"


def test_a_proxy_in_the_environment_lists_through_the_library(gcs_storage, monkeypatch, fake_gcs):
    backend, bucket = gcs_storage
    backend.upload_bytes(bucket=bucket, name="a.txt", data=b"a", content_type="text/plain")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "")
    reset_backend()
    proxied = get_backend()
    assert proxied.listing_http is None
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the emulator bypasses it: the lean path again
    reset_backend()
    bypassed = get_backend()
    assert bypassed.listing_http is not None
    assert [o.name for o in bypassed.list_level(bucket=bucket, prefix="").objects] == ["a.txt"]
    reset_backend()


def test_usable_reads_the_proxy_rules(gcs_storage, monkeypatch):
    backend, _ = gcs_storage
    client = backend.client
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    assert ListingHttp.usable(client)
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:3128")
    monkeypatch.setenv("no_proxy", "")
    assert not ListingHttp.usable(client)
