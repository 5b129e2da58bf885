"""The load generator: a separate process whose threads each keep one
keep-alive connection, bounded by time and by request count.

It runs as `python -m bench.loadgen` and reads one JSON job per line on stdin,
answering one JSON result per line on stdout; `LoadGenerator` drives it from
the measuring process. Pure Python (http.client), so nothing else is needed.

Job kinds:
  http      requests to omX: {"base_url", "requests": [{"name", "method", "path",
            "headers"?, "body"?, "weight"?, "ok"?}], ...}
  gcs_list  one page listed straight from the emulator with google-cloud-storage:
            {"endpoint", "bucket", "prefix", "page_size"}
  gcs_sign  a V4 signed upload URL made with google-cloud-storage and the key:
            {"endpoint", "key_path", "bucket", "prefix"}
All kinds take "clients", "seconds", "max_requests" and "warmup" (requests per
client before the clock starts).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent

# A reused keep-alive connection that the server closed meanwhile (keep-alive
# timeout, a worker recycled after max_requests) fails like this before any
# answer; every HTTP client retries such a request once on a new connection.
_STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                     http.client.CannotSendRequest)


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def summarize(latencies: list[float]) -> dict:
    values = sorted(latencies)
    return {
        "count": len(values),
        "p50_ms": _ms(percentile(values, 50)),
        "p90_ms": _ms(percentile(values, 90)),
        "p99_ms": _ms(percentile(values, 99)),
        "max_ms": _ms(values[-1] if values else None),
        "mean_ms": _ms(sum(values) / len(values) if values else None),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


# --- workers: one per client thread; calling one does one request ----------------


class HttpWorker:
    def __init__(self, job: dict, offset: int):
        url = urlsplit(job["base_url"])
        self.host, self.port = url.hostname, url.port or 80
        self.specs = []
        for spec in job["requests"]:
            body = spec.get("body")
            headers = dict(spec.get("headers") or {})
            if body is not None and not isinstance(body, str):
                body = json.dumps(body)
                headers.setdefault("Content-Type", "application/json")
            prepared = (spec.get("name", spec["path"]), spec.get("method", "GET"), spec["path"],
                        body.encode() if body is not None else None, headers,
                        set(spec.get("ok") or job.get("ok") or range(200, 300)))
            self.specs.extend([prepared] * int(spec.get("weight", 1)))
        self.i = offset
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __call__(self) -> tuple[str, str | None]:
        name, method, path, body, headers, ok = self.specs[self.i % len(self.specs)]
        self.i += 1
        for attempt in (0, 1):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                response.read()
            except _STALE_CONNECTION as exc:
                self.close()
                if not fresh and attempt == 0:
                    self.reconnects += 1
                    continue
                return name, type(exc).__name__
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                return name, type(exc).__name__
            if response.will_close:
                self.close()
            return name, None if response.status in ok else f"HTTP {response.status}"
        raise AssertionError("unreachable")


class GcsListWorker:
    def __init__(self, job: dict, offset: int):
        from bench import baseline

        self.baseline = baseline
        self.client = baseline.emulator_client(job["endpoint"], "omx-bench")
        self.bucket, self.prefix = job["bucket"], job["prefix"]
        self.page_size = int(job.get("page_size", 100))
        self.reconnects = 0

    def __call__(self) -> tuple[str, str | None]:
        try:
            items, _ = self.baseline.list_one_page(self.client, self.bucket, self.prefix, self.page_size)
        except Exception as exc:  # noqa: BLE001 - counted as an error
            return "gcs list", type(exc).__name__
        return "gcs list", None if items else "empty page"

    def close(self) -> None:
        self.client.close()


class GcsSignWorker:
    def __init__(self, job: dict, offset: int):
        from bench import baseline

        client = baseline.emulator_client(job["endpoint"], "omx-bench")
        self.signer = baseline.UploadSigner(client, job["bucket"], job["key_path"], job["endpoint"])
        self.prefix = job["prefix"]
        self.n = offset * 1_000_000
        self.reconnects = 0

    def __call__(self) -> tuple[str, str | None]:
        self.n += 1
        url = self.signer.sign(f"{self.prefix}upload-{self.n}.txt")
        return "gcs sign", None if url.startswith("http") else "bad url"

    def close(self) -> None:
        pass


WORKERS = {"http": HttpWorker, "gcs_list": GcsListWorker, "gcs_sign": GcsSignWorker}


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_cpu() -> tuple[float, float] | None:
    """(CPU seconds the machine spent working, seconds stolen by the host) so
    far, from /proc/stat: every process counts (app, database, emulator and
    this load generator), time other tenants of the host took does not."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / _TICK, steal / _TICK


def run_job(job: dict) -> dict:
    clients = int(job.get("clients", 16))
    seconds = float(job.get("seconds", 5))
    max_requests = int(job.get("max_requests", 10**9))
    warmup = int(job.get("warmup", 2))
    workers = [WORKERS[job["kind"]](job, k) for k in range(clients)]
    started = threading.Barrier(clients + 1)
    window: dict[str, float] = {}
    issued = itertools.count()
    # (name, start, end, error) per request, times on one clock (perf_counter)
    per_thread: list[list[tuple[str, float, float, str | None]]] = [[] for _ in range(clients)]

    def client(k: int) -> None:
        worker, samples = workers[k], per_thread[k]
        try:
            for _ in range(warmup):
                worker()
        except Exception:  # noqa: BLE001 - the timed requests report it
            pass
        finally:
            started.wait()
        # The end is read on every round: the driver sets it once all have started.
        while time.monotonic() < window["end"] and next(issued) < max_requests:
            t0 = time.perf_counter()
            try:
                name, error = worker()
            except Exception as exc:  # noqa: BLE001 - counted as an error
                name, error = job["kind"], f"{type(exc).__name__}: {exc}"[:200]
            samples.append((name, t0, time.perf_counter(), error))

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    # The clock starts when every client has warmed up.
    window["end"] = time.monotonic() + 3600
    started.wait()
    t_start, clock_start = time.monotonic(), time.perf_counter()
    cpu_start = machine_cpu()
    window["end"] = t_start + seconds
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - t_start
    cpu_end = machine_cpu()
    for worker in workers:
        worker.close()

    samples = [s for thread_samples in per_thread for s in thread_samples]
    errors = Counter(f"{name}: {error}" for name, _, _, error in samples if error)
    by_name = defaultdict(list)
    for name, t0, t1, _ in samples:
        by_name[name].append(t1 - t0)
    result = {
        **summarize([t1 - t0 for _, t0, t1, _ in samples]),
        "elapsed_s": round(elapsed, 3),
        "rps": _rate_in_window(samples, clock_start, min(seconds, elapsed)),
        # What `rps` was before: every request over the time until the last
        # reply, which counts a slow row's stragglers against it.
        "rps_to_last_reply": round(len(samples) / elapsed, 1) if elapsed else None,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(20)),
        "reconnects": sum(w.reconnects for w in workers),
        "clients": clients,
    }
    if cpu_start and cpu_end:
        busy, steal = (cpu_end[0] - cpu_start[0]), (cpu_end[1] - cpu_start[1])
        result.update({"cpu_busy_s": round(busy, 2), "cpu_steal_s": round(steal, 2),
                       "cpu_ms_per_request": round(busy * 1000 / len(samples), 3) if samples else None})
    if len(by_name) > 1:
        result["by_name"] = {name: summarize(values) for name, values in sorted(by_name.items())}
    return result


def _rate_in_window(samples: list[tuple], start: float, seconds: float) -> float | None:
    """Requests per second within the window: each request counts for the
    share of its time that lies inside it. Every client is busy from the
    window's start (warmed up before it) until its last request, which began
    inside the window and may end after it. Counting whole requests over the
    time until the last reply instead charged the row with the wait for its
    slowest straggler (a p99 of 300 ms is a fifth of a 1.5 s burst) while
    crediting it with a mean request: a bias against slow rows, larger the
    shorter the run."""
    if not seconds:
        return None
    end = start + seconds
    inside = 0.0
    for _, t0, t1, _ in samples:
        if t1 <= t0:
            inside += 1.0
        else:
            inside += max(0.0, min(t1, end) - max(t0, start)) / (t1 - t0)
    return round(inside / seconds, 1)


def serve() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            result = run_job(json.loads(line))
        except Exception:  # noqa: BLE001 - reported to the driving process
            result = {"error": traceback.format_exc()}
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


class LoadGenerator:
    """Drives a `python -m bench.loadgen` process (separate from the measuring one)."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.loadgen"], cwd=BASE_DIR, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )

    def run(self, **job) -> dict:
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the load generator process died")
        result = json.loads(line)
        if "error" in result:
            raise RuntimeError(f"the load generator failed:\n{result['error']}")
        return result

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> LoadGenerator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":
    serve()
