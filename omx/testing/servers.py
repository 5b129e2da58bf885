"""Real servers for fault tests and benchmarks: a private PostgreSQL cluster
and omX itself under gunicorn, each on a free loopback port."""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def http_json(method: str, url: str, body=None, token: str | None = None, timeout: float = 15):
    """One JSON request over real HTTP: (status, content type, decoded body or
    raw text when it is not JSON, seconds taken)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, headers, raw = exc.code, exc.headers, exc.read()
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        decoded = raw.decode(errors="replace")
    return status, headers.get("Content-Type", ""), decoded, time.monotonic() - started


def postgres_bin_dir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster that a test may stop and restart
    without disturbing the machine's shared server."""

    def __init__(self):
        self.bin = postgres_bin_dir()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries (pg_ctl, initdb) not found")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="omx-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self._as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def _run(self, *args: str, check: bool = True):
        cmd = [str(a) for a in args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    def init(self):
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync")
        return self

    def start(self):
        self._run(
            self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "30",
            "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start",
        )
        return self

    def stop(self, mode: str = "fast"):
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def createdb(self, name: str):
        self._run(self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class AppServer:
    """omX under gunicorn with the production settings (`make serve`)."""

    def __init__(self, env: dict[str, str], workers: int = 2, threads: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": "test-" + "k" * 60,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "OMX_ENV_FILE": "/nonexistent",
            **env,
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.process = None
        self.log_path = Path(tempfile.mkstemp(prefix="omx-gunicorn-", suffix=".log")[1])

    def manage(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.env,
            capture_output=True, text=True, timeout=timeout, check=True,
        )

    def start(self):
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", "omx/gunicorn.conf.py", "omx.wsgi"],
            cwd=BASE_DIR, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_for(self._ready, timeout=30):
            self.stop()
            raise RuntimeError(f"omX did not start under gunicorn:\n{self.log_path.read_text()[-3000:]}")
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            return True
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                return True
        except Exception as exc:  # noqa: BLE001 - any answer, even 503, means it is up
            return getattr(exc, "code", None) is not None

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def log(self) -> str:
        return self.log_path.read_text()
