"""`make load`: LOAD_CLIENTS (50) concurrent keep-alive clients for
LOAD_SECONDS (60) on a mixed workload against omX under gunicorn (PostgreSQL,
GCS backend on fake-gcs-server): browse storage/objects, sign upload and
download URLs, list members, open dashboards.

Prints the error count and p50/p99 overall and per request; exits 1 when any
request failed (a transport error or an unexpected status), 2 when the stack
could not be set up.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlencode

from bench.loadgen import LoadGenerator
from bench.stack import SetupError, Stack, seed_workspace

SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "50"))


def workload(seed) -> list[dict]:
    auth = {"Authorization": f"Bearer {seed.token}"}
    base = seed.project_path

    def objects(**query):
        return f"{base}/storage/objects?{urlencode({'bucket': seed.bucket, **query})}"

    return [
        {"name": "browse objects (page of 100)", "weight": 3, "headers": auth,
         "path": objects(prefix=seed.prefix, page_size=100)},
        {"name": "browse objects (page of 20)", "weight": 2, "headers": auth,
         "path": objects(prefix=seed.prefix, page_size=20)},
        {"name": "sign upload URL", "weight": 2, "method": "POST", "headers": auth,
         "path": f"{base}/storage/upload-url",
         "body": {"bucket": seed.bucket, "object_name": f"{seed.prefix}incoming/report.csv",
                  "content_type": "text/csv"}},
        {"name": "sign download URL", "weight": 2, "method": "POST", "headers": auth,
         "path": f"{base}/storage/download-url",
         "body": {"bucket": seed.bucket, "object_name": seed.object_names[7], "disposition": "attachment"}},
        {"name": "list members", "weight": 1, "headers": auth,
         "path": f"/api/workspaces/{seed.workspace_id}/members"},
        {"name": "dashboard", "weight": 2, "headers": auth, "path": f"{base}/dashboard"},
    ]


def main() -> int:
    print(f"omX load: {CLIENTS} clients for {SECONDS:g}s, mixed workload, {os.cpu_count()} CPUs", flush=True)
    try:
        stack = Stack().start()
    except SetupError as exc:
        print(f"load: setup failed: {exc}")
        return 2
    try:
        seed = seed_workspace(stack)
        with LoadGenerator() as load:
            result = load.run(kind="http", base_url=stack.app.url, requests=workload(seed), clients=CLIENTS,
                              seconds=SECONDS, warmup=1)
        app_log = stack.app.log()
    except SetupError as exc:
        print(f"load: setup failed: {exc}")
        return 2
    finally:
        stack.stop()

    print(f"\n{'request':32} {'count':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, row in result.get("by_name", {}).items():
        print(f"{name:32} {row['count']:>7} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['max_ms']:>8.2f}")
    print(f"{'all':32} {result['count']:>7} {result['p50_ms']:>8.2f} {result['p99_ms']:>8.2f} "
          f"{result['max_ms']:>8.2f}")
    print(f"\n{result['count']} requests in {result['elapsed_s']}s = {result['rps']} req/s; "
          f"errors: {result['errors']}; p99 {result['p99_ms']} ms; "
          f"keep-alive reconnects (server closed an idle or recycled connection): {result['reconnects']}")
    for kind, count in result["error_kinds"].items():
        print(f"  error: {kind} × {count}")
    worker_timeouts = app_log.count("WORKER TIMEOUT")
    tracebacks = app_log.count("Traceback (most recent call last)")
    if worker_timeouts or tracebacks:
        print(f"  the app's log shows {tracebacks} traceback(s) and {worker_timeouts} worker timeout(s)")
    failed = result["errors"] > 0 or result["count"] == 0 or worker_timeouts > 0
    print("load: FAILED" if failed else "load: ok, no errors")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
