"""A GCS listing reads each object's JSON resource without building a Blob:
it must show exactly what the Blob path (get_object) shows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from storage.backends.gcs_items import rfc3339


def test_listed_objects_match_their_lookup(gcs_storage):
    backend, bucket = gcs_storage
    stored = {"in/a.txt": (b"plain", "text/plain"), "in/b.bin": (b"", "application/octet-stream"),
              "in/c.json": (b"{}", "application/json"), "in/sub/": (b"", "application/x-directory"),
              "in/sub/d.txt": (b"deeper", "text/plain")}
    for name, (data, content_type) in stored.items():
        backend.upload_bytes(bucket=bucket, name=name, data=data, content_type=content_type)
    listing = backend.list_level(bucket=bucket, prefix="in/", page_size=100)
    assert [o.name for o in listing.objects] == ["in/a.txt", "in/b.bin", "in/c.json"]
    assert [f.prefix for f in listing.folders] == ["in/sub/"]
    for listed in listing.objects:
        looked_up = backend.get_object(bucket=bucket, name=listed.name)
        assert listed == looked_up
        assert listed.updated.tzinfo is not None and listed.updated.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("2024-01-02T03:04:05.1Z", datetime(2024, 1, 2, 3, 4, 5, 100000, tzinfo=UTC)),
    ("2024-01-02T03:04:05.123456Z", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
    # Nanoseconds are cut to microseconds, never rounded (as google-cloud-storage does).
    ("2024-12-31T23:59:59.999999999Z", datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
])
def test_rfc3339_timestamps(text, expected):
    parsed = rfc3339(text)
    assert parsed == expected and parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("text", ["2024-01-02 03:04:05Z", "2024-01-02T03:04:05+00:00", "yesterday"])
def test_rfc3339_refuses_other_forms_like_the_library(text):
    with pytest.raises(ValueError):
        rfc3339(text)


def test_a_listing_asks_only_for_the_fields_it_reads(gcs_storage):
    """Listings ask GCS for a partial response (LISTING_FIELDS); what they
    read of each object must all be in it, and the request must name it."""
    import re
    from urllib.parse import parse_qs, urlsplit

    from storage.backends.gcs_items import object_info_from_item
    from storage.backends.gcs_listing import LISTING_FIELDS
    from storage.tests.fixtures import listing_requests

    backend, bucket = gcs_storage
    backend.upload_bytes(bucket=bucket, name="in/a.txt", data=b"plain", content_type="text/plain")
    with listing_requests(backend) as sent:
        listing = backend.list_level(bucket=bucket, prefix="in/", page_size=100)
    listed = [parse_qs(urlsplit(url).query) for url, _ in sent if "/o?" in url or url.endswith("/o")]
    assert listed and all(query.get("fields") == [LISTING_FIELDS] for query in listed)

    session = backend.client._http
    full = session.get(f"{backend.client._connection.API_BASE_URL}/storage/v1/b/{bucket}/o",
                       params={"prefix": "in/", "delimiter": "/"}).json()["items"][0]
    wanted = re.fullmatch(r"items\(([^)]*)\),.*", LISTING_FIELDS).group(1).split(",")
    partial = {key: value for key, value in full.items() if key in wanted}
    assert object_info_from_item(partial) == listing.objects[0] == backend.get_object(bucket=bucket, name="in/a.txt")
