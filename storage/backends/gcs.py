"""Google Cloud Storage backend (google-cloud-storage).

One client per process, built lazily so that importing this module or starting
the app never talks to Google. Every call carries a timeout and a retry policy
whose total deadline keeps a hung call answering within twice
`GCS_TIMEOUT_SECONDS`: an attempt only starts before the deadline
(`GCS_TIMEOUT_SECONDS`) and lasts at most `GCS_TIMEOUT_SECONDS` itself.

With `STORAGE_EMULATOR_HOST` the API calls go to the emulator anonymously
(emulators expect no token, and a service-account credential would try to reach
Google for one); the key in `GCS_CREDENTIALS_PATH`, if any, only signs URLs,
which then point at the emulator.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager

import google.auth
import google.auth.transport.requests
import requests
import urllib3
from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from google.cloud.storage.retry import DEFAULT_RETRY

from storage.backends.base import (
    BucketInfo,
    FolderInfo,
    Listing,
    ObjectInfo,
    StorageBadRequest,
    StorageError,
    StorageNotFound,
    StoragePermissionDenied,
    StorageUnavailable,
    folder_name,
    validate_page_size,
)
from storage.backends.gcs_bulk import GcsBulkOps
from storage.backends.gcs_items import object_info_from_item
from storage.backends.gcs_listing import GcsListingOps, ListingHttp
from storage.backends.gcs_search import GcsSearchOps
from storage.backends.gcs_signing import GcsSigningOps
from storage.validation import bucket_name_validate

logger = logging.getLogger("omx.storage")

_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
_FOLDER_CONTENT_TYPE = "application/x-directory"

# Signing without a private key goes through the IAM signBlob API, whose
# google-cloud-storage helper takes no timeout: it runs here so the caller can
# stop waiting after the usual deadline.

_UNAVAILABLE_ERRORS = (
    api_exceptions.RetryError,
    api_exceptions.ServiceUnavailable,
    api_exceptions.GatewayTimeout,
    api_exceptions.TooManyRequests,
    api_exceptions.InternalServerError,
    api_exceptions.BadGateway,
    requests.ConnectionError,
    requests.Timeout,
    urllib3.exceptions.HTTPError,  # the listing's transport (gcs_listing)
    auth_exceptions.TransportError,
    ConnectionError,
    TimeoutError,
    FutureTimeout,
)


def _endpoint(host: str) -> str:
    """`localhost:4443` or `http://localhost:4443/` -> `http://localhost:4443`."""
    host = host.strip().rstrip("/")
    return host if "://" in host else f"http://{host}"


class GcsBackend(GcsListingOps, GcsBulkOps, GcsSearchOps, GcsSigningOps):
    """The storage interface on GCS; operations on many objects (listing a
    tree, copies, batched deletes) come from GcsBulkOps, name search from
    GcsSearchOps."""

    name = "gcs"
    scheme = "gs"
    bucket_name_validate = staticmethod(bucket_name_validate)

    @staticmethod
    def settings_key(settings) -> tuple:
        return (settings.GCS_PROJECT_ID, settings.GCS_CREDENTIALS_PATH, settings.STORAGE_EMULATOR_HOST,
                float(settings.GCS_TIMEOUT_SECONDS))

    @classmethod
    def from_settings(cls, settings) -> GcsBackend:
        project_id, credentials_path, emulator_host, timeout = cls.settings_key(settings)
        return cls(project_id=project_id, credentials_path=credentials_path, emulator_host=emulator_host,
                   timeout=timeout)

    def __init__(
        self,
        *,
        project_id: str | None,
        credentials_path: str | None,
        emulator_host: str | None,
        timeout: float,
    ):
        self.project_id = project_id
        self.credentials_path = credentials_path
        self.emulator_endpoint = _endpoint(emulator_host) if emulator_host else None
        self.timeout = float(timeout)
        self.retry = DEFAULT_RETRY.with_timeout(self.timeout).with_delay(
            initial=0.1, maximum=1.0, multiplier=2.0
        )
        self._lock = threading.Lock()
        self._client: storage.Client | None = None
        self._listing_http: ListingHttp | bool | None = None  # False: list through the library
        self._credentials = None  # what the client authenticates with (not in emulator mode)
        self._signing_credentials = None
        self._signing_lock = threading.Lock()

    # --- plumbing -----------------------------------------------------------

    def _load_credentials(self):
        if self.credentials_path:
            try:
                credentials, project_id = google.auth.load_credentials_from_file(
                    self.credentials_path, scopes=_SCOPES
                )
            except (OSError, ValueError, auth_exceptions.DefaultCredentialsError) as exc:
                logger.error("GCS_CREDENTIALS_PATH cannot be used: %s", exc)
                raise StorageError(
                    "The Google credentials file in GCS_CREDENTIALS_PATH cannot be used (see the server log).",
                    code="storage_unconfigured",
                ) from exc
            return credentials, project_id
        try:
            return google.auth.default(scopes=_SCOPES)
        except auth_exceptions.DefaultCredentialsError as exc:
            raise StorageError(
                "No Google credentials were found: set GCS_CREDENTIALS_PATH to a service "
                "account key, or run with an attached service account.",
                code="storage_unconfigured",
            ) from exc

    @property
    def client(self) -> storage.Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._build_client()
        return self._client

    def _build_client(self) -> storage.Client:
        if self.emulator_endpoint:
            return storage.Client(
                project=self.project_id or "omx-emulator",
                credentials=AnonymousCredentials(),
                client_options={"api_endpoint": self.emulator_endpoint},
            )
        credentials, detected_project = self._load_credentials()
        self._credentials = credentials
        return storage.Client(
            project=self.project_id or detected_project, credentials=credentials
        )

    @contextmanager
    def _translate(self, *, permission: str, resource: str, missing: str):
        """Turn Google and transport errors into StorageError subclasses."""
        try:
            yield
        except StorageError:
            raise
        except api_exceptions.NotFound as exc:
            raise StorageNotFound(missing) from exc
        except api_exceptions.Forbidden as exc:
            raise StoragePermissionDenied(
                f"The service account lacks {permission} on {resource}."
            ) from exc
        except api_exceptions.Unauthorized as exc:
            raise StoragePermissionDenied(
                "Cloud Storage rejected the service account's credentials "
                f"(needed: {permission} on {resource})."
            ) from exc
        except auth_exceptions.RefreshError as exc:
            raise StoragePermissionDenied(
                "Google refused to issue an access token for the service account."
            ) from exc
        except _UNAVAILABLE_ERRORS as exc:
            raise StorageUnavailable() from exc
        except api_exceptions.Conflict as exc:
            raise StorageBadRequest(f"{resource} already exists.", code="conflict") from exc
        except (api_exceptions.BadRequest, api_exceptions.PreconditionFailed) as exc:
            # Google's own text can name the service account or the GCP
            # project: it goes to the log, the user gets a plain sentence.
            logger.warning("Cloud Storage rejected a call on %s: %s %s", resource, exc.code, exc.message)
            raise StorageBadRequest("Cloud Storage rejected the request.") from exc
        except api_exceptions.GoogleAPICallError as exc:
            logger.warning("Cloud Storage error on %s: %s %s", resource, exc.code, exc.message)
            raise StorageError(f"Cloud Storage answered with an error ({exc.code}).") from exc

    def _call_kwargs(self) -> dict:
        return {"timeout": self.timeout, "retry": self.retry}

    # --- the interface ------------------------------------------------------

    def list_buckets(self, *, gcp_project_id: str | None) -> list[BucketInfo]:
        project = gcp_project_id or self.project_id
        if not project:
            raise StorageBadRequest("No Google Cloud project given, and GCS_PROJECT_ID is not set.")
        with self._translate(
            permission="storage.buckets.list",
            resource=f"project {project}",
            missing=f"The Google Cloud project {project} does not exist.",
        ):
            return [
                BucketInfo(
                    name=b.name,
                    location=b.location or "",
                    storage_class=b.storage_class or "",
                    created=b.time_created,
                )
                for b in self.client.list_buckets(project=project, **self._call_kwargs())
            ]

    def probe(self) -> None:
        """The cheapest real call that shows storage answers: one page of one
        bucket name of the project (or, with no project, of any bucket)."""
        if not self.project_id:
            raise StorageError("GCS_PROJECT_ID is not set: nothing to probe.", code="storage_unconfigured")
        with self._translate(permission="storage.buckets.list", resource=f"project {self.project_id}",
                             missing=f"The Google Cloud project {self.project_id} does not exist."):
            next(iter(self.client.list_buckets(project=self.project_id, max_results=1,
                                               **self._call_kwargs()).pages), None)

    def get_bucket(self, *, name: str) -> BucketInfo:
        with self._translate(
            permission="storage.buckets.get",
            resource=f"bucket {name}",
            missing=f"The bucket {name} does not exist.",
        ):
            b = self.client.get_bucket(name, **self._call_kwargs())
            return BucketInfo(name=b.name, location=b.location or "", storage_class=b.storage_class or "",
                              created=b.time_created)

    def check_bucket(self, *, bucket: str, prefix: str) -> None:
        with self._translate(
            permission="storage.objects.list",
            resource=f"bucket {bucket}",
            missing=f"The bucket {bucket} does not exist.",
        ):
            self._list_page(bucket=bucket, prefix=prefix, page_token=None, page_size=1)

    def list_level(
        self,
        *,
        bucket: str,
        prefix: str,
        page_token: str | None = None,
        page_size: int = 100,
        starts_with: str = "",
    ) -> Listing:
        validate_page_size(page_size)
        list_prefix = prefix + starts_with
        with self._translate(
            permission="storage.objects.list",
            resource=f"bucket {bucket}",
            missing=f"The bucket {bucket} does not exist.",
        ):
            items, prefixes, next_token = self._list_page(
                bucket=bucket, prefix=list_prefix, page_token=page_token, page_size=page_size
            )
            if next_token and len(items) + len(prefixes) > page_size:
                # Real GCS counts prefixes against the page size and reports each
                # prefix once. A page holding more than that comes from an
                # emulator (fake-gcs-server) that repeats every prefix found from
                # this page to the end of the listing: the ones the next page
                # reports again belong to a later page.
                _, later, _ = self._list_page(
                    bucket=bucket, prefix=list_prefix, page_token=next_token, page_size=1
                )
                later_set = set(later)
                prefixes = [p for p in prefixes if p not in later_set]
        folders = [FolderInfo(name=folder_name(p), prefix=p) for p in sorted(set(prefixes))]
        objects = [
            object_info_from_item(item)
            for item in items
            # Folder placeholders ("x/") are folders, never files; the listed
            # prefix's own placeholder is not shown at all.
            if not item["name"].endswith("/")
        ]
        return Listing(folders=folders, objects=objects, next_page_token=next_token or None)

    def get_object(self, *, bucket: str, name: str) -> ObjectInfo:
        missing = f"The object {name} does not exist in bucket {bucket}."
        with self._translate(
            permission="storage.objects.get", resource=f"bucket {bucket}", missing=missing
        ):
            blob = self.client.bucket(bucket).get_blob(name, **self._call_kwargs())
        if blob is None:
            raise StorageNotFound(missing)
        return _object_info(blob)

    def read_head(self, *, bucket: str, name: str, max_bytes: int) -> bytes:
        if max_bytes <= 0:
            return b""
        with self._translate(
            permission="storage.objects.get",
            resource=f"bucket {bucket}",
            missing=f"The object {name} does not exist in bucket {bucket}.",
        ):
            blob = self.client.bucket(bucket).blob(name)
            try:
                return blob.download_as_bytes(
                    start=0, end=max_bytes - 1, checksum=None, **self._call_kwargs()
                )
            except api_exceptions.RequestRangeNotSatisfiable:
                return b""  # a zero-byte object has no first byte to range over

    def create_folder(self, *, bucket: str, prefix: str) -> None:
        if not prefix.endswith("/"):
            raise StorageBadRequest("A folder prefix ends with '/'.")
        self.upload_bytes(bucket=bucket, name=prefix, data=b"", content_type=_FOLDER_CONTENT_TYPE)

    def create_bucket(self, *, name: str) -> None:
        project = self.project_id
        with self._translate(
            permission="storage.buckets.create",
            resource=f"project {project}" if project else f"bucket {name}",
            missing=f"The Google Cloud project {project} does not exist.",
        ):
            self.client.create_bucket(name, project=project, **self._call_kwargs())

    def upload_bytes(self, *, bucket: str, name: str, data: bytes, content_type: str) -> None:
        with self._translate(
            permission="storage.objects.create",
            resource=f"bucket {bucket}",
            missing=f"The bucket {bucket} does not exist.",
        ):
            self.client.bucket(bucket).blob(name).upload_from_string(
                data, content_type=content_type, **self._call_kwargs()
            )


def _object_info(blob) -> ObjectInfo:
    return ObjectInfo(
        name=blob.name,
        size=int(blob.size or 0),
        content_type=blob.content_type or "application/octet-stream",
        updated=blob.updated,
        md5_hash=blob.md5_hash,
    )
