"""The stack `make bench`, `make load` and `make fuzz` run against, all on
loopback: a private PostgreSQL cluster (the machine's shared server is never
touched), fake-gcs-server, a freshly generated service-account key that only
signs URLs, and omX under gunicorn with the production settings and the GCS
backend pointed at the emulator.

    with Stack() as stack:
        seed = seed_workspace(stack)
        ...

`SetupError` means the stack could not be built (a missing binary, a failed
migration): the runs exit non-zero only for that.
"""

from __future__ import annotations

import http.client
import re
import shutil
import tempfile
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from omx.testing.gcs import FakeGcs, fake_gcs_binary, write_service_account_key
from omx.testing.servers import AppServer, PrivatePostgres, postgres_bin_dir

GCS_PROJECT = "omx-bench"
GCS_EMAIL = "omx-bench@omx-bench.iam.gserviceaccount.com"
PASSWORD = "bench passphrase, long enough 1"


class SetupError(RuntimeError):
    """The stack itself could not be built."""


class Stack:
    """PrivatePostgres + FakeGcs + AppServer (gunicorn, DEBUG off, GCS backend)."""

    def __init__(self, *, workers: int = 2, threads: int = 4, env: dict[str, str] | None = None,
                 log=print):
        self.workers, self.threads = workers, threads
        self.extra_env = env or {}
        self.log = log
        self.dir = Path(tempfile.mkdtemp(prefix="omx-bench-"))
        self.pg: PrivatePostgres | None = None
        self.gcs = None
        self.app: AppServer | None = None
        self.key_path = self.dir / "service-account.json"

    # --- lifecycle ------------------------------------------------------------

    def start(self) -> Stack:
        if postgres_bin_dir() is None:
            raise SetupError("PostgreSQL server binaries (pg_ctl, initdb) not found: apt-get install postgresql")
        try:
            binary = fake_gcs_binary()
        except RuntimeError as exc:
            raise SetupError(str(exc)) from exc
        started = time.monotonic()
        try:
            self.pg = PrivatePostgres().init().start()
            self.pg.createdb("omx_bench")
            self.pg.createdb("omx_bench_queries")
            self.gcs = FakeGcs(binary, self.dir / "fake-gcs.log")
            self.gcs.start()
            write_service_account_key(self.key_path, project=GCS_PROJECT, email=GCS_EMAIL)
            self.app = AppServer(self.app_env("omx_bench"), workers=self.workers, threads=self.threads)
            self.app.manage("migrate", "--noinput")
            self.app.start()
        except Exception as exc:
            self.stop()
            detail = getattr(exc, "stderr", None) or ""
            raise SetupError(f"the stack did not start: {exc}\n{detail[-3000:]}") from exc
        self.log(f"stack up in {time.monotonic() - started:.1f}s: omX {self.app.url} "
                 f"({self.workers} gunicorn workers x {self.threads} threads), "
                 f"PostgreSQL :{self.pg.port}, fake-gcs-server {self.gcs.url}")
        return self

    def app_env(self, database: str) -> dict[str, str]:
        return {
            "DATABASE_URL": self.pg.url(database),
            "STORAGE_BACKEND": "gcs",
            "STORAGE_EMULATOR_HOST": self.gcs.url,
            "GCS_CREDENTIALS_PATH": str(self.key_path),
            "GCS_PROJECT_ID": GCS_PROJECT,
            "LOG_LEVEL": "WARNING",
            # No worker recycling: a replaced worker spends about a second of CPU
            # starting, inside whichever row happens to be running (and a
            # worker's memory after the run then counts every request it served).
            "GUNICORN_MAX_REQUESTS": "0",
            **self.extra_env,
        }

    def stop(self) -> None:
        if self.app is not None:
            self.app.stop()
            self.app.log_path.unlink(missing_ok=True)
        if self.gcs is not None:
            self.gcs.stop()
        if self.pg is not None:
            self.pg.destroy()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- direct access to the emulator ------------------------------------------

    def gcs_client(self):
        """google-cloud-storage against the emulator, anonymous, as the app does."""
        from bench.baseline import emulator_client

        return emulator_client(self.gcs.url, GCS_PROJECT)

    def create_bucket(self, name: str) -> None:
        self.gcs_client().create_bucket(name)

    def upload_many(self, bucket: str, names: list[str], *, threads: int = 8,
                    deadline: float | None = None) -> int:
        """Upload tiny objects straight to the emulator over keep-alive
        connections; stops at `deadline` (time.monotonic()). Returns how many
        were stored."""
        done = [0] * threads
        port = self.gcs.port

        def worker(k: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for name in names[k::threads]:
                if deadline is not None and time.monotonic() > deadline:
                    break
                query = urllib.parse.urlencode({"uploadType": "media", "name": name})
                conn.request("POST", f"/upload/storage/v1/b/{bucket}/o?{query}", body=b"x",
                             headers={"Content-Type": "text/plain"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    raise SetupError(f"fake-gcs-server refused an upload: {response.status}")
                done[k] += 1
            conn.close()

        with ThreadPoolExecutor(threads) as pool:
            for future in [pool.submit(worker, k) for k in range(threads)]:
                future.result()
        return sum(done)


# --- the API, as a client sees it ---------------------------------------------


class Api:
    """A small JSON client for omX's API with a bearer token."""

    def __init__(self, base_url: str, token: str | None = None):
        self.base_url = base_url
        self.session = requests.Session()
        self.token = token

    def call(self, method: str, path: str, body=None, *, expect=(200, 201, 204), **params):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.session.request(method, self.base_url + path, json=body, params=params or None,
                                        headers=headers, timeout=30)
        if response.status_code not in expect:
            raise SetupError(f"{method} {path} answered {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    def login(self, email: str, password: str) -> Api:
        self.token = self.call("POST", "/api/auth/login", {"email": email, "password": password})["access_token"]
        return self


def session_login(base_url: str, email: str, password: str) -> requests.Session:
    """Log in through the HTML form (/accounts/login/) with its CSRF token, as a browser does."""
    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=30)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or not match:
        raise SetupError(f"/accounts/login/ has no CSRF form (status {page.status_code})")
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"csrfmiddlewaretoken": match.group(1), "email": email, "password": password},
        headers={"Referer": f"{base_url}/accounts/login/"}, allow_redirects=False, timeout=30,
    )
    if response.status_code not in (302, 303) or "sessionid" not in session.cookies:
        raise SetupError(f"the login form did not log in (status {response.status_code})")
    return session


@dataclass
class Seed:
    email: str
    token: str
    user_id: str
    workspace_id: str
    workspace_slug: str
    project_id: str
    project_slug: str
    connection_id: str
    bucket: str
    prefix: str
    object_names: list[str]

    @property
    def project_path(self) -> str:
        return f"/api/workspaces/{self.workspace_id}/projects/{self.project_id}"


def seed_workspace(stack: Stack, *, email: str = "owner@bench.example", objects: int = 100,
                   bucket: str | None = None, prefix: str = "small/") -> Seed:
    """A user who owns a workspace and a project with a linked bucket whose
    prefix holds `objects` tiny objects."""
    base = stack.app.url
    api = Api(base)
    api.call("POST", "/api/auth/register", {"email": email, "password": PASSWORD, "full_name": "Bench Owner"})
    api.login(email, PASSWORD)
    me = api.call("GET", "/api/auth/me")
    workspace = api.call("POST", "/api/workspaces", {"name": f"Bench {uuid.uuid4().hex[:6]}"})
    project = api.call("POST", f"/api/workspaces/{workspace['id']}/projects", {"name": "Bench project"})
    bucket = bucket or f"omx-bench-{uuid.uuid4().hex[:12]}"
    stack.create_bucket(bucket)
    names = [f"{prefix}object-{i:06d}.txt" for i in range(objects)]
    stack.upload_many(bucket, names)
    stack.app.manage("grants", "add", workspace["slug"], bucket)  # the operator's step
    connection = api.call(
        "POST", f"/api/workspaces/{workspace['id']}/projects/{project['id']}/storage/connections",
        {"bucket_name": bucket, "prefix": prefix},
    )
    return Seed(
        email=email, token=api.token, user_id=me["id"], workspace_id=workspace["id"],
        workspace_slug=workspace["slug"], project_id=project["id"], project_slug=project["slug"],
        connection_id=connection["id"], bucket=bucket, prefix=prefix, object_names=names,
    )


def worker_rss_kib(app: AppServer) -> dict[int, int]:
    """VmRSS of each gunicorn worker, in KiB."""
    sizes = {}
    for pid in app.worker_pids():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if match:
            sizes[pid] = int(match.group(1))
    return sizes

