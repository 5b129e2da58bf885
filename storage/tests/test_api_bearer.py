"""Storage calls, and the project's own, read a bearer token's user in the
project's query (accounts.authentication.PendingUser). Every refusal the
usual read gives stays exactly as it was, on every such route and method: a
user who is gone or inactive, or a revoked token, is a 401 before anything
else."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver

from accounts.authentication import DeferredJWTAuthentication, PendingUser
from accounts.tokens import token_pair_for_user
from projects.models import Project
from storage.api import StorageApi
from storage.models import AccessLogEntry, StorageConnection
from workspaces.models import Membership, Role, Workspace

pytestmark = pytest.mark.django_db


def _deferred_routes():
    """(route, view class) of every URL whose view reads the bearer's user itself."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            view = getattr(pattern.callback, "view_class", None)
            deferred = DeferredJWTAuthentication in getattr(view, "authentication_classes", ())
            if deferred and not str(pattern.pattern).endswith("/"):
                found.append((prefix + str(pattern.pattern), view))

    walk(get_resolver().url_patterns, "/")
    return found


def _methods(view):
    if issubclass(view, StorageApi):
        return list(view.need)
    return [method.upper() for method in ("get", "post", "put", "patch", "delete") if hasattr(view, method)]


ROUTES = [(route, view, method) for route, view in _deferred_routes() for method in _methods(view)]


def test_every_storage_and_project_route_is_covered():
    views = {view.__name__ for _, view, _ in ROUTES}
    assert len(views) >= 17 and {"ProjectDetailApi", "ProjectDashboardApi", "UploadUrlApi"} <= views
    assert any(route.endswith("/upload-url") and method == "POST" for route, _, method in ROUTES)
    assert {method for _, view, method in ROUTES if view.__name__ == "ProjectDetailApi"} == {"GET", "PATCH", "DELETE"}


@pytest.fixture
def member(make_user):
    """An owner of a workspace with a project and one linked bucket."""
    user = make_user(email="member@example.com")
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    project = Project.objects.create(workspace=workspace, name="Data", slug="data", created_by=user)
    StorageConnection.objects.create(project=project, bucket_name="omx-bearer", prefix="", created_by=user)
    return user, workspace, project


def _call(route, method, token, workspace, project):
    from rest_framework.test import APIClient

    url = route.replace("<uuid:wid>", str(workspace.pk)).replace("<uuid:pid>", str(project.pk))
    for name in ("cid", "jid", "sid"):
        url = url.replace(f"<uuid:{name}>", str(uuid.uuid4()))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {"bucket": "omx-bearer", "object_name": "x.txt", "bucket_name": "omx-bearer", "names": ["x.txt"],
            "name": "Renamed"}
    return getattr(client, method.lower())(url, body if method != "GET" else None, format="json")


def _state():
    return (StorageConnection.objects.count(), AccessLogEntry.objects.count(),
            list(Project.objects.values_list("name", flat=True)))


@pytest.mark.parametrize("case", ["revoked", "inactive", "deleted"])
@pytest.mark.parametrize(("route", "view", "method"), ROUTES, ids=lambda v: getattr(v, "__name__", v))
def test_a_refused_token_is_a_401_on_every_storage_route(member, route, view, method, case):
    user, workspace, project = member
    token = token_pair_for_user(user)["access_token"]
    if case == "revoked":
        user.token_version += 1
        user.save(update_fields=["token_version"])
    elif case == "inactive":
        user.is_active = False
        user.save(update_fields=["is_active"])
    before = _state()
    if case == "deleted":
        Project.objects.filter(pk=project.pk).update(created_by=None)
        StorageConnection.objects.update(created_by=None)
        user.delete()
        before = _state()
    response = _call(route, method, token, workspace, project)
    assert response.status_code == 401, (route, method, response.status_code, response.content)
    code = {"revoked": "token_revoked", "inactive": "user_inactive", "deleted": "user_not_found"}[case]
    assert response.json()["code"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _state() == before


def test_a_member_is_read_with_the_project_and_others_still_get_404(member, make_user, caplog):
    user, workspace, project = member
    base = f"/api/workspaces/{workspace.pk}/projects/{project.pk}/storage"
    route = "/api/workspaces/<uuid:wid>/projects/<uuid:pid>/storage/connections"
    token = token_pair_for_user(user)["access_token"]
    with CaptureQueriesContext(connection) as ctx, caplog.at_level("INFO", logger="omx.request"):
        response = _call(route, "GET", token, workspace, project)
    assert response.status_code == 200 and response.json()["count"] == 1
    assert 'JOIN "accounts_user"' in ctx.captured_queries[0]["sql"]
    assert not any('FROM "accounts_user"' in q["sql"] for q in ctx.captured_queries)  # no read of its own
    assert f"user={user.pk}" in caplog.text  # the request log names the user read with the project

    stranger = make_user(email="stranger@example.com")
    response = _call(route, "GET", token_pair_for_user(stranger)["access_token"], workspace, project)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert _call(route, "GET", token, workspace, Project(pk=uuid.uuid4())).status_code == 404

    # A viewer asking for an owner's call: 403, not 401 or 404.
    viewer = make_user(email="viewer@example.com")
    Membership.objects.create(workspace=workspace, user=viewer, role=Role.VIEWER)
    response = _call(f"{base}/buckets".replace(str(workspace.pk), "<uuid:wid>").replace(str(project.pk), "<uuid:pid>"),
                     "GET", token_pair_for_user(viewer)["access_token"], workspace, project)
    assert response.status_code == 403


def test_the_user_handed_to_the_view_is_the_row_read_with_the_project(member, rf):
    user, workspace, project = member
    from projects.selectors import project_get_for_user
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.authentication import DeferredJWTAuthentication, pending_user

    pending = DeferredJWTAuthentication().get_user(AccessToken(token_pair_for_user(user)["access_token"]))
    assert type(pending) is PendingUser and pending_user(pending) is pending
    found = project_get_for_user(user=pending, workspace_id=workspace.pk, project_id=project.pk, counts=False)
    assert pending_user(pending) is None  # resolved, by the lookup's own row
    assert (pending.pk, pending.email, pending.is_active) == (user.pk, user.email, True)
    assert found.pk == project.pk and found.role == Role.OWNER


def test_session_calls_to_storage_read_the_user_as_before(member, client):
    user, workspace, project = member
    client.force_login(user)
    response = client.get(f"/api/workspaces/{workspace.pk}/projects/{project.pk}/storage/connections")
    assert response.status_code == 200 and response.json()["count"] == 1
    client.logout()
    response = client.get(f"/api/workspaces/{workspace.pk}/projects/{project.pk}/storage/connections")
    assert response.status_code == 401


def test_a_handler_that_never_reads_the_user_still_refuses_a_bad_token(member):
    """The mixin's own guarantee, for a view that forgets the lookup: the
    pending user is read when the answer is ready, and a failed check wins."""
    from django.http import Http404
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from accounts.authentication import ReadsBearerWithLookup

    class Careless(ReadsBearerWithLookup, APIView):
        def get(self, request):
            return Response({"fine": True})

        def delete(self, request):
            raise Http404("No such thing.")

    user, _, _ = member
    token = token_pair_for_user(user)["access_token"]
    factory, view = APIRequestFactory(), Careless.as_view()

    def call(method):
        request = getattr(factory, method)("/", HTTP_AUTHORIZATION=f"Bearer {token}")
        response = view(request)
        response.render()
        return response

    with CaptureQueriesContext(connection) as ctx:
        assert call("get").status_code == 200
    assert len([q for q in ctx.captured_queries if 'FROM "accounts_user"' in q["sql"]]) == 1
    assert call("delete").status_code == 404

    user.token_version += 1
    user.save(update_fields=["token_version"])
    for method in ("get", "delete"):
        response = call(method)
        assert response.status_code == 401 and response.data["code"] == "token_revoked"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_without_a_user_claim_is_refused_as_simplejwt_refuses_it(member):
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.authentication import VERSION_CLAIM

    user, workspace, project = member
    token = AccessToken.for_user(user)
    token[VERSION_CLAIM] = user.token_version
    del token["user_id"]
    response = _call("/api/workspaces/<uuid:wid>/projects/<uuid:pid>/storage/connections", "GET", str(token),
                     workspace, project)
    assert response.status_code == 401 and response.json()["code"] == "token_not_valid"
