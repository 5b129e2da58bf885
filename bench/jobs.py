"""`make bench`'s storage jobs rows, with a real `manage.py db_worker` started
against the bench stack (its database and emulator, the app's environment):

1. a move of BENCH_JOB_OBJECTS (2,000) objects done by omX (created through
   the API as the seeded user, timed from the POST until a poll of
   `storage/jobs/{id}` reads it finished) beside google-cloud-storage doing
   the same listing, rewrites and deletes with the job's own concurrency;
2. `storage/objects` (a page of 100) with no job running, then while the
   worker copies a large folder (copy jobs queued back to back so that the
   worker stays busy for the whole window).

Run alone (it builds its own stack): `.venv/bin/python -m bench.jobs`.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.baseline import move_prefix
from bench.stack import Api, SetupError, Stack

BASE_DIR = Path(__file__).resolve().parent.parent
OBJECTS = int(os.environ.get("BENCH_JOB_OBJECTS", "2000"))
LISTING_CLIENTS = int(os.environ.get("BENCH_JOB_LISTING_CLIENTS", "4"))
TARGET = 0.8  # omX's move rate ÷ the bare client's
FINISHED = {"succeeded", "failed", "cancelled"}


def log(message: str) -> None:
    print(message, flush=True)


class Worker:
    """One `manage.py db_worker`, as README's Background workers runs it."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.log_path = Path(tempfile.mkstemp(prefix="omx-db-worker-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Worker:
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"],
                cwd=BASE_DIR, env=self.stack.app.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_path.unlink(missing_ok=True)

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-1500:] if self.log_path.exists() else ""


def job_threads(stack: Stack) -> int:
    """The runner's own concurrency, read from the code the worker runs."""
    out = stack.app.manage("shell", "-c", "from storage.job_runner import THREADS; print(THREADS)")
    return int(out.stdout.strip().splitlines()[-1])


def _wait_finished(api: Api, path: str, worker: Worker, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.call("GET", path)
        if job["state"] in FINISHED:
            return job
        if worker.process.poll() is not None:
            raise SetupError(f"the db_worker exited ({worker.process.returncode}):\n{worker.tail()}")
        time.sleep(0.05)
    raise SetupError(f"the job {path} did not finish in {timeout:g}s:\n{worker.tail()}")


def measure_jobs(stack: Stack, seed, load, results: dict, *, seconds: float, log=log) -> None:
    """The jobs rows into results["jobs"]; a failure here is a note, not the end of the run."""
    try:
        _measure(stack, seed, load, results, seconds=seconds, log=log)
    except (SetupError, RuntimeError, subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", None) or str(exc)
        results["jobs"] = {"error": detail[-1500:]}
        log(f"  jobs: not measured: {detail[-1500:]}")


def _measure(stack: Stack, seed, load, results: dict, *, seconds: float, log=log) -> None:
    api = Api(stack.app.url, seed.token)
    jobs_path = f"{seed.project_path}/storage/jobs"
    threads = job_threads(stack)
    # Started first, so that its start-up is over before the move is created.
    with Worker(stack) as worker:
        omx_bucket, bare_bucket = f"{seed.bucket}-jobs", f"{seed.bucket}-bare"
        names = [f"jobs/src/object-{i:06d}.txt" for i in range(OBJECTS)]
        log(f"  jobs: {OBJECTS} objects in each of two buckets (omX's, the bare client's) …")
        for bucket in (omx_bucket, bare_bucket):
            stack.create_bucket(bucket)
            if stack.upload_many(bucket, names) != OBJECTS:
                raise SetupError(f"fake-gcs-server did not store the {OBJECTS} objects of the jobs rows")
        stack.app.manage("grants", "add", seed.workspace_slug, omx_bucket)
        api.call("POST", f"{seed.project_path}/storage/connections", {"bucket_name": omx_bucket, "prefix": "jobs/"})
        entry: dict = {"objects": OBJECTS, "threads": threads, "listing_clients": LISTING_CLIENTS,
                       "load_average_before": round(os.getloadavg()[0], 2)}
        results["jobs"] = entry

        log(f"  jobs: move of {OBJECTS} objects by a db_worker ({threads} at a time) …")
        t0 = time.monotonic()
        created = api.call("POST", jobs_path, {"kind": "move", "bucket": omx_bucket, "sources": ["jobs/src/"],
                                               "destination": {"prefix": "jobs/dst/"}}, expect=(202,))
        job = _wait_finished(api, f"{jobs_path}/{created['id']}", worker)
        seconds_omx = time.monotonic() - t0
        if job["state"] != "succeeded" or job["progress"]["done"] != OBJECTS:
            raise SetupError(f"the bench move ended {job['state']} with {job['progress']['done']} of {OBJECTS} done: "
                             f"{job['errors'][:3]}")
        entry["omx"] = {"seconds": round(seconds_omx, 2), "per_s": round(OBJECTS / seconds_omx, 1),
                        "queued_to_started_s": _between(job["created_at"], job["started_at"]),
                        "started_to_finished_s": _between(job["started_at"], job["finished_at"])}

        log(f"  jobs: the same move with google-cloud-storage directly ({threads} threads) …")
        t0 = time.monotonic()
        moved = move_prefix(stack.gcs_client(), bare_bucket, "jobs/src/", "jobs/dst/src/", threads)
        seconds_bare = time.monotonic() - t0
        entry["bare"] = {"seconds": round(seconds_bare, 2), "per_s": round(moved / seconds_bare, 1)}
        entry["ratio"] = round((OBJECTS / seconds_omx) / (moved / seconds_bare), 3)

        listing = [{"path": f"{seed.project_path}/storage/objects?"
                            + urlencode({"bucket": seed.bucket, "prefix": seed.prefix, "page_size": 100}),
                    "headers": {"Authorization": f"Bearer {seed.token}"}}]
        job_row = {"kind": "http", "base_url": stack.app.url, "requests": listing, "clients": LISTING_CLIENTS,
                   "seconds": seconds, "warmup": 3}
        log(f"  jobs: storage/objects (100), {LISTING_CLIENTS} clients, no job running …")
        entry["listing_idle"] = load.run(**job_row)

        # Enough copies of the moved folder, queued back to back, to outlast the window twice over.
        copies = min(8, 1 + math.ceil(2 * (seconds + 5) / seconds_omx))
        ids = [api.call("POST", jobs_path, {"kind": "copy", "bucket": omx_bucket, "sources": ["jobs/dst/src/"],
                                            "destination": {"prefix": f"jobs/copy-{k}/"}}, expect=(202,))["id"]
               for k in range(copies)]
        first = f"{jobs_path}/{ids[0]}"
        deadline = time.monotonic() + 30
        while api.call("GET", first)["progress"]["done"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        log(f"  jobs: storage/objects (100), {LISTING_CLIENTS} clients, while the worker copies "
            f"{copies} × {OBJECTS} objects …")
        copied_before = _copied(api, jobs_path, ids)
        t0 = time.monotonic()
        entry["listing_busy"] = load.run(**job_row)
        window = time.monotonic() - t0
        entry["copy_per_s_during"] = round((_copied(api, jobs_path, ids) - copied_before) / window, 1)
        entry["busy_throughout"] = api.call("GET", f"{jobs_path}/{ids[-1]}")["state"] not in FINISHED
        for jid in ids:
            api.call("POST", f"{jobs_path}/{jid}/cancel", {}, expect=(200, 409))
        for jid in ids:
            _wait_finished(api, f"{jobs_path}/{jid}", worker)
    entry["load_average_after"] = round(os.getloadavg()[0], 2)


def _copied(api: Api, jobs_path: str, ids: list[str]) -> int:
    return sum(api.call("GET", f"{jobs_path}/{jid}")["progress"]["done"] for jid in ids)


def _between(start: str | None, end: str | None) -> float | None:
    from datetime import datetime

    if not start or not end:
        return None
    return round((datetime.fromisoformat(end.replace("Z", "+00:00"))
                  - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds(), 2)


def print_jobs(results: dict, log=log) -> None:
    entry = results.get("jobs")
    if not entry:
        return
    if "error" in entry:
        log(f"\nstorage jobs: not measured ({entry['error']})")
        return
    omx, bare = entry["omx"], entry["bare"]
    verdict = "met" if entry["ratio"] >= TARGET else "NOT met"
    log(f"\nstorage jobs (one db_worker; load average {entry['load_average_before']} before, "
        f"{entry['load_average_after']} after)")
    log(f"  move of {entry['objects']:,} objects, {entry['threads']} at a time: omX {omx['per_s']:,.1f}/s "
        f"({omx['seconds']}s from POST to finished; queued {omx['queued_to_started_s']}s, "
        f"ran {omx['started_to_finished_s']}s) vs google-cloud-storage {bare['per_s']:,.1f}/s "
        f"({bare['seconds']}s) = {entry['ratio']:.2f}×  target ≥ {TARGET:g}×  {verdict}")
    idle, busy = entry["listing_idle"], entry["listing_busy"]
    log(f"  storage/objects (100), {entry['listing_clients']} clients: p50 {idle['p50_ms']:.1f} → "
        f"{busy['p50_ms']:.1f} ms ({_x(busy['p50_ms'], idle['p50_ms'])}), p99 {idle['p99_ms']:.1f} → "
        f"{busy['p99_ms']:.1f} ms ({_x(busy['p99_ms'], idle['p99_ms'])}), req/s {idle['rps']:,.1f} → "
        f"{busy['rps']:,.1f}, errors {idle['errors']}/{busy['errors']}: idle → while a copy job ran "
        f"({entry['copy_per_s_during']:,.1f} objects/s meanwhile"
        f"{'' if entry['busy_throughout'] else '; the jobs ended before the window did'})")


def _x(a, b) -> str:
    return f"{a / b:.2f}×" if a and b else "—"


def main() -> int:
    from bench.loadgen import LoadGenerator
    from bench.stack import seed_workspace

    results: dict = {}
    try:
        with Stack(log=log) as stack, LoadGenerator() as load:
            seed = seed_workspace(stack)
            measure_jobs(stack, seed, load, results, seconds=float(os.environ.get("BENCH_SECONDS", "5")))
    except SetupError as exc:
        log(f"bench.jobs: setup failed: {exc}")
        return 2
    print_jobs(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
