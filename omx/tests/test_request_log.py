"""The request log names URL patterns, never the credentials some paths carry,
and the client address by omx.net's rule."""

import json
import logging

import pytest
from django.test import Client
from django.urls import path

from omx import urls as omx_urls
from omx.logging import JsonFormatter
from workspaces.services import invitation_create, workspace_create

pytestmark = pytest.mark.django_db

SECRET = "SeCrEt-TOKEN-d41d8cd98f00b204e980"


def logged(caplog, client_call):
    with caplog.at_level("INFO", logger="omx.request"):
        caplog.clear()
        client_call()
    records = [r for r in caplog.records if r.name == "omx.request"]
    assert len(records) == 1
    record = records[0]
    # Neither the line nor any structured field (the JSON format) holds the secret.
    assert SECRET not in record.getMessage()
    assert SECRET not in JsonFormatter().format(record)
    return record


@pytest.mark.parametrize("method, url, pattern", [
    ("get", f"/api/invitations/{SECRET}", "/api/invitations/<token>"),
    ("post", f"/api/invitations/{SECRET}/accept", "/api/invitations/<token>/accept"),
    ("get", f"/invitations/{SECRET}", "/invitations/<token>"),
    ("get", f"/invitations/{SECRET}/", "/invitations/<token>/"),
    ("get", f"/join/{SECRET}", "/join/<code>"),
    ("get", f"/accounts/reset/MQ/{SECRET}/", "/accounts/reset/<uidb64>/<token>/"),
    ("get", f"/storage/local/{SECRET}", "/storage/local/<token>"),
    ("get", f"/w/{SECRET}/", "/w/<ref>/"),
])
def test_secret_path_segments_are_logged_as_their_pattern(client, caplog, method, url, pattern):
    record = logged(caplog, lambda: getattr(client, method)(url))
    assert record.path == pattern
    assert record.getMessage().startswith(f"{method.upper()} {pattern} ")


def test_a_real_invitation_token_stays_out_of_the_log(client, caplog, alice):
    workspace = workspace_create(user=alice, name="Acme")
    _, token, _ = invitation_create(workspace=workspace, actor=alice, email="x@example.com", role="member")
    with caplog.at_level("INFO", logger="omx.request"):
        assert client.get(f"/invitations/{token}").status_code == 200
        assert client.get(f"/api/invitations/{token}").status_code == 200
    assert token not in caplog.text


@pytest.mark.parametrize("url, shown", [
    (f"/no/such/page/{SECRET}", "<unmatched>"),
    (f"/invitationz/{SECRET}", "<unmatched>"),
    (f"/api/nothing/{SECRET}", "/api/<unmatched>"),
    (f"/storage/local/{SECRET}/extra", "<unmatched>"),
])
def test_unmatched_paths_leak_nothing(client, caplog, url, shown):
    record = logged(caplog, lambda: client.get(url))
    assert record.status == 404
    assert record.path == shown


def test_uuids_are_logged_as_their_names(client, caplog, alice):
    client.force_login(alice)
    record = logged(caplog, lambda: client.get("/api/workspaces/3fa85f64-5717-4562-b3fc-2c963f66afa6/members"))
    assert record.path == "/api/workspaces/<wid>/members"


def test_the_client_address_follows_the_trusted_proxy_rule(client, caplog, settings):
    settings.USE_X_FORWARDED_FOR = True
    record = logged(caplog, lambda: client.get("/healthz", REMOTE_ADDR="10.0.0.2",
                                               HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"))
    assert record.client_ip == "203.0.113.9"
    assert record.getMessage().endswith(" client=203.0.113.9")
    settings.USE_X_FORWARDED_FOR = False
    record = logged(caplog, lambda: client.get("/healthz", REMOTE_ADDR="10.0.0.2",
                                               HTTP_X_FORWARDED_FOR="6.6.6.6"))
    assert record.client_ip == "10.0.0.2"


def test_json_lines_carry_the_pattern(client, caplog):
    record = logged(caplog, lambda: client.get(f"/join/{SECRET}"))
    line = json.loads(JsonFormatter().format(record))
    assert line["path"] == "/join/<code>" and line["status"] == 404 and line["client_ip"] == "127.0.0.1"


def _boom(request, token):
    raise RuntimeError("boom")


urlpatterns = [path("api/boom/<str:token>", _boom), *omx_urls.urlpatterns]
handler404 = omx_urls.handler404
handler500 = omx_urls.handler500


@pytest.mark.urls(__name__)
def test_unhandled_errors_are_logged_with_the_pattern(caplog):
    with caplog.at_level(logging.INFO):
        response = Client(raise_request_exception=False).get(f"/api/boom/{SECRET}")
    assert response.status_code == 500
    assert "Unhandled error on GET /api/boom/<token>" in caplog.text
    assert SECRET not in caplog.text


def test_csrf_refusals_are_logged_with_the_pattern(caplog):
    with caplog.at_level(logging.WARNING):
        response = Client(enforce_csrf_checks=True).post(f"/invitations/{SECRET}")
    assert response.status_code == 403
    assert "/invitations/<token>" in caplog.text
    assert SECRET not in caplog.text
