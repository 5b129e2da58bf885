"""What the access log costs `upload-url`, the way a client sees it: the same
request at the same concurrency against two fresh gunicorn servers that share
the stack's PostgreSQL and fake-gcs-server and differ only in
ACCESS_LOG_ENABLED. The stack's own server is not one of them: it has served
every other row, and gunicorn restarts a worker after `max_requests`, a cost
(a second or so of CPU for the new worker's start) that would land on one
side only. Both are warmed by a short unmeasured run first (a fresh worker
compiles and prepares its statements and imports lazily on its first
requests, which would otherwise land on the side measured first). The two
run in turn, on-off-off-on, so a change in the machine's load falls on both
sides alike; the ratio is of the summed rates, and worker
restarts seen during the runs are reported.

Run by `bench/run.py` after the main rows.
"""

from __future__ import annotations

from omx.testing.servers import AppServer

ORDER = ("with", "without", "without", "with")


def measure(stack, seed, load, *, clients: int, seconds: float, log=print) -> dict:
    upload = [{"method": "POST", "path": f"{seed.project_path}/storage/upload-url",
               "headers": {"Authorization": f"Bearer {seed.token}"},
               "body": {"bucket": seed.bucket, "object_name": f"{seed.prefix}upload.txt",
                        "content_type": "text/plain"}}]
    servers = {side: AppServer({**stack.app_env("omx_bench"), "ACCESS_LOG_ENABLED": str(side == "with").lower()},
                               workers=stack.workers, threads=stack.threads) for side in ("with", "without")}
    log("  upload-url with and without the access log (two fresh gunicorn servers, ACCESS_LOG_ENABLED on/off) …")
    rates: dict[str, list[float]] = {"with": [], "without": []}
    errors = restarts = 0
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():  # both warm (each thread's connection, statements, imports) before any run
            load.run(kind="http", base_url=server.url, requests=upload, clients=clients, seconds=1, warmup=3)
        for side in ORDER:
            server = servers[side]
            before = set(server.worker_pids())
            row = load.run(kind="http", base_url=server.url, requests=upload, clients=clients,
                           seconds=seconds, warmup=3)
            restarts += len(set(server.worker_pids()) - before)
            rates[side].append(row["rps"])
            errors += row["errors"]
    except RuntimeError as exc:  # a server did not start: a note, not a failed run
        return {"error": str(exc)[-300:]}
    finally:
        for server in servers.values():
            server.stop()
            server.log_path.unlink(missing_ok=True)
    with_log, without = sum(rates["with"]), sum(rates["without"])
    return {"upload_url_per_s_with_log": round(with_log / len(rates["with"]), 1),
            "upload_url_per_s_without_log": round(without / len(rates["without"]), 1),
            "ratio": round(with_log / without, 3) if without else None,
            "runs": rates, "errors": errors, "worker_restarts": restarts}
