"""`make fuzz`: schemathesis against /api/schema/ of omX under gunicorn
(PostgreSQL, GCS backend on fake-gcs-server), as a logged-in user who owns a
workspace, a project and a linked bucket, with every check on.

Path parameters are the real ids (workspace, project, connection, a second
member, a pending invitation and its token), and bucket, prefix and object
name fields draw often from the linked bucket's real values, so generated
requests get past the access checks into the storage code.

The token is fetched by logging in (schemathesis's dynamic auth) and fetched
again on a 401, so `auth/logout-all` revoking it does not blind the run.
Deleting the workspace, project, connection or member would leave every
later request answering 404: those four run last, against a second set of
the same resources, one after the other.

FUZZ_MAX_EXAMPLES (default 200) bounds the examples per operation and phase;
FUZZ_CHECKS (all), FUZZ_EXCLUDE_CHECKS (see below), FUZZ_WORKERS (4), FUZZ_SEED (random) and FUZZ_PHASES (all)
tune the run.
Reports land in var/fuzz/. Exits 1 on any finding, 2 if the stack cannot be
set up.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench.stack import PASSWORD, Api, SetupError, Stack, seed_workspace

BASE_DIR = Path(__file__).resolve().parent.parent
REPORTS = BASE_DIR / "var" / "fuzz"
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES") or 200)
CHECKS = os.environ.get("FUZZ_CHECKS") or "all"
# Left out by default: DRF accepts numbers for string fields and ignores an
# unusable page_size (its conventions), and storage names, containment and
# uniqueness are rules no OpenAPI schema can state; so "schema-violating
# request accepted" and "schema-valid request rejected" would report those
# conventions, not faults. Every response is still checked against the schema.
EXCLUDE_CHECKS = os.environ.get("FUZZ_EXCLUDE_CHECKS", "negative_data_rejection,positive_data_acceptance")
WORKERS = os.environ.get("FUZZ_WORKERS") or "4"
SEED = os.environ.get("FUZZ_SEED") or ""
PHASES = os.environ.get("FUZZ_PHASES") or ""

# Run last, one at a time, against resources of their own: each one, once it
# succeeds, turns the requests that follow it into 401s or 404s.
DESTRUCTIVE = [
    "DELETE /api/workspaces/{wid}/invitations/{iid}",
    "POST /api/auth/logout-all",
    # Once a PATCH of the member made a second owner, leaving succeeds.
    "POST /api/workspaces/{wid}/leave",
    "DELETE /api/workspaces/{wid}/projects/{pid}/storage/connections/{cid}",
    "DELETE /api/workspaces/{wid}/members/{user_id}",
    "DELETE /api/workspaces/{wid}/projects/{pid}",
    "DELETE /api/workspaces/{wid}",
]


# positive_data_acceptance: schema-valid input must not be refused. 410 (an
# invitation used or revoked) is a state answer like 404 and 409.
POSITIVE_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "410", "429", "5xx"]
# Operations where API.md answers 400 for reasons no schema can state, so that
# schema-valid input may meet a 400 that is not a finding.
STATE_400 = {
    "POST /api/auth/register": "email already taken; Django's password validators",
    "POST /api/auth/logout": "the refresh token is not a valid one",
    "POST /api/auth/password": "wrong current_password; password validators",
    "POST /api/auth/password-reset/confirm": "a bad or used reset link",
    "POST /api/workspaces/{wid}/projects": "project names are unique in a workspace",
    "PATCH /api/workspaces/{wid}/projects/{pid}": "project names are unique in a workspace",
    "POST /api/workspaces/{wid}/projects/{pid}/storage/connections":
        "the bucket is checked first (missing, unreachable) and a bucket+prefix links once",
}


def log(message: str) -> None:
    print(message, flush=True)


def _toml(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))  # a TOML basic string is JSON-escaped


def write_config(path: Path, ids: dict, *, email: str, bucket: str, prefix: str, objects: list[str]) -> Path:
    """schemathesis.toml: real path ids, dictionary-biased storage fields and
    the dynamic login."""
    parameters = {}
    for names, value in (
        (("wid", "workspace_id"), ids["workspace_id"]),
        (("pid", "project_id"), ids["project_id"]),
        (("cid", "connection_id"), ids["connection_id"]),
        (("user_id",), ids["member_id"]),
        (("iid", "invitation_id"), ids["invitation_id"]),
        (("token",), ids["invitation_token"]),
    ):
        for name in names:
            parameters[f"path.{name}"] = value
    for location in ("query", "body"):
        parameters[f"{location}.bucket"] = {"dictionary": "buckets", "probability": 0.7}
        parameters[f"{location}.prefix"] = {"dictionary": "prefixes", "probability": 0.6}
    parameters["body.object_name"] = {"dictionary": "objects", "probability": 0.6}
    parameters["body.object_names[*]"] = {"dictionary": "objects", "probability": 0.6}
    parameters["body.bucket_name"] = {"dictionary": "buckets", "probability": 0.5}
    lines = [
        "[parameters]",
        *(f"{json.dumps(k)} = {_toml(v)}" for k, v in parameters.items()),
        "",
        "[dictionaries.buckets]", f"values = {_toml([bucket])}", "",
        "[dictionaries.prefixes]", f"values = {_toml([prefix, prefix + 'sub/', ''])}", "",
        *(line for op, tokens in ids["refresh_tokens"].items()
          for line in (f"[dictionaries.refresh_{op}]", f"values = {_toml(tokens)}", "")),
        "[dictionaries.objects]",
        f"values = {_toml([objects[3], prefix + 'fresh.txt', prefix + 'sub/deeper.csv'])}", "",
        "[auth.dynamic.openapi.jwtAuth]",
        'path = "/api/auth/login"',
        f"payload = {_toml({'email': email, 'password': PASSWORD})}",
        'extract_selector = "/access_token"',
        "",
        "[checks.positive_data_acceptance]",
        f"expected-statuses = {_toml(POSITIVE_EXPECTED)}",
        "",
    ]
    # Real refresh tokens, a few for each operation that uses one up.
    for op in ids["refresh_tokens"]:
        lines += [
            "[[operations]]",
            f"include-name = {_toml(f'POST /api/auth/{op}')}",
            f"parameters = {_toml({'body.refresh_token': {'dictionary': f'refresh_{op}', 'probability': 0.5}})}",
            "",
        ]
    for name, reason in STATE_400.items():
        lines += [
            f"# {reason}",
            "[[operations]]",
            f"include-name = {_toml(name)}",
            f"checks.positive_data_acceptance.expected-statuses = {_toml([*POSITIVE_EXPECTED, '400'])}",
            "",
        ]
    path.write_text("\n".join(lines))
    return path


def prepare(stack: Stack, tag: str) -> tuple[dict, object]:
    """A workspace with a project, a linked bucket, a second member and a
    pending invitation, owned by a user who logs in with PASSWORD."""
    seed = seed_workspace(stack, email=f"owner-{tag}@fuzz.example", prefix="data/", objects=20)
    owner = Api(stack.app.url, seed.token)
    code = owner.call("GET", f"/api/workspaces/{seed.workspace_id}")["join_code"]
    member = Api(stack.app.url)
    member_email = f"member-{tag}@fuzz.example"
    member.call("POST", "/api/auth/register", {"email": member_email, "password": PASSWORD, "full_name": "Member"})
    member.login(member_email, PASSWORD)
    member.call("POST", "/api/workspaces/join", {"code": code})
    member_id = member.call("GET", "/api/auth/me")["id"]
    invitation = owner.call("POST", f"/api/workspaces/{seed.workspace_id}/invitations",
                            {"email": f"invitee-{tag}@fuzz.example", "role": "member"})
    # Each refresh token works once (refresh rotates it, logout revokes it).
    refresh_tokens = {
        op: [owner.call("POST", "/api/auth/login", {"email": seed.email, "password": PASSWORD})["refresh_token"]
             for _ in range(3)]
        for op in ("refresh", "logout")
    }
    ids = {
        "refresh_tokens": refresh_tokens,
        "workspace_id": seed.workspace_id, "project_id": seed.project_id, "connection_id": seed.connection_id,
        "member_id": member_id, "invitation_id": invitation["id"], "invitation_token": invitation["token"],
    }
    return ids, seed


def schemathesis(stack: Stack, config: Path, report_dir: Path, *filters: str) -> int:
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "--no-color",
        "run", f"{stack.app.url}/api/schema/", "--url", stack.app.url,
        "--checks", CHECKS, *(["--exclude-checks", EXCLUDE_CHECKS] if EXCLUDE_CHECKS else []),
        "--max-examples", str(MAX_EXAMPLES), "--workers", WORKERS,
        "--request-timeout", "15", "--generation-database", "none", "--continue-on-failure",
        "--report", "junit,ndjson", "--report-dir", str(report_dir),
        *(["--seed", SEED] if SEED else []),
        *(["--phases", PHASES] if PHASES else []),
        *filters,
    ]
    log(f"$ {' '.join(command[1:4])} … {' '.join(filters)[:200]}")
    return subprocess.run(command, cwd=BASE_DIR).returncode


def main() -> int:
    started = time.monotonic()
    shutil.rmtree(REPORTS, ignore_errors=True)
    REPORTS.mkdir(parents=True)
    log(f"omX fuzz: schemathesis, max {MAX_EXAMPLES} examples per operation and phase, checks {CHECKS}, "
        f"{WORKERS} workers")
    try:
        stack = Stack(env={"LOG_LEVEL": "INFO", "LOG_FORMAT": "json"}).start()
    except SetupError as exc:
        log(f"fuzz: setup failed: {exc}")
        return 2
    try:
        try:
            main_ids, main_seed = prepare(stack, "a")
            last_ids, last_seed = prepare(stack, "b")
        except SetupError as exc:
            log(f"fuzz: setup failed: {exc}")
            return 2
        common = {"bucket": main_seed.bucket, "prefix": main_seed.prefix, "objects": main_seed.object_names}
        main_config = write_config(REPORTS / "main.toml", main_ids, email=main_seed.email, **common)
        codes = [schemathesis(stack, main_config, REPORTS / "main",
                              *[arg for name in DESTRUCTIVE for arg in ("--exclude-name", name)])]
        last_config = write_config(REPORTS / "destructive.toml", last_ids, email=last_seed.email,
                                   bucket=last_seed.bucket, prefix=last_seed.prefix, objects=last_seed.object_names)
        for n, name in enumerate(DESTRUCTIVE):
            codes.append(schemathesis(stack, last_config, REPORTS / f"destructive-{n}", "--include-name", name))
        app_log = stack.app.log()
    finally:
        stack.stop()
    (REPORTS / "gunicorn.log").write_text(app_log)
    coverage_report(app_log)
    failed = any(codes)
    log(f"\nfuzz: {'FINDINGS (see above; reports in var/fuzz/)' if failed else 'no findings'} "
        f"in {time.monotonic() - started:.0f}s (exit codes {codes})")
    return 1 if failed else 0


def coverage_report(app_log: str) -> None:
    """Statuses per operation, from the app's own request log: shows that every
    operation was reached and which ones never got past validation."""
    schema_paths = _schema_paths()
    seen: dict[str, Counter] = defaultdict(Counter)
    errors = []
    for line in app_log.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("level") == "ERROR":
            errors.append(record.get("message", "")[:300])
        if record.get("logger") != "omx.request" or not str(record.get("path", "")).startswith("/api/"):
            continue
        operation = _operation(schema_paths, record["http_method"], record["path"])
        seen[operation][record["status"]] += 1
    log("\nrequests per operation and the statuses they got (from the app's request log)")
    for method, template, _ in schema_paths:
        name = f"{method} {template}"
        statuses = seen.pop(name, Counter())
        mark = "   " if any(200 <= s < 300 for s in statuses) else ("no 2xx" if statuses else "NEVER")
        shown = " ".join(f"{s}×{n}" for s, n in sorted(statuses.items()))
        log(f"  {mark:6} {name:72} {shown}")
    outside = sum(seen.values(), Counter())
    if outside:
        log(f"  and {sum(outside.values())} requests outside the schema (methods it does not list, for the "
            f"unsupported_method check): {' '.join(f'{s}×{n}' for s, n in sorted(outside.items()))}")
    if errors:
        log(f"\nthe app logged {len(errors)} error(s); the first ones:")
        for message in Counter(errors).most_common(10):
            log(f"  {message[1]}× {message[0]}")


def _schema_paths() -> list[tuple[str, str, re.Pattern]]:
    out = subprocess.run([sys.executable, "manage.py", "spectacular", "--format", "openapi-json"], cwd=BASE_DIR,
                         capture_output=True, text=True, env={**os.environ, "OMX_ENV_FILE": "/nonexistent"})
    try:
        schema = json.loads(out.stdout)
    except ValueError:
        return []
    result = []
    for template, operations in schema.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "/?$")
        for method in operations:
            if method in ("get", "post", "put", "patch", "delete"):
                result.append((method.upper(), template, pattern))
    return result


def _operation(schema_paths, method: str, path: str) -> str:
    for candidate_method, template, pattern in schema_paths:
        if candidate_method == method and pattern.match(path):
            return f"{method} {template}"
    return f"{method} {path}"


if __name__ == "__main__":
    sys.exit(main())
