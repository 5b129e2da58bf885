import pytest

from projects.models import Project
from workspaces.models import ActivityEvent, Workspace

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_changelists_and_change_pages_render(admin_client, role_world):
    w, p, i = role_world.workspace, role_world.project, role_world.invitation
    membership = w.memberships.first()
    event = ActivityEvent.objects.first()
    for url in [
        "/admin/workspaces/workspace/", f"/admin/workspaces/workspace/{w.pk}/change/",
        "/admin/workspaces/membership/", f"/admin/workspaces/membership/{membership.pk}/change/",
        "/admin/workspaces/invitation/", f"/admin/workspaces/invitation/{i.pk}/change/",
        "/admin/workspaces/activityevent/", f"/admin/workspaces/activityevent/{event.pk}/change/",
        "/admin/projects/project/", f"/admin/projects/project/{p.pk}/change/",
        "/admin/workspaces/workspace/?q=acme", "/admin/workspaces/activityevent/?verb=project.created",
    ]:
        assert admin_client.get(url).status_code == 200, url
    page = admin_client.get(f"/admin/workspaces/workspace/{w.pk}/change/").content.decode()
    assert "memberships-TOTAL_FORMS" in page and "target@example.com" in page  # the inline
    assert "invitee@example.com" in page


def test_activity_is_read_only(admin_client, role_world):
    event = ActivityEvent.objects.first()
    assert admin_client.get("/admin/workspaces/activityevent/add/").status_code == 403
    assert admin_client.post(f"/admin/workspaces/activityevent/{event.pk}/delete/").status_code == 403
    page = admin_client.get(f"/admin/workspaces/activityevent/{event.pk}/change/").content.decode()
    assert 'name="summary"' not in page


def test_deleting_a_workspace_in_the_admin_takes_its_activity_along(admin_client, role_world):
    w = role_world.workspace
    confirm = admin_client.get(f"/admin/workspaces/workspace/{w.pk}/delete/")
    assert "Are you sure" in confirm.content.decode()
    response = admin_client.post(f"/admin/workspaces/workspace/{w.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Workspace.objects.filter(pk=w.pk).exists()
    assert not ActivityEvent.objects.filter(workspace_id=w.pk).exists()
    assert not Project.objects.filter(workspace_id=w.pk).exists()
