"""The local backend's signed-URL endpoints (storage/local_views.py), over HTTP."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from storage.backends import StorageNotFound, get_backend
from storage.backends import local as local_module
from storage.backends import local_signing
from storage.backends.local_fs import ObjectTooLarge
from storage.local_views import SANDBOX_CSP


@pytest.fixture
def client():
    # CSRF checks on, as for a browser: the token in the URL is the only credential.
    return Client(enforce_csrf_checks=True)


def put(client, url, data: bytes, content_type: str | None):
    extra = {} if content_type is None else {"CONTENT_TYPE": content_type}
    return client.generic("PUT", url, data=data, **extra)


def assert_refused(response, code: str, status: int = 403):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert body["detail"]


def test_urls_live_under_storage_local():
    assert reverse("storage_local:object", kwargs={"token": "abc:def"}) == "/storage/local/abc:def"


def test_upload_then_download(local_storage, client):
    backend, bucket = local_storage
    data = b"\x00\x01binary\xff" * 1000
    signed = backend.sign_upload(bucket=bucket, name="in/data.bin", content_type="application/octet-stream")
    assert signed.url.startswith("/storage/local/")

    response = put(client, signed.url, data, "application/octet-stream")
    assert response.status_code == 200, response.content
    info = backend.get_object(bucket=bucket, name="in/data.bin")
    assert info.size == len(data)
    assert info.md5_hash == base64.b64encode(hashlib.md5(data).digest()).decode()

    download = backend.sign_download(bucket=bucket, name="in/data.bin", disposition="attachment")
    response = client.get(download.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"data.bin\"; filename*=UTF-8''data.bin"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"

    head = client.head(download.url)
    assert head.status_code == 200
    assert head["Content-Length"] == str(len(data))
    assert head.content == b""


def test_download_without_disposition_sends_none(local_storage, client):
    backend, bucket = local_storage
    backend.upload_bytes(bucket=bucket, name="p.png", data=b"\x89PNG", content_type="image/png")
    # What an <img> asks for: no content negotiation gets in the way.
    response = client.get(
        backend.sign_download(bucket=bucket, name="p.png").url, HTTP_ACCEPT="image/png"
    )
    assert response.status_code == 200
    assert "Content-Disposition" not in response
    assert response["Content-Type"] == "image/png"
    # Not an active type: the site-wide policy applies, not the sandbox.
    assert response.get("Content-Security-Policy") != SANDBOX_CSP


ACTIVE_BODY = b"<html><script>alert(document.cookie)</script></html>"


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("page.html", "text/html"),
        ("page.htm", "text/html; charset=utf-8"),
        ("app.js", "text/javascript"),
        ("app.mjs", "application/javascript"),
        ("site.css", "text/css"),
        ("drawing.svg", "image/svg+xml"),
        ("feed.xml", "application/xml"),
        ("feed.atom", "application/atom+xml"),
        ("page.xhtml", "application/xhtml+xml"),
        ("data.json", "application/json"),
        ("movie.swf", "application/x-shockwave-flash"),
        ("notes.md", "text/markdown"),
        ("odd.bin", "made/up"),
    ],
)
@pytest.mark.parametrize("disposition", ["inline", None, "attachment"])
def test_anything_not_inert_is_an_opaque_download(local_storage, client, name, content_type, disposition):
    backend, bucket = local_storage
    backend.upload_bytes(bucket=bucket, name=f"x/{name}", data=ACTIVE_BODY, content_type=content_type)
    url = backend.sign_download(bucket=bucket, name=f"x/{name}", disposition=disposition).url
    for response in (client.get(url), client.head(url)):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith(f'attachment; filename="{name}"')
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == SANDBOX_CSP
    assert b"".join(client.get(url).streaming_content) == ACTIVE_BODY  # the bytes are unchanged


@pytest.mark.parametrize(
    "name, content_type",
    [
        ("p.png", "image/png"),
        ("p.jpg", "image/jpeg"),
        ("p.gif", "image/gif"),
        ("p.webp", "image/webp"),
        ("doc.pdf", "application/pdf"),
        ("notes.txt", "text/plain"),
        ("notes.txt", "text/plain; charset=utf-8"),
        ("song.mp3", "audio/mpeg"),
        ("clip.mp4", "video/mp4"),
    ],
)
@pytest.mark.parametrize("disposition", ["inline", None])
def test_inert_types_are_served_as_themselves(local_storage, client, name, content_type, disposition):
    backend, bucket = local_storage
    backend.upload_bytes(bucket=bucket, name=f"x/{name}", data=b"\x89PNG...", content_type=content_type)
    response = client.get(backend.sign_download(bucket=bucket, name=f"x/{name}", disposition=disposition).url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] != SANDBOX_CSP  # omX's pages may frame a preview
    if disposition:
        assert response["Content-Disposition"].startswith(f'inline; filename="{name}"')
    else:
        assert "Content-Disposition" not in response


def test_an_inert_type_may_still_be_a_download(local_storage, client):
    backend, bucket = local_storage
    backend.upload_bytes(bucket=bucket, name="doc.pdf", data=b"%PDF-1.4", content_type="application/pdf")
    response = client.get(backend.sign_download(bucket=bucket, name="doc.pdf", disposition="attachment").url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="doc.pdf"')


def test_unicode_file_name_in_disposition(local_storage, client):
    backend, bucket = local_storage
    backend.upload_bytes(bucket=bucket, name="d/naïve \"q\".txt", data=b"x", content_type="text/plain")
    response = client.get(
        backend.sign_download(bucket=bucket, name="d/naïve \"q\".txt", disposition="inline").url
    )
    assert response["Content-Disposition"] == (
        "inline; filename=\"na_ve _q_.txt\"; filename*=UTF-8''na%C3%AFve%20%22q%22.txt"
    )


def tamper(url: str) -> str:
    token = url.rsplit("/", 1)[1]
    payload, rest = token.split(":", 1)
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    return url.replace(token, f"{flipped}:{rest}")


def test_tampered_token_is_refused(local_storage, client):
    backend, bucket = local_storage
    upload = backend.sign_upload(bucket=bucket, name="t.txt", content_type="text/plain")
    assert_refused(put(client, tamper(upload.url), b"x", "text/plain"), "invalid_signature")
    assert_refused(put(client, upload.url + "x", b"x", "text/plain"), "invalid_signature")
    assert_refused(client.get("/storage/local/garbage"), "invalid_signature")
    assert_refused(client.get("/storage/local/garbage", HTTP_ACCEPT="image/png"), "invalid_signature")
    backend.upload_bytes(bucket=bucket, name="t.txt", data=b"x", content_type="text/plain")
    download = backend.sign_download(bucket=bucket, name="t.txt")
    assert_refused(client.get(tamper(download.url)), "invalid_signature")


def test_expired_urls_are_refused(local_storage, client, settings, monkeypatch):
    backend, bucket = local_storage
    settings.GCS_UPLOAD_URL_TTL_SECONDS = 60
    settings.GCS_SIGNED_URL_TTL_SECONDS = 30
    backend.upload_bytes(bucket=bucket, name="e.txt", data=b"old", content_type="text/plain")
    upload = backend.sign_upload(bucket=bucket, name="e.txt", content_type="text/plain")
    download = backend.sign_download(bucket=bucket, name="e.txt")

    real_clock = local_signing._clock
    monkeypatch.setattr(local_signing, "_clock", lambda: real_clock() + 31)
    assert_refused(client.get(download.url), "signature_expired")
    assert put(client, upload.url, b"still valid", "text/plain").status_code == 200

    monkeypatch.setattr(local_signing, "_clock", lambda: real_clock() + 61)
    assert_refused(put(client, upload.url, b"new", "text/plain"), "signature_expired")
    assert backend.read_head(bucket=bucket, name="e.txt", max_bytes=100) == b"still valid"


def test_wrong_method_is_refused(local_storage, client):
    backend, bucket = local_storage
    backend.upload_bytes(bucket=bucket, name="m.txt", data=b"keep", content_type="text/plain")
    upload = backend.sign_upload(bucket=bucket, name="m.txt", content_type="text/plain")
    download = backend.sign_download(bucket=bucket, name="m.txt")
    assert_refused(client.get(upload.url), "method_mismatch")
    assert client.head(upload.url).status_code == 403
    assert_refused(put(client, download.url, b"overwrite", "text/plain"), "method_mismatch")
    assert client.post(download.url, data=b"x", content_type="text/plain").status_code == 405
    assert client.delete(download.url).status_code == 405
    assert backend.read_head(bucket=bucket, name="m.txt", max_bytes=100) == b"keep"


def test_wrong_content_type_is_refused(local_storage, client):
    backend, bucket = local_storage
    upload = backend.sign_upload(bucket=bucket, name="c.txt", content_type="text/plain")
    assert_refused(put(client, upload.url, b"<script>", "text/html"), "content_type_mismatch")
    assert_refused(put(client, upload.url, b"x", "text/plain; charset=utf-8"), "content_type_mismatch")
    assert_refused(put(client, upload.url, b"x", None), "content_type_mismatch")
    with pytest.raises(StorageNotFound):
        backend.get_object(bucket=bucket, name="c.txt")


def test_upload_over_the_limit_is_refused_and_leaves_nothing(local_storage, client, settings):
    backend, bucket = local_storage
    settings.STORAGE_LOCAL_MAX_UPLOAD_BYTES = 10
    upload = backend.sign_upload(bucket=bucket, name="big.bin", content_type="application/octet-stream")
    assert_refused(put(client, upload.url, b"x" * 11, "application/octet-stream"), "too_large", 413)
    assert put(client, upload.url, b"x" * 10, "application/octet-stream").status_code == 200

    # A body longer than announced is caught while streaming as well.
    def chunks():
        yield b"y" * 6
        yield b"y" * 6

    with pytest.raises(ObjectTooLarge):
        backend.write_stream(
            bucket=bucket, name="big2.bin", chunks=chunks(), content_type="text/plain", max_bytes=10
        )
    with pytest.raises(StorageNotFound):
        backend.get_object(bucket=bucket, name="big2.bin")
    tmp_dir = settings.STORAGE_LOCAL_ROOT / local_module.TMP_DIR
    assert list(tmp_dir.iterdir()) == []
    assert backend.read_head(bucket=bucket, name="big.bin", max_bytes=100) == b"x" * 10


def test_missing_object_is_a_json_404(local_storage, client):
    backend, bucket = local_storage
    response = client.get(backend.sign_download(bucket=bucket, name="gone.txt").url)
    assert_refused(response, "not_found", 404)


def test_upload_into_a_missing_bucket_is_a_json_404(local_storage, client):
    backend, _ = local_storage
    upload = backend.sign_upload(bucket="no-such-bucket", name="x.txt", content_type="text/plain")
    assert_refused(put(client, upload.url, b"x", "text/plain"), "not_found", 404)


def test_tokens_mean_nothing_once_the_backend_is_gcs(local_storage, client, settings):
    backend, bucket = local_storage
    backend.upload_bytes(bucket=bucket, name="s.txt", data=b"x", content_type="text/plain")
    download = backend.sign_download(bucket=bucket, name="s.txt")
    settings.STORAGE_BACKEND = "gcs"
    settings.STORAGE_EMULATOR_HOST = "http://127.0.0.1:9"
    assert get_backend().name == "gcs"
    assert_refused(client.get(download.url), "invalid_signature")


def test_large_upload_streams_through_the_live_server(local_storage, signed_url_client):
    import requests

    backend, bucket = local_storage
    data = bytes(range(256)) * (3 * 4096 + 7)  # ~3 MiB: several read chunks
    upload = backend.sign_upload(bucket=bucket, name="big/blob.bin", content_type="application/octet-stream")
    response = requests.put(signed_url_client(upload.url), data=data, headers=upload.headers, timeout=30)
    assert response.status_code == 200, response.text
    info = backend.get_object(bucket=bucket, name="big/blob.bin")
    assert info.size == len(data)
    assert info.md5_hash == base64.b64encode(hashlib.md5(data).digest()).decode()
    download = backend.sign_download(bucket=bucket, name="big/blob.bin")
    assert requests.get(signed_url_client(download.url), timeout=30).content == data


@pytest.mark.parametrize(("header", "status", "body", "content_range"), [
    ("bytes=0-3", 206, b"0123", "bytes 0-3/10"),
    ("bytes=4-", 206, b"456789", "bytes 4-9/10"),
    ("bytes=-3", 206, b"789", "bytes 7-9/10"),
    ("bytes=0-262143", 206, b"0123456789", "bytes 0-9/10"),  # a preview's head of a short file
    ("bytes=10-20", 416, b"", "bytes */10"),
    ("bytes=0-1,4-5", 200, b"0123456789", None),  # several ranges: the whole object
    ("pages=1", 200, b"0123456789", None),
])
def test_a_download_answers_one_byte_range(local_storage, client, header, status, body, content_range):
    backend, bucket = local_storage
    backend.upload_bytes(bucket=bucket, name="digits.csv", data=b"0123456789", content_type="text/csv")
    url = backend.sign_download(bucket=bucket, name="digits.csv", disposition="inline").url
    response = client.get(url, HTTP_RANGE=header)
    assert response.status_code == status
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content == body
    assert response.get("Content-Range") == content_range
    assert response["Accept-Ranges"] == "bytes"
    if status == 206:
        assert response["Content-Length"] == str(len(body))
    # A range changes nothing about how the bytes may be shown.
    assert response["Content-Type"] == "application/octet-stream"  # text/csv is not inert
    assert response["Content-Security-Policy"] == SANDBOX_CSP
    assert response["X-Frame-Options"] == "DENY"


def test_a_pdf_may_be_framed_by_omx_pages_only(local_storage, client):
    backend, bucket = local_storage
    backend.upload_bytes(bucket=bucket, name="paper.pdf", data=b"%PDF-1.4\n", content_type="application/pdf")
    url = backend.sign_download(bucket=bucket, name="paper.pdf", disposition="inline").url
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Disposition"].startswith("inline;")
