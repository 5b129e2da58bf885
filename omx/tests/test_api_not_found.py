"""Any method on an unknown /api/ path is a JSON 404: never Django's HTML
CSRF page, whether the caller has a session (without a CSRF token) or none."""

import json

import pytest
from django.test import Client, RequestFactory

from omx.views import csrf_failure

pytestmark = pytest.mark.django_db

METHODS = ["post", "put", "patch", "delete", "get"]
URLS = ["/api/nope", "/api/nope/", "/api/workspaces/not-a-uuid/nothing", "/api/"]


def send(client, method, url):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data="{}", content_type="application/json")


def assert_json_404(response):
    assert response.status_code == 404, response.content[:200]
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("url", URLS)
def test_anonymous(method, url):
    client = Client(enforce_csrf_checks=True)
    assert_json_404(send(client, method, url))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("debug", [True, False])
def test_session_without_csrf_token(alice, settings, method, debug):
    settings.DEBUG = debug
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert_json_404(send(client, method, "/api/no/such/thing"))


def test_known_api_paths_still_check_csrf_for_sessions(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/api/workspaces", data={"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["detail"]


def test_a_csrf_failure_under_api_is_json_and_html_elsewhere():
    factory = RequestFactory()
    api = csrf_failure(factory.post("/api/anything"), reason="CSRF cookie not set.")
    assert api.status_code == 403 and api["Content-Type"] == "application/json"
    assert json.loads(api.content)["detail"] == "CSRF Failed: CSRF cookie not set."
    page = csrf_failure(factory.post("/w/"), reason="CSRF cookie not set.")
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
