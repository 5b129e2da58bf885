"""One behaviour suite for every storage backend, plus what only one backend has.

The GCS backend runs against a real fake-gcs-server process; signed URLs are
exercised with a real HTTP client (for the local backend, against the app via
pytest-django's live server).
"""

from __future__ import annotations

import base64
import hashlib
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from storage.backends import (
    StorageBadRequest,
    StorageNotFound,
    StorageUnavailable,
    get_backend,
    reset_backend,
)
from storage.backends.base import Listing
from storage.tests import gcs_signature
from storage.tests.fixtures import configure_gcs, unique_bucket_name
from storage.tests.google_standins import GoogleStandIn


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def list_all(backend, bucket, prefix="", page_size=1000, starts_with="") -> list[Listing]:
    pages, token = [], None
    while True:
        page = backend.list_level(
            bucket=bucket, prefix=prefix, page_token=token, page_size=page_size,
            starts_with=starts_with,
        )
        pages.append(page)
        token = page.next_page_token
        if token is None:
            return pages
        assert len(pages) < 100, "listing does not end"


def names(listing: Listing) -> tuple[list[str], list[str]]:
    return [f.prefix for f in listing.folders], [o.name for o in listing.objects]


# --- the shared behaviour ---------------------------------------------------------


def test_round_trip_through_signed_urls(storage_backend, signed_url_client):
    backend, bucket = storage_backend
    name = "docs/hello wörld.txt"
    data = b"hello, signed world\n" * 50

    backend.create_folder(bucket=bucket, prefix="docs/")
    upload = backend.sign_upload(bucket=bucket, name=name, content_type="text/plain")
    assert upload.method == "PUT"
    assert upload.headers == {"Content-Type": "text/plain"}
    assert upload.expires_at > datetime.now(UTC)
    response = requests.put(
        signed_url_client(upload.url), data=data, headers=upload.headers, timeout=10
    )
    assert response.status_code == 200, response.text

    assert names(backend.list_level(bucket=bucket, prefix="")) == (["docs/"], [])
    listing = backend.list_level(bucket=bucket, prefix="docs/")
    assert names(listing) == ([], [name])
    assert listing.next_page_token is None

    info = backend.get_object(bucket=bucket, name=name)
    assert (info.name, info.size, info.content_type) == (name, len(data), "text/plain")
    assert info.md5_hash == md5_b64(data)
    assert info.updated is not None
    assert listing.objects[0] == info
    assert backend.read_head(bucket=bucket, name=name, max_bytes=12) == data[:12]
    assert backend.read_head(bucket=bucket, name=name, max_bytes=10**6) == data

    download = backend.sign_download(bucket=bucket, name=name, disposition="attachment")
    assert download.method == "GET"
    response = requests.get(signed_url_client(download.url), timeout=10)
    assert response.status_code == 200
    assert response.content == data

    deleted, not_found = backend.delete_objects(bucket=bucket, names=[name, "docs/nope.txt"])
    assert (deleted, not_found) == ([name], ["docs/nope.txt"])
    with pytest.raises(StorageNotFound):
        backend.get_object(bucket=bucket, name=name)
    assert names(backend.list_level(bucket=bucket, prefix="docs/")) == ([], [])


def test_download_disposition_names_the_file(storage_backend):
    backend, bucket = storage_backend
    backend.upload_bytes(bucket=bucket, name="a/résumé 1.pdf", data=b"%PDF", content_type="application/pdf")
    for disposition in ("attachment", "inline"):
        url = backend.sign_download(bucket=bucket, name="a/résumé 1.pdf", disposition=disposition).url
        if backend.name == "gcs":
            value = parse_qs(urlsplit(url).query)["response-content-disposition"][0]
            assert value.startswith(f"{disposition}; ")
            assert "filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf" in value
    with pytest.raises(StorageBadRequest):
        backend.sign_download(bucket=bucket, name="a/résumé 1.pdf", disposition="evil")


def test_placeholders_are_folders_and_the_listed_one_is_hidden(storage_backend):
    backend, bucket = storage_backend
    backend.create_folder(bucket=bucket, prefix="a/")
    backend.create_folder(bucket=bucket, prefix="a/b/")
    backend.create_folder(bucket=bucket, prefix="a/empty/")
    backend.upload_bytes(bucket=bucket, name="a/c.txt", data=b"c", content_type="text/plain")
    backend.upload_bytes(bucket=bucket, name="a/b/d.txt", data=b"d", content_type="text/plain")
    backend.upload_bytes(bucket=bucket, name="top.txt", data=b"t", content_type="text/plain")

    assert names(backend.list_level(bucket=bucket, prefix="")) == (["a/"], ["top.txt"])
    listing = backend.list_level(bucket=bucket, prefix="a/")
    assert names(listing) == (["a/b/", "a/empty/"], ["a/c.txt"])
    assert [(f.name, f.prefix) for f in listing.folders] == [("b", "a/b/"), ("empty", "a/empty/")]
    assert names(backend.list_level(bucket=bucket, prefix="a/empty/")) == ([], [])
    assert names(backend.list_level(bucket=bucket, prefix="a/b/")) == ([], ["a/b/d.txt"])
    assert names(backend.list_level(bucket=bucket, prefix="nothing-here/")) == ([], [])

    info = backend.get_object(bucket=bucket, name="a/empty/")
    assert info.size == 0
    assert backend.read_head(bucket=bucket, name="a/empty/", max_bytes=10) == b""
    assert backend.delete_objects(bucket=bucket, names=["a/empty/"]) == (["a/empty/"], [])
    assert names(backend.list_level(bucket=bucket, prefix="a/")) == (["a/b/"], ["a/c.txt"])


def test_content_type_and_md5_are_kept_per_object(storage_backend):
    backend, bucket = storage_backend
    stored = {
        "a": (b"plain", "text/plain"),
        "a.json/b": (b"\x89PNG", "image/png"),
        "a.json/b.json": (b"{}", "application/json"),
        "deep/er/file.bin": (b"", "application/octet-stream"),
    }
    for name, (data, content_type) in stored.items():
        backend.upload_bytes(bucket=bucket, name=name, data=data, content_type=content_type)
    for name, (data, content_type) in stored.items():
        info = backend.get_object(bucket=bucket, name=name)
        assert (info.content_type, info.size, info.md5_hash) == (content_type, len(data), md5_b64(data))
        assert backend.read_head(bucket=bucket, name=name, max_bytes=100) == data
    backend.upload_bytes(bucket=bucket, name="a", data=b"replaced", content_type="text/csv")
    info = backend.get_object(bucket=bucket, name="a")
    assert (info.content_type, info.md5_hash) == ("text/csv", md5_b64(b"replaced"))


def test_starts_with_narrows_the_level(storage_backend):
    backend, bucket = storage_backend
    for name in ["r/apple.txt", "r/apricot.txt", "r/banana.txt", "r/apps/x.txt", "r/bar/y.txt", "apex.txt"]:
        backend.upload_bytes(bucket=bucket, name=name, data=b"x", content_type="text/plain")
    backend.create_folder(bucket=bucket, prefix="r/apex/")
    listing = backend.list_level(bucket=bucket, prefix="r/", starts_with="ap")
    assert names(listing) == (["r/apex/", "r/apps/"], ["r/apple.txt", "r/apricot.txt"])
    assert names(backend.list_level(bucket=bucket, prefix="", starts_with="ap")) == ([], ["apex.txt"])
    assert names(backend.list_level(bucket=bucket, prefix="r/", starts_with="zz")) == ([], [])


def test_pagination_shows_every_entry_exactly_once(storage_backend):
    backend, bucket = storage_backend
    objects = [f"item-{i:04d}.txt" for i in range(2500)]
    # Folders interleaved with the objects, some as placeholders and some only
    # implied by their contents, including right at page boundaries.
    folder_ids = sorted({i for i in range(0, 2500, 8)} | {999, 1000, 1001, 1999, 2000, 2499})
    folders = [f"item-{i:04d}/" for i in folder_ids]
    writes = [(name, b"x") for name in objects]
    for n, prefix in enumerate(folders):
        writes.append((prefix if n % 2 else prefix + "inner.txt", b""))

    def write(item):
        name, data = item
        if name.endswith("/"):
            backend.create_folder(bucket=bucket, prefix=name)
        else:
            backend.upload_bytes(bucket=bucket, name=name, data=data, content_type="text/plain")

    # Over HTTP (fake-gcs-server) writes overlap well; on disk threads only contend.
    with ThreadPoolExecutor(max_workers=8 if backend.name == "gcs" else 1) as pool:
        list(pool.map(write, writes))

    pages = list_all(backend, bucket, page_size=1000)
    seen_objects = [o.name for page in pages for o in page.objects]
    seen_folders = [f.prefix for page in pages for f in page.folders]
    assert sorted(seen_objects) == sorted(objects)
    assert len(seen_objects) == len(set(seen_objects))
    assert sorted(seen_folders) == sorted(folders)
    assert len(seen_folders) == len(set(seen_folders))
    assert 3 <= len(pages) <= 4
    assert all(len(page.objects) <= 1000 for page in pages)
    assert pages[-1].next_page_token is None

    small = list_all(backend, bucket, page_size=7, prefix="", starts_with="item-00")
    expected_objects = [n for n in objects if n.startswith("item-00")]
    expected_folders = [f for f in folders if f.startswith("item-00")]
    assert [o.name for p in small for o in p.objects] == expected_objects
    assert sorted(f.prefix for p in small for f in p.folders) == expected_folders


@pytest.mark.parametrize("page_size", [0, -1, 1001, 10**6])
def test_page_size_out_of_range_is_a_bad_request(storage_backend, page_size):
    backend, bucket = storage_backend
    with pytest.raises(StorageBadRequest) as excinfo:
        backend.list_level(bucket=bucket, prefix="", page_size=page_size)
    assert excinfo.value.status_code == 400


def test_missing_bucket_and_object(storage_backend):
    backend, bucket = storage_backend
    backend.check_bucket(bucket=bucket, prefix="")
    backend.check_bucket(bucket=bucket, prefix="not/there/")
    missing = unique_bucket_name()
    with pytest.raises(StorageNotFound) as excinfo:
        backend.check_bucket(bucket=missing, prefix="")
    assert excinfo.value.status_code == 404
    assert excinfo.value.code == "not_found"
    with pytest.raises(StorageNotFound):
        backend.list_level(bucket=missing, prefix="")
    with pytest.raises(StorageNotFound):
        backend.get_object(bucket=bucket, name="ghost.txt")
    with pytest.raises(StorageNotFound):
        backend.read_head(bucket=bucket, name="ghost.txt", max_bytes=10)
    assert backend.delete_objects(bucket=bucket, names=["ghost.txt"]) == ([], ["ghost.txt"])


def test_list_buckets(storage_backend):
    backend, bucket = storage_backend
    buckets = {b.name: b for b in backend.list_buckets(gcp_project_id="omx-test")}
    assert bucket in buckets
    assert buckets[bucket].location
    assert buckets[bucket].storage_class == "STANDARD"


def test_backend_is_cached_per_settings(storage_backend, settings, tmp_path):
    backend, _ = storage_backend
    assert get_backend() is backend
    assert get_backend() is get_backend()
    settings.STORAGE_BACKEND = "local"
    settings.STORAGE_LOCAL_ROOT = tmp_path / "elsewhere"
    assert get_backend() is not backend
    assert get_backend().name == "local"


# --- GCS only -----------------------------------------------------------------------


def test_gcs_upload_url_signature_binds_method_and_content_type(gcs_storage, gcs_key, settings):
    backend, bucket = gcs_storage
    settings.GCS_UPLOAD_URL_TTL_SECONDS = 321
    signed = backend.sign_upload(bucket=bucket, name="dir/ünï code.csv", content_type="text/csv")

    parts = gcs_signature.parse(signed.url)
    assert signed.url.startswith(f"{settings.STORAGE_EMULATOR_HOST}/{bucket}/dir/")
    assert parts.email == gcs_key.email
    assert parts.expires_seconds == 321
    assert parts.signed_headers == ["content-type", "host"]
    assert abs((parts.expires_at - signed.expires_at).total_seconds()) <= 2
    key = gcs_key.public_key
    assert gcs_signature.verify(signed.url, method="PUT", headers=signed.headers, public_key=key)
    assert not gcs_signature.verify(
        signed.url, method="PUT", headers={"Content-Type": "text/html"}, public_key=key
    )
    assert not gcs_signature.verify(signed.url, method="PUT", headers={}, public_key=key)
    assert not gcs_signature.verify(signed.url, method="GET", headers=signed.headers, public_key=key)
    tampered = signed.url.replace("X-Goog-Expires=321", "X-Goog-Expires=604800")
    assert not gcs_signature.verify(tampered, method="PUT", headers=signed.headers, public_key=key)


def test_gcs_download_url_signature(gcs_storage, gcs_key, settings):
    backend, bucket = gcs_storage
    settings.GCS_SIGNED_URL_TTL_SECONDS = 123
    signed = backend.sign_download(bucket=bucket, name="a/b.html", disposition="inline")
    parts = gcs_signature.parse(signed.url)
    assert parts.expires_seconds == 123
    assert parts.signed_headers == ["host"]
    assert parts.query["response-content-disposition"].startswith('inline; filename="b.html"')
    assert signed.expires_at - datetime.now(UTC) <= timedelta(seconds=124)
    key = gcs_key.public_key
    assert gcs_signature.verify(signed.url, method="GET", headers={}, public_key=key)
    assert not gcs_signature.verify(signed.url, method="PUT", headers={}, public_key=key)
    other = backend.sign_download(bucket=bucket, name="a/b.html", disposition="attachment")
    swapped = other.url.split("&X-Goog-Signature=")[0] + "&X-Goog-Signature=" + signed.url.split(
        "&X-Goog-Signature="
    )[1]
    assert not gcs_signature.verify(swapped, method="GET", headers={}, public_key=key)


def test_gcs_signs_through_iam_without_a_private_key(
    settings, fake_gcs, tmp_path, monkeypatch
):
    """Cloud Run / Workload Identity: no key file, credentials from the metadata
    server, URLs signed by IAM signBlob with the service account's token."""
    from google.auth.compute_engine import _metadata

    standin = GoogleStandIn(
        tmp_path,
        email="omx-runtime@omx-test.iam.gserviceaccount.com",
        project_id="omx-test",
        access_token="ya29.standin-token",
    )
    standin.start()
    try:
        monkeypatch.setattr(_metadata, "_GCE_METADATA_HOST", standin.address)
        monkeypatch.setenv("GCE_METADATA_IP", standin.address)
        monkeypatch.setenv("HTTPS_PROXY", f"http://{standin.address}")
        monkeypatch.setenv("https_proxy", f"http://{standin.address}")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(standin.ca_path))
        monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))
        for name in ("NO_PROXY", "no_proxy"):  # the emulator and metadata stand-in go direct
            monkeypatch.setenv(name, "127.0.0.1,localhost")
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "GOOGLE_APPLICATION_CREDENTIALS"):
            monkeypatch.delenv(name, raising=False)
        configure_gcs(settings, fake_gcs, key=None, GCS_TIMEOUT_SECONDS=5)
        backend = get_backend()
        bucket = unique_bucket_name()
        backend.create_bucket(name=bucket)

        signed = backend.sign_upload(bucket=bucket, name="iam/signed.txt", content_type="text/plain")

        assert len(standin.sign_requests) == 1
        call = standin.sign_requests[0]
        assert call["host"] == "iamcredentials.googleapis.com"
        assert call["path"].startswith(
            "/v1/projects/-/serviceAccounts/omx-runtime@omx-test.iam.gserviceaccount.com:signBlob"
        )
        assert call["authorization"] == "Bearer ya29.standin-token"
        expected = gcs_signature.string_to_sign(signed.url, method="PUT", headers=signed.headers)
        assert call["payload"].decode() == expected
        parts = gcs_signature.parse(signed.url)
        assert parts.email == "omx-runtime@omx-test.iam.gserviceaccount.com"
        public_key = standin.signing_key.public_key()
        assert gcs_signature.verify(signed.url, method="PUT", headers=signed.headers, public_key=public_key)

        # And the URL works against the emulator like any other.
        response = requests.put(signed.url, data=b"via iam", headers=signed.headers, timeout=10)
        assert response.status_code == 200
        assert backend.read_head(bucket=bucket, name="iam/signed.txt", max_bytes=100) == b"via iam"
    finally:
        standin.stop()
        reset_backend()


def test_gcs_unreachable_answers_within_twice_the_timeout(gcs_storage, fake_gcs, settings):
    settings.GCS_TIMEOUT_SECONDS = 1
    backend = get_backend()
    bucket = unique_bucket_name()
    backend.create_bucket(name=bucket)
    fake_gcs.stop()
    try:
        for call in (
            lambda: backend.list_level(bucket=bucket, prefix=""),
            lambda: backend.get_object(bucket=bucket, name="x"),
            lambda: backend.delete_objects(bucket=bucket, names=["x", "y", "z"]),
            lambda: backend.read_head(bucket=bucket, name="x", max_bytes=10),
            lambda: backend.upload_bytes(bucket=bucket, name="x", data=b"x", content_type="text/plain"),
            lambda: backend.list_buckets(gcp_project_id=None),
        ):
            started = time.monotonic()
            with pytest.raises(StorageUnavailable) as excinfo:
                call()
            assert time.monotonic() - started < 2 * settings.GCS_TIMEOUT_SECONDS
            assert excinfo.value.status_code == 503
            assert excinfo.value.code == "storage_unavailable"
    finally:
        fake_gcs.start()
    backend.create_bucket(name=bucket)  # the emulator keeps its data in memory
    backend.upload_bytes(bucket=bucket, name="back.txt", data=b"ok", content_type="text/plain")
    assert names(backend.list_level(bucket=bucket, prefix="")) == ([], ["back.txt"])


def test_gcs_hung_server_answers_within_twice_the_timeout(settings, gcs_key):
    """A server that accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        host, port = hung.getsockname()
        settings.STORAGE_BACKEND = "gcs"
        settings.STORAGE_EMULATOR_HOST = f"http://{host}:{port}"
        settings.GCS_CREDENTIALS_PATH = str(gcs_key.path)
        settings.GCS_PROJECT_ID = "omx-test"
        settings.GCS_TIMEOUT_SECONDS = 1
        backend = get_backend()
        bucket = "omx-hung-bucket"
        for call in (
            lambda: backend.check_bucket(bucket=bucket, prefix=""),
            lambda: backend.get_object(bucket=bucket, name="x"),
            lambda: backend.read_head(bucket=bucket, name="x", max_bytes=10),
            lambda: backend.upload_bytes(bucket=bucket, name="x", data=b"x", content_type="text/plain"),
            lambda: backend.delete_objects(bucket=bucket, names=["x", "y"]),
        ):
            started = time.monotonic()
            with pytest.raises(StorageUnavailable):
                call()
            assert time.monotonic() - started < 2 * settings.GCS_TIMEOUT_SECONDS
    reset_backend()


# --- local only ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../escape.txt",
        "a/../../escape.txt",
        "a/../b.txt",
        "/abs/path.txt",
        "./x.txt",
        "a//b.txt",
        "nul\x00byte.txt",
        "back\\slash.txt",
        "..\\escape.txt",
        "",
    ],
)
def test_local_rejects_names_that_could_escape(local_storage, name, tmp_path):
    backend, bucket = local_storage
    before = sorted(p for p in tmp_path.rglob("*"))
    with pytest.raises(StorageBadRequest):
        backend.upload_bytes(bucket=bucket, name=name, data=b"x", content_type="text/plain")
    with pytest.raises(StorageBadRequest):
        backend.sign_upload(bucket=bucket, name=name, content_type="text/plain")
    with pytest.raises(StorageBadRequest):
        backend.get_object(bucket=bucket, name=name)
    with pytest.raises(StorageBadRequest):
        backend.delete_objects(bucket=bucket, names=[name])
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_local_refuses_symlinks_out_of_the_bucket(local_storage, settings, tmp_path):
    backend, bucket = local_storage
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    bucket_dir = settings.STORAGE_LOCAL_ROOT / bucket
    (bucket_dir / "link").symlink_to(outside, target_is_directory=True)
    (bucket_dir / "file-link.txt").symlink_to(outside / "secret.txt")

    for name in ("link/secret.txt", "link/new.txt", "link/deeper/new.txt", "file-link.txt"):
        with pytest.raises(StorageBadRequest):
            backend.upload_bytes(bucket=bucket, name=name, data=b"x", content_type="text/plain")
        with pytest.raises(StorageBadRequest):
            backend.read_head(bucket=bucket, name=name, max_bytes=100)
    with pytest.raises(StorageBadRequest):
        backend.create_folder(bucket=bucket, prefix="link/sub/")
    with pytest.raises(StorageBadRequest):
        backend.list_level(bucket=bucket, prefix="link/")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "secret"
    # Symlinks are not objects or folders either.
    assert names(backend.list_level(bucket=bucket, prefix="")) == ([], [])


def test_local_rejects_bad_bucket_names(local_storage):
    backend, _ = local_storage
    for bucket in ("..", ".omx-meta", "UPPER", "a", "a/b", "../x"):
        with pytest.raises(StorageBadRequest):
            backend.create_bucket(name=bucket)
        with pytest.raises(StorageBadRequest):
            backend.list_level(bucket=bucket, prefix="")


def test_local_object_and_folder_names_clash(local_storage):
    backend, bucket = local_storage
    backend.upload_bytes(bucket=bucket, name="a", data=b"x", content_type="text/plain")
    with pytest.raises(StorageBadRequest):
        backend.upload_bytes(bucket=bucket, name="a/b", data=b"x", content_type="text/plain")
    backend.create_folder(bucket=bucket, prefix="f/")
    with pytest.raises(StorageBadRequest):
        backend.upload_bytes(bucket=bucket, name="f", data=b"x", content_type="text/plain")


def test_local_file_changed_by_hand_loses_its_hash(local_storage, settings):
    backend, bucket = local_storage
    backend.upload_bytes(bucket=bucket, name="hand.txt", data=b"one", content_type="text/x-hand")
    (settings.STORAGE_LOCAL_ROOT / bucket / "hand.txt").write_bytes(b"changed by hand")
    info = backend.get_object(bucket=bucket, name="hand.txt")
    assert (info.size, info.content_type, info.md5_hash) == (15, "text/x-hand", None)
    (settings.STORAGE_LOCAL_ROOT / bucket / "dropped.csv").write_bytes(b"a,b")
    info = backend.get_object(bucket=bucket, name="dropped.csv")
    assert (info.content_type, info.md5_hash) == ("text/csv", None)


def test_local_bad_page_token(local_storage):
    backend, bucket = local_storage
    with pytest.raises(StorageBadRequest):
        backend.list_level(bucket=bucket, prefix="", page_token="not a token!")
