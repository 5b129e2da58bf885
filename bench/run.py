"""`make bench`: throughput, latency, storage overhead, scaling, SQL queries per
request and memory of omX under gunicorn, in one run on one machine so the
figures can be read as ratios. Prints a table and writes bench/results.json.

Benchmarks print numbers; they never fail a run. The exit status is non-zero
only when the stack itself cannot be set up.

Environment knobs: BENCH_SECONDS (per row, default 5), BENCH_ROUNDS (paired
floor/row bursts per row, 5), BENCH_CLIENTS (16), BENCH_BIG_OBJECTS (50000),
BENCH_SEED_SECONDS (budget for creating them, 90).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from bench import access_log
from bench.jobs import measure_jobs, print_jobs
from bench.loadgen import LoadGenerator
from bench.stack import PASSWORD, Api, SetupError, Stack, seed_workspace, session_login, worker_rss_kib

# --- The Files page (storage/views.py) and its HTMX listing. -------------------------
# Placeholders: {workspace_slug} {project_slug} {bucket} {prefix}. Where the page
# does not answer 200 (a broken build), its two rows are skipped with a note.
FILES_PAGE = "/w/{workspace_slug}/p/{project_slug}/files/"
FILES_FRAGMENT = "/w/{workspace_slug}/p/{project_slug}/files/?bucket={bucket}&prefix={prefix}"
FRAGMENT_HEADERS = {"HX-Request": "true", "HX-Target": "fb-listing"}

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results.json"
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
BIG_OBJECTS = int(os.environ.get("BENCH_BIG_OBJECTS", "50000"))
SEED_SECONDS = float(os.environ.get("BENCH_SEED_SECONDS", "90"))
SEQUENTIAL_SECONDS = max(1.0, SECONDS / 2)
PAIRED_ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PAIRED_SECONDS = max(1.5, SECONDS / 3)
FLOOR = "GET /api/auth/me (floor)"


_phase = ["setting up"]  # the last step logged: what was running when the sampler saw a peak


def log(message: str) -> None:
    if message.strip():
        _phase[0] = message.strip().rstrip(" …")
    print(message, flush=True)


class RssSampler(threading.Thread):
    """Samples the gunicorn workers' VmRSS while the benchmark runs (workers are
    recycled after max_requests, so the last value alone can be a young worker)."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app = app
        self.peak_kib, self.peak_during = 0, None
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.wait(0.5):
            sizes = worker_rss_kib(self.app)
            if sizes and max(sizes.values()) > self.peak_kib:
                self.peak_kib, self.peak_during = max(sizes.values()), _phase[0]


def http_job(stack: Stack, requests: list[dict], *, clients: int = CLIENTS, seconds: float = SECONDS) -> dict:
    return {"kind": "http", "base_url": stack.app.url, "requests": requests, "clients": clients,
            "seconds": seconds, "warmup": 3}


def main() -> int:
    started = time.monotonic()
    log(f"omX benchmark: {os.cpu_count()} CPUs, {CLIENTS} clients, {SECONDS:g}s per row "
        f"(load average now {os.getloadavg()[0]:.2f})")
    try:
        stack = Stack(log=log).start()
    except SetupError as exc:
        log(f"bench: setup failed: {exc}")
        return 2
    results: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_at_start": round(os.getloadavg()[0], 2)},
        "commit": _git_commit(),
        "config": {"clients": CLIENTS, "seconds_per_row": SECONDS, "gunicorn_workers": stack.workers,
                   "gunicorn_threads": stack.threads},
        "rows": {}, "notes": [],
    }
    sampler = RssSampler(stack.app)
    try:
        seed = seed_workspace(stack)
        sampler.start()
        with LoadGenerator() as load:
            measure_endpoints(stack, seed, load, results)
            measure_storage_overhead(stack, seed, load, results)
            measure_scaling(stack, seed, load, results)
            measure_jobs(stack, seed, load, results, seconds=SECONDS, log=log)
            results["access_log"] = access_log.measure(stack, seed, load, clients=CLIENTS, seconds=PAIRED_SECONDS,
                                                        rounds=2 * PAIRED_ROUNDS + 1, log=log)
        results["queries"] = measure_queries(stack)
        sampler.stop_event.set()
        final = worker_rss_kib(stack.app)
        results["memory"] = {"worker_rss_kib": final, "peak_worker_rss_kib": max(sampler.peak_kib, *final.values(), 0),
                             "peak_during": sampler.peak_during}
    except SetupError as exc:
        log(f"bench: setup failed: {exc}")
        return 2
    finally:
        sampler.stop_event.set()
        stack.stop()
    results["duration_s"] = round(time.monotonic() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print_report(results)
    log(f"\nwrote {RESULTS.relative_to(BASE_DIR)} in {results['duration_s']}s")
    return 0


# --- 1. requests per second and latency, each as a ratio to the floor ------------


def measure_endpoints(stack: Stack, seed, load: LoadGenerator, results: dict) -> None:
    auth = {"Authorization": f"Bearer {seed.token}"}
    ws = f"/api/workspaces/{seed.workspace_id}"
    objects_query = urlencode({"bucket": seed.bucket, "prefix": seed.prefix, "page_size": 100})
    rows = {
        FLOOR: [{"path": "/api/auth/me", "headers": auth}],
        "GET /api/workspaces": [{"path": "/api/workspaces", "headers": auth}],
        "GET …/projects": [{"path": f"{ws}/projects", "headers": auth}],
        "GET …/dashboard": [{"path": f"{seed.project_path}/dashboard", "headers": auth}],
        "GET …/storage/objects (100)": [{"path": f"{seed.project_path}/storage/objects?{objects_query}",
                                         "headers": auth}],
        "POST …/storage/upload-url": [{
            "method": "POST", "path": f"{seed.project_path}/storage/upload-url", "headers": auth,
            "body": {"bucket": seed.bucket, "object_name": f"{seed.prefix}upload.txt", "content_type": "text/plain"},
        }],
    }
    rows.update(browser_rows(stack, seed, results))
    floor = rows[FLOOR]
    # Unrecorded, a second of each row first: the stack's first seconds under
    # load (new connections to PostgreSQL, its caches, each kind of request's
    # first run in each worker) once read the floor's own run at 501 req/s
    # and its later bursts at 530-955.
    for requests in rows.values():
        load.run(**http_job(stack, requests, seconds=1))
    for name, requests in rows.items():
        log(f"  {name} …")
        results["rows"][name] = load.run(**http_job(stack, requests))
        if name != FLOOR:
            results["rows"][name]["paired"] = paired_bursts(stack, load, floor, requests)


def paired_bursts(stack: Stack, load: LoadGenerator, floor: list[dict], requests: list[dict]) -> list[list[float]]:
    """[floor req/s, this row's req/s] in PAIRED_ROUNDS short bursts, each row
    burst right after a floor burst: on a machine whose spare CPU drifts
    (other work, a virtual machine's stolen time), a ratio taken between two
    moments far apart measures the drift as much as the row."""
    pairs = []
    for _ in range(PAIRED_ROUNDS):
        beside = load.run(**http_job(stack, floor, seconds=PAIRED_SECONDS))
        row = load.run(**http_job(stack, requests, seconds=PAIRED_SECONDS))
        pairs.append([beside["rps"], row["rps"]])
    return pairs


def paired_cost(row: dict) -> tuple[float, float, float] | None:
    """The median, lowest and highest of floor ÷ row over the paired bursts."""
    costs = sorted(f / r for f, r in row.get("paired", ()) if f and r)
    return (statistics.median(costs), costs[0], costs[-1]) if costs else None


def browser_rows(stack: Stack, seed, results: dict) -> dict:
    fields = {"workspace_slug": seed.workspace_slug, "project_slug": seed.project_slug,
              "bucket": seed.bucket, "prefix": seed.prefix}
    page, fragment = FILES_PAGE.format(**fields), FILES_FRAGMENT.format(**fields)
    log("  logging in for the Files page rows (argon2 takes 100 MiB while it hashes) …")
    session = session_login(stack.app.url, seed.email, PASSWORD)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    probe = session.get(stack.app.url + page, timeout=30, allow_redirects=False)
    if probe.status_code != 200:
        note = (f"Files page rows skipped: GET {FILES_PAGE} answered {probe.status_code} "
                "(FILES_PAGE / FILES_FRAGMENT at the top of bench/run.py name the URLs)")
        results["notes"].append(note)
        log(f"  {note}")
        return {}
    fragment_probe = session.get(stack.app.url + fragment, headers=FRAGMENT_HEADERS, timeout=30,
                                 allow_redirects=False)
    results["browser_probe"] = {
        "page": {"status": probe.status_code, "bytes": len(probe.content)},
        "fragment": {"status": fragment_probe.status_code, "bytes": len(fragment_probe.content)},
    }
    return {
        "GET files page (session)": [{"path": page, "headers": {"Cookie": cookie}}],
        "GET files fragment (HTMX)": [{"path": fragment, "headers": {"Cookie": cookie, **FRAGMENT_HEADERS}}],
    }


# --- 2. storage overhead: omX against the same call made directly ----------------


def measure_storage_overhead(stack: Stack, seed, load: LoadGenerator, results: dict) -> None:
    auth = {"Authorization": f"Bearer {seed.token}"}
    query = urlencode({"bucket": seed.bucket, "prefix": seed.prefix, "page_size": 100})
    api_list = [{"path": f"{seed.project_path}/storage/objects?{query}", "headers": auth}]
    direct = {"endpoint": stack.gcs.url, "bucket": seed.bucket, "prefix": seed.prefix, "page_size": 100}
    log("  direct list_blobs, 16 clients …")
    results["rows"]["direct list_blobs (100)"] = load.run(kind="gcs_list", clients=CLIENTS, seconds=SECONDS,
                                                          warmup=3, **direct)
    log("  direct generate_signed_url …")
    results["rows"]["direct generate_signed_url"] = load.run(
        kind="gcs_sign", clients=CLIENTS, seconds=SECONDS, warmup=3, endpoint=stack.gcs.url,
        key_path=str(stack.key_path), bucket=seed.bucket, prefix=seed.prefix)
    log(f"  one client at a time: the floor, storage/objects and list_blobs, {PAIRED_ROUNDS} rounds …")
    rounds = []
    for _ in range(PAIRED_ROUNDS):  # the three side by side, as the endpoint rows are paired with the floor
        rounds.append({
            "GET /api/auth/me (floor), 1 client": load.run(**http_job(
                stack, [{"path": "/api/auth/me", "headers": auth}], clients=1, seconds=SEQUENTIAL_SECONDS)),
            "GET …/storage/objects (100), 1 client": load.run(
                **http_job(stack, api_list, clients=1, seconds=SEQUENTIAL_SECONDS)),
            "direct list_blobs (100), 1 client": load.run(
                kind="gcs_list", clients=1, seconds=SEQUENTIAL_SECONDS, warmup=3, **direct),
        })
    # The round whose ratio is the median stands for all three rows.
    rounds.sort(key=lambda r: target_value(r, "GET …/storage/objects (100), 1 client") or 0)
    results["rows"].update(rounds[len(rounds) // 2])
    results["one_client_rounds"] = rounds


# --- 3. scaling: a page of 100 from a small and from a large prefix ----------------


def measure_scaling(stack: Stack, seed, load: LoadGenerator, results: dict) -> None:
    bucket = f"{seed.bucket}-big"
    prefix = "big/"
    stack.create_bucket(bucket)
    names = [f"{prefix}object-{i:06d}.txt" for i in range(BIG_OBJECTS)]
    log(f"  creating up to {BIG_OBJECTS} objects under gs://{bucket}/{prefix} (budget {SEED_SECONDS:g}s) …")
    t0 = time.monotonic()
    created = stack.upload_many(bucket, names, deadline=t0 + SEED_SECONDS)
    seconds = time.monotonic() - t0
    results["scaling"] = {"big_prefix_objects": created, "requested": BIG_OBJECTS,
                          "seed_seconds": round(seconds, 1), "seed_rate_per_s": round(created / seconds, 1)}
    if created < BIG_OBJECTS:
        results["notes"].append(
            f"scaling: fake-gcs-server stored {created} of {BIG_OBJECTS} objects in the {SEED_SECONDS:g}s budget "
            "(its in-memory backend finds each object by a linear scan, so creating n objects costs O(n²)); "
            "the large prefix holds that many. BENCH_SEED_SECONDS raises the budget.")
    log(f"  {created} objects in {seconds:.1f}s")
    api = Api(stack.app.url, seed.token)
    stack.app.manage("grants", "add", seed.workspace_slug, bucket)
    api.call("POST", f"{seed.project_path}/storage/connections", {"bucket_name": bucket, "prefix": prefix})
    auth = {"Authorization": f"Bearer {seed.token}"}
    query = urlencode({"bucket": bucket, "prefix": prefix, "page_size": 100})
    log("  storage/objects and list_blobs on the large prefix …")
    results["rows"]["GET …/storage/objects (100 of big)"] = load.run(**http_job(
        stack, [{"path": f"{seed.project_path}/storage/objects?{query}", "headers": auth}]))
    results["rows"]["direct list_blobs (100 of big)"] = load.run(
        kind="gcs_list", clients=CLIENTS, seconds=SECONDS, warmup=3, endpoint=stack.gcs.url,
        bucket=bucket, prefix=prefix, page_size=100)
    # At 16 clients the direct calls are bound by the load generator's own
    # CPU (google-cloud-storage in one Python process), which hides the
    # emulator's growth; one client at a time shows each side's.
    results["rows"]["GET …/storage/objects (100 of big), 1 client"] = load.run(**http_job(
        stack, [{"path": f"{seed.project_path}/storage/objects?{query}", "headers": auth}],
        clients=1, seconds=SEQUENTIAL_SECONDS))
    results["rows"]["direct list_blobs (100 of big), 1 client"] = load.run(
        kind="gcs_list", clients=1, seconds=SEQUENTIAL_SECONDS, warmup=3, endpoint=stack.gcs.url,
        bucket=bucket, prefix=prefix, page_size=100)


# --- 3b. SQL queries per request -------------------------------------------------


def measure_queries(stack: Stack) -> dict:
    log("  SQL queries per list request (in-process, scratch database) …")
    env = {**stack.app.env, "DATABASE_URL": stack.pg.url("omx_bench_queries"),
           "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}
    try:
        out = subprocess.run([sys.executable, "-m", "bench.queries"], cwd=BASE_DIR, env=env,
                             capture_output=True, text=True, timeout=300, check=True)
    except subprocess.CalledProcessError as exc:
        return {"error": exc.stderr[-2000:]}
    return json.loads(out.stdout)


# --- report ------------------------------------------------------------------------


def _fmt(value, digits=1):
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _ratio(a, b):
    return a / b if a and b else None


def print_report(results: dict) -> None:
    rows = results["rows"]
    floor = rows.get("GET /api/auth/me (floor)", {})
    machine = results["machine"]
    cfg = results["config"]
    log("")
    busy = machine["load_average_at_start"] > 0.5 * (machine["cpus"] or 1)
    log(f"omX benchmark — {machine['cpus']} CPUs ({machine['platform']}, Python {machine['python']}; "
        f"load average {machine['load_average_at_start']} at the start"
        f"{': other processes compete for the CPUs, read the ratios rather than the rates' if busy else ''}), "
        f"gunicorn {cfg['gunicorn_workers']} workers × {cfg['gunicorn_threads']} threads, "
        f"load from a separate process, {cfg['clients']} keep-alive clients, {cfg['seconds_per_row']:g}s per row")
    log("")
    header = (f"{'request':42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'cost ×floor':>11} "
              f"{'paired (range)':>20} {'CPU ms':>7} {'CPU ×floor':>10}")
    log(header)
    log("-" * len(header))
    for name, row in rows.items():
        if ", 1 client" in name:
            continue
        cost = _ratio(floor.get("rps"), row.get("rps")) if not name.startswith("direct") else None
        paired = paired_cost(row)
        paired_text = f"{paired[0]:.2f}× ({paired[1]:.2f}–{paired[2]:.2f})" if paired else ""
        cpu = row.get("cpu_ms_per_request")
        cpu_cost = _ratio(cpu, floor.get("cpu_ms_per_request")) if not name.startswith("direct") else None
        log(f"{name:42} {_fmt(row['rps']):>8} {_fmt(row['p50_ms'], 2):>8} {_fmt(row['p99_ms'], 2):>8} "
            f"{row['errors']:>6} {(_fmt(cost, 2) + '×') if cost else '':>11} {paired_text:>20} "
            f"{_fmt(cpu, 1):>7} {(_fmt(cpu_cost, 2) + '×') if cpu_cost else '':>10}")
    log("(cost ×floor = the floor's req/s ÷ this row's req/s: how many /api/auth/me one such request costs;\n"
        f" paired = the median of the same over {PAIRED_ROUNDS} bursts of {PAIRED_SECONDS:g}s, each right after "
        "a floor burst, with the lowest and highest: the figure the targets read;\n"
        " CPU ms = the whole machine's CPU time (app, database, emulator, load generator; not time stolen by the "
        "host) per request over the row's main run, and its ratio to the floor's: a saturated machine's "
        "throughput ratio, the least disturbed by other tenants)")
    probe = results.get("browser_probe")
    if probe:
        log(f"(files page {probe['page']['bytes']:,} bytes, HTMX fragment {probe['fragment']['bytes']:,} bytes, "
            f"status {probe['fragment']['status']})")

    access = results.get("access_log", {})
    if access.get("ratio"):
        low, high = access["ratio_range"]
        pairs = ", ".join(f"{p['with']:.0f}/{p['without']:.0f}" for p in access["pairs"])
        log(f"\nupload-url with the access log: {access['upload_url_per_s_with_log']}/s vs "
            f"{access['upload_url_per_s_without_log']}/s without; paired median {access['ratio']}× ({low}–{high}; "
            f"{cfg['clients']} clients, two fresh gunicorn servers on one stack, req/s with/without per pair: "
            f"{pairs}; {access['errors']} errors, {access['worker_restarts']} worker restarts)")
        cpu = access.get("cpu_ms_per_request") or {}
        if cpu.get("with") and cpu.get("without"):
            log(f"  the machine's CPU per request: {cpu['with']} ms with the log, {cpu['without']} ms without "
                f"(medians over the bursts): the log costs {cpu['with'] - cpu['without']:.2f} ms")
    elif access:
        log(f"\nupload-url with the access log: not measured ({access.get('error')})")
    log("\nstorage overhead (omX ÷ the same call made directly with google-cloud-storage)")
    api_objects = rows.get("GET …/storage/objects (100)", {})
    direct_list = rows.get("direct list_blobs (100)", {})
    seq_api = rows.get("GET …/storage/objects (100), 1 client", {})
    seq_direct = rows.get("direct list_blobs (100), 1 client", {})
    upload = rows.get("POST …/storage/upload-url", {})
    sign = rows.get("direct generate_signed_url", {})
    log(f"  storage/objects, time per request at {cfg['clients']} clients: "
        f"{_fmt(_ratio(direct_list.get('rps'), api_objects.get('rps')), 2)}× list_blobs")
    log(f"  storage/objects, p50 with one client: {_fmt(seq_api.get('p50_ms'), 2)} ms vs "
        f"{_fmt(seq_direct.get('p50_ms'), 2)} ms = {_fmt(_ratio(seq_api.get('p50_ms'), seq_direct.get('p50_ms')), 2)}×")
    log(f"  upload-url rate: {_fmt(upload.get('rps'))}/s vs raw generate_signed_url {_fmt(sign.get('rps'))}/s "
        f"= {_fmt(_ratio(upload.get('rps'), sign.get('rps')), 3)} of the raw rate")

    scaling = results.get("scaling")
    if scaling:
        big_api = rows.get("GET …/storage/objects (100 of big)", {})
        big_direct = rows.get("direct list_blobs (100 of big)", {})
        log(f"\nscaling: a page of 100 from a prefix of 100 vs {scaling['big_prefix_objects']:,} objects "
            f"(created in {scaling['seed_seconds']}s, {scaling['seed_rate_per_s']}/s)")
        log(f"  omX storage/objects p50: {_fmt(api_objects.get('p50_ms'), 2)} → {_fmt(big_api.get('p50_ms'), 2)} ms "
            f"= {_fmt(_ratio(big_api.get('p50_ms'), api_objects.get('p50_ms')), 2)}×; req/s "
            f"{_fmt(api_objects.get('rps'))} → {_fmt(big_api.get('rps'))}")
        log(f"  direct list_blobs p50:   {_fmt(direct_list.get('p50_ms'), 2)} → {_fmt(big_direct.get('p50_ms'), 2)} ms "
            f"= {_fmt(_ratio(big_direct.get('p50_ms'), direct_list.get('p50_ms')), 2)}× (16 clients: bound by the "
            "load generator's CPU)")
        growth = {}
        for side, small_row, big_row in (("omX storage/objects", "GET …/storage/objects (100), 1 client",
                                          "GET …/storage/objects (100 of big), 1 client"),
                                         ("direct list_blobs", "direct list_blobs (100), 1 client",
                                          "direct list_blobs (100 of big), 1 client")):
            small, big = rows.get(small_row, {}).get("p50_ms"), rows.get(big_row, {}).get("p50_ms")
            growth[side] = big - small if small is not None and big is not None else None
            sign = "" if (growth[side] or 0) < 0 else "+"
            log(f"  {side}, one client, p50: {_fmt(small, 2)} → {_fmt(big, 2)} ms ({sign}{_fmt(growth[side], 2)})")
        log(f"  omX's growth ÷ the bare client's: {_fmt(_ratio(*growth.values()), 2)}×")

    queries = results.get("queries", {})
    log("\nSQL queries per request (1 row → 100 rows; must be equal)")
    if "error" in queries:
        log(f"  could not measure: {queries['error']}")
    for name, entry in queries.items():
        if name == "error":
            continue
        one, hundred = entry.get("1"), entry.get("100")
        verdict = "equal" if one == hundred and one is not None else "DIFFERENT (grows with rows)"
        log(f"  {name:12} {one if one is not None else '—':>3} → {hundred if hundred is not None else '—':>3}  "
            f"{verdict}  (rows {entry.get('rows')}){'  ' + '; '.join(entry['problems']) if entry.get('problems') else ''}")

    print_jobs(results, log=log)
    print_targets(results)

    memory = results.get("memory", {})
    if memory:
        sizes = ", ".join(f"{kib / 1024:.1f} MiB" for kib in memory["worker_rss_kib"].values())
        log(f"\nmemory: gunicorn worker VmRSS after the run: {sizes}; "
            f"peak seen during the run {memory['peak_worker_rss_kib'] / 1024:.1f} MiB"
            + (f" ({memory['peak_during']})" if memory.get("peak_during") else ""))
    for note in results["notes"]:
        log(f"note: {note}")


# (row, how it is read, target, "min" or "max"): the performance targets.
TARGETS = [
    ("GET /api/workspaces", "throughput ÷ floor (paired)", 0.6, "min"),
    ("GET …/projects", "throughput ÷ floor (paired)", 0.6, "min"),
    ("GET …/dashboard", "throughput ÷ floor (paired)", 0.5, "min"),
    ("POST …/storage/upload-url", "throughput ÷ floor (paired)", 0.5, "min"),
    ("GET …/storage/objects (100), 1 client", "p50 ÷ (list_blobs p50 + floor p50), 1 client", 1.5, "max"),
    ("GET files page (session)", "cost ×floor (paired)", 6.0, "max"),
    ("GET files fragment (HTMX)", "cost ×floor (paired)", 4.0, "max"),
]


def target_value(rows: dict, name: str) -> float | None:
    row = rows.get(name, {})
    if name.endswith(", 1 client"):
        direct = rows.get("direct list_blobs (100), 1 client", {}).get("p50_ms")
        floor_p50 = rows.get("GET /api/auth/me (floor), 1 client", {}).get("p50_ms")
        return _ratio(row.get("p50_ms"), (direct or 0) + (floor_p50 or 0)) if direct and floor_p50 else None
    paired = paired_cost(row)
    if paired is None:
        return None
    return paired[0] if name.startswith("GET files") else 1 / paired[0]


def print_targets(results: dict) -> None:
    rows = results["rows"]
    log("\ntargets")
    for name, how, target, kind in TARGETS:
        value = target_value(rows, name)
        if value is None:
            verdict = "not measured"
        else:
            met = value >= target if kind == "min" else value <= target
            verdict = "met" if met else "NOT met"
        sign = "≥" if kind == "min" else "≤"
        log(f"  {name:40} {how:46} {_fmt(value, 2):>6}×  target {sign} {target:g}×  {verdict}")
    results["targets"] = {name: target_value(rows, name) for name, *_ in TARGETS}
    ratio = results.get("access_log", {}).get("ratio")
    verdict = "not measured" if ratio is None else "met" if ratio >= 0.9 else "NOT met"
    log(f"  {'upload-url, access log on ÷ off':40} {'throughput ÷ throughput (paired)':46} {_fmt(ratio, 2):>6}×  "
        f"target ≥ 0.9×  {verdict}")
    results["targets"]["upload-url, access log on ÷ off"] = ratio


def _git_commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True,
                              text=True, timeout=10).stdout.strip() or None
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
