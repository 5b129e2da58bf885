import json

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import path

from omx import urls as omx_urls

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("kaboom: secret internals")


def _db_down(request):
    raise OperationalError("connection refused")


urlpatterns = [
    path("api/test-boom", _boom),
    path("api/test-db-down", _db_down),
    path("page-boom", _boom),
    *omx_urls.urlpatterns,
]
handler404 = omx_urls.handler404
handler500 = omx_urls.handler500


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "storage": "ok"}


def test_healthz_reports_unconfigured_gcs(client, settings):
    settings.STORAGE_BACKEND = "gcs"
    settings.GCS_CREDENTIALS_PATH = settings.GCS_PROJECT_ID = settings.STORAGE_EMULATOR_HOST = None
    assert client.get("/healthz").json()["storage"] == "unconfigured"


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("url", ["/api/nope", "/api/workspaces/not-a-uuid/nothing/here", "/api/"])
def test_unknown_api_paths_are_json_404(client, settings, debug, url):
    settings.DEBUG = debug
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("debug", [True, False])
def test_api_500_is_json_without_a_stack_trace(settings, debug):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    response = client.get("/api/test-boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}
    assert b"kaboom" not in response.content


@pytest.mark.urls(__name__)
def test_database_fault_on_the_api_is_503_json(settings):
    client = Client(raise_request_exception=False)
    response = client.get("/api/test-db-down")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"


@pytest.mark.urls(__name__)
def test_page_500_is_a_friendly_page(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/page-boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"kaboom" not in response.content


def test_html_404_page(client, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_method_not_allowed_is_json(client):
    response = client.get("/api/auth/login")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_malformed_json_is_a_400(client):
    response = client.post("/api/auth/login", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_schema_is_valid_openapi_3_and_documents_auth(client):
    from openapi_spec_validator import validate

    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate(schema)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for route in ["register", "login", "refresh", "logout", "logout-all", "me", "password",
                  "password-reset", "password-reset/confirm"]:
        assert f"/api/auth/{route}" in paths, route
    assert not any(p.endswith("/") for p in paths if p != "/")
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    for route, methods in paths.items():
        for method, operation in methods.items():
            assert operation["responses"], (route, method)
            if method in ("post", "patch", "put") and not operation["operationId"].endswith(("logout_all", "rotate", "leave", "accept")):
                assert "requestBody" in operation, (route, method)


def test_docs_pages_are_offline(client):
    for url in ("/docs", "/redoc"):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        # Swagger UI straight from the sidecar; ReDoc's bundle through omX (omx/docs.py)
        assert ("/static/drf_spectacular_sidecar/" if url == "/docs" else "/redoc/redoc.standalone.js") in html
        assert "cdn." not in html and "unpkg" not in html
        assert "https://" not in html.replace("https://github.com", "")


def test_cors_allows_the_spa_origin_with_credentials(client):
    response = client.options(
        "/api/auth/login", HTTP_ORIGIN="http://localhost:5173",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert response["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "authorization" in response["Access-Control-Allow-Headers"].lower()
    other = client.options("/api/auth/login", HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in other


def test_pages_send_security_headers_and_a_nonce_csp(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_request_log_line_has_user_and_no_query_string(client, alice, caplog):
    client.force_login(alice)
    with caplog.at_level("INFO", logger="omx.request"):
        client.get("/api/auth/me?access_token=SECRET123")
    record = [r for r in caplog.records if r.name == "omx.request"][-1]
    assert record.getMessage().startswith("GET /api/auth/me 200 ")
    assert f"user={alice.pk}" in record.getMessage()
    assert "SECRET123" not in record.getMessage()


def test_json_log_format(alice):
    import logging

    from omx.logging import JsonFormatter

    record = logging.makeLogRecord({"name": "omx.request", "msg": "GET / 200", "levelname": "INFO",
                                    "status": 200, "user_id": "u1"})
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET / 200" and line["status"] == 200 and line["user_id"] == "u1"


def test_schema_generation_has_no_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "/api/workspaces/{wid}/projects/{pid}/storage/objects" in text
