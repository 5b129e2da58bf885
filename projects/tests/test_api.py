import pytest

from projects.models import Project
from workspaces.models import ActivityEvent
from workspaces.services import activity_record

pytestmark = pytest.mark.django_db

PROJECT_KEYS = {"id", "workspace_id", "name", "slug", "description", "created_by", "created_at", "updated_at",
                "connection_count"}


def base(world):
    return f"/api/workspaces/{world.workspace.pk}/projects"


def test_create_and_retrieve_the_project_object(role_world, client_as):
    client = client_as(role_world, "member")
    response = client.post(base(role_world), {"name": "Proteins", "description": "Folded"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == PROJECT_KEYS
    assert body["workspace_id"] == str(role_world.workspace.pk)
    assert (body["name"], body["slug"], body["connection_count"]) == ("Proteins", "proteins", 0)
    assert body["created_by"]["email"] == "member@example.com"
    got = client_as(role_world, "viewer").get(f"{base(role_world)}/{body['id']}/")
    assert got.status_code == 200 and got.json() == body


@pytest.mark.parametrize(
    "body, field",
    [({}, "name"), ({"name": ""}, "name"), ({"name": "p" * 101}, "name"), ({"name": "GENOMES"}, "name"),
     ({"name": "ok", "description": "d" * 2001}, "description")],
)
def test_create_validation(role_world, client_as, body, field):
    response = client_as(role_world, "member").post(base(role_world), body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_list_is_paginated(role_world, client_as):
    client = client_as(role_world, "viewer")
    body = client.get(base(role_world)).json()
    assert set(body) == {"count", "next", "previous", "results"} and body["count"] == 1
    assert set(body["results"][0]) == PROJECT_KEYS
    assert client.get(base(role_world) + "/").status_code == 200


def test_list_access_with_and_without_projects(role_world, client_as):
    """The page's own query proves membership; an empty page checks it apart."""
    outsider, viewer = client_as(role_world, "outsider"), client_as(role_world, "viewer")
    assert outsider.get(base(role_world)).status_code == 404
    assert outsider.get(base(role_world) + "?page=9").status_code == 404
    assert viewer.get(base(role_world) + "?page=9").status_code == 404  # past the end: DRF's invalid page
    Project.objects.filter(workspace=role_world.workspace).delete()
    assert outsider.get(base(role_world)).status_code == 404
    body = viewer.get(base(role_world)).json()
    assert (body["count"], body["results"]) == (0, [])


def test_patch_and_delete(role_world, client_as):
    url = f"{base(role_world)}/{role_world.project.pk}"
    member = client_as(role_world, "member")
    response = member.patch(url, {"name": "Genomes v2"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Genomes v2"
    assert response.json()["slug"] == "genomes"  # page links keep working
    assert member.patch(url, {"name": "x" * 101}, format="json").json().keys() == {"name"}
    assert member.delete(url).status_code == 403
    assert client_as(role_world, "admin").delete(url + "/").status_code == 204
    assert not Project.objects.filter(pk=role_world.project.pk).exists()


def test_dashboard(role_world, client_as):
    project, workspace = role_world.project, role_world.workspace
    owner = role_world.users["owner"]
    for n in range(25):
        activity_record(workspace=workspace, project=project, actor=owner, verb="project.updated",
                        summary=f"event {n}")
    other = Project.objects.create(workspace=workspace, name="Other", slug="other")
    activity_record(workspace=workspace, project=other, actor=owner, verb="project.updated",
                    summary="not this project")
    response = client_as(role_world, "viewer").get(f"{base(role_world)}/{project.pk}/dashboard")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"project", "member_count", "connections", "recent_activity"}
    assert set(body["project"]) == PROJECT_KEYS
    assert body["member_count"] == 5
    # the role world links role-world/data/, and a bucket whose grant was removed
    connections = {c["bucket_name"]: c for c in body["connections"]}
    assert connections["role-world"]["prefix"] == "data/" and connections["role-world"]["granted"] is True
    assert connections["role-world-ungranted"]["granted"] is False
    assert body["project"]["connection_count"] == 2
    activity = body["recent_activity"]
    assert len(activity) == 20
    assert set(activity[0]) == {"verb", "actor", "summary", "created_at"}
    assert [a["summary"] for a in activity[:3]] == ["event 24", "event 23", "event 22"]
    assert activity[0]["actor"]["email"] == "owner@example.com"
    assert all(a["summary"] != "not this project" for a in activity)


def test_dashboard_activity_with_a_deleted_actor(role_world, client_as):
    member = role_world.users["member"]
    activity_record(workspace=role_world.workspace, project=role_world.project, actor=member,
                    verb="project.updated", summary="by someone who left")
    member.delete()
    body = client_as(role_world, "viewer").get(f"{base(role_world)}/{role_world.project.pk}/dashboard").json()
    assert body["recent_activity"][0]["actor"] is None
    assert ActivityEvent.objects.filter(actor=None).exists()


def test_dashboard_shows_the_project_as_its_own_endpoint_does(role_world, client_as):
    """The dashboard reads only the counts it shows; its project is the same object."""
    client = client_as(role_world, "viewer")
    url = f"{base(role_world)}/{role_world.project.pk}"
    body = client.get(f"{url}/dashboard").json()
    assert body["project"] == client.get(url).json()
    assert body["project"]["connection_count"] == len(body["connections"]) == 2
