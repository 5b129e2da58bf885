"""The same storage calls made directly with google-cloud-storage, without
omX around them: the baseline `make bench` divides omX's figures by.

The one place outside storage/backends/ that imports google.cloud: a
benchmark's baseline is, by definition, the bare client.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from google.oauth2 import service_account


def emulator_client(endpoint: str, project: str) -> storage.Client:
    """A client for an emulator, anonymous, as the gcs backend builds it."""
    return storage.Client(project=project, credentials=AnonymousCredentials(),
                          client_options={"api_endpoint": endpoint})


def list_one_page(client: storage.Client, bucket: str, prefix: str, page_size: int) -> tuple[list, list]:
    """One page of one level, as a direct caller would list it."""
    iterator = client.list_blobs(bucket, prefix=prefix, delimiter="/", max_results=page_size)
    page = next(iterator.pages)
    items = list(page)
    return items, list(page.prefixes)


class UploadSigner:
    """V4 signed PUT URLs made directly with the service-account key."""

    def __init__(self, client: storage.Client, bucket: str, key_path: str, endpoint: str, ttl: int = 900):
        self.bucket = client.bucket(bucket)
        self.credentials = service_account.Credentials.from_service_account_file(key_path)
        self.endpoint = endpoint
        self.expiration = timedelta(seconds=ttl)

    def sign(self, name: str, content_type: str = "text/plain") -> str:
        return self.bucket.blob(name).generate_signed_url(
            version="v4", expiration=self.expiration, method="PUT", content_type=content_type,
            credentials=self.credentials, api_access_endpoint=self.endpoint,
        )


def move_prefix(client: storage.Client, bucket: str, prefix: str, dest_prefix: str, threads: int) -> int:
    """Move every object under `prefix` to `dest_prefix` as a direct caller
    would: list the names, then rewrite and delete each one, `threads` at a
    time. Returns how many were moved."""
    bucket_ref = client.bucket(bucket)
    names = [blob.name for blob in client.list_blobs(bucket, prefix=prefix, page_size=1000,
                                                     fields="items(name),nextPageToken")]

    def move(name: str) -> None:
        source = bucket_ref.blob(name)
        target = bucket_ref.blob(dest_prefix + name[len(prefix):])
        token = None
        while True:
            token, _, _ = target.rewrite(source, token=token, if_generation_match=0)
            if token is None:
                break
        source.delete()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for _ in pool.map(move, names):
            pass
    return len(names)
