"""What the access log costs `upload-url`, the way a client sees it: the same
request at the same concurrency against two gunicorn servers that share the
stack's PostgreSQL and fake-gcs-server, the stack's own (ACCESS_LOG_ENABLED on,
the default) and a second one started here with ACCESS_LOG_ENABLED=false. The
two run in turn, on-off-off-on, so a change in the machine's load during the
measurement falls on both sides alike; the ratio is of the summed rates.

Run by `bench/run.py` after the main rows; it prints the result as one line.
"""

from __future__ import annotations

from omx.testing.servers import AppServer

ORDER = ("with", "without", "without", "with")


def measure(stack, seed, load, *, clients: int, seconds: float, log=print) -> dict:
    upload = [{"method": "POST", "path": f"{seed.project_path}/storage/upload-url",
               "headers": {"Authorization": f"Bearer {seed.token}"},
               "body": {"bucket": seed.bucket, "object_name": f"{seed.prefix}upload.txt",
                        "content_type": "text/plain"}}]
    quiet = AppServer({**stack.app_env("omx_bench"), "ACCESS_LOG_ENABLED": "false"},
                      workers=stack.workers, threads=stack.threads)
    log("  upload-url with and without the access log (a second gunicorn, ACCESS_LOG_ENABLED=false) …")
    rates: dict[str, list[float]] = {"with": [], "without": []}
    errors = 0
    try:
        quiet.start()
        for side in ORDER:
            server = stack.app if side == "with" else quiet
            row = load.run(kind="http", base_url=server.url, requests=upload, clients=clients,
                           seconds=seconds, warmup=3)
            rates[side].append(row["rps"])
            errors += row["errors"]
    except RuntimeError as exc:  # the second server did not start: a note, not a failed run
        return {"error": str(exc)[-300:]}
    finally:
        quiet.stop()
        quiet.log_path.unlink(missing_ok=True)
    with_log, without = sum(rates["with"]), sum(rates["without"])
    return {"upload_url_per_s_with_log": round(with_log / len(rates["with"]), 1),
            "upload_url_per_s_without_log": round(without / len(rates["without"]), 1),
            "ratio": round(with_log / without, 3) if without else None,
            "runs": rates, "errors": errors}
