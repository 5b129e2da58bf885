"""Signed URLs of the local backend: `django.core.signing` tokens that bind
bucket, object, method, content type or disposition, and expiry, served by
`storage/local_views.py`."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from storage.backends.base import SignedURL, StorageBadRequest, validate_disposition
from storage.backends.local_fs import SignedURLRefused, validate_bucket_name, validate_object_name

_TOKEN_SALT = "omx.storage.local.signed-url"
_clock = time.time  # tests move it forward to expire tokens


class LocalSigningOps:
    def _token_url(self, payload: dict, ttl: int) -> tuple[str, datetime]:
        expires = int(_clock()) + ttl
        token = signing.dumps({**payload, "exp": expires}, salt=_TOKEN_SALT, compress=True)
        url = reverse("storage_local:object", kwargs={"token": token})
        return url, datetime.fromtimestamp(expires, UTC)

    def sign_upload(
        self, *, bucket: str, name: str, content_type: str, ttl: int | None = None,
        if_absent: bool = False, max_bytes: int | None = None,
    ) -> SignedURL:
        validate_bucket_name(bucket)
        validate_object_name(name)
        if not content_type:
            raise StorageBadRequest("An upload needs a content type.")
        payload = {"b": bucket, "o": name, "m": "PUT", "ct": content_type}
        if if_absent:
            payload["ne"] = 1  # storage/local_views.py refuses to overwrite
        if max_bytes is not None:
            payload["mx"] = int(max_bytes)
        url, expires_at = self._token_url(payload, int(ttl or settings.GCS_UPLOAD_URL_TTL_SECONDS))
        return SignedURL(
            url=url, method="PUT", headers={"Content-Type": content_type}, expires_at=expires_at
        )

    def sign_download(
        self, *, bucket: str, name: str, disposition: str | None = None, ttl: int | None = None
    ) -> SignedURL:
        validate_bucket_name(bucket)
        validate_object_name(name)
        validate_disposition(disposition)
        url, expires_at = self._token_url(
            {"b": bucket, "o": name, "m": "GET", "d": disposition},
            int(ttl or settings.GCS_SIGNED_URL_TTL_SECONDS),
        )
        return SignedURL(url=url, method="GET", headers={}, expires_at=expires_at)

    @staticmethod
    def read_token(token: str, *, method: str) -> dict:
        """The payload of a signed URL token valid for `method`, or SignedURLRefused."""
        try:
            payload = signing.loads(token, salt=_TOKEN_SALT)
        except signing.BadSignature:
            raise SignedURLRefused("This link is not valid.", code="invalid_signature") from None
        if not isinstance(payload, dict) or not {"b", "o", "m", "exp"} <= payload.keys():
            raise SignedURLRefused("This link is not valid.", code="invalid_signature")
        if _clock() >= payload["exp"]:
            raise SignedURLRefused("This link has expired.", code="signature_expired")
        if payload["m"] != method:
            raise SignedURLRefused(
                f"This link is for {payload['m']}, not {method}.", code="method_mismatch"
            )
        return payload
