"""What the access log costs `upload-url`: the same service call timed with
ACCESS_LOG_ENABLED on and off, in one process on a throwaway SQLite database
and the local backend, so the only difference is the log's INSERT.

Run by `bench/run.py` (it prints one JSON line); alone: `python -m bench.access_log`.
"""

import json
import os
import sys
import tempfile
import time


def main() -> int:
    root = tempfile.mkdtemp(prefix="omx-bench-log-")
    os.environ.update(DJANGO_SETTINGS_MODULE="omx.settings", DATABASE_URL=f"sqlite:///{root}/db.sqlite3",
                      STORAGE_BACKEND="local", STORAGE_LOCAL_ROOT=f"{root}/storage", DEBUG="false",
                      SECRET_KEY="bench-only-" + "x" * 40, ALLOWED_HOSTS="localhost", LOG_LEVEL="WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from storage.backends import get_backend
    from storage.models import BucketGrant, StorageConnection
    from storage.services import upload_url_issue
    from workspaces.tests.factories import make_project, make_user, make_workspace

    user = make_user("bench@example.com", "Bench")
    workspace = make_workspace(user, name="Bench")
    project = make_project(workspace, user, name="Bench")
    get_backend().create_bucket(name="bench-bucket")
    BucketGrant.objects.create(workspace=workspace, bucket_name="bench-bucket")
    StorageConnection.objects.create(project=project, bucket_name="bench-bucket", prefix="in/")
    seconds = float(os.environ.get("BENCH_SECONDS", "5")) / 2

    def rate(enabled: bool) -> float:
        settings.ACCESS_LOG_ENABLED = enabled
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            upload_url_issue(user=user, project=project, bucket="bench-bucket", object_name=f"in/{count}.txt",
                             content_type="text/plain", client_ip="127.0.0.1")
            count += 1
        return count / (time.perf_counter() - started)

    rate(True)  # warm up
    without, with_log = rate(False), rate(True)
    print(json.dumps({"upload_url_per_s_without_log": round(without, 1),
                      "upload_url_per_s_with_log": round(with_log, 1), "ratio": round(with_log / without, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
