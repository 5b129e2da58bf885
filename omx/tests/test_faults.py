"""A PostgreSQL restart while omX serves under gunicorn: requests during the
outage fail cleanly (503 JSON), requests after it succeed without restarting
the app, and nothing is written twice or lost."""

import threading
import time

import pytest

from conftest import missing_service
from omx.testing.servers import AppServer, PrivatePostgres, postgres_bin_dir
from omx.testing.servers import http_json as call

PASSWORD = "restart proof passphrase 1"


@pytest.fixture
def served_on_private_postgres():
    if postgres_bin_dir() is None:
        missing_service("PostgreSQL server binaries (apt-get install postgresql)")
    pg = PrivatePostgres().init().start()
    pg.createdb("omx_fault")
    app = AppServer({"DATABASE_URL": pg.url("omx_fault"), "STORAGE_BACKEND": "local"})
    try:
        app.manage("migrate", "--noinput")
        app.start()
        yield pg, app
    finally:
        app.stop()
        pg.destroy()


def test_postgres_restart_while_serving(served_on_private_postgres):
    pg, app = served_on_private_postgres
    status, _, _, _ = call("POST", f"{app.url}/api/auth/register", {"email": "pat@example.com", "password": PASSWORD})
    assert status == 201
    status, _, body, _ = call("POST", f"{app.url}/api/auth/login", {"email": "pat@example.com", "password": PASSWORD})
    token = body["access_token"]

    outcomes = []
    stop = threading.Event()

    def traffic():
        while not stop.is_set():
            outcomes.append(call("GET", f"{app.url}/api/auth/me", token=token))
            time.sleep(0.02)

    worker = threading.Thread(target=traffic)
    worker.start()
    time.sleep(0.3)
    pg.stop()
    time.sleep(0.5)
    # Writes during the outage are refused cleanly, never half-done.
    during = [
        call("POST", f"{app.url}/api/auth/register", {"email": f"down{n}@example.com", "password": PASSWORD})
        for n in range(3)
    ]
    health_down = call("GET", f"{app.url}/healthz")
    pg.start()
    time.sleep(0.5)
    stop.set()
    worker.join()

    assert [s for s, *_ in during] == [503, 503, 503]
    for status, content_type, body, _ in during:
        assert content_type == "application/json"
        assert body["code"] == "database_unavailable"
    assert health_down[0] == 503 and health_down[2]["database"] == "error"
    statuses = {s for s, *_ in outcomes}
    assert statuses <= {200, 503}, statuses
    assert 503 in statuses and 200 in statuses
    for status, content_type, *_ in outcomes:
        assert content_type == "application/json"

    # After the restart the same app serves again, without a restart of its own.
    for _ in range(10):
        status, _, body, _ = call("GET", f"{app.url}/api/auth/me", token=token)
        assert status == 200, body
    # The writes that failed can simply be retried; each lands once.
    for n in range(3):
        assert call("POST", f"{app.url}/api/auth/register",
                    {"email": f"down{n}@example.com", "password": PASSWORD})[0] == 201
    assert call("POST", f"{app.url}/api/auth/register",
                {"email": "down0@example.com", "password": PASSWORD})[0] == 400
    assert call("GET", f"{app.url}/healthz")[0] == 200
