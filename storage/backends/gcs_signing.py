"""Signed URLs of the GCS backend: V4 signatures made locally with the key in
GCS_CREDENTIALS_PATH, or through IAM signBlob with the runtime's service
account when there is no private key (Cloud Run, GKE Workload Identity)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime, timedelta

import google.auth.transport.requests
from django.conf import settings
from google.auth import exceptions as auth_exceptions
from google.oauth2 import service_account

from storage.backends.base import (
    SignedURL,
    StorageBadRequest,
    StorageError,
    StoragePermissionDenied,
    StorageUnavailable,
    content_disposition,
    validate_disposition,
)

logger = logging.getLogger("omx.storage")

# IAM signing is a network call: a few at a time, each bounded by the timeout.
_iam_signer = ThreadPoolExecutor(max_workers=4, thread_name_prefix="omx-gcs-sign")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class GcsSigningOps:
    """Mixed into GcsBackend, whose client, credentials, lock and `_translate` it uses."""

    def _signer(self):
        """Credentials that sign URLs: the key file, else the ambient credentials."""
        if self._signing_credentials is None:
            with self._lock:
                if self._signing_credentials is None:
                    if self._credentials is not None:
                        self._signing_credentials = self._credentials
                    else:
                        self._signing_credentials = self._load_credentials()[0]
        return self._signing_credentials

    def sign_upload(
        self, *, bucket: str, name: str, content_type: str, ttl: int | None = None,
        if_absent: bool = False, max_bytes: int | None = None,
    ) -> SignedURL:
        if not content_type:
            raise StorageBadRequest("An upload needs a content type.")
        ttl = int(ttl or settings.GCS_UPLOAD_URL_TTL_SECONDS)
        expires_at = _now() + timedelta(seconds=ttl)
        # Signed headers the client must send as they are: generation 0 means
        # "only if no such object exists"; the range caps the body's size.
        extra = {}
        if if_absent:
            extra["x-goog-if-generation-match"] = "0"
        if max_bytes is not None:
            extra["x-goog-content-length-range"] = f"0,{int(max_bytes)}"
        url = self._sign(bucket=bucket, name=name, method="PUT", ttl=ttl, content_type=content_type,
                         headers=extra or None)
        return SignedURL(
            url=url, method="PUT", headers={"Content-Type": content_type, **extra}, expires_at=expires_at
        )

    def sign_download(
        self, *, bucket: str, name: str, disposition: str | None = None, ttl: int | None = None
    ) -> SignedURL:
        validate_disposition(disposition)
        ttl = int(ttl or settings.GCS_SIGNED_URL_TTL_SECONDS)
        expires_at = _now() + timedelta(seconds=ttl)
        url = self._sign(
            bucket=bucket,
            name=name,
            method="GET",
            ttl=ttl,
            response_disposition=content_disposition(disposition, name) if disposition else None,
        )
        return SignedURL(url=url, method="GET", headers={}, expires_at=expires_at)

    @property
    def signs_locally(self) -> bool:
        """Whether signing is local crypto (a key file) or a network call (IAM)."""
        return isinstance(self._signer(), service_account.Credentials)

    def _sign(self, *, bucket: str, name: str, method: str, ttl: int, **options) -> str:
        with self._translate(
            permission="iam.serviceAccounts.signBlob",
            resource="its own service account (grant it roles/iam.serviceAccountTokenCreator)",
            missing="The service account used to sign URLs does not exist.",
        ):
            blob = self.client.bucket(bucket).blob(name)
            options = {
                "version": "v4",
                "expiration": timedelta(seconds=ttl),
                "method": method,
                "api_access_endpoint": self.emulator_endpoint,
                **{k: v for k, v in options.items() if v is not None},
            }
            credentials = self._signer()
            if isinstance(credentials, service_account.Credentials):
                return blob.generate_signed_url(credentials=credentials, **options)
            # No private key here (Cloud Run, GKE Workload Identity, ...): sign
            # through IAM signBlob with the attached service account's token.
            future = _iam_signer.submit(self._sign_with_iam, blob, credentials, options)
            try:
                return future.result(timeout=2 * self.timeout)
            except FutureTimeout as exc:
                future.cancel()
                raise StorageUnavailable(
                    "Signing the URL through the IAM API timed out. Try again in a moment."
                ) from exc

    def _sign_with_iam(self, blob, credentials, options: dict) -> str:
        with self._signing_lock:
            if not credentials.valid:
                credentials.refresh(google.auth.transport.requests.Request())
            token = credentials.token
            email = getattr(credentials, "service_account_email", None)
        if not email or "@" not in email:
            raise StorageError(
                "These Google credentials cannot sign URLs: use a service account "
                "(GCS_CREDENTIALS_PATH or an attached service account).",
                code="storage_unconfigured",
            )
        try:
            return blob.generate_signed_url(
                service_account_email=email, access_token=token, **options
            )
        except auth_exceptions.TransportError as exc:
            if "403" in str(exc) or "PERMISSION_DENIED" in str(exc):
                logger.error("the service account %s lacks iam.serviceAccounts.signBlob on itself "
                             "(grant it roles/iam.serviceAccountTokenCreator)", email)
                raise StoragePermissionDenied(
                    "The service account cannot sign URLs: it needs iam.serviceAccounts.signBlob "
                    "(roles/iam.serviceAccountTokenCreator) on itself."
                ) from exc
            raise
