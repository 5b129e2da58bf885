"""The standing cast for role tests: one workspace with a member of every
role (and a project), plus an outsider who owns another workspace."""

from types import SimpleNamespace

import pytest

from storage.backends import get_backend
from storage.models import BucketGrant, StorageConnection
from workspaces import services
from workspaces.models import Role
from workspaces.tests.factories import add_member, make_project, make_user, make_workspace

ROLES = ["anonymous", "outsider", "viewer", "member", "admin", "owner"]


@pytest.fixture
def role_world(db):
    """Everything a row of the role matrix may point at; `ids` fills the URL
    templates (`{wid}`, `{pid}`, ...). Other apps add their own keys to `ids`
    in their own fixtures built on this one."""
    users = {
        "owner": make_user("owner@example.com", "Olivia Owner"),
        "admin": make_user("admin@example.com", "Adam Admin"),
        "member": make_user("member@example.com", "Mia Member"),
        "viewer": make_user("viewer@example.com", "Victor Viewer"),
        "outsider": make_user("outsider@example.com", "Oscar Outsider"),
    }
    target = make_user("target@example.com", "Tess Target")  # acted upon by member endpoints
    workspace = make_workspace(users["owner"], name="Acme Research")
    for role in (Role.ADMIN, Role.MEMBER, Role.VIEWER):
        add_member(workspace, users[role], role)
    add_member(workspace, target, Role.MEMBER)
    project = make_project(workspace, users["owner"], name="Genomes")
    other_workspace = make_workspace(users["outsider"], name="Other Lab")
    other_project = make_project(other_workspace, users["outsider"], name="Elsewhere")
    invitation, token, _ = services.invitation_create(
        workspace=workspace, actor=users["owner"], email="invitee@example.com", role=Role.MEMBER
    )
    # A bucket on the local backend (a temporary root per test), linked with prefix data/.
    bucket = "role-world"
    backend = get_backend()
    backend.create_bucket(name=bucket)
    backend.upload_bytes(bucket=bucket, name="data/a.txt", data=b"a", content_type="text/plain")
    backend.create_folder(bucket=bucket, prefix="more/")
    BucketGrant.objects.create(workspace=workspace, bucket_name=bucket)
    connection = StorageConnection.objects.create(project=project, bucket_name=bucket, prefix="data/")
    # A link whose grant the operator has removed.
    backend.create_bucket(name="role-world-ungranted")
    backend.upload_bytes(bucket="role-world-ungranted", name="a.txt", data=b"a", content_type="text/plain")
    StorageConnection.objects.create(project=project, bucket_name="role-world-ungranted", prefix="")
    return SimpleNamespace(
        users=users, target=target, workspace=workspace, project=project,
        other_workspace=other_workspace, other_project=other_project,
        invitation=invitation, token=token,
        ids={
            "wid": workspace.pk, "pid": project.pk, "slug": workspace.slug, "pslug": project.slug,
            "other_wid": other_workspace.pk, "other_pid": other_project.pk,
            "target_id": target.pk, "iid": invitation.pk, "token": token, "code": workspace.join_code,
            "missing": "00000000-0000-4000-8000-000000000000",
            "bucket": bucket, "cid": connection.pk,
        },
    )


@pytest.fixture
def client_as(token_client, api_client):
    """An API client for a role of the role world (bearer token), or anonymous."""

    def make(world, role):
        if role == "anonymous":
            return api_client
        return token_client(world.users[role])

    return make


@pytest.fixture
def page_client_as(client):
    """A browser-like client logged in (session) as a role of the world."""

    def make(world, role):
        if role != "anonymous":
            client.force_login(world.users[role])
        return client

    return make
