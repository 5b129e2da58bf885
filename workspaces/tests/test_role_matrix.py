"""Every workspace/project API endpoint × every role → the status API.md implies.

ONE table: add a row for every new endpoint (the completeness test below
fails for an API route that has no row). URL templates are filled from
`role_world.ids`; bodies may be dicts or callables taking the world.
"""

import pytest
from django.urls import get_resolver, resolve

from workspaces.tests.conftest import ROLES

RANKED = ["viewer", "member", "admin", "owner"]


def need(role, ok):
    """Anonymous 401, outsider 404, a role below `role` 403, the rest `ok`."""
    expected = {"anonymous": 401, "outsider": 404}
    for r in RANKED:
        expected[r] = ok if RANKED.index(r) >= RANKED.index(role) else 403
    return expected


def anyone(ok):
    """Any authenticated caller, outsiders included."""
    return {"anonymous": 401, **{r: ok for r in ROLES if r != "anonymous"}}


def nobody(status):
    """Authenticated callers all get `status` (for example 404 for a wrong id)."""
    return {"anonymous": 401, **{r: status for r in ROLES if r != "anonymous"}}


W = "/api/workspaces/{wid}"
P = "/api/workspaces/{wid}/projects/{pid}"
S = P + "/storage"
OTHER_S = "/api/workspaces/{other_wid}/projects/{other_pid}/storage"

# (method, URL template, JSON body or None, expected status by role)
ROLE_MATRIX = [
    # Workspaces
    ("GET", "/api/workspaces", None, anyone(200)),
    ("POST", "/api/workspaces", {"name": "Brand new"}, anyone(201)),
    ("GET", W, None, need("viewer", 200)),
    ("PATCH", W, {"name": "Renamed"}, need("admin", 200)),
    ("DELETE", W, None, need("owner", 204)),
    ("POST", "/api/workspaces/join", lambda w: {"code": w.ids["code"]}, anyone(200)),
    ("POST", W + "/join-code/rotate", None, need("admin", 200)),
    # the world has one owner: the last owner cannot leave
    ("POST", W + "/leave", None, {**need("viewer", 204), "owner": 409}),
    # Members (acting on `target`, a plain member)
    ("GET", W + "/members", None, need("viewer", 200)),
    ("PATCH", W + "/members/{target_id}", {"role": "viewer"}, need("admin", 200)),
    ("DELETE", W + "/members/{target_id}", None, need("admin", 204)),
    # Invitations
    ("GET", W + "/invitations", None, need("admin", 200)),
    ("POST", W + "/invitations", {"email": "new.person@example.com", "role": "member"}, need("admin", 201)),
    ("DELETE", W + "/invitations/{iid}", None, need("admin", 204)),
    # the token is the credential: anyone holding it may look
    ("GET", "/api/invitations/{token}", None, {r: 200 for r in ROLES}),
    # only invitee@example.com may accept, and nobody of the cast is
    ("POST", "/api/invitations/{token}/accept", None, nobody(403)),
    # Projects
    ("GET", W + "/projects", None, need("viewer", 200)),
    ("POST", W + "/projects", {"name": "Proteins"}, need("member", 201)),
    ("GET", P, None, need("viewer", 200)),
    ("PATCH", P, {"description": "Updated"}, need("member", 200)),
    ("DELETE", P, None, need("admin", 204)),
    ("GET", P + "/dashboard", None, need("viewer", 200)),
    # A project addressed under the wrong workspace is a 404 for everyone,
    # including the owner of the project's own workspace (the outsider).
    ("GET", "/api/workspaces/{wid}/projects/{other_pid}", None, nobody(404)),
    ("PATCH", "/api/workspaces/{wid}/projects/{other_pid}", {"name": "x"}, nobody(404)),
    ("DELETE", "/api/workspaces/{wid}/projects/{other_pid}", None, nobody(404)),
    ("GET", "/api/workspaces/{wid}/projects/{other_pid}/dashboard", None, nobody(404)),
    ("GET", "/api/workspaces/{other_wid}/projects/{pid}", None, nobody(404)),
    # Unknown ids
    ("GET", "/api/workspaces/{missing}", None, nobody(404)),
    ("GET", "/api/workspaces/{wid}/projects/{missing}", None, nobody(404)),
    ("PATCH", W + "/members/{missing}", {"role": "viewer"}, {**need("admin", 404)}),
    ("DELETE", W + "/invitations/{missing}", None, {**need("admin", 404)}),
    ("GET", "/api/invitations/not-a-token", None, {r: 404 for r in ROLES}),
    # Storage (the world links bucket {bucket} with prefix data/ holding data/a.txt)
    ("GET", S + "/buckets", None, need("admin", 200)),
    ("GET", S + "/connections", None, need("viewer", 200)),
    ("POST", S + "/connections", lambda w: {"bucket_name": w.ids["bucket"], "prefix": "more/"}, need("admin", 201)),
    ("GET", S + "/connections/{cid}", None, need("viewer", 200)),
    ("DELETE", S + "/connections/{cid}", None, need("admin", 204)),
    ("GET", S + "/objects?bucket={bucket}", None, need("viewer", 200)),
    ("DELETE", S + "/objects", lambda w: {"bucket": w.ids["bucket"], "object_names": ["data/a.txt"]}, need("member", 200)),
    ("POST", S + "/folders", lambda w: {"bucket": w.ids["bucket"], "prefix": "data/new/"}, need("member", 201)),
    ("POST", S + "/upload-url", lambda w: {"bucket": w.ids["bucket"], "object_name": "data/b.txt"}, need("member", 200)),
    ("POST", S + "/download-url", lambda w: {"bucket": w.ids["bucket"], "object_name": "data/a.txt"}, need("viewer", 200)),
    ("GET", S + "/search?bucket={bucket}&q=A.TXT", None, need("viewer", 200)),
    # Storage jobs ({jid} was started by the member, {other_jid} by the admin)
    ("GET", S + "/jobs", None, need("viewer", 200)),
    ("POST", S + "/jobs", lambda w: {"kind": "delete", "bucket": w.ids["bucket"], "sources": ["data/a.txt"]},
     need("member", 202)),
    ("GET", S + "/jobs/{jid}", None, need("viewer", 200)),
    ("POST", S + "/jobs/{jid}/cancel", None, {**need("member", 200), "member": 200}),
    ("POST", S + "/jobs/{other_jid}/cancel", None, {**need("admin", 200)}),
    ("GET", S + "/jobs/{missing}", None, need("viewer", 404)),
    # Share links ({shid} was created by the member, {other_shid} by the admin)
    ("GET", S + "/shares", None, need("viewer", 200)),
    ("POST", S + "/shares", lambda w: {"bucket": w.ids["bucket"], "object_name": "data/a.txt"}, need("member", 201)),
    ("GET", S + "/shares/{shid}", None, need("viewer", 200)),
    ("DELETE", S + "/shares/{shid}", None, need("member", 204)),
    ("DELETE", S + "/shares/{other_shid}", None, need("admin", 204)),
    ("GET", S + "/shares/{shid}/accesses", None, need("admin", 200)),
    ("GET", S + "/shares/{missing}", None, need("viewer", 404)),
    ("GET", S + "/access-log", None, need("admin", 200)),
    ("POST", S + "/shares", {"bucket": "role-world-ungranted", "object_name": "a.txt"}, need("viewer", 403)),
    # a connection id under another project, and storage under the wrong workspace
    ("GET", S + "/connections/{missing}", None, need("viewer", 404)),
    ("GET", "/api/workspaces/{wid}/projects/{other_pid}/storage/connections", None, nobody(404)),
    ("POST", "/api/workspaces/{other_wid}/projects/{pid}/storage/upload-url",
     lambda w: {"bucket": w.ids["bucket"], "object_name": "data/b.txt"}, nobody(404)),
    # Bucket grants. The outsider owns another workspace: our granted bucket is
    # neither listed there nor linkable from there.
    ("GET", OTHER_S + "/buckets", None, {**nobody(404), "outsider": 200}),
    ("POST", OTHER_S + "/connections", lambda w: {"bucket_name": w.ids["bucket"]}, {**nobody(404), "outsider": 403}),
    # A link whose grant was removed: every storage route through it is refused.
    ("GET", S + "/objects?bucket=role-world-ungranted&prefix=", None, need("viewer", 403)),
    ("POST", S + "/download-url", {"bucket": "role-world-ungranted", "object_name": "a.txt"}, need("viewer", 403)),
    ("POST", S + "/upload-url", {"bucket": "role-world-ungranted", "object_name": "b.txt"}, need("viewer", 403)),
    ("POST", S + "/folders", {"bucket": "role-world-ungranted", "prefix": "new/"}, need("viewer", 403)),
    ("DELETE", S + "/objects", {"bucket": "role-world-ungranted", "object_names": ["a.txt"]}, need("viewer", 403)),
    ("POST", S + "/jobs", {"kind": "delete", "bucket": "role-world-ungranted", "sources": ["a.txt"]},
     need("viewer", 403)),
]

@pytest.fixture
def role_world(role_world):
    """The standing world plus two queued storage jobs."""
    from storage.models import StorageJob

    for key, role in (("jid", "member"), ("other_jid", "admin")):
        job = StorageJob.objects.create(project=role_world.project, kind="delete", bucket=role_world.ids["bucket"],
                                        sources=["data/a.txt"], created_by=role_world.users[role])
        role_world.ids[key] = job.pk
    from storage.share_services import share_create

    for key, role in (("shid", "member"), ("other_shid", "admin")):
        share, _ = share_create(user=role_world.users[role], project=role_world.project, bucket=role_world.ids["bucket"],
                                object_name="data/a.txt")
        role_world.ids[key] = share.pk
    return role_world


# URL names whose routes must all appear in ROLE_MATRIX. Auth routes are not
# workspace-scoped; nor is the public side of share links, whose token is the
# credential (storage/tests/test_shares.py covers it).
NOT_IN_MATRIX = ("auth-", "shares-public-")


def _row_id(row):
    method, url, _, _ = row
    return f"{method} {url}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROLE_MATRIX, ids=_row_id)
def test_role_matrix(row, role, role_world, client_as):
    method, url, body, expected = row
    if callable(body):
        body = body(role_world)
    client = client_as(role_world, role)
    response = getattr(client, method.lower())(url.format(**role_world.ids), body, format="json")
    assert response.status_code == expected[role], (role, response.content[:300])
    if response.status_code != 204:
        assert response["Content-Type"].startswith("application/json")
    if response.status_code >= 400 and response.status_code != 400:
        assert set(response.json()) == {"detail", "code"}


def test_every_row_expects_every_role():
    for row in ROLE_MATRIX:
        assert set(row[3]) == set(ROLES), _row_id(row)


def _api_routes():
    """(url name, method) for every API route of the project."""
    from rest_framework.views import APIView

    routes = set()
    resolver = get_resolver()

    def walk(patterns, namespace):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, p.namespace or namespace)
            elif namespace == "api" and p.name and not p.name.startswith(NOT_IN_MATRIX):
                view_class = getattr(p.callback, "view_class", None)
                if view_class is None or not issubclass(view_class, APIView):
                    continue
                for method in ("get", "post", "put", "patch", "delete"):
                    if hasattr(view_class, method):
                        routes.add((p.name, method.upper()))

    walk(resolver.url_patterns, None)
    return routes


def test_every_api_route_has_a_row(role_world):
    covered = set()
    for method, url, _, _ in ROLE_MATRIX:
        covered.add((resolve(url.format(**role_world.ids).split("?")[0]).url_name, method))
    missing = _api_routes() - covered
    assert not missing, f"API routes without a row in ROLE_MATRIX: {sorted(missing)}"
    assert ("workspaces-detail", "DELETE") in covered


def test_grant_refusals_say_bucket_not_granted(role_world, client_as):
    """The grant rows' 403s are the grant's, not a role's: code bucket_not_granted."""
    owner, outsider = client_as(role_world, "owner"), client_as(role_world, "outsider")
    rows = [(row, owner) for row in ROLE_MATRIX if "role-world-ungranted" in str(row[1]) + str(row[2])]
    rows += [(row, outsider) for row in ROLE_MATRIX if row[1] == OTHER_S + "/connections"]
    assert len(rows) == 8
    for (method, url, body, _), client in rows:
        body = body(role_world) if callable(body) else body
        response = getattr(client, method.lower())(url.format(**role_world.ids), body, format="json")
        assert response.json()["code"] == "bucket_not_granted", (method, url, response.content)
