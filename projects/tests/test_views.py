import pytest

from projects.models import Project
from workspaces.tests.factories import make_project

pytestmark = pytest.mark.django_db

MEMBER_ROLES = ["viewer", "member", "admin", "owner"]


def html(response):
    return response.content.decode()


def page_url(world, project=None):
    project = project or world.project
    return f"/w/{world.workspace.slug}/p/{project.slug}/"


@pytest.mark.parametrize("role", MEMBER_ROLES)
def test_project_page_for_each_role(role, role_world, page_client_as):
    response = page_client_as(role_world, role).get(page_url(role_world))
    assert response.status_code == 200
    page = html(response)
    assert "Genomes" in page and 'id="connections"' in page and 'id="activity"' in page
    assert "created the project Genomes" in page
    assert ('href="?edit=1"' in page) == (role != "viewer")
    assert ("/delete" in page) == (role in ("admin", "owner"))
    assert [c.bucket_name for c in response.context["connections"]] == ["role-world", "role-world-ungranted"]
    assert "role-world" in page and "data/" in page
    assert page.count("not granted") == 1  # the link whose grant was removed


def test_connection_states_on_the_dashboard(role_world, page_client_as):
    from django.utils import timezone

    from storage.models import BucketGrant, StorageConnection

    StorageConnection.objects.filter(pk=role_world.ids["cid"]).update(
        last_checked_at=timezone.now(), last_error="The bucket does not exist.")
    BucketGrant.objects.create(workspace=role_world.workspace, bucket_name="never-checked")
    StorageConnection.objects.create(project=role_world.project, bucket_name="never-checked", prefix="")
    page = html(page_client_as(role_world, "viewer").get(page_url(role_world)))
    assert "The bucket does not exist." in page and 'badge error' in page
    assert "not checked" in page


def test_outsiders_and_wrong_workspaces_get_404(role_world, page_client_as):
    assert page_client_as(role_world, "outsider").get(page_url(role_world)).status_code == 404
    client = page_client_as(role_world, "owner")
    assert client.get(f"/w/{role_world.other_workspace.slug}/p/genomes/").status_code == 404
    assert client.get(f"/w/{role_world.workspace.slug}/p/{role_world.other_project.slug}/").status_code == 404
    assert client.get(f"/w/{role_world.workspace.slug}/p/{role_world.other_project.pk}/").status_code == 404


def test_ids_redirect_to_slugs(role_world, page_client_as):
    client = page_client_as(role_world, "viewer")
    response = client.get(f"/w/{role_world.workspace.pk}/p/{role_world.project.pk}/")
    assert response.status_code == 302 and response["Location"] == page_url(role_world)


def test_checklist_shows_for_new_projects_only(role_world, page_client_as):
    client = page_client_as(role_world, "owner")
    page = html(client.get(page_url(role_world)))
    assert 'id="checklist"' in page and "Link a bucket" in page and "Upload a first file" in page


@pytest.mark.parametrize("target", ["header", "connections", "activity", "checklist"])
def test_htmx_gets_only_the_fragment(target, role_world, page_client_as):
    response = page_client_as(role_world, "viewer").get(
        page_url(role_world), HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target
    )
    page = html(response)
    assert page.lstrip().startswith(f'<section id="{target}"') and "<html" not in page


def test_inline_edit(role_world, page_client_as):
    client = page_client_as(role_world, "member")
    form = html(client.get(page_url(role_world) + "?edit=1", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="header"))
    assert form.lstrip().startswith('<section id="header"') and 'name="description"' in form
    url = f"/w/{role_world.workspace.slug}/p/genomes/edit"
    response = client.post(url, {"name": "Genomes", "description": "Now described"}, HTTP_HX_REQUEST="true")
    page = html(response)
    assert page.lstrip().startswith('<section id="header"') and "Now described" in page
    assert "Project saved." in page and 'hx-swap-oob="true"' in page
    bad = html(client.post(url, {"name": ""}, HTTP_HX_REQUEST="true"))
    assert "This field is required." in bad and 'name="name"' in bad
    make_project(role_world.workspace, name="Taken")
    taken = html(client.post(url, {"name": "taken"}, HTTP_HX_REQUEST="true"))
    assert "already exists" in taken
    plain = client.post(url, {"name": "Genomes", "description": "No JS"})
    assert plain.status_code == 302 and plain["Location"] == page_url(role_world)
    viewer = page_client_as(role_world, "viewer")
    assert viewer.post(url, {"name": "Nope"}).status_code == 403
    viewer_page = html(viewer.get(page_url(role_world) + "?edit=1"))
    assert 'name="description"' not in viewer_page


def test_create_inline_on_the_workspace_page(role_world, page_client_as):
    url = f"/w/{role_world.workspace.slug}/projects/new"
    client = page_client_as(role_world, "member")
    response = client.post(url, {"name": "Proteins"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"/w/{role_world.workspace.slug}/p/proteins/"
    bad = html(client.post(url, {"name": "proteins"}, HTTP_HX_REQUEST="true"))
    assert bad.lstrip().startswith('<section id="projects"') and "already exists" in bad
    assert page_client_as(role_world, "viewer").post(url, {"name": "Nope"}).status_code == 403
    assert Project.objects.filter(workspace=role_world.workspace).count() == 2


def test_delete(role_world, page_client_as):
    url = f"/w/{role_world.workspace.slug}/p/genomes/delete"
    assert page_client_as(role_world, "member").post(url).status_code == 403
    response = page_client_as(role_world, "admin").post(url)
    assert response.status_code == 302 and response["Location"] == f"/w/{role_world.workspace.slug}/"
    assert not Project.objects.filter(pk=role_world.project.pk).exists()
