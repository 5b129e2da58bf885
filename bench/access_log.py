"""What the access log costs `upload-url`, the way a client sees it: the same
request at the same concurrency against two fresh gunicorn servers that share
the stack's PostgreSQL and fake-gcs-server and differ only in
ACCESS_LOG_ENABLED. The stack's own server is not one of them: it has served
every other row, and gunicorn restarts a worker after `max_requests`, a cost
(a second or so of CPU for the new worker's start) that would land on one
side only. Both are warmed by a short unmeasured run first (a fresh worker
compiles and prepares its statements and imports lazily on its first
requests, which would otherwise land on the side measured first).

Then `rounds` pairs of short bursts, one on each server back to back, the
side that goes first alternating: the ratio the target reads is the median
of the pairs' ratios, as the endpoint rows read theirs against the floor.
On this kind of machine the spare CPU drifts by tens of per cent within a
minute; two long runs a side measured the drift as much as the log (the
same code read 0.75 and 0.98 in two runs), and one pair's ratio alone
ranges over 0.7–1.2, hence many pairs. The machine's CPU time per request
on each side (median over the bursts) is reported beside it, as are worker
restarts seen during the runs.

Run by `bench/run.py` after the main rows.
"""

from __future__ import annotations

import statistics

from omx.testing.servers import AppServer


def measure(stack, seed, load, *, clients: int, seconds: float, rounds: int = 5, log=print) -> dict:
    upload = [{"method": "POST", "path": f"{seed.project_path}/storage/upload-url",
               "headers": {"Authorization": f"Bearer {seed.token}"},
               "body": {"bucket": seed.bucket, "object_name": f"{seed.prefix}upload.txt",
                        "content_type": "text/plain"}}]
    servers = {side: AppServer({**stack.app_env("omx_bench"), "ACCESS_LOG_ENABLED": str(side == "with").lower()},
                               workers=stack.workers, threads=stack.threads) for side in ("with", "without")}
    log(f"  upload-url with and without the access log (two fresh gunicorn servers, ACCESS_LOG_ENABLED on/off, "
        f"{rounds} paired rounds) …")
    pairs: list[dict[str, float]] = []
    cpu: dict[str, list] = {"with": [], "without": []}
    errors = restarts = 0

    def burst(side: str, burst_seconds: float) -> float:
        nonlocal errors, restarts
        server = servers[side]
        before = set(server.worker_pids())
        row = load.run(kind="http", base_url=server.url, requests=upload, clients=clients,
                       seconds=burst_seconds, warmup=3)
        restarts += len(set(server.worker_pids()) - before)
        errors += row["errors"]
        cpu[side].append(row.get("cpu_ms_per_request"))
        return row["rps"]

    try:
        for server in servers.values():
            server.start()
        for side in servers:  # both warm before any measured burst
            burst(side, 1)
        errors = restarts = 0
        for values in cpu.values():
            values.clear()
        for k in range(rounds):
            order = ("with", "without") if k % 2 == 0 else ("without", "with")
            pairs.append({side: burst(side, seconds) for side in order})
    except RuntimeError as exc:  # a server did not start: a note, not a failed run
        return {"error": str(exc)[-300:]}
    finally:
        for server in servers.values():
            server.stop()
            server.log_path.unlink(missing_ok=True)
    ratios = sorted(p["with"] / p["without"] for p in pairs if p["with"] and p["without"])
    cpu_ms = {side: round(statistics.median(v), 3) if (v := [x for x in values if x]) else None
              for side, values in cpu.items()}
    return {"upload_url_per_s_with_log": round(statistics.mean(p["with"] for p in pairs), 1),
            "upload_url_per_s_without_log": round(statistics.mean(p["without"] for p in pairs), 1),
            "ratio": round(statistics.median(ratios), 3) if ratios else None,
            "ratio_range": [round(ratios[0], 3), round(ratios[-1], 3)] if ratios else None,
            "cpu_ms_per_request": cpu_ms, "pairs": pairs, "errors": errors, "worker_restarts": restarts}
